// `GET /v1/xds/lint?mesh=` (functions/xds/lint-app.ts) on a running control plane: every spec App Mesh's API accepted
// that no proxy can serve (`acceptedUnservableSpecs` in functions/appmesh/spec-rules.ts) is accepted through the AWS
// SDK and reported, each in its own mesh, with its code, resource and field; the same warning reaches the node's
// config_dump and the lint metric. Real SQLite, real HTTP, the AWS SDK v3 client.
import {
  CreateGatewayRouteCommand,
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualGatewayCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  UpdateVirtualGatewayCommand,
  UpdateVirtualRouterCommand,
  type AppMeshClient,
  type PortProtocol,
  type RouteSpec,
  type VirtualGatewayListener,
  type VirtualNodeSpec,
} from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acceptedUnservableSpecs, type UnservableSpecCode, type UnservableSpecWarning } from "../../functions/appmesh/index.js";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.js";

interface MeshBuilder {
  node(name: string, listeners: Array<[number, PortProtocol]>, extra?: Partial<VirtualNodeSpec>): Promise<void>;
  router(name: string, listeners: Array<[number, PortProtocol]>): Promise<void>;
  service(name: string, provider?: { router?: string; node?: string }): Promise<void>;
  route(router: string, name: string, spec: RouteSpec): Promise<void>;
  gateway(name: string, listeners: Array<[number, PortProtocol]>): Promise<void>;
  gatewayRoute(gateway: string, name: string, spec: object): Promise<void>;
  client: AppMeshClient;
}

const listenersOf = (listeners: Array<[number, PortProtocol]>) => listeners.map(([port, protocol]) => ({ portMapping: { port, protocol } }));
const dns = (hostname: string) => ({ dns: { hostname } });

function meshBuilder(client: AppMeshClient, meshName: string): MeshBuilder {
  return {
    client,
    node: async (name, listeners, extra = {}) =>
      void (await client.send(new CreateVirtualNodeCommand({ meshName, virtualNodeName: name, spec: { listeners: listenersOf(listeners), serviceDiscovery: dns(`${name}.local`), ...extra } }))),
    router: async (name, listeners) => void (await client.send(new CreateVirtualRouterCommand({ meshName, virtualRouterName: name, spec: { listeners: listenersOf(listeners) } }))),
    service: async (name, provider) =>
      void (await client.send(
        new CreateVirtualServiceCommand({
          meshName,
          virtualServiceName: name,
          spec: provider?.router ? { provider: { virtualRouter: { virtualRouterName: provider.router } } } : provider?.node ? { provider: { virtualNode: { virtualNodeName: provider.node } } } : {},
        }),
      )),
    route: async (router, name, spec) => void (await client.send(new CreateRouteCommand({ meshName, virtualRouterName: router, routeName: name, spec }))),
    gateway: async (name, listeners) =>
      void (await client.send(new CreateVirtualGatewayCommand({ meshName, virtualGatewayName: name, spec: { listeners: listenersOf(listeners) as VirtualGatewayListener[] } }))),
    gatewayRoute: async (gateway, name, spec) =>
      void (await client.send(new CreateGatewayRouteCommand({ meshName, virtualGatewayName: gateway, gatewayRouteName: name, spec: spec as never }))),
  };
}

const httpTo = (targets: Array<[string, number, number?]>, match: { prefix: string; port?: number } = { prefix: "/" }) => ({
  match,
  action: { weightedTargets: targets.map(([virtualNode, weight, port]) => ({ virtualNode, weight, ...(port !== undefined ? { port } : {}) })) },
});

