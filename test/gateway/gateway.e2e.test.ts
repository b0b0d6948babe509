// Issue 6 acceptance, end to end with real processes and sockets on loopback: meshplane (`npm start`) ← AWS SDK
// writes a mesh; the gateway (`npm run gateway`; in the deno project `deno task gateway`) takes its config over
// ADS; real HTTP backends receive the traffic.
// The meshplane process, the virtual gateway and its gateway process are shared; every case creates its own
// backends, virtual nodes, router and gateway route (its own path prefix), so no case depends on another's. The
// suite runs against a single-process gateway and against `--workers 2` (one xDS stream fanned out to two
// processes sharing the listener).
import {
  CreateGatewayRouteCommand,
  CreateMeshCommand,
  CreateVirtualGatewayCommand,
  CreateVirtualNodeCommand,
  CreateVirtualServiceCommand,
  UpdateRouteCommand,
  type AppMeshClient,
  type RouteSpec,
} from "@aws-sdk/client-app-mesh";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMeshClient } from "../support/control-plane.js";
import { MakeGatewayRouteSpec } from "../support/fixtures.js";
import { startMeshplaneProcess, type MeshplaneProcess } from "../support/process.js";
import {
  countBy,
  createLocalhostNodes,
  createRoutedService,
  freePort,
  get,
  load,
  loadUntil,
  MakeWeightedRouteSpec,
  startBackend,
  parsePrometheus,
  sampleValue,
  gatewayWorkerCounts,
  startGatewayProcess,
  waitFor,
  xdsPortOf,
  type Backend,
  type GatewayProcess,
  type Reply,
} from "./support.js";

const mesh = "gateway-e2e";

/** A canary route: requests with `x-canary: 1` go to `node` (priority 0, before the weighted route). */
const MakeCanaryRouteSpec = (node: string): RouteSpec => ({
  priority: 0,
  httpRoute: { match: { prefix: "/", headers: [{ name: "x-canary", match: { exact: "1" } }] }, action: { weightedTargets: [{ virtualNode: node, weight: 100 }] } },
});

/** meshplane on a fresh SQLite file, with the ports it must keep across restarts. */
async function startControlPlane(dir: string): Promise<{ meshplane: MeshplaneProcess; env: Record<string, string>; xdsPort: number }> {
  const [apiPort, xdsPort] = await Promise.all([freePort(), freePort()]);
  const env = { MESHPLANE_DB: path.join(dir, "meshplane.db"), PORT: String(apiPort), XDS_PORT: String(xdsPort) };
  const meshplane = await startMeshplaneProcess(env);
  expect(await xdsPortOf(meshplane)).toBe(xdsPort);
  return { meshplane, env, xdsPort };
}

/** A mesh with virtual gateway `gw` listening on `port`, and `npm run gateway -- --workers <workers>` serving it. */
async function startMeshWithGateway(appMesh: AppMeshClient, xdsPort: number, port: number, workers: number): Promise<GatewayProcess> {
  await appMesh.send(new CreateMeshCommand({ meshName: mesh }));
  await appMesh.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port, protocol: "http" } }] } }));
  return startGatewayProcess(["--node", `mesh/${mesh}/virtualGateway/gw`, "--xds", `127.0.0.1:${xdsPort}`, "--workers", String(workers)]);
}

