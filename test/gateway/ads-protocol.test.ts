// The gateway's state-of-the-world ADS client on the wire, against a scripted ADS server (Connect, gRPC over h2c):
// ACK carries the response's version and nonce; NACK carries the last accepted version, the nonce and an
// error_detail; RDS is subscribed by the names the accepted listeners use. The stream is shared; each case sends
// what it needs on it and looks only for the requests its own responses cause.
import http2 from "node:http2";
import type net from "node:net";
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCore } from "../../core-wasm/node.js";
import { createGateway, startAdsClient, type AdsClient, type Gateway } from "../../functions/gateway/index.js";
import { envoyRegistry, ListenerSchema, RouteConfigurationSchema, TypeUrl } from "../../functions/envoy/index.js";
import { AggregatedDiscoveryService } from "../../proto/gen/envoy/service/discovery/v3/ads_pb.js";
import { DiscoveryResponseSchema, type DiscoveryRequest, type DiscoveryResponse } from "../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { freePort, waitFor } from "./support.js";

const listenerJson = (port: number) => ({
  name: "ingress",
  address: { socketAddress: { address: "0.0.0.0", portValue: port } },
  filterChains: [
    {
      filters: [
        {
          name: "envoy.filters.network.http_connection_manager",
          typedConfig: {
            "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
            statPrefix: "ingress",
            rds: { routeConfigName: "rds_ingress", configSource: { ads: {} } },
          },
        },
      ],
    },
  ],
});

const routeJson = (regex: string) => ({
  name: "rds_ingress",
  virtualHosts: [{ name: "all", domains: ["*"], routes: [{ match: { safeRegex: { regex } }, directResponse: { status: 200 } }] }],
});

describe("gateway ADS client on the wire (scripted server)", () => {
  const received: DiscoveryRequest[] = [];
  const authorizations: (string | null)[] = [];
  const outbox: DiscoveryResponse[] = [];
  let wake: (() => void) | null = null;
  let server: http2.Http2Server;
  let gateway: Gateway;
  let client: AdsClient;
  let listenerPort: number;

  const send = (typeUrl: string, version: string, nonce: string, resources: Array<{ schema: typeof ListenerSchema | typeof RouteConfigurationSchema; json: object }>) => {
    outbox.push(
      create(DiscoveryResponseSchema, {
        versionInfo: version,
        nonce,
        typeUrl,
        resources: resources.map(({ schema, json }) => anyPack(schema as typeof ListenerSchema, fromJson(schema as typeof ListenerSchema, json as JsonValue, { registry: envoyRegistry }))),
      }),
    );
    wake?.();
  };

  beforeAll(async () => {
    listenerPort = await freePort();
    const handler = connectNodeAdapter({
      grpc: true,
      connect: false,
      grpcWeb: false,
      routes: (router) =>
        router.service(AggregatedDiscoveryService, {
          async *streamAggregatedResources(requests, context) {
            authorizations.push(context.requestHeader.get("authorization"));
            void (async () => {
              for await (const request of requests) received.push(request);
            })();
            // Bounded by the test: the stream ends when the client goes away.
            for (let i = 0; i < 100; i++) {
              while (outbox.length > 0) yield outbox.shift()!;
              await new Promise<void>((resolve) => (wake = resolve));
            }
          },
        }),
    });
    server = http2.createServer(handler);
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    gateway = createGateway({ core: loadCore() });
    client = startAdsClient({ address: `127.0.0.1:${port}`, nodeId: "mesh/m/virtualGateway/gw", token: "t0ken" }, gateway);
  });

  afterAll(async () => {
    client?.close();
    wake?.();
    await gateway?.close();
    server?.close();
  });

  it("subscribes to clusters and listeners (wildcard), with the node id in the first request and the bearer token on the stream", async () => {
    expect(await waitFor(() => received.length >= 2, 5_000)).toBe(true);
    expect(received.slice(0, 2).map((r) => [r.typeUrl, r.resourceNames])).toEqual([
      [TypeUrl.cluster, []],
      [TypeUrl.listener, []],
    ]);
    expect(received[0]!.node?.id).toBe("mesh/m/virtualGateway/gw");
    expect(authorizations).toEqual(["Bearer t0ken"]);
  });

  it("ACKs a listener with its version and nonce, then subscribes to the route configuration it names", async () => {
    send(TypeUrl.listener, "L1", "n1", [{ schema: ListenerSchema, json: listenerJson(listenerPort) }]);
    const subscription = () => received.find((r) => r.typeUrl === TypeUrl.route && r.resourceNames.includes("rds_ingress"));
    expect(await waitFor(() => subscription() !== undefined, 5_000)).toBe(true);
    const ack = received.find((r) => r.typeUrl === TypeUrl.listener && r.responseNonce === "n1")!;
    expect([ack.versionInfo, ack.errorDetail]).toEqual(["L1", undefined]);
    expect(subscription()!.resourceNames).toEqual(["rds_ingress"]);
  });

  it("NACKs a route configuration core-wasm refuses, keeping the last accepted version", async () => {
    send(TypeUrl.route, "R1", "n2", [{ schema: RouteConfigurationSchema, json: routeJson("/ok") }]);
    expect(await waitFor(() => received.some((r) => r.responseNonce === "n2"), 5_000)).toBe(true);
    send(TypeUrl.route, "R2", "n3", [{ schema: RouteConfigurationSchema, json: routeJson("(") }]);
    expect(await waitFor(() => received.some((r) => r.responseNonce === "n3"), 5_000)).toBe(true);
    const nack = received.find((r) => r.responseNonce === "n3")!;
    expect(nack.versionInfo).toBe("R1");
    expect(nack.errorDetail?.code).toBe(3);
    expect(nack.errorDetail?.message).toMatch(/regex|safeRegex/i);
    expect(gateway.metrics.updateRejected.get({ type: "route" })).toBe(1);
    expect(gateway.snapshot().routes.get("rds_ingress")?.table.spec.routes[0]?.path.value).toBe("/ok");
  });
});
