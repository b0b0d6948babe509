// The gateway's ADS clients (state of the world and delta) against meshplane's real ADS server in this process:
// first config, live route changes, NACK bookkeeping on the server side, a virtual node as the proxied node, and
// the gRPC status a server with authentication refuses a stream with. Each case routes a prefix of its own.
import {
  AppMeshClient,
  CreateGatewayRouteCommand,
  CreateMeshCommand,
  CreateVirtualGatewayCommand,
  CreateVirtualNodeCommand,
  CreateVirtualServiceCommand,
  UpdateVirtualGatewayCommand,
} from "@aws-sdk/client-app-mesh";
import { Code } from "@connectrpc/connect";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../functions/gateway/index.js";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.js";
import { MakeGatewayRouteSpec } from "../support/fixtures.js";
import { countBy, createLocalhostNodes, createRoutedService, freePort, get, load, MakeWeightedRouteSpec, startBackend, waitFor, type Backend } from "./support.js";

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
  /** Until `prefix` is served by `backend` on every one of a few requests. */
  const routesTo = (prefix: string, backend: string) => waitFor(async () => (await load(port, 10, 2, prefix)).every((r) => r.backend === backend), 15_000);

  beforeAll(async () => {
    [controlPlane, one, two, port] = await Promise.all([startTestControlPlane(), startBackend("one"), startBackend("two"), freePort()]);
    const { client } = controlPlane;
    await client.send(new CreateMeshCommand({ meshName: mesh }));
    await createLocalhostNodes(client, mesh, [["one", one], ["two", two]] as const);
    await client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port, protocol: "http" } }] } }));
    await createRoutedService(client, mesh, { service: "svc.local", gateway: "gw", prefix: "/", routes: { r: MakeWeightedRouteSpec([["one", 100], ["two", 0]]) } });
    gateway = await startGateway({ nodeId: `mesh/${mesh}/virtualGateway/gw`, xdsAddress: `127.0.0.1:${controlPlane.running.xdsPort}`, delta, admin: { host: "127.0.0.1", port: 0 } });
    expect(await routesTo("/", "one")).toBe(true);
  });

  afterAll(async () => {
    await gateway?.close();
    await controlPlane?.stop();
    await Promise.all([one?.close(), two?.close()]);
  });

  it("receives listeners, routes, clusters and routes traffic by them", async () => {
    expect(countBy(await load(port, 20, 4), (r) => `${r.status} ${r.backend}`)).toEqual({ "200 one": 20 });
    expect(gateway.ads.connected).toBe(true);
    expect(gateway.ads.lastError).toBeUndefined();
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

  it("applies a route change pushed by the server and keeps the RouteConfigurations the push left out", async () => {
    const routeConfigurations = async () => ((await (await fetch(`http://127.0.0.1:${gateway.admin!.port}/config_dump`)).json()) as { route: Array<{ name: string }> }).route.map((r) => r.name).sort();
    // It starts on "two", which "/" does not serve, so the first wait sees this case's own route.
    const moving = await createRoutedService(controlPlane.client, mesh, { service: "moving.local", gateway: "gw", prefix: "/moving", routes: { r: MakeWeightedRouteSpec([["one", 0], ["two", 100]]) } });
    expect(await routesTo("/moving", "two")).toBe(true);
    const before = await routeConfigurations();
    expect(before.length).toBe(2);
    // The route reaches only the egress RouteConfiguration: a state-of-the-world push carries that one alone.
    await moving.updateRoute("r", MakeWeightedRouteSpec([["one", 100], ["two", 0]]));
    expect(await routesTo("/moving", "one")).toBe(true);
    expect(countBy(await load(port, 50, 4, "/moving"), (r) => `${r.status} ${r.backend}`)).toEqual({ "200 one": 50 });
    expect(await routeConfigurations()).toEqual(before);
    expect(countBy(await load(port, 10, 2, "/"), (r) => `${r.status} ${r.backend}`)).toEqual({ "200 one": 10 });
  });

  it("ACKs every version it accepts: the server counts no NACK for a route change", async () => {
    const routeUpdates = gateway.gateway.metrics.updateSuccess.get({ type: "route" });
    const acked = await createRoutedService(controlPlane.client, mesh, { service: "acked.local", gateway: "gw", prefix: "/acked", routes: { r: MakeWeightedRouteSpec([["one", 0], ["two", 100]]) } });
    expect(await routesTo("/acked", "two")).toBe(true);
    await acked.updateRoute("r", MakeWeightedRouteSpec([["one", 100], ["two", 0]]));
    expect(await routesTo("/acked", "one")).toBe(true);
    const metrics = await (await fetch(`${controlPlane.url}/metrics`)).text();
    expect(metrics).toContain("meshplane_xds_nacks_total");
    expect(metrics).not.toMatch(/meshplane_xds_nacks_total\{[^}]*\} [1-9]/);
    expect(gateway.gateway.metrics.updateRejected.get({ type: "route" })).toBe(0);
    expect(gateway.gateway.metrics.updateSuccess.get({ type: "route" })).toBeGreaterThanOrEqual(routeUpdates + 2);
  });

  it("NACKs a listener whose TLS comes from an SDS socket, with the reason on the server's proxy status, and keeps serving the listener it had", async () => {
    const { client } = controlPlane;
    const name = `spire-${delta ? "delta" : "sotw"}`;
    const nodeId = `mesh/${mesh}/virtualGateway/${name}`;
    const spirePort = await freePort();
    await client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: name, spec: { listeners: [{ portMapping: { port: spirePort, protocol: "http" } }] } }));
    await createRoutedService(client, mesh, { service: `${name}.local`, gateway: name, prefix: "/", routes: { r: MakeWeightedRouteSpec([["one", 100], ["two", 0]]) } });
    const spire = await startGateway({ nodeId, xdsAddress: `127.0.0.1:${controlPlane.running.xdsPort}`, delta });
    try {
      expect(await waitFor(async () => (await get(spirePort, "/")).backend === "one", 15_000)).toBe(true);
      await client.send(
        new UpdateVirtualGatewayCommand({
          meshName: mesh,
          virtualGatewayName: name,
          spec: { listeners: [{ portMapping: { port: spirePort, protocol: "http" }, tls: { mode: "PERMISSIVE", certificate: { sds: { secretName: "spiffe://mesh.local/gw" } } } }] },
        }),
      );
      const listenerNack = async () => {
        const { proxies } = (await (await fetch(`${controlPlane.url}/v1/xds/proxies?nodeId=${encodeURIComponent(nodeId)}`)).json()) as { proxies: Array<{ types: Record<string, { lastNackError: string | null }> }> };
        return proxies[0]?.types["type.googleapis.com/envoy.config.listener.v3.Listener"]?.lastNackError ?? null;
      };
      expect(await waitFor(async () => (await listenerNack()) !== null, 15_000)).toBe(true);
      expect(await listenerNack()).toMatch(/listener lds_ingress_0\.0\.0\.0_\d+: this gateway cannot terminate its TLS: certificates from an SDS socket/);
      expect(spire.gateway.metrics.updateRejected.get({ type: "listener" })).toBeGreaterThanOrEqual(1);
      expect((await get(spirePort, "/")).backend).toBe("one");
    } finally {
      await spire.close();
    }
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
  const outsiderToken = "gateway-test-outsider-token-0123456789";
  let dir: string;
  let controlPlane: TestControlPlane;
  let backend: Backend;
  let port: number;
  const mesh = "auth-mesh";
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  /** Starts a gateway for the mesh's virtual gateway and stops it when `use` is done. */
  async function withGateway(options: { token?: string; delta?: boolean }, use: (gateway: RunningGateway) => Promise<void>): Promise<void> {
    const gateway = await startGateway({ nodeId: `mesh/${mesh}/virtualGateway/gw`, xdsAddress: `127.0.0.1:${controlPlane.running.xdsPort}`, ...options });
    try {
      await use(gateway);
    } finally {
      await gateway.close();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-gateway-auth-"));
    const authFile = path.join(dir, "auth.json");
    const admin = { accessKeyId: "MPAKGATEWAYTEST00001", secretAccessKey: "gateway-test-admin-secret-0123456789abcdef" };
    // "outsider" may stream only another mesh's proxies.
    const otherMeshOnly = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "appmesh:StreamAggregatedResources", Resource: "arn:aws:appmesh:*:*:mesh/other-mesh/*" }] };
    writeFileSync(
      authFile,
      JSON.stringify({
        principals: {
          ops: { admin: true, policies: ["AWSAppMeshFullAccess"], accessKeys: [admin] },
          envoy: { admin: false, policies: ["AWSAppMeshEnvoyAccess"], bearerTokens: [{ sha256: sha256(token) }] },
          outsider: { admin: false, policies: [otherMeshOnly], bearerTokens: [{ sha256: sha256(outsiderToken) }] },
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
    await client.send(new CreateGatewayRouteCommand({ meshName: mesh, virtualGatewayName: "gw", gatewayRouteName: "all", spec: MakeGatewayRouteSpec("svc.local") }));
    client.destroy();
  });

  afterAll(async () => {
    await controlPlane?.stop();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    { protocol: "state of the world", delta: false },
    { protocol: "delta", delta: true },
  ])("is refused with UNAUTHENTICATED without a token, and gets no config ($protocol)", async ({ delta }) => {
    await withGateway({ delta }, async (anonymous) => {
      expect(await waitFor(() => anonymous.ads.lastError !== undefined, 10_000)).toBe(true);
      expect(anonymous.ads.lastError).toMatchObject({ code: Code.Unauthenticated, message: expect.stringMatching(/Missing Authentication Token/) });
      expect(anonymous.ads.connected).toBe(false);
      expect(anonymous.gateway.snapshot().listeners.size).toBe(0);
    });
  });

  it.each([
    { protocol: "state of the world", delta: false },
    { protocol: "delta", delta: true },
  ])("is refused with PERMISSION_DENIED when its token's principal may not stream this virtual gateway ($protocol)", async ({ delta }) => {
    await withGateway({ token: outsiderToken, delta }, async (outsider) => {
      expect(await waitFor(() => outsider.ads.lastError !== undefined, 10_000)).toBe(true);
      expect(outsider.ads.lastError).toMatchObject({ code: Code.PermissionDenied, message: expect.stringMatching(/mesh\/auth-mesh\/virtualGateway\/gw/) });
      expect(outsider.gateway.snapshot().listeners.size).toBe(0);
    });
  });

  it("is served with its bearer token", async () => {
    await withGateway({ token }, async (signed) => {
      expect(await waitFor(async () => (await get(port, "/")).backend === "secured", 15_000)).toBe(true);
      expect(signed.ads.connected).toBe(true);
      expect(signed.ads.lastError).toBeUndefined();
    });
  });
});