describe.each(gatewayWorkerCounts())("meshplane gateway, end to end (%i worker process(es))", (workers) => {
  let dir: string;
  let meshplane: MeshplaneProcess;
  let appMesh: AppMeshClient;
  let gateway: GatewayProcess;
  let gatewayPort: number;
  const backends: Backend[] = [];

  /** Backends named `names`, each behind a virtual node of the same name discovered at localhost. */
  async function startNodes(...names: string[]): Promise<Backend[]> {
    const started = await Promise.all(names.map((name) => startBackend(name)));
    backends.push(...started);
    await createLocalhostNodes(appMesh, mesh, started.map((backend) => [backend.name, backend] as const));
    return started;
  }

  /**
   * Until `prefix` is answered by `backend` through the gateway: the case's own config has arrived. (Prefixes are
   * chosen so that none is a prefix of another case's, or a case could see another's route first.)
   */
  const served = async (prefix: string, backend: string) =>
    expect(await waitFor(async () => (await get(gatewayPort, prefix)).backend === backend, 20_000), gateway.output()).toBe(true);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-gateway-"));
    gatewayPort = await freePort();
    const started = await startControlPlane(dir);
    meshplane = started.meshplane;
    appMesh = createAppMeshClient(meshplane.url);
    gateway = await startMeshWithGateway(appMesh, started.xdsPort, gatewayPort, workers);
  });

  afterAll(async () => {
    await gateway?.stop();
    await meshplane?.stop();
    appMesh?.destroy();
    await Promise.all(backends.map((backend) => backend.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("splits 4,000 requests 75/25 between two virtual nodes within statistical tolerance", async () => {
    await startNodes("splitB", "splitBv2");
    await createRoutedService(appMesh, mesh, { service: "split.local", gateway: "gw", prefix: "/split", routes: { split: MakeWeightedRouteSpec([["splitB", 75], ["splitBv2", 25]]) } });
    await served("/split", "splitB");
    const replies = await load(gatewayPort, 4000, 32, "/split");
    expect(countBy(replies, (r) => String(r.status))).toEqual({ "200": 4000 });
    const counts = countBy(replies, (r) => r.backend ?? "none");
    // Binomial(4000, 0.75): σ ≈ 27.4; 5σ keeps a correct split failing less than once in a million runs.
    const sigma = Math.sqrt(4000 * 0.75 * 0.25);
    expect(Math.abs((counts.splitB ?? 0) - 3000)).toBeLessThan(5 * sigma);
    expect((counts.splitB ?? 0) + (counts.splitBv2 ?? 0)).toBe(4000);
  });

  it("sends every x-canary: 1 request to the canary's virtual node", async () => {
    await startNodes("canaryStable", "canaryNext");
    await createRoutedService(appMesh, mesh, {
      service: "canary.local",
      gateway: "gw",
      prefix: "/canary",
      routes: { stable: MakeWeightedRouteSpec([["canaryStable", 100]], { priority: 10 }), canary: MakeCanaryRouteSpec("canaryNext") },
    });
    await served("/canary", "canaryStable");
    expect(countBy(await load(gatewayPort, 300, 16, "/canary", { "x-canary": "1" }), (r) => `${r.status} ${r.backend}`)).toEqual({ "200 canaryNext": 300 });
    expect(countBy(await load(gatewayPort, 50, 4, "/canary"), (r) => `${r.status} ${r.backend}`)).toEqual({ "200 canaryStable": 50 });
  });

  it("rewrites /chapter/1 to /1 at the backend (the gateway route's default prefix rewrite)", async () => {
    await startNodes("chapters");
    await createRoutedService(appMesh, mesh, { service: "chapter.local", gateway: "gw", prefix: "/chapter", routes: { all: MakeWeightedRouteSpec([["chapters", 100]]) } });
    await served("/chapter", "chapters");
    const reply = await get(gatewayPort, "/chapter/1?x=2");
    expect([reply.status, reply.backend, reply.path]).toEqual([200, "chapters", "/1?x=2"]);
  });

  it("moves all new requests to the other virtual node within 1 s of a 0/100 weight update, with no failed request", async () => {
    await startNodes("shiftOld", "shiftNew");
    const service = await createRoutedService(appMesh, mesh, { service: "shift.local", gateway: "gw", prefix: "/shift", routes: { split: MakeWeightedRouteSpec([["shiftOld", 100], ["shiftNew", 0]]) } });
    await served("/shift", "shiftOld");
    const running = loadUntil(gatewayPort, 16, 50_000, {}, "/shift");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const updatedAt = Date.now();
    await service.updateRoute("split", MakeWeightedRouteSpec([["shiftOld", 0], ["shiftNew", 100]]));
    const acknowledged = Date.now();
    await new Promise((resolve) => setTimeout(resolve, acknowledged - updatedAt + 1500));
    running.stop();
    const replies = await running.done;
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    expect(replies.some((r) => r.backend === "shiftOld")).toBe(true);
    const late = replies.filter((r) => r.startedAt > acknowledged + 1000);
    expect(late.length).toBeGreaterThan(0);
    expect(countBy(late, (r) => r.backend ?? "none")).toEqual({ shiftNew: late.length });
  });

  it("loses no idempotent GET when one of a service's two instances is killed (default retries, outlier ejection)", async () => {
    // Two instances in meshplane's endpoint registry (Cloud Map discovery → EDS). App Mesh dials the listener port
    // on every instance, so the two backends share a port on two loopback addresses.
    const portC = await freePort();
    const [c1, c2] = await Promise.all([startBackend("serviceC-1", { port: portC }), startBackend("serviceC-2", { host: "127.0.0.2", port: portC })]);
    backends.push(c1!, c2!);
    await appMesh.send(
      new CreateVirtualNodeCommand({
        meshName: mesh,
        virtualNodeName: "serviceC",
        spec: {
          listeners: [
            {
              portMapping: { port: portC, protocol: "http" },
              outlierDetection: { maxServerErrors: 2, interval: { value: 1, unit: "s" }, baseEjectionDuration: { value: 30, unit: "s" }, maxEjectionPercent: 50 },
            },
          ],
          serviceDiscovery: { awsCloudMap: { namespaceName: "local", serviceName: "c" } },
        },
      }),
    );
    for (const [instance, backend] of [["c1", c1!], ["c2", c2!]] as const) {
      const response = await fetch(`${meshplane.url}/v1/endpoints/local/c/${instance}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ address: backend.host, port: backend.port }),
      });
      expect(response.status, await response.text()).toBeLessThan(300);
    }
    await appMesh.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: "servicec", spec: { provider: { virtualNode: { virtualNodeName: "serviceC" } } } }));
    await appMesh.send(new CreateGatewayRouteCommand({ meshName: mesh, virtualGatewayName: "gw", gatewayRouteName: "ejection", spec: MakeGatewayRouteSpec("servicec", "/ejection") }));
    expect(await waitFor(async () => new Set((await load(gatewayPort, 20, 4, "/ejection/item")).map((r) => `${r.status} ${r.backend}`)).size === 2, 20_000)).toBe(true);
    const warm = await load(gatewayPort, 100, 8, "/ejection/item");
    expect(countBy(warm, (r) => `${r.status}`)).toEqual({ "200": 100 });
    expect(new Set(warm.map((r) => r.backend))).toEqual(new Set(["serviceC-1", "serviceC-2"]));
    const running = loadUntil(gatewayPort, 8, 20_000, {}, "/ejection/item");
    expect(await waitFor(() => running.count() >= 300, 10_000)).toBe(true);
    await c2!.close();
    const killedAt = running.count();
    const enough = await waitFor(() => running.count() >= killedAt + 1000, 20_000);
    running.stop();
    const replies = await running.done;
    expect(enough).toBe(true);
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    expect(countBy(replies.slice(-200), (r) => r.backend ?? "none")).toEqual({ "serviceC-1": 200 });
    const metrics = await gateway.metrics();
    expect(metrics).toMatch(/envoy_cluster_outlier_detection_ejections_enforced_total\{envoy_cluster_name="cds_egress_gateway-e2e_serviceC_http_\d+"\} [1-9]/);
    expect(metrics).toMatch(/envoy_cluster_upstream_rq_retry\{envoy_cluster_name="cds_egress_gateway-e2e_serviceC_http_\d+"\} [1-9]/);
  });

  it("answers 503 with x-meshplane-flags UF,URX when every attempt fails to connect", async () => {
    // DNS discovery to a port nothing listens on; the route gets App Mesh's default retry policy.
    await appMesh.send(
      new CreateVirtualNodeCommand({
        meshName: mesh,
        virtualNodeName: "serviceD",
        spec: { listeners: [{ portMapping: { port: await freePort(), protocol: "http" } }], serviceDiscovery: { dns: { hostname: "localhost" } } },
      }),
    );
    await appMesh.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: "serviced", spec: { provider: { virtualNode: { virtualNodeName: "serviceD" } } } }));
    await appMesh.send(new CreateGatewayRouteCommand({ meshName: mesh, virtualGatewayName: "gw", gatewayRouteName: "refused", spec: MakeGatewayRouteSpec("serviced", "/refused") }));
    expect(await waitFor(async () => (await get(gatewayPort, "/refused/x")).status === 503, 20_000)).toBe(true);
    const reply = await get(gatewayPort, "/refused/x");
    expect(reply.status).toBe(503);
    expect(reply.flags).toBe("UF,URX");
    expect(await gateway.metrics()).toMatch(/envoy_cluster_upstream_cx_connect_fail\{envoy_cluster_name="cds_egress_gateway-e2e_serviceD_http_\d+"\} (?:[3-9]|[1-9]\d+)\n/);
  });

  it("exports Prometheus metrics with Envoy's names", async () => {
    await startNodes("metered");
    await createRoutedService(appMesh, mesh, { service: "metered.local", gateway: "gw", prefix: "/metered", routes: { metered: MakeWeightedRouteSpec([["metered", 100]]) } });
    await served("/metered", "metered");
    expect(countBy(await load(gatewayPort, 10, 2, "/metered"), (r) => `${r.status} ${r.backend}`)).toEqual({ "200 metered": 10 });
    const metrics = await gateway.metrics();
    expect(metrics).toMatch(/envoy_cluster_upstream_rq\{envoy_cluster_name="cds_egress_gateway-e2e_metered_http_\d+",envoy_response_code="200"\} ([1-9]\d+)/);
    expect(metrics).toMatch(/envoy_cluster_upstream_rq_time_bucket\{envoy_cluster_name="cds_egress_gateway-e2e_metered_http_\d+",le="\+Inf"\} [1-9]\d*/);
    expect(metrics).toMatch(/meshplane_gateway_xds_update_success\{type="route"\} [1-9]\d*/);
    expect(metrics).toMatch(/envoy_listener_manager_lds_update_success [1-9]\d*/);
    expect(metrics).toMatch(/meshplane_gateway_requests_total\{[^}]*route="metered"[^}]*status="200"[^}]*\} [1-9]\d*/);
  });

  it("exports App Mesh's metrics extension series (envoy_appmesh_*) with its dimensions, split by TargetVirtualNode on a 75/25 route", async () => {
    await startNodes("statsA", "statsB");
    await createRoutedService(appMesh, mesh, { service: "stats.local", gateway: "gw", prefix: "/appmesh", routes: { split: MakeWeightedRouteSpec([["statsA", 75], ["statsB", 25]]) } });
    await served("/appmesh", "statsA");
    const node = { Mesh: mesh, VirtualGateway: "gw" };
    const target = (virtualNode: string) => ({ ...node, TargetVirtualService: "stats.local", TargetVirtualNode: virtualNode });
    const before = parsePrometheus(await gateway.metrics());

    const ok = await load(gatewayPort, 2000, 16, "/appmesh");
    const notFound = await load(gatewayPort, 40, 4, "/appmesh/status/404");
    const unrouted = await load(gatewayPort, 10, 2, "/no-such-prefix");
    expect(countBy(ok, (r) => String(r.status))).toEqual({ "200": 2000 });
    expect(countBy(notFound, (r) => String(r.status))).toEqual({ "404": 40 });
    expect(countBy(unrouted, (r) => `${r.status} ${r.flags}`)).toEqual({ "404 NR": 10 });

    const after = parsePrometheus(await gateway.metrics());
    const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    // Inbound: every downstream request on the tagged listener, routed or not; none of them gRPC.
    expect(delta("envoy_appmesh_RequestCount", node)).toBe(2050);
    expect(delta("envoy_appmesh_GrpcRequestCount", node)).toBe(0);
    expect(sampleValue(after, "envoy_appmesh_NewConnectionCount", node)).toBeGreaterThan(0);
    expect(delta("envoy_appmesh_ProcessedBytes", node)).toBeGreaterThan(0);
    expect(after.some((s) => s.name === "envoy_appmesh_ActiveConnectionCount" && Object.keys(s.labels).join() === "Mesh,VirtualGateway")).toBe(true);

    // Outbound, per target: exactly what each virtual node's backend answered.
    const byBackend = (replies: Reply[]) => countBy(replies, (r) => r.backend ?? "none");
    const ok2xx = byBackend(ok);
    const target4xx = byBackend(notFound);
    for (const virtualNode of ["statsA", "statsB"]) {
      expect(delta("envoy_appmesh_RequestCountPerTarget", target(virtualNode))).toBe((ok2xx[virtualNode] ?? 0) + (target4xx[virtualNode] ?? 0));
      expect(delta("envoy_appmesh_HTTPCode_Target_2XX_Count", target(virtualNode))).toBe(ok2xx[virtualNode] ?? 0);
      expect(delta("envoy_appmesh_HTTPCode_Target_4XX_Count", target(virtualNode))).toBe(target4xx[virtualNode] ?? 0);
      expect(delta("envoy_appmesh_HTTPCode_Target_5XX_Count", target(virtualNode))).toBe(0);
      expect(delta("envoy_appmesh_TargetResponseTime_count", target(virtualNode))).toBe((ok2xx[virtualNode] ?? 0) + (target4xx[virtualNode] ?? 0));
    }
    // The 75/25 split shows in the per-target counters: Binomial(2040, 0.75), σ ≈ 19.6; 5σ.
    const toA = delta("envoy_appmesh_RequestCountPerTarget", target("statsA"));
    expect(Math.abs(toA - 2040 * 0.75)).toBeLessThan(5 * Math.sqrt(2040 * 0.75 * 0.25));
    // Unrouted requests reach no target: no series names a target for them.
    expect(after.filter((s) => s.name === "envoy_appmesh_RequestCountPerTarget" && s.labels.TargetVirtualService === "")).toEqual([]);
  });
});

const outageWorkers = Math.max(...gatewayWorkerCounts());

describe(`meshplane gateway, end to end, while the control plane is away (${outageWorkers} worker process(es))`, () => {
  let dir: string;
  let meshplane: MeshplaneProcess | undefined;
  let gateway: GatewayProcess;
  let backends: Backend[] = [];

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-gateway-outage-"));
  });

  afterAll(async () => {
    await gateway?.stop();
    await meshplane?.stop();
    await Promise.all(backends.map((backend) => backend.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps routing on its last config while the control plane is down, and picks up changes made meanwhile once it is back", async () => {
    const gatewayPort = await freePort();
    const started = await startControlPlane(dir);
    meshplane = started.meshplane;
    let appMesh = createAppMeshClient(meshplane.url);
    gateway = await startMeshWithGateway(appMesh, started.xdsPort, gatewayPort, outageWorkers);
    backends = await Promise.all([startBackend("steady"), startBackend("later")]);
    await createLocalhostNodes(appMesh, mesh, backends.map((backend) => [backend.name, backend] as const));
    const service = await createRoutedService(appMesh, mesh, { service: "outage.local", gateway: "gw", prefix: "/", routes: { split: MakeWeightedRouteSpec([["steady", 100], ["later", 0]]) } });
    expect(await waitFor(async () => (await get(gatewayPort, "/")).backend === "steady", 20_000), gateway.output()).toBe(true);

    await meshplane.stop();
    meshplane = undefined;
    const disconnected = await waitFor(async () => /envoy_control_plane_connected_state 0/.test(await gateway.metrics()), 10_000);
    expect(disconnected).toBe(true);
    expect(countBy(await load(gatewayPort, 200, 8), (r) => `${r.status} ${r.backend}`)).toEqual({ "200 steady": 200 });

    // Meanwhile the route changes: written through a meshplane on the same database but other ports, which the
    // gateway cannot reach, and stopped again.
    const elsewhere = await startMeshplaneProcess({ ...started.env, PORT: "0", XDS_PORT: "0" });
    const elsewhereClient = createAppMeshClient(elsewhere.url);
    await elsewhereClient.send(new UpdateRouteCommand({ meshName: mesh, virtualRouterName: service.router, routeName: "split", spec: MakeWeightedRouteSpec([["steady", 0], ["later", 100]]) }));
    elsewhereClient.destroy();
    await elsewhere.stop();
    expect(countBy(await load(gatewayPort, 50, 4), (r) => `${r.status} ${r.backend}`)).toEqual({ "200 steady": 50 });

    // The control plane comes back on its ports: the gateway reconnects and routes by the new weights.
    meshplane = await startMeshplaneProcess(started.env);
    appMesh.destroy();
    appMesh = createAppMeshClient(meshplane.url);
    const switched = await waitFor(async () => (await load(gatewayPort, 20, 4)).every((r) => r.backend === "later"), 20_000);
    expect(switched, gateway.output()).toBe(true);
    expect(await gateway.metrics()).toMatch(/envoy_control_plane_connected_state 1/);
    appMesh.destroy();
  });
});