/** Each accepted-but-unservable case: how a user builds it, and the resource and field the warning must name. */
const cases: Array<{ code: UnservableSpecCode; build(mesh: MeshBuilder, meshName: string): Promise<void>; resource: { kind: string; name: string }; field: string }> = [
  {
    code: "RouteProtocolMismatch",
    async build(m) {
      await m.node("backend", [[80, "http2"]]);
      await m.router("router", [[80, "http2"]]);
      await m.service("backend.local", { router: "router" });
      await m.route("router", "route", { httpRoute: httpTo([["backend", 100]]) });
    },
    resource: { kind: "route", name: "route" },
    field: "spec.httpRoute",
  },
  {
    code: "RoutePortNotListened",
    async build(m) {
      await m.node("backend", [[80, "http"]]);
      await m.router("router", [[80, "http"]]);
      await m.service("backend.local", { router: "router" });
      await m.route("router", "route", { httpRoute: httpTo([["backend", 100]], { prefix: "/", port: 81 }) });
    },
    resource: { kind: "route", name: "route" },
    field: "spec.httpRoute.match.port",
  },
  {
    code: "RoutePortMissing",
    async build(m, meshName) {
      await m.node("backend", [[80, "http"]]);
      await m.router("router", [[80, "http"]]);
      await m.service("backend.local", { router: "router" });
      await m.route("router", "route", { httpRoute: httpTo([["backend", 100]]) });
      await m.client.send(new UpdateVirtualRouterCommand({ meshName, virtualRouterName: "router", spec: { listeners: listenersOf([[80, "http"], [81, "http"]]) } }));
    },
    resource: { kind: "route", name: "route" },
    field: "spec.httpRoute.match.port",
  },
  {
    code: "TargetUnresolved",
    async build(m) {
      await m.node("backend", [[80, "http"]]);
      await m.node("hidden", []);
      await m.router("router", [[80, "http"]]);
      await m.service("backend.local", { router: "router" });
      await m.route("router", "route", { httpRoute: httpTo([["backend", 50], ["hidden", 50]]) });
    },
    resource: { kind: "route", name: "route" },
    field: "spec.httpRoute.action.weightedTargets[1]",
  },
  {
    code: "RouteWeightsZero",
    async build(m) {
      await m.node("backend", [[80, "http"]]);
      await m.router("router", [[80, "http"]]);
      await m.service("backend.local", { router: "router" });
      await m.route("router", "route", { httpRoute: httpTo([["backend", 0]]) });
    },
    resource: { kind: "route", name: "route" },
    field: "spec.httpRoute.action.weightedTargets",
  },
  {
    code: "RouteWithoutTargets",
    async build(m) {
      await m.node("hidden", []);
      await m.router("router", [[80, "http"]]);
      await m.service("backend.local", { router: "router" });
      await m.route("router", "route", { httpRoute: httpTo([["hidden", 100]]) });
    },
    resource: { kind: "route", name: "route" },
    field: "spec.httpRoute.action.weightedTargets",
  },
  {
    code: "TcpRouteShadowed",
    async build(m) {
      await m.node("backend", [[5432, "tcp"]]);
      await m.router("router", [[5432, "tcp"]]);
      await m.service("backend.local", { router: "router" });
      for (const name of ["first", "second"]) await m.route("router", name, { tcpRoute: { action: { weightedTargets: [{ virtualNode: "backend", weight: 100 }] } } });
    },
    resource: { kind: "route", name: "second" },
    field: "spec.tcpRoute",
  },
  {
    code: "BackendPortConflict",
    async build(m) {
      await m.node("web", [[80, "http"]]);
      await m.node("db", [[80, "tcp"]]);
      await m.service("web.local", { node: "web" });
      await m.service("db.local", { node: "db" });
      await m.node("client", [[8080, "http"]], { backends: [{ virtualService: { virtualServiceName: "web.local" } }, { virtualService: { virtualServiceName: "db.local" } }] });
    },
    resource: { kind: "virtualNode", name: "client" },
    field: "spec.backends[0]",
  },
  {
    code: "GatewayListenerReservedPort",
    async build(m) {
      await m.gateway("gateway", [[15001, "http"]]);
    },
    resource: { kind: "virtualGateway", name: "gateway" },
    field: "spec.listeners[0].portMapping.port",
  },
  {
    code: "GatewayRouteProtocolMismatch",
    async build(m) {
      await m.node("backend", [[80, "http2"]]);
      await m.service("backend.local", { node: "backend" });
      await m.gateway("gateway", [[8080, "http2"]]);
      await m.gatewayRoute("gateway", "to-backend", { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "backend.local" } } } } });
    },
    resource: { kind: "gatewayRoute", name: "to-backend" },
    field: "spec.httpRoute",
  },
  {
    code: "GatewayRoutePortNotListened",
    async build(m) {
      await m.node("backend", [[80, "http"]]);
      await m.service("backend.local", { node: "backend" });
      await m.gateway("gateway", [[8080, "http"]]);
      await m.gatewayRoute("gateway", "to-backend", { httpRoute: { match: { prefix: "/", port: 8081 }, action: { target: { virtualService: { virtualServiceName: "backend.local" } } } } });
    },
    resource: { kind: "gatewayRoute", name: "to-backend" },
    field: "spec.httpRoute.match.port",
  },
  {
    code: "GatewayRoutePortMissing",
    async build(m, meshName) {
      await m.node("backend", [[80, "http"]]);
      await m.service("backend.local", { node: "backend" });
      await m.gateway("gateway", [[8080, "http"]]);
      await m.gatewayRoute("gateway", "to-backend", { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "backend.local" } } } } });
      await m.client.send(new UpdateVirtualGatewayCommand({ meshName, virtualGatewayName: "gateway", spec: { listeners: listenersOf([[8080, "http"], [8081, "http"]]) as VirtualGatewayListener[] } }));
    },
    resource: { kind: "gatewayRoute", name: "to-backend" },
    field: "spec.httpRoute.match.port",
  },
  {
    code: "GatewayRouteTargetUnresolved",
    async build(m) {
      await m.service("nowhere.local");
      await m.gateway("gateway", [[8080, "http"]]);
      await m.gatewayRoute("gateway", "to-nowhere", { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "nowhere.local" } } } } });
    },
    resource: { kind: "gatewayRoute", name: "to-nowhere" },
    field: "spec.httpRoute.action.target",
  },
  {
    code: "AcmCertificateUnavailable",
    async build(m) {
      const certificateArn = "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000";
      await m.node("secure", [[443, "http"]], { listeners: [{ portMapping: { port: 443, protocol: "http" }, tls: { mode: "STRICT", certificate: { acm: { certificateArn } } } }] });
    },
    resource: { kind: "virtualNode", name: "secure" },
    field: "spec.listeners[0].tls.certificate.acm.certificateArn",
  },
  {
    code: "AcmCertificateAuthorityUnavailable",
    async build(m) {
      const authority = "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/00000000-0000-0000-0000-000000000000";
      await m.node("client", [[80, "http"]], { backendDefaults: { clientPolicy: { tls: { validation: { trust: { acm: { certificateAuthorityArns: [authority] } } } } } } });
    },
    resource: { kind: "virtualNode", name: "client" },
    field: "spec.backendDefaults.clientPolicy.tls.validation.trust.acm.certificateAuthorityArns[0]",
  },
];

