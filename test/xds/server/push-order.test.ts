// The ADS service's own ordering and versioning, on the real ADS server (loopback HTTP/2, a Connect gRPC client)
// with a translation whose snapshots the test controls: when every type changes at once the pushes go out clusters
// → endpoints → listeners → routes, and a change confined to resources a named subscription did not ask for pushes
// nothing.
import { create, type Message } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import type { XdsTranslation } from "../../../functions/xds/cache/types.js";
import { ClusterLoadAssignmentSchema, ClusterSchema, ListenerSchema, RouteConfigurationSchema, TypeUrl } from "../../../functions/envoy/index.js";
import { startXdsServer, type RunningXdsServer } from "../../../functions/xds/server/node-server.js";
import { AggregatedDiscoveryService } from "../../../proto/gen/envoy/service/discovery/v3/ads_pb.js";
import type { DiscoveryRequest, DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { MeshSnapshot } from "../../../functions/appmesh/snapshot.js";
import { MakeMesh } from "../translate/fixtures.js";

/** Resources of generation `g`: each type's content depends on `g` (and on `extra` for a second cluster). */
function resources(g: number, extra = 0) {
  return {
    listeners: [create(ListenerSchema, { name: "l", statPrefix: `l${g}` })],
    clusters: [create(ClusterSchema, { name: "c", altStatName: `c${g}` }), create(ClusterSchema, { name: "c2", altStatName: `x${extra}` })],
    routes: [create(RouteConfigurationSchema, { name: "r", internalOnlyHeaders: [`r${g}`] })],
    endpoints: [create(ClusterLoadAssignmentSchema, { clusterName: "c", endpoints: [{ priority: g }] }), create(ClusterLoadAssignmentSchema, { clusterName: "c2", endpoints: [{ priority: extra }] })],
    secrets: [] as Message[],
  };
}

const servers: RunningXdsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A real server and cache over a fake mesh whose content the test sets, so snapshots carry real content versions. */
async function controlledServer() {
  let state = { g: 1, extra: 0 };
  let revision = 1;
  const mesh = (): MeshSnapshot => ({ mesh: MakeMesh({}, "m"), revision, virtualServices: [], virtualNodes: [], virtualRouters: [], routes: [], virtualGateways: [], gatewayRoutes: [], endpoints: [] });
  const translation: XdsTranslation = {
    identify: (node) => ({ meshName: "m", key: node.id }),
    forSnapshot: () => {
      const { g, extra } = state;
      return { exists: () => true, translate: () => resources(g, extra) };
    },
  };
  const server = await startXdsServer({ host: "127.0.0.1", port: 0, store: {} as never, feeds: [], translation, loadSnapshot: async () => mesh(), shutdownGraceMs: 500 });
  servers.push(server);
  return {
    server,
    async set(next: { g: number; extra: number }) {
      state = next;
      revision++;
      await server.cache.applyChange({ scope: "mesh/m", revision });
    },
  };
}

/** A request queue the client streams from. */
function requestQueue() {
  const items: Array<Partial<DiscoveryRequest>> = [];
  let wake: (() => void) | null = null;
  let closed = false;
  return {
    push(request: Partial<DiscoveryRequest>) {
      items.push(request);
      wake?.();
    },
    close() {
      closed = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (items.length > 0) yield items.shift()!;
        if (closed) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    },
  };
}

function connect(server: RunningXdsServer) {
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${server.port}` });
  const client = createClient(AggregatedDiscoveryService, transport);
  const requests = requestQueue();
  const responses = client.streamAggregatedResources(requests as never)[Symbol.asyncIterator]();
  const next = async (): Promise<DiscoveryResponse> => (await responses.next()).value as DiscoveryResponse;
  const ack = (response: DiscoveryResponse, resourceNames: string[] = []) =>
    requests.push({ typeUrl: response.typeUrl, versionInfo: response.versionInfo, responseNonce: response.nonce, resourceNames });
  return { requests, next, ack };
}

const typeOf = (url: string) => Object.entries(TypeUrl).find(([, u]) => u === url)![0];

describe("ADS push order and subscription versions", () => {
  it("pushes a change that touches every type as clusters, endpoints, listeners, routes", async () => {
    const { server, set } = await controlledServer();
    const { requests, next, ack } = connect(server);
    const names: Record<string, string[]> = { [TypeUrl.route]: ["r"], [TypeUrl.endpoint]: ["c"] };
    // Subscribe in the reverse order, each acknowledged before the next, so only the server decides the order later.
    requests.push({ node: { id: "mesh/m/virtualNode/n" } as never, typeUrl: TypeUrl.route, resourceNames: ["r"] });
    ack(await next(), ["r"]);
    for (const url of [TypeUrl.listener, TypeUrl.endpoint, TypeUrl.cluster]) {
      requests.push({ typeUrl: url, resourceNames: names[url] ?? [] });
      const response = await next();
      expect(response.typeUrl).toBe(url);
      ack(response, names[url] ?? []);
    }
    await set({ g: 2, extra: 0 });
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await next();
      order.push(typeOf(response.typeUrl));
      ack(response, names[response.typeUrl] ?? []);
    }
    expect(order).toEqual(["cluster", "endpoint", "listener", "route"]);
    requests.close();
  });

  it("sends nothing to a named subscription when only resources it did not name changed", async () => {
    const { server, set } = await controlledServer();
    const { requests, next, ack } = connect(server);
    requests.push({ node: { id: "mesh/m/virtualNode/n" } as never, typeUrl: TypeUrl.endpoint, resourceNames: ["c"] });
    const first = await next();
    expect(first.resources.length).toBe(1);
    ack(first, ["c"]);
    // c2's assignment changes (not subscribed), then c's does: the only push carries the change of c.
    await set({ g: 1, extra: 5 });
    await set({ g: 3, extra: 5 });
    const second = await next();
    expect(second.versionInfo).not.toBe(first.versionInfo);
    expect(second.resources.length).toBe(1);
    expect(second.nonce).toBe("2");
    requests.close();
  });
});

