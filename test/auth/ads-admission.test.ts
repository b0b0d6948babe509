// The ADS auth admission of the real ADS server (startXdsServer on loopback), driven by @grpc/grpc-js
// clients sending SigV4 metadata the way the App Mesh Envoy image does: serviceBv1 is served, serviceBv2 ends with
// 7, no signature with 16; an admitted stream reaches the ADS service with its principal as its identity, and its
// quota slot is given back however the stream ends.
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeUrl } from "../../functions/envoy/index.js";
import { createXdsObserver, type StreamIdentity } from "../../functions/xds/index.js";
import { adsClient, DeltaClient, SotwClient } from "../xds/server/support.js";
import { arnOf, bearerMetadata, REFUSED_CLUSTER, serviceBv1, signedAdsMetadata, startAuthorizedAds, type AuthorizedAds } from "./ads-support.js";
import { envoyBearerToken, testKeys } from "./support.js";

describe("createAdsAdmission (real ADS server, grpc-js client)", () => {
  let ads: AuthorizedAds;
  const clients: grpc.Client[] = [];
  /** Each stream that reached the ADS service: its protocol, node id and identity, in order. */
  const reached: Array<{ stream: string; identity: StreamIdentity | null }> = [];
  const client = () => {
    const created = adsClient(ads.target);
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    ads = await startAuthorizedAds({ observers: [createXdsObserver({ onStreamNode: (stream, node) => reached.push({ stream: `${stream.protocol} ${node.id}`, identity: stream.identity }) })] });
  });
  afterAll(async () => {
    clients.forEach((each) => each.close());
    await ads?.close();
  });

  it("serves serviceBv1 to its signed Envoy, and frees the quota slot when the Envoy ends the stream", async () => {
    const stream = new SotwClient(client(), { id: serviceBv1 }, await signedAdsMetadata(testKeys.envoyB1, ads.target));
    stream.send({ typeUrl: TypeUrl.cluster });
    expect((await stream.next()).typeUrl).toBe(TypeUrl.cluster);
    expect(ads.authorizer.connected(arnOf(serviceBv1))).toBe(1);
    stream.end();
    // The server frees the slot before it sends the stream's final status.
    expect((await stream.status).code).toBe(grpc.status.OK);
    expect(ads.authorizer.connected(arnOf(serviceBv1))).toBe(0);
  });

  it("hands an admitted stream to the ADS service with its principal and credential as the stream's identity", async () => {
    const before = reached.length;
    const signed = new SotwClient(client(), { id: serviceBv1 }, await signedAdsMetadata(testKeys.envoyB1, ads.target));
    signed.send({ typeUrl: TypeUrl.cluster });
    await signed.next();
    signed.end();
    await signed.status;
    const delta = new DeltaClient(client(), { id: serviceBv1 }, bearerMetadata(envoyBearerToken));
    delta.send({ typeUrl: TypeUrl.cluster });
    await delta.next();
    delta.end();
    await delta.status;
    expect(reached.slice(before)).toEqual([
      { stream: `sotw ${serviceBv1}`, identity: { principal: "envoyB1", credential: testKeys.envoyB1.accessKeyId } },
      { stream: `delta ${serviceBv1}`, identity: { principal: "envoyB1", credential: "bearer" } },
    ]);
  });

  it("frees the quota slot of an admitted stream the ADS service ends with an error", async () => {
    const stream = new SotwClient(client(), { id: serviceBv1, cluster: REFUSED_CLUSTER }, await signedAdsMetadata(testKeys.envoyB1, ads.target));
    stream.send({ typeUrl: TypeUrl.cluster });
    expect((await stream.status).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(ads.authorizer.connected(arnOf(serviceBv1))).toBe(0);
  });

  it("ends a stream for serviceBv2 with status 7 when the key's policy names only serviceBv1", async () => {
    const stream = new SotwClient(client(), { id: "mesh/apps/virtualNode/serviceBv2" }, await signedAdsMetadata(testKeys.envoyB1, ads.target));
    stream.send({ typeUrl: TypeUrl.cluster });
    const status = await stream.status;
    expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
    // grpc-message is percent-encoded on the wire; grpc-js hands it over as sent.
    expect(decodeURIComponent(status.details)).toMatch(/User: envoyB1 is not authorized to perform: appmesh:StreamAggregatedResources/);
    expect(reached.map((each) => each.stream)).not.toContain("sotw mesh/apps/virtualNode/serviceBv2");
  });

  it("ends an unsigned stream with status 16, Missing Authentication Token", async () => {
    const stream = new SotwClient(client(), { id: serviceBv1 });
    stream.send({ typeUrl: TypeUrl.cluster });
    expect(await stream.status).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: "Missing Authentication Token" });
  });

  it("serves a stream carrying the principal's bearer token", async () => {
    const stream = new SotwClient(client(), { id: serviceBv1 }, bearerMetadata(envoyBearerToken));
    stream.send({ typeUrl: TypeUrl.cluster });
    expect((await stream.next()).typeUrl).toBe(TypeUrl.cluster);
    stream.end();
    expect((await stream.status).code).toBe(grpc.status.OK);
  });
});
