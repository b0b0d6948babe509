// The audit trail of ADS streams as an XdsObserver, on the real ADS server behind the auth admission (grpc-js
// clients on loopback): one connect and one disconnect entry per served stream, with the principal the admission
// established, the disconnect carrying the status the stream ended with; refusals are the authorizer's only entry.
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../db/store.js";
import { createAdsAuditObserver } from "../../functions/auth/ads-audit-observer.js";
import { TypeUrl } from "../../functions/envoy/index.js";
import type { StreamInfo } from "../../functions/xds/index.js";
import { NodeSchema } from "../../proto/gen/envoy/config/core/v3/base_pb.js";
import { testAccountId } from "../support/control-plane.js";
import { adsClient, DeltaClient, SotwClient } from "../xds/server/support.js";
import { arnOf, bearerMetadata, memoryAudit, REFUSED_CLUSTER, serviceBv1, signedAdsMetadata, startAuthorizedAds, type AuthorizedAds } from "./ads-support.js";
import { envoyBearerToken, testKeys } from "./support.js";

const row = (entry: AuditRecord) => [entry.principal, entry.credential, entry.action, entry.resource, entry.outcome, entry.errorCode];

describe("ADS audit observer (real ADS server behind the auth admission)", () => {
  let ads: AuthorizedAds;
  const clients: grpc.Client[] = [];
  const client = () => {
    const created = adsClient(ads.target);
    clients.push(created);
    return created;
  };
  /** The entries written from `from` on, once there are `count` of them. */
  const entriesFrom = async (from: number, count: number) => {
    await ads.audit.until((entries) => entries.length >= from + count);
    return ads.audit.entries.slice(from);
  };

  beforeAll(async () => {
    ads = await startAuthorizedAds();
  });
  afterAll(async () => {
    clients.forEach((each) => each.close());
    await ads?.close();
  });

  it("audits a served stream's connect and its disconnect once each, with the principal, key and peer of the stream", async () => {
    const from = ads.audit.entries.length;
    const stream = new SotwClient(client(), { id: serviceBv1 }, await signedAdsMetadata(testKeys.envoyB1, ads.target));
    stream.send({ typeUrl: TypeUrl.cluster });
    const first = await stream.next();
    stream.ack(first);
    stream.send({ typeUrl: TypeUrl.listener });
    await stream.next();
    stream.end();
    expect((await stream.status).code).toBe(grpc.status.OK);
    const entries = await entriesFrom(from, 2);
    expect(entries.map(row)).toEqual([
      ["envoyB1", testKeys.envoyB1.accessKeyId, "appmesh:StreamAggregatedResources", arnOf(serviceBv1), "allowed", ""],
      ["envoyB1", testKeys.envoyB1.accessKeyId, "meshplane:StreamClosed", arnOf(serviceBv1), "allowed", ""],
    ]);
    expect(entries[0]!.sourceAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(entries[1]!.sourceAddress).toBe(entries[0]!.sourceAddress);
  });

  it("audits the disconnect of an admitted stream that ends with an error under that status's name", async () => {
    const from = ads.audit.entries.length;
    const stream = new DeltaClient(client(), { id: serviceBv1, cluster: REFUSED_CLUSTER }, bearerMetadata(envoyBearerToken));
    stream.send({ typeUrl: TypeUrl.cluster });
    expect((await stream.status).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await entriesFrom(from, 2)).map(row)).toEqual([
      ["envoyB1", "bearer", "appmesh:StreamAggregatedResources", arnOf(serviceBv1), "allowed", ""],
      ["envoyB1", "bearer", "meshplane:StreamClosed", arnOf(serviceBv1), "InvalidArgument", "InvalidArgument"],
    ]);
  });

  it("leaves a refused stream to the authorizer: its refusal is its only entry", async () => {
    const from = ads.audit.entries.length;
    const stream = new SotwClient(client(), { id: "mesh/apps/virtualNode/serviceBv2" }, await signedAdsMetadata(testKeys.envoyB1, ads.target));
    stream.send({ typeUrl: TypeUrl.cluster });
    expect((await stream.status).code).toBe(grpc.status.PERMISSION_DENIED);
    // A served stream after it: its two entries follow the refusal directly.
    const served = new SotwClient(client(), { id: serviceBv1 }, bearerMetadata(envoyBearerToken));
    served.send({ typeUrl: TypeUrl.cluster });
    await served.next();
    served.end();
    await served.status;
    expect((await entriesFrom(from, 3)).map((entry) => [entry.action, entry.resource, entry.outcome])).toEqual([
      ["appmesh:StreamAggregatedResources", arnOf("mesh/apps/virtualNode/serviceBv2"), "denied"],
      ["appmesh:StreamAggregatedResources", arnOf(serviceBv1), "allowed"],
      ["meshplane:StreamClosed", arnOf(serviceBv1), "allowed"],
    ]);
  });

  it("appends a stream's disconnect after its connect even when the connect's write is slower", async () => {
    const from = ads.audit.entries.length;
    const release = ads.audit.hold();
    const stream = new SotwClient(client(), { id: serviceBv1 }, bearerMetadata(envoyBearerToken));
    stream.send({ typeUrl: TypeUrl.cluster });
    await stream.next();
    stream.end();
    expect((await stream.status).code).toBe(grpc.status.OK);
    expect(ads.audit.entries.length).toBe(from);
    release();
    expect((await entriesFrom(from, 2)).map((entry) => entry.action)).toEqual(["appmesh:StreamAggregatedResources", "meshplane:StreamClosed"]);
  });
});

