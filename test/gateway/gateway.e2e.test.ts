// Issue 6 acceptance, end to end with real processes and sockets on loopback: meshplane (`npm start`) ← AWS SDK
// writes a mesh; the gateway (`npm run gateway`) takes its config over ADS; real HTTP backends receive the traffic.
import {
  AppMeshClient,
  CreateGatewayRouteCommand,
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualGatewayCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  UpdateRouteCommand,
  type RouteSpec,
} from "@aws-sdk/client-app-mesh";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMeshClient } from "../support/control-plane.js";
import { startMeshplaneProcess, type MeshplaneProcess } from "../support/process.js";
import { countBy, freePort, get, load, loadUntil, startBackend, startGatewayProcess, waitFor, xdsPortOf, type Backend, type GatewayProcess, createLocalhostNodes } from "./support.js";

const mesh = "gateway-e2e";

const splitRoute = (weightB: number, weightV2: number): RouteSpec => ({
  priority: 10,
  httpRoute: {
    match: { prefix: "/" },
    action: {
      weightedTargets: [
        { virtualNode: "serviceB", weight: weightB },
        { virtualNode: "serviceBv2", weight: weightV2 },
      ],
    },
  },
});

describe("meshplane gateway, end to end", () => {
  let dir: string;
  let meshplane: MeshplaneProcess;
  let appMesh: AppMeshClient;
  let gateway: GatewayProcess;
  let backendB: Backend;
  let backendV2: Backend;
  let backendC1: Backend;
  let backendC2: Backend;
  let gatewayPort: number;
  let apiPort: number;
  let xdsPort: number;
  const env = () => ({ MESHPLANE_DB: path.join(dir, "meshplane.db"), PORT: String(apiPort), XDS_PORT: String(xdsPort) });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-gateway-"));
    [backendB, backendV2, gatewayPort, apiPort, xdsPort] = await Promise.all([startBackend("serviceB"), startBackend("serviceBv2"), freePort(), freePort(), freePort()]);
    meshplane = await startMeshplaneProcess(env());
    expect(await xdsPortOf(meshplane)).toBe(xdsPort);
    appMesh = createAppMeshClient(meshplane.url);
    await appMesh.send(new CreateMeshCommand({ meshName: mesh }));
    await createLocalhostNodes(appMesh, mesh, [["serviceB", backendB], ["serviceBv2", backendV2]] as const);
    await appMesh.send(new CreateVirtualRouterCommand({ meshName: mesh, virtualRouterName: "serviceb-router", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } }));
    await appMesh.send(new CreateRouteCommand({ meshName: mesh, virtualRouterName: "serviceb-router", routeName: "split", spec: splitRoute(75, 25) }));
    await appMesh.send(
      new CreateRouteCommand({
        meshName: mesh,
        virtualRouterName: "serviceb-router",
        routeName: "canary",
        spec: {
          priority: 0,
          httpRoute: {
            match: { prefix: "/", headers: [{ name: "x-canary", match: { exact: "1" } }] },
            action: { weightedTargets: [{ virtualNode: "serviceBv2", weight: 100 }] },
          },
        },
      }),
    );
    await appMesh.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: "serviceb", spec: { provider: { virtualRouter: { virtualRouterName: "serviceb-router" } } } }));
    await appMesh.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port: gatewayPort, protocol: "http" } }] } }));
    await appMesh.send(
      new CreateGatewayRouteCommand({
        meshName: mesh,
        virtualGatewayName: "gw",
        gatewayRouteName: "root",
        spec: { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "serviceb" } } } } },
      }),
    );
    await appMesh.send(
      new CreateGatewayRouteCommand({
        meshName: mesh,
        virtualGatewayName: "gw",
        gatewayRouteName: "chapter",
        spec: { httpRoute: { match: { prefix: "/chapter" }, action: { target: { virtualService: { virtualServiceName: "serviceb" } } } } },
      }),
    );
    // serviceC: two instances in meshplane's endpoint registry (Cloud Map discovery → EDS). App Mesh dials the
    // listener port on every instance, so the two backends share a port on two loopback addresses.
    const portC = await freePort();
    [backendC1, backendC2] = await Promise.all([startBackend("serviceC-1", { port: portC }), startBackend("serviceC-2", { host: "127.0.0.2", port: portC })]);
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
    for (const [instance, backend] of [["c1", backendC1], ["c2", backendC2]] as const) {
      const response = await fetch(`${meshplane.url}/v1/endpoints/local/c/${instance}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ address: backend.host, port: backend.port }),
      });
      expect(response.status, await response.text()).toBeLessThan(300);
    }
    await appMesh.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: "servicec", spec: { provider: { virtualNode: { virtualNodeName: "serviceC" } } } }));
    // serviceD: DNS discovery to a port nothing listens on.
    await appMesh.send(
      new CreateVirtualNodeCommand({
        meshName: mesh,
        virtualNodeName: "serviceD",
        spec: { listeners: [{ portMapping: { port: await freePort(), protocol: "http" } }], serviceDiscovery: { dns: { hostname: "localhost" } } },
      }),
    );
    await appMesh.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: "serviced", spec: { provider: { virtualNode: { virtualNodeName: "serviceD" } } } }));
    for (const [name, prefix, service] of [["c", "/c", "servicec"], ["d", "/d", "serviced"]] as const) {
      await appMesh.send(
        new CreateGatewayRouteCommand({
          meshName: mesh,
          virtualGatewayName: "gw",
          gatewayRouteName: name,
          spec: { httpRoute: { match: { prefix }, action: { target: { virtualService: { virtualServiceName: service } } } } },
        }),
      );
    }
    gateway = await startGatewayProcess(["--node", `mesh/${mesh}/virtualGateway/gw`, "--xds", `127.0.0.1:${xdsPort}`]);
    const up = await waitFor(async () => (await get(gatewayPort, "/")).status === 200, 20_000);
    expect(up, gateway.output()).toBe(true);
  });

  afterAll(async () => {
    await gateway?.stop();
    await meshplane?.stop();
    appMesh?.destroy();
    await Promise.all([backendB?.close(), backendV2?.close(), backendC1?.close(), backendC2?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("splits 4,000 requests 75/25 between serviceB and serviceBv2 within statistical tolerance", async () => {
    const replies = await load(gatewayPort, 4000, 32);
    const byStatus = countBy(replies, (r) => String(r.status));
    expect(byStatus).toEqual({ "200": 4000 });
    const counts = countBy(replies, (r) => r.backend ?? "none");
    // Binomial(4000, 0.75): σ ≈ 27.4; 5σ keeps a correct split failing less than once in a million runs.
    const sigma = Math.sqrt(4000 * 0.75 * 0.25);
    expect(Math.abs((counts.serviceB ?? 0) - 3000)).toBeLessThan(5 * sigma);
    expect((counts.serviceB ?? 0) + (counts.serviceBv2 ?? 0)).toBe(4000);
  });

  it("sends every x-canary: 1 request to serviceBv2", async () => {
    const replies = await load(gatewayPort, 300, 16, "/", { "x-canary": "1" });
    expect(countBy(replies, (r) => `${r.status} ${r.backend}`)).toEqual({ "200 serviceBv2": 300 });
  });

  it("rewrites /chapter/1 to /1 at the backend (the gateway route's default prefix rewrite)", async () => {
    const reply = await get(gatewayPort, "/chapter/1?x=2");
    expect(reply.status).toBe(200);
    expect(reply.path).toBe("/1?x=2");
    const plain = await get(gatewayPort, "/other/1");
    expect(plain.path).toBe("/other/1");
  });

  it("moves all new requests to serviceBv2 within 1 s of a 0/100 weight update, with no failed request", async () => {
    const running = loadUntil(gatewayPort, 16, 50_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const updatedAt = Date.now();
    await appMesh.send(new UpdateRouteCommand({ meshName: mesh, virtualRouterName: "serviceb-router", routeName: "split", spec: splitRoute(0, 100) }));
    const acknowledged = Date.now();
    await new Promise((resolve) => setTimeout(resolve, acknowledged - updatedAt + 1500));
    running.stop();
    const replies = await running.done;
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    const late = replies.filter((r) => r.startedAt > acknowledged + 1000);
    expect(late.length).toBeGreaterThan(0);
    expect(countBy(late, (r) => r.backend ?? "none")).toEqual({ serviceBv2: late.length });
  });

  it("loses no idempotent GET when one of serviceC's two instances is killed (default retries, outlier ejection)", async () => {
    const warm = await load(gatewayPort, 100, 8, "/c/item");
    expect(countBy(warm, (r) => `${r.status}`)).toEqual({ "200": 100 });
    expect(new Set(warm.map((r) => r.backend))).toEqual(new Set(["serviceC-1", "serviceC-2"]));
    const running = loadUntil(gatewayPort, 8, 20_000, {}, "/c/item");
    expect(await waitFor(() => running.count() >= 300, 10_000)).toBe(true);
    await backendC2.close();
    const killedAt = running.count();
    const enough = await waitFor(() => running.count() >= killedAt + 1000, 20_000);
    running.stop();
    const replies = await running.done;
    expect(enough).toBe(true);
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    const afterKill = replies.slice(-200);
    expect(countBy(afterKill, (r) => r.backend ?? "none")).toEqual({ "serviceC-1": 200 });
    const metrics = await gateway.metrics();
    expect(metrics).toMatch(/envoy_cluster_outlier_detection_ejections_enforced_total\{envoy_cluster_name="cds_egress_gateway-e2e_serviceC_http_\d+"\} [1-9]/);
    expect(metrics).toMatch(/envoy_cluster_upstream_rq_retry\{envoy_cluster_name="cds_egress_gateway-e2e_serviceC_http_\d+"\} [1-9]/);
  });

  it("answers 503 with x-meshplane-flags UF,URX when every attempt fails to connect", async () => {
    const reply = await get(gatewayPort, "/d/x");
    expect(reply.status).toBe(503);
    expect(reply.flags).toBe("UF,URX");
  });

  it("keeps routing on its last config while the control plane is down, and picks up changes made meanwhile once it is back", async () => {
    await meshplane.stop();
    const disconnected = await waitFor(async () => /envoy_control_plane_connected_state 0/.test(await gateway.metrics()), 10_000);
    expect(disconnected).toBe(true);
    const whileDown = await load(gatewayPort, 200, 8);
    expect(countBy(whileDown, (r) => `${r.status} ${r.backend}`)).toEqual({ "200 serviceBv2": 200 });

    // Meanwhile the route changes: written through a meshplane on the same database but other ports, which the
    // gateway cannot reach, and stopped again.
    const elsewhere = await startMeshplaneProcess({ ...env(), PORT: "0", XDS_PORT: "0" });
    const elsewhereClient = createAppMeshClient(elsewhere.url);
    await elsewhereClient.send(new UpdateRouteCommand({ meshName: mesh, virtualRouterName: "serviceb-router", routeName: "split", spec: splitRoute(100, 0) }));
    elsewhereClient.destroy();
    await elsewhere.stop();
    const stillOld = await load(gatewayPort, 50, 4);
    expect(countBy(stillOld, (r) => `${r.status} ${r.backend}`)).toEqual({ "200 serviceBv2": 50 });

    // The control plane comes back on its ports: the gateway reconnects and routes by the new weights.
    meshplane = await startMeshplaneProcess(env());
    appMesh.destroy();
    appMesh = createAppMeshClient(meshplane.url);
    const switched = await waitFor(async () => (await load(gatewayPort, 20, 4)).every((r) => r.backend === "serviceB"), 20_000);
    expect(switched, gateway.output()).toBe(true);
    expect(await gateway.metrics()).toMatch(/envoy_control_plane_connected_state 1/);
  });

  it("exports Prometheus metrics with Envoy's names", async () => {
    const metrics = await gateway.metrics();
    expect(metrics).toMatch(/envoy_cluster_upstream_rq\{envoy_cluster_name="cds_egress_gateway-e2e_serviceBv2_http_\d+",envoy_response_code="200"\} \d+/);
    expect(metrics).toMatch(/envoy_cluster_upstream_rq_time_bucket\{envoy_cluster_name="[^"]+",le="\+Inf"\} \d+/);
    expect(metrics).toMatch(/meshplane_gateway_xds_update_success\{type="route"\} \d+/);
    expect(metrics).toMatch(/envoy_listener_manager_lds_update_success \d+/);
    expect(metrics).toMatch(/meshplane_gateway_requests_total\{[^}]*route="split"[^}]*status="200"[^}]*\} \d+/);
  });
});
