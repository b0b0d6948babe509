// The gateway's ADS clients (state of the world and delta) against meshplane's real ADS server in this process:
// first config, live route changes, NACK bookkeeping on the server side, and a virtual node as the proxied node.
import {
  AppMeshClient,
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualGatewayCommand,
  CreateGatewayRouteCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  UpdateRouteCommand,
} from "@aws-sdk/client-app-mesh";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../functions/gateway/index.js";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.js";
import { countBy, freePort, get, load, startBackend, waitFor, type Backend, createLocalhostNodes } from "./support.js";

const route = (weightOne: number, weightTwo: number) => ({
  httpRoute: {
    match: { prefix: "/" },
    action: { weightedTargets: [{ virtualNode: "one", weight: weightOne }, { virtualNode: "two", weight: weightTwo }] },
  },
});

describe.each([
  { protocol: "state of the world", delta: false },
  { protocol: "delta", delta: true },
])("gateway ADS client ($protocol)", ({ delta }) => {
  let controlPlane: TestControlPlane;
  let one: Backend;
  let two: Backend;
  let gateway: RunningGateway;
  let port: number;
  const mesh = delta ? "delta-mesh" : "sotw-mesh";

  beforeAll(async () => {
    [controlPlane, one, two, port] = await Promise.all([startTestControlPlane(), startBackend("one"), startBackend("two"), freePort()]);
    const { client } = controlPlane;
    await client.send(new CreateMeshCommand({ meshName: mesh }));
    await createLocalhostNodes(client, mesh, [["one", one], ["two", two]] as const);
    await client.send(new CreateVirtualRouterCommand({ meshName: mesh, virtualRouterName: "router", spec: { listeners: [{ portMapping: { port: 80, protocol: "http" } }] } }));
    await client.send(new CreateRouteCommand({ meshName: mesh, virtualRouterName: "router", routeName: "r", spec: route(100, 0) }));
    await client.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: "svc.local", spec: { provider: { virtualRouter: { virtualRouterName: "router" } } } }));
    await client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port, protocol: "http" } }] } }));
    await client.send(
      new CreateGatewayRouteCommand({
        meshName: mesh,
        virtualGatewayName: "gw",
        gatewayRouteName: "all",
        spec: { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "svc.local" } } } } },
      }),
    );
    gateway = await startGateway({ nodeId: `mesh/${mesh}/virtualGateway/gw`, xdsAddress: `127.0.0.1:${controlPlane.running.xdsPort}`, delta, admin: { host: "127.0.0.1", port: 0 } });
  });

  afterAll(async () => {
    await gateway?.close();
    await controlPlane?.stop();
    await Promise.all([one?.close(), two?.close()]);
  });

  it("receives listeners, routes, clusters and routes traffic by them", async () => {
    expect(await waitFor(async () => (await get(port, "/")).backend === "one", 15_000)).toBe(true);
    expect(gateway.ads.connected).toBe(true);
    expect(gateway.gateway.metrics.connectedState.get()).toBe(1);
  });

  it("serves readiness, the accepted config and host health on the admin port", async () => {
    const admin = `http://127.0.0.1:${gateway.admin!.port}`;
    expect((await fetch(`${admin}/ready`)).status).toBe(200);
    const dump = (await (await fetch(`${admin}/config_dump`)).json()) as { versions: Record<string, string>; listener: Array<{ name: string }>; cluster: Array<{ name: string }> };
    expect(dump.listener.map((l) => l.name).sort()).toEqual(["lds_egress_0.0.0.0_15001", `lds_ingress_0.0.0.0_${port}`]);
    expect(Object.keys(dump.versions).sort()).toEqual(["cluster", "listener", "route"]);
    expect(await (await fetch(`${admin}/clusters`)).text()).toMatch(new RegExp(`cds_egress_${mesh}_one_http_${one.port}::127\\.0\\.0\\.1:${one.port}|localhost:${one.port}::health_flags::healthy`));
    expect(await (await fetch(`${admin}/stats/prometheus`)).text()).toContain("envoy_control_plane_connected_state 1");
  });

  it("applies a route change pushed by the server", async () => {
    await controlPlane.client.send(new UpdateRouteCommand({ meshName: mesh, virtualRouterName: "router", routeName: "r", spec: route(0, 100) }));
    expect(await waitFor(async () => (await load(port, 10, 2)).every((r) => r.backend === "two"), 10_000)).toBe(true);
    expect(countBy(await load(port, 50, 4), (r) => `${r.status} ${r.backend}`)).toEqual({ "200 two": 50 });
  });

  it("ACKs every accepted version (the server sees no NACK)", async () => {
    const metrics = await (await fetch(`${controlPlane.url}/metrics`)).text();
    expect(metrics).toContain("meshplane_xds_nacks_total");
    expect(metrics).not.toMatch(/meshplane_xds_nacks_total\{[^}]*\} [1-9]/);
    expect(gateway.gateway.metrics.updateRejected.get({ type: "route" })).toBe(0);
    expect(gateway.gateway.metrics.updateSuccess.get({ type: "route" })).toBeGreaterThanOrEqual(2);
  });
});

