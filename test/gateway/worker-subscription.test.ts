// The fully serverless loop under wrangler's local runtime (workerd), offline, no Node process in the path: the
// AWS SDK writes to the control-plane Worker (D1); gateway Workers take their config from its REST xDS and its mesh
// hub (a Durable Object holding their subscriptions); real HTTP backends on loopback receive the traffic.
// Each case has its own virtual gateway (and gateway Worker) or its own path prefix, so no case depends on another.
import { CreateMeshCommand, CreateVirtualGatewayCommand, type AppMeshClient } from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMeshClient } from "../support/control-plane.js";
import { startTcpFaultProxy, type TcpFaultProxy } from "../support/tcp-fault-proxy.js";
import { startControlPlaneWorker, startGatewayWorker, type RunningWorker } from "../support/wrangler.js";
import { createLocalhostNodes, createRoutedService, MakeWeightedRouteSpec, startBackend, waitFor, type Backend } from "./support.js";

const mesh = "edge";
/** Generous: the machine may be loaded; the cases wait for events, they do not time them. */
const EVENTUALLY_MS = 60_000;

interface Proxy {
  nodeId: string;
  subscriptions: Array<{ since: string }>;
}

async function backendsOf(url: string, path: string, count: number, concurrency: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let issued = 0;
  const worker = async () => {
    while (issued < count) {
      issued++;
      const response = await fetch(`${url}${path}`);
      const backend = response.status === 200 ? ((await response.json()) as { backend: string }).backend : `status ${response.status}`;
      counts[backend] = (counts[backend] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

const backendOf = async (url: string, path: string) => Object.keys(await backendsOf(url, path, 1, 1))[0];

describe("gateway Worker subscribed to the control-plane Worker's mesh hub", () => {
  let plane: RunningWorker;
  let client: AppMeshClient;
  let one: Backend;
  let two: Backend;
  const gateways: RunningWorker[] = [];
  let faults: TcpFaultProxy;

  const createVirtualGateway = (name: string) =>
    client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: name, spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } }));

  /** A gateway Worker for virtual gateway `name` with `variables`, fed through `meshplaneUrl`. */
  async function startGateway(name: string, meshplaneUrl: string, variables: Record<string, string>): Promise<RunningWorker> {
    const gateway = await startGatewayWorker(meshplaneUrl, `mesh/${mesh}/virtualGateway/${name}`, variables);
    gateways.push(gateway);
    return gateway;
  }

  async function subscriptionsOf(name: string): Promise<number> {
    const nodeId = `mesh/${mesh}/virtualGateway/${name}`;
    const listed = (await (await fetch(`${plane.url}/v1/xds/proxies?nodeId=${encodeURIComponent(nodeId)}`)).json()) as { proxies: Proxy[] };
    return listed.proxies.find((proxy) => proxy.nodeId === nodeId)?.subscriptions.length ?? 0;
  }

  beforeAll(async () => {
    [plane, one, two] = await Promise.all([startControlPlaneWorker(), startBackend("one"), startBackend("two")]);
    client = createAppMeshClient(plane.url);
    await client.send(new CreateMeshCommand({ meshName: mesh }));
    await createLocalhostNodes(client, mesh, [["one", one], ["two", two]] as const);
    faults = await startTcpFaultProxy(new URL(plane.url));
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.dispose();
    await faults?.close();
    client?.destroy();
    await plane?.dispose();
    await Promise.all([one?.close(), two?.close()]);
  });

  it("splits 2,000 requests 75/25 between two virtual nodes within statistical tolerance", async () => {
    await createVirtualGateway("gw-split");
    const gateway = await startGateway("gw-split", plane.url, { XDS_POLL_MS: "0" });
    expect(["one", "two"]).not.toContain(await backendOf(gateway.url, "/split/x"));
    await createRoutedService(client, mesh, { service: "split.local", gateway: "gw-split", prefix: "/split", routes: { r: MakeWeightedRouteSpec([["one", 75], ["two", 25]]) } });
    // The gateway route was written after the gateway's first fetch: it arrives with the hub's signal.
    expect(await waitFor(async () => ["one", "two"].includes((await backendOf(gateway.url, "/split/x")) ?? ""), EVENTUALLY_MS)).toBe(true);
    const counts = await backendsOf(gateway.url, "/split/x", 2000, 16);
    // Binomial(2000, 0.75): σ ≈ 19.4; 5σ keeps a correct split failing less than once in a million runs.
    const sigma = Math.sqrt(2000 * 0.75 * 0.25);
    expect((counts.one ?? 0) + (counts.two ?? 0)).toBe(2000);
    expect(Math.abs((counts.one ?? 0) - 1500)).toBeLessThan(5 * sigma);
  });

  it("with polling disabled, brings a weight flip written with the AWS SDK to the gateway through the mesh hub", async () => {
    await createVirtualGateway("gw-push");
    const service = await createRoutedService(client, mesh, { service: "flip.local", gateway: "gw-push", prefix: "/flip", routes: { r: MakeWeightedRouteSpec([["one", 100], ["two", 0]]) } });
    // XDS_POLL_MS=0: the gateway fetches once at its first request, then only when the hub signals it.
    const gateway = await startGateway("gw-push", plane.url, { XDS_POLL_MS: "0" });
    expect(await backendOf(gateway.url, "/flip/1")).toBe("one");
    expect(await waitFor(async () => (await subscriptionsOf("gw-push")) === 1, EVENTUALLY_MS)).toBe(true);
    await service.updateRoute("r", MakeWeightedRouteSpec([["one", 0], ["two", 100]]));
    expect(await waitFor(async () => (await backendOf(gateway.url, "/flip/1")) === "two", EVENTUALLY_MS)).toBe(true);
  });

  it("falls back to polling when its subscription socket is cut, and keeps following changes", async () => {
    await createVirtualGateway("gw-fallback");
    const service = await createRoutedService(client, mesh, { service: "fallback.local", gateway: "gw-fallback", prefix: "/fallback", routes: { r: MakeWeightedRouteSpec([["one", 100], ["two", 0]]) } });
    const gateway = await startGateway("gw-fallback", faults.url, { XDS_POLL_MS: "200" });
    expect(await backendOf(gateway.url, "/fallback/1")).toBe("one");
    expect(await waitFor(async () => (await subscriptionsOf("gw-fallback")) === 1, EVENTUALLY_MS)).toBe(true);
    faults.cutUpgrades();
    expect(await waitFor(async () => (await subscriptionsOf("gw-fallback")) === 0, EVENTUALLY_MS)).toBe(true);
    await service.updateRoute("r", MakeWeightedRouteSpec([["one", 0], ["two", 100]]));
    // Requests drive the polls (an isolate runs no timers between them); every attempt to subscribe again is refused.
    expect(await waitFor(async () => (await backendOf(gateway.url, "/fallback/1")) === "two", EVENTUALLY_MS)).toBe(true);
    expect(await subscriptionsOf("gw-fallback")).toBe(0);
    // It did try to subscribe again (and was refused), and served from polling meanwhile.
    expect(faults.refusedUpgrades()).toBeGreaterThan(0);
  });
});