describe("GET /v1/xds/lint", () => {
  let controlPlane: TestControlPlane;
  const lint = async (meshName: string) => {
    const response = await controlPlane.request("GET", `/v1/xds/lint?mesh=${meshName}`);
    return { status: response.status, body: (await response.json()) as { mesh: string; meshRevision: number; warnings: UnservableSpecWarning[]; message?: string } };
  };
  beforeAll(async () => {
    // One mesh per case, and more cases than App Mesh's default mesh quota (15).
    controlPlane = await startTestControlPlane({ env: { MESHPLANE_QUOTA_MESHES: "50" } });
  });
  afterAll(async () => {
    await controlPlane?.stop();
  });

  it("has a case here for every accepted-but-unservable code spec-rules.ts documents", () => {
    expect(cases.map((c) => c.code).sort()).toEqual(Object.keys(acceptedUnservableSpecs).sort());
  });

  it.each(cases)("accepts a spec with $code through the API and reports it with its resource and field", async ({ code, build, resource, field }) => {
    const meshName = `lint-${code.toLowerCase()}`;
    await controlPlane.client.send(new CreateMeshCommand({ meshName }));
    await build(meshBuilder(controlPlane.client, meshName), meshName);
    const { status, body } = await lint(meshName);
    expect(status).toBe(200);
    expect(body.mesh).toBe(meshName);
    const found = body.warnings.filter((w) => w.code === code);
    expect(found.length, JSON.stringify(body.warnings)).toBeGreaterThanOrEqual(1);
    expect(found[0]).toMatchObject({ resource: { ...resource, arn: expect.stringContaining(`:mesh/${meshName}/`) }, field, message: expect.any(String) });
  });

  it("shows a node's warnings in its config_dump and counts them in the lint metric", async () => {
    const meshName = "lint-visible";
    const m = meshBuilder(controlPlane.client, meshName);
    await controlPlane.client.send(new CreateMeshCommand({ meshName }));
    await m.node("backend", [[80, "http2"]]);
    await m.router("router", [[80, "http2"]]);
    await m.service("backend.local", { router: "router" });
    await m.route("router", "route", { httpRoute: httpTo([["backend", 100]]) });
    await m.node("client", [[8080, "http"]], { backends: [{ virtualService: { virtualServiceName: "backend.local" } }] });
    const dump = (await (await controlPlane.request("GET", `/v1/xds/config_dump?node=mesh/${meshName}/virtualNode/client`)).json()) as { warnings: UnservableSpecWarning[] };
    expect(dump.warnings.map((w) => [w.code, w.resource.name, w.field])).toContainEqual(["RouteProtocolMismatch", "route", "spec.httpRoute"]);
    expect((await lint(meshName)).body.warnings.map((w) => w.code)).toContain("RouteProtocolMismatch");
    const metrics = await (await controlPlane.request("GET", "/metrics")).text();
    expect(metrics).toMatch(new RegExp(`^meshplane_xds_lint_warnings\\{mesh="${meshName}",code="RouteProtocolMismatch"\\} 1$`, "m"));
  });

  it("reports no warnings for a mesh every proxy can serve", async () => {
    const meshName = "lint-clean";
    const m = meshBuilder(controlPlane.client, meshName);
    await controlPlane.client.send(new CreateMeshCommand({ meshName }));
    await m.node("backend", [[80, "http"]]);
    await m.router("router", [[80, "http"]]);
    await m.service("backend.local", { router: "router" });
    await m.route("router", "route", { httpRoute: httpTo([["backend", 100]]) });
    expect((await lint(meshName)).body.warnings).toEqual([]);
  });

  it("answers 404 for a mesh that does not exist and 400 without a mesh", async () => {
    expect((await lint("no-such-mesh")).status).toBe(404);
    expect((await controlPlane.request("GET", "/v1/xds/lint")).status).toBe(400);
  });
});