describe("gateway as a virtual node's sidecar", () => {
  let controlPlane: TestControlPlane;
  let app: Backend;
  let service: Backend;
  let gateway: RunningGateway;
  let ingressPort: number;
  let egressPort: number;
  const mesh = "sidecar-mesh";

  beforeAll(async () => {
    [controlPlane, app, service, ingressPort, egressPort] = await Promise.all([startTestControlPlane(), startBackend("front-app"), startBackend("svc"), freePort(), freePort()]);
    const { client } = controlPlane;
    await client.send(new CreateMeshCommand({ meshName: mesh }));
    await client.send(
      new CreateVirtualNodeCommand({
        meshName: mesh,
        virtualNodeName: "svc",
        spec: { listeners: [{ portMapping: { port: service.port, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "localhost" } } },
      }),
    );
    await client.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: "svc.local", spec: { provider: { virtualNode: { virtualNodeName: "svc" } } } }));
    await client.send(
      new CreateVirtualNodeCommand({
        meshName: mesh,
        virtualNodeName: "front",
        spec: {
          listeners: [{ portMapping: { port: app.port, protocol: "http" } }],
          serviceDiscovery: { dns: { hostname: "front.local" } },
          backends: [{ virtualService: { virtualServiceName: "svc.local" } }],
        },
      }),
    );
    gateway = await startGateway({
      nodeId: `mesh/${mesh}/virtualNode/front`,
      xdsAddress: `127.0.0.1:${controlPlane.running.xdsPort}`,
      bindOutbound: true,
      portOverrides: { "lds_ingress_0.0.0.0_15000": ingressPort, "lds_egress_0.0.0.0_15001": egressPort },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await controlPlane?.stop();
    await Promise.all([app?.close(), service?.close()]);
  });

  it("delivers inbound traffic to the local app and routes the app's outbound calls by Host", async () => {
    expect(await waitFor(async () => (await get(ingressPort, "/in")).backend === "front-app", 15_000)).toBe(true);
    expect(await waitFor(async () => (await get(egressPort, "/out", { host: `svc.local:${service.port}` })).backend === "svc", 10_000)).toBe(true);
    const unknown = await get(egressPort, "/out", { host: `nowhere.local:${service.port}` });
    expect(unknown.status).toBe(404);
  });
});

describe("gateway against meshplane with authentication", () => {
  const token = "gateway-test-bearer-token-0123456789";
  let dir: string;
  let controlPlane: TestControlPlane;
  let backend: Backend;
  let port: number;
  const gateways: RunningGateway[] = [];
  const mesh = "auth-mesh";

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-gateway-auth-"));
    const authFile = path.join(dir, "auth.json");
    const admin = { accessKeyId: "MPAKGATEWAYTEST00001", secretAccessKey: "gateway-test-admin-secret-0123456789abcdef" };
    writeFileSync(
      authFile,
      JSON.stringify({
        principals: {
          ops: { admin: true, policies: ["AWSAppMeshFullAccess"], accessKeys: [admin] },
          envoy: { admin: false, policies: ["AWSAppMeshEnvoyAccess"], bearerTokens: [{ sha256: createHash("sha256").update(token).digest("hex") }] },
        },
      }),
    );
    [controlPlane, backend, port] = await Promise.all([startTestControlPlane({ env: { MESHPLANE_AUTH_FILE: authFile } }), startBackend("secured"), freePort()]);
    const client = new AppMeshClient({ endpoint: controlPlane.url, region: "us-east-1", credentials: admin, maxAttempts: 1 });
    await client.send(new CreateMeshCommand({ meshName: mesh }));
    await client.send(
      new CreateVirtualNodeCommand({
        meshName: mesh,
        virtualNodeName: "svc",
        spec: { listeners: [{ portMapping: { port: backend.port, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "localhost" } } },
      }),
    );
    await client.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: "svc.local", spec: { provider: { virtualNode: { virtualNodeName: "svc" } } } }));
    await client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port, protocol: "http" } }] } }));
    await client.send(
      new CreateGatewayRouteCommand({
        meshName: mesh,
        virtualGatewayName: "gw",
        gatewayRouteName: "all",
        spec: { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "svc.local" } } } } },
      }),
    );
    client.destroy();
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await controlPlane?.stop();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is refused without a token and served with its bearer token", async () => {
    const anonymous = await startGateway({ nodeId: `mesh/${mesh}/virtualGateway/gw`, xdsAddress: `127.0.0.1:${controlPlane.running.xdsPort}`, });
    gateways.push(anonymous);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(anonymous.gateway.snapshot().listeners.size).toBe(0);
    await anonymous.close();
    const signed = await startGateway({ nodeId: `mesh/${mesh}/virtualGateway/gw`, xdsAddress: `127.0.0.1:${controlPlane.running.xdsPort}`, token });
    gateways.push(signed);
    expect(await waitFor(async () => (await get(port, "/")).backend === "secured", 15_000)).toBe(true);
  });
});
