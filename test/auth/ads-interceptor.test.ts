// The ADS auth interceptor on a real Connect gRPC server with a real @grpc/grpc-js client sending SigV4 metadata the
// way the App Mesh Envoy image does: serviceBv1 is served, serviceBv2 ends with 7, no signature with 16, and the
// quota slot is given back when the stream ends.
import { create } from "@bufbuild/protobuf";
import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdsAuthorizer, type AdsAuthorizer } from "../../functions/auth/ads-authorizer.js";
import { createAdsAuthInterceptor } from "../../functions/auth/ads-interceptor.js";
import { MutablePrincipalDirectory, parseAuthFile } from "../../functions/auth/principals.js";
import { EMPTY_PAYLOAD_SHA256 } from "../../functions/auth/sigv4.js";
import { peerAddressKey } from "../../functions/xds/index.js";
import { AggregatedDiscoveryService } from "../../proto/gen/envoy/service/discovery/v3/ads_pb.js";
import { DiscoveryResponseSchema } from "../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { testAccountId } from "../support/control-plane.js";
import { adsClient } from "../xds/server/support.js";
import { createSigner, envoyBearerToken, testAuthFile, testKeys, type TestKey } from "./support.js";

const CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

describe("ADS auth interceptor (Connect server, grpc-js client)", () => {
  let server: http2.Http2Server;
  let target: string;
  let authorizer: AdsAuthorizer;
  const sessions = new Set<http2.ServerHttp2Session>();

  beforeAll(async () => {
    const directory = new MutablePrincipalDirectory();
    directory.replaceFileContent(await parseAuthFile(JSON.stringify(testAuthFile)));
    authorizer = createAdsAuthorizer({ directory, scope: { region: "us-east-1", accountId: testAccountId }, proxyQuota: 50 });
    const handler = connectNodeAdapter({
      grpc: true,
      connect: false,
      grpcWeb: false,
      interceptors: [createAdsAuthInterceptor(authorizer)],
      contextValues: (request) => createContextValues().set(peerAddressKey, `${request.socket?.remoteAddress}:${request.socket?.remotePort}`),
      routes: (router) =>
        router.service(AggregatedDiscoveryService, {
          async *streamAggregatedResources(requests) {
            for await (const request of requests) yield create(DiscoveryResponseSchema, { typeUrl: request.typeUrl, versionInfo: "1", nonce: "1" });
          },
          async *deltaAggregatedResources(requests) {
            for await (const _ of requests);
          },
        }),
    });
    server = http2.createServer(handler);
    server.on("session", (session) => {
      sessions.add(session);
      session.on("close", () => sessions.delete(session));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    target = `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    sessions.forEach((session) => session.destroy());
    await closed;
  });

  async function signedMetadata(key: TestKey): Promise<grpc.Metadata> {
    const [hostname, port] = target.split(":") as [string, string];
    const signed = await createSigner(key).sign({
      method: "POST",
      protocol: "http:",
      hostname,
      port: Number(port),
      path: "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources",
      query: {},
      headers: { host: target, "x-amz-content-sha256": EMPTY_PAYLOAD_SHA256 },
    });
    const metadata = new grpc.Metadata();
    for (const [name, value] of Object.entries(signed.headers)) if (name !== "host") metadata.set(name, value);
    return metadata;
  }

  /** Opens a stream for `nodeId`, sends one CDS request, and reports the first response or the final status. */
  function openStream(metadata: grpc.Metadata, nodeId: string): Promise<{ typeUrl?: string; code?: number; details?: string; call: grpc.ClientDuplexStream<unknown, { typeUrl: string }>; client: grpc.Client }> {
    const client = adsClient(target);
    const call = (client as unknown as { StreamAggregatedResources(metadata: grpc.Metadata): grpc.ClientDuplexStream<unknown, { typeUrl: string }> }).StreamAggregatedResources(metadata);
    return new Promise((resolve) => {
      call.on("data", (response: { typeUrl: string }) => resolve({ typeUrl: response.typeUrl, call, client }));
      call.on("error", () => undefined);
      call.on("status", (status: grpc.StatusObject) => resolve({ code: status.code, details: status.details, call, client }));
      call.write({ node: { id: nodeId, cluster: "c" }, typeUrl: CLUSTER_TYPE, resourceNames: [] });
    });
  }

  it("serves serviceBv1 to its signed Envoy, and frees the quota slot when the stream ends", async () => {
    const served = await openStream(await signedMetadata(testKeys.envoyB1), "mesh/apps/virtualNode/serviceBv1");
    expect(served.typeUrl).toBe(CLUSTER_TYPE);
    const arn = `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/apps/virtualNode/serviceBv1`;
    expect(authorizer.connected(arn)).toBe(1);
    served.call.cancel();
    served.client.close();
    for (let i = 0; i < 200 && authorizer.connected(arn) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(authorizer.connected(arn)).toBe(0);
  });

  it("ends a stream for serviceBv2 with status 7 when the key's policy names only serviceBv1", async () => {
    const refused = await openStream(await signedMetadata(testKeys.envoyB1), "mesh/apps/virtualNode/serviceBv2");
    expect(refused.code).toBe(grpc.status.PERMISSION_DENIED);
    // grpc-message is percent-encoded on the wire; grpc-js hands it over as sent.
    expect(decodeURIComponent(refused.details ?? "")).toMatch(/User: envoyB1 is not authorized to perform: appmesh:StreamAggregatedResources/);
    refused.client.close();
  });

  it("ends an unsigned stream with status 16, Missing Authentication Token", async () => {
    const refused = await openStream(new grpc.Metadata(), "mesh/apps/virtualNode/serviceBv1");
    expect(refused).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: "Missing Authentication Token" });
    refused.client.close();
  });

  it("serves a stream carrying the principal's bearer token", async () => {
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${envoyBearerToken}`);
    const served = await openStream(metadata, "mesh/apps/virtualNode/serviceBv1");
    expect(served.typeUrl).toBe(CLUSTER_TYPE);
    served.call.cancel();
    served.client.close();
  });
});