describe("ADS audit observer hooks", () => {
  const scope = { region: "us-east-1", accountId: testAccountId };
  const stream = (id: number, identity: StreamInfo["identity"]): StreamInfo => ({ id, protocol: "sotw", peerAddress: "10.0.0.9:4000", node: null, identity });

  it("audits a stream no auth layer admitted with an empty principal, and one that never named its node not at all", async () => {
    const { audit, entries, until } = memoryAudit();
    const observer = createAdsAuditObserver({ audit, scope, now: () => 1_000 });
    const silent = stream(1, null);
    observer.onStreamOpen(silent);
    observer.onStreamClosed(silent, null);
    const node = create(NodeSchema, { id: "mesh/apps/virtualGateway/gw" });
    const open = { ...stream(2, null), node };
    observer.onStreamOpen(open);
    observer.onStreamNode(open, node);
    observer.onStreamClosed(open, null);
    await until((written) => written.length >= 2);
    expect(entries.map((entry) => [entry.at, entry.principal, entry.credential, entry.sourceAddress, entry.action, entry.resource])).toEqual([
      [1_000, "", "", "10.0.0.9:4000", "appmesh:StreamAggregatedResources", `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/apps/virtualGateway/gw`],
      [1_000, "", "", "10.0.0.9:4000", "meshplane:StreamClosed", `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/apps/virtualGateway/gw`],
    ]);
  });

  it("writes the entries of one turn of the event loop in one store write, in the order they happened", async () => {
    const { audit, entries, writes, until } = memoryAudit();
    const observer = createAdsAuditObserver({ audit, scope });
    const streams = [1, 2, 3].map((id) => ({ ...stream(id, { principal: `envoy${id}`, credential: "bearer" }), node: create(NodeSchema, { id: `mesh/apps/virtualNode/n${id}` }) }));
    for (const each of streams) observer.onStreamNode(each, each.node);
    observer.onStreamClosed(streams[1]!, null);
    await until((written) => written.length >= 4);
    expect(writes).toEqual([4]);
    expect(entries.map((entry) => `${entry.principal} ${entry.action}`)).toEqual([
      "envoy1 appmesh:StreamAggregatedResources",
      "envoy2 appmesh:StreamAggregatedResources",
      "envoy3 appmesh:StreamAggregatedResources",
      "envoy2 meshplane:StreamClosed",
    ]);
  });
});
