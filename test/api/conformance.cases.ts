// The App Mesh API conformance suite: a real listening meshplane driven by @aws-sdk/client-app-mesh (and raw
// HTTP where the SDK cannot send the input). One function holds the cases; each backend's file runs it.
import * as sdk from "@aws-sdk/client-app-mesh";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MakeGatewayRouteSpec,
  MakeHttpRouteSpec,
  MakeVirtualGatewaySpec,
  MakeVirtualNodeSpec,
  MakeVirtualRouterSpec,
} from "../support/fixtures.js";
import { createAppMeshClient, testAccountId, type TestControlPlane } from "../support/control-plane.js";

type Start = (env: Record<string, string>) => Promise<TestControlPlane>;
type Input = Record<string, any>;

async function send(client: sdk.AppMeshClient, operation: string, input: Input): Promise<any> {
  const Command = (sdk as unknown as Record<string, new (input: Input) => any>)[`${operation}Command`];
  if (!Command) throw new Error(`no SDK command for ${operation}`);
  return client.send(new Command(input));
}

async function expectError(promise: Promise<unknown>, name: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error, `expected ${name}`).toBeInstanceOf(Error);
  expect(error!.name).toBe(name);
  const ExceptionClass = (sdk as unknown as Record<string, new (...args: any[]) => Error>)[name];
  expect(error).toBeInstanceOf(ExceptionClass);
  return error!;
}

/** One seeded mesh per test: the kinds' parents and referenced resources exist. */
async function seedMesh(client: sdk.AppMeshClient, meshName: string): Promise<void> {
  await send(client, "CreateMesh", { meshName });
  await send(client, "CreateVirtualNode", { meshName, virtualNodeName: "node", spec: MakeVirtualNodeSpec("node.local") });
  await send(client, "CreateVirtualRouter", { meshName, virtualRouterName: "router", spec: MakeVirtualRouterSpec() });
  await send(client, "CreateVirtualService", { meshName, virtualServiceName: "svc.local", spec: { provider: { virtualRouter: { virtualRouterName: "router" } } } });
  await send(client, "CreateVirtualGateway", { meshName, virtualGatewayName: "gateway", spec: MakeVirtualGatewaySpec() });
}

interface KindCase {
  label: string;
  listOperation: string;
  listKey: string;
  /** Create input for a resource called `name` in seeded mesh `mesh`. */
  input(mesh: string, name: string): Input;
  /** Identifies the resource for Describe/Delete. */
  key(mesh: string, name: string): Input;
  /** Identifies the collection for List. */
  collection(mesh: string): Input;
  /** Makes the resource in use so that Delete must be refused; absent when nothing can use this kind. */
  makeInUse?(client: sdk.AppMeshClient, mesh: string, name: string): Promise<void>;
  /** A create naming a resource that does not exist (a parent or a reference). */
  badReference(mesh: string, name: string): Input;
  /** A create whose spec holds a value outside an enum; absent when the spec has no enum. */
  invalidEnum?(mesh: string, name: string): Input;
  outOfRange(mesh: string, name: string): Input;
  /** A raw HTTP create whose body sets two members of a tagged union; absent when the spec has no union. */
  twoMemberUnion?(mesh: string, name: string): { path: string; body: Input };
  /** Name member of the create input, for the too-long-name case (absent for unconstrained names). */
  nameMember?: string;
  quotaVariable: string;
}

const kindCases: KindCase[] = [
  {
    label: "Mesh",
    listOperation: "ListMeshes",
    listKey: "meshes",
    input: (_mesh, name) => ({ meshName: name, spec: { egressFilter: { type: "ALLOW_ALL" } } }),
    key: (_mesh, name) => ({ meshName: name }),
    collection: () => ({}),
    makeInUse: async (client, _mesh, name) => {
      await send(client, "CreateVirtualNode", { meshName: name, virtualNodeName: "n", spec: {} });
    },
    badReference: (mesh) => ({ meshName: mesh }), // creating an existing mesh is the only "reference" a mesh has: covered as conflict
    invalidEnum: (_mesh, name) => ({ meshName: name, spec: { egressFilter: { type: "FOO" } } }),
    outOfRange: (_mesh, name) => ({ meshName: name, spec: { serviceDiscovery: { ipPreference: "IPv5_ONLY" } } }),
    nameMember: "meshName",
    quotaVariable: "MESHPLANE_QUOTA_MESHES",
  },
  {
    label: "VirtualService",
    listOperation: "ListVirtualServices",
    listKey: "virtualServices",
    input: (mesh, name) => ({ meshName: mesh, virtualServiceName: name, spec: { provider: { virtualNode: { virtualNodeName: "node" } } } }),
    key: (mesh, name) => ({ meshName: mesh, virtualServiceName: name }),
    collection: (mesh) => ({ meshName: mesh }),
    makeInUse: async (client, mesh, name) => {
      await send(client, "CreateGatewayRoute", { meshName: mesh, virtualGatewayName: "gateway", gatewayRouteName: `to-${name}`, spec: MakeGatewayRouteSpec(name) });
    },
    badReference: (mesh, name) => ({ meshName: mesh, virtualServiceName: name, spec: { provider: { virtualNode: { virtualNodeName: "missing" } } } }),
    outOfRange: (mesh, name) => ({ meshName: mesh, virtualServiceName: name, spec: { provider: { virtualNode: { virtualNodeName: "x".repeat(256) } } } }),
    twoMemberUnion: (mesh, name) => ({
      path: `/v20190125/meshes/${mesh}/virtualServices`,
      body: { virtualServiceName: name, spec: { provider: { virtualNode: { virtualNodeName: "node" }, virtualRouter: { virtualRouterName: "router" } } } },
    }),
    quotaVariable: "MESHPLANE_QUOTA_VIRTUAL_SERVICES_PER_MESH",
  },
  {
    label: "VirtualNode",
    listOperation: "ListVirtualNodes",
    listKey: "virtualNodes",
    input: (mesh, name) => ({ meshName: mesh, virtualNodeName: name, spec: MakeVirtualNodeSpec(`${name}.local`, ["svc.local"]) }),
    key: (mesh, name) => ({ meshName: mesh, virtualNodeName: name }),
    collection: (mesh) => ({ meshName: mesh }),
    makeInUse: async (client, mesh, name) => {
      await send(client, "CreateRoute", { meshName: mesh, virtualRouterName: "router", routeName: `to-${name}`, spec: MakeHttpRouteSpec([[name, 1]]) });
    },
    badReference: (_mesh, name) => ({ meshName: "no-such-mesh", virtualNodeName: name, spec: {} }),
    invalidEnum: (mesh, name) => ({ meshName: mesh, virtualNodeName: name, spec: { listeners: [{ portMapping: { port: 80, protocol: "ftp" } }], serviceDiscovery: { dns: { hostname: "a" } } } }),
    outOfRange: (mesh, name) => ({ meshName: mesh, virtualNodeName: name, spec: { listeners: [{ portMapping: { port: 70000, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "a" } } } }),
    twoMemberUnion: (mesh, name) => ({
      path: `/v20190125/meshes/${mesh}/virtualNodes`,
      body: { virtualNodeName: name, spec: { serviceDiscovery: { dns: { hostname: "a" }, awsCloudMap: { namespaceName: "ns", serviceName: "s" } } } },
    }),
    nameMember: "virtualNodeName",
    quotaVariable: "MESHPLANE_QUOTA_VIRTUAL_NODES_PER_MESH",
  },
  {
    label: "VirtualRouter",
    listOperation: "ListVirtualRouters",
    listKey: "virtualRouters",
    input: (mesh, name) => ({ meshName: mesh, virtualRouterName: name, spec: MakeVirtualRouterSpec() }),
    key: (mesh, name) => ({ meshName: mesh, virtualRouterName: name }),
    collection: (mesh) => ({ meshName: mesh }),
    makeInUse: async (client, mesh, name) => {
      await send(client, "CreateRoute", { meshName: mesh, virtualRouterName: name, routeName: "r", spec: MakeHttpRouteSpec([["node", 1]]) });
    },
    badReference: (_mesh, name) => ({ meshName: "no-such-mesh", virtualRouterName: name, spec: MakeVirtualRouterSpec() }),
    invalidEnum: (mesh, name) => ({ meshName: mesh, virtualRouterName: name, spec: { listeners: [{ portMapping: { port: 80, protocol: "udp" } }] } }),
    outOfRange: (mesh, name) => ({ meshName: mesh, virtualRouterName: name, spec: { listeners: [{ portMapping: { port: 0, protocol: "http" } }] } }),
    nameMember: "virtualRouterName",
    quotaVariable: "MESHPLANE_QUOTA_VIRTUAL_ROUTERS_PER_MESH",
  },
  {
    label: "Route",
    listOperation: "ListRoutes",
    listKey: "routes",
    input: (mesh, name) => ({ meshName: mesh, virtualRouterName: "router", routeName: name, spec: MakeHttpRouteSpec([["node", 100]], { priority: 5 }) }),
    key: (mesh, name) => ({ meshName: mesh, virtualRouterName: "router", routeName: name }),
    collection: (mesh) => ({ meshName: mesh, virtualRouterName: "router" }),
    badReference: (mesh, name) => ({ meshName: mesh, virtualRouterName: "router", routeName: name, spec: MakeHttpRouteSpec([["missing-node", 1]]) }),
    invalidEnum: (mesh, name) => ({
      meshName: mesh,
      virtualRouterName: "router",
      routeName: name,
      spec: { httpRoute: { match: { prefix: "/", method: "FETCH" }, action: { weightedTargets: [{ virtualNode: "node", weight: 1 }] } } },
    }),
    outOfRange: (mesh, name) => ({ meshName: mesh, virtualRouterName: "router", routeName: name, spec: MakeHttpRouteSpec([["node", 101]]) }),
    twoMemberUnion: (mesh, name) => ({
      path: `/v20190125/meshes/${mesh}/virtualRouter/router/routes`,
      body: {
        routeName: name,
        spec: {
          httpRoute: {
            match: { prefix: "/", headers: [{ name: "x-a", match: { exact: "1", prefix: "1" } }] },
            action: { weightedTargets: [{ virtualNode: "node", weight: 1 }] },
          },
        },
      },
    }),
    nameMember: "routeName",
    quotaVariable: "MESHPLANE_QUOTA_ROUTES_PER_VIRTUAL_ROUTER",
  },
  {
    label: "VirtualGateway",
    listOperation: "ListVirtualGateways",
    listKey: "virtualGateways",
    input: (mesh, name) => ({ meshName: mesh, virtualGatewayName: name, spec: MakeVirtualGatewaySpec(9090) }),
    key: (mesh, name) => ({ meshName: mesh, virtualGatewayName: name }),
    collection: (mesh) => ({ meshName: mesh }),
    makeInUse: async (client, mesh, name) => {
      await send(client, "CreateGatewayRoute", { meshName: mesh, virtualGatewayName: name, gatewayRouteName: "gr", spec: MakeGatewayRouteSpec("svc.local") });
    },
    badReference: (_mesh, name) => ({ meshName: "no-such-mesh", virtualGatewayName: name, spec: MakeVirtualGatewaySpec() }),
    invalidEnum: (mesh, name) => ({ meshName: mesh, virtualGatewayName: name, spec: { listeners: [{ portMapping: { port: 80, protocol: "tcp" } }] } }),
    outOfRange: (mesh, name) => ({
      meshName: mesh,
      virtualGatewayName: name,
      spec: {
        listeners: [
          {
            portMapping: { port: 80, protocol: "http" },
            healthCheck: { healthyThreshold: 11, unhealthyThreshold: 2, intervalMillis: 5000, timeoutMillis: 2000, protocol: "http", path: "/" },
          },
        ],
      },
    }),
    twoMemberUnion: (mesh, name) => ({
      path: `/v20190125/meshes/${mesh}/virtualGateways`,
      body: {
        virtualGatewayName: name,
        spec: { listeners: [{ portMapping: { port: 80, protocol: "http" }, connectionPool: { http: { maxConnections: 1 }, http2: { maxRequests: 1 } } }] },
      },
    }),
    nameMember: "virtualGatewayName",
    quotaVariable: "MESHPLANE_QUOTA_VIRTUAL_GATEWAYS_PER_MESH",
  },
  {
    label: "GatewayRoute",
    listOperation: "ListGatewayRoutes",
    listKey: "gatewayRoutes",
    input: (mesh, name) => ({ meshName: mesh, virtualGatewayName: "gateway", gatewayRouteName: name, spec: { ...MakeGatewayRouteSpec("svc.local", `/${name}`), priority: 10 } }),
    key: (mesh, name) => ({ meshName: mesh, virtualGatewayName: "gateway", gatewayRouteName: name }),
    collection: (mesh) => ({ meshName: mesh, virtualGatewayName: "gateway" }),
    badReference: (mesh, name) => ({ meshName: mesh, virtualGatewayName: "gateway", gatewayRouteName: name, spec: MakeGatewayRouteSpec("missing.local") }),
    invalidEnum: (mesh, name) => ({
      meshName: mesh,
      virtualGatewayName: "gateway",
      gatewayRouteName: name,
      spec: { httpRoute: { match: { prefix: "/", method: "FOO" }, action: { target: { virtualService: { virtualServiceName: "svc.local" } } } } },
    }),
    outOfRange: (mesh, name) => ({ meshName: mesh, virtualGatewayName: "gateway", gatewayRouteName: name, spec: { ...MakeGatewayRouteSpec("svc.local"), priority: 1001 } }),
    twoMemberUnion: (mesh, name) => ({
      path: `/v20190125/meshes/${mesh}/virtualGateway/gateway/gatewayRoutes`,
      body: {
        gatewayRouteName: name,
        spec: {
          httpRoute: {
            match: { prefix: "/", headers: [{ name: "x-a", match: { suffix: "1", range: { start: 1, end: 2 } } }] },
            action: { target: { virtualService: { virtualServiceName: "svc.local" } } },
          },
        },
      },
    }),
    nameMember: "gatewayRouteName",
    quotaVariable: "MESHPLANE_QUOTA_GATEWAY_ROUTES_PER_VIRTUAL_GATEWAY",
  },
];

export function defineConformanceSuite(backend: string, start: Start): void {
  describe(`App Mesh API conformance (${backend})`, () => {
    let plane: TestControlPlane;
    let client: sdk.AppMeshClient;
    let meshCounter = 0;
    const freshMesh = async () => {
      const mesh = `mesh-${++meshCounter}`;
      await seedMesh(client, mesh);
      return mesh;
    };

    beforeAll(async () => {
      plane = await start({ MESHPLANE_QUOTA_MESHES: "1000", MESHPLANE_QUOTA_VIRTUAL_NODES_PER_MESH: "400" });
      client = plane.client;
    });
    afterAll(async () => plane?.stop());

    it("runs all 38 operations on the guide's example mesh", async () => {
      const meshName = "apps";
      const created = await send(client, "CreateMesh", { meshName, tags: [{ key: "team", value: "a" }] });
      expect(created.mesh.meshName).toBe(meshName);
      expect(created.mesh.metadata.arn).toBe(`arn:aws:appmesh:us-east-1:${testAccountId}:mesh/apps`);
      expect(created.mesh.metadata.version).toBe(1);
      expect(created.mesh.metadata.createdAt).toBeInstanceOf(Date);
      expect(created.mesh.metadata.meshOwner).toBe(testAccountId);
      expect(created.mesh.metadata.resourceOwner).toBe(testAccountId);
      expect(created.mesh.status.status).toBe("ACTIVE");
      expect((await send(client, "DescribeMesh", { meshName })).mesh.metadata.uid).toBe(created.mesh.metadata.uid);
      const updatedMesh = await send(client, "UpdateMesh", { meshName, spec: { egressFilter: { type: "ALLOW_ALL" } } });
      expect(updatedMesh.mesh.metadata.version).toBe(2);
      expect(updatedMesh.mesh.spec).toEqual({ egressFilter: { type: "ALLOW_ALL" } });

      for (const [name, hostname] of [["serviceA", "servicea.apps.local"], ["serviceB", "serviceb.apps.local"], ["serviceBv2", "servicebv2.apps.local"]] as const) {
        const node = await send(client, "CreateVirtualNode", { meshName, virtualNodeName: name, spec: MakeVirtualNodeSpec(hostname, name === "serviceA" ? ["serviceb.apps.local"] : [], 80) });
        expect(node.virtualNode.metadata.arn).toBe(`arn:aws:appmesh:us-east-1:${testAccountId}:mesh/apps/virtualNode/${name}`);
      }
      await send(client, "CreateVirtualRouter", { meshName, virtualRouterName: "serviceB", spec: MakeVirtualRouterSpec(80) });
      const route = await send(client, "CreateRoute", { meshName, virtualRouterName: "serviceB", routeName: "serviceB", spec: MakeHttpRouteSpec([["serviceB", 75], ["serviceBv2", 25]]) });
      expect(route.route.metadata.arn).toBe(`arn:aws:appmesh:us-east-1:${testAccountId}:mesh/apps/virtualRouter/serviceB/route/serviceB`);
      await send(client, "CreateVirtualService", { meshName, virtualServiceName: "servicea.apps.local", spec: { provider: { virtualNode: { virtualNodeName: "serviceA" } } } });
      await send(client, "CreateVirtualService", { meshName, virtualServiceName: "serviceb.apps.local", spec: { provider: { virtualRouter: { virtualRouterName: "serviceB" } } } });
      await send(client, "CreateVirtualGateway", { meshName, virtualGatewayName: "gateway", spec: MakeVirtualGatewaySpec(8080) });
      const gatewayRoute = await send(client, "CreateGatewayRoute", { meshName, virtualGatewayName: "gateway", gatewayRouteName: "to-b", spec: MakeGatewayRouteSpec("serviceb.apps.local") });
      expect(gatewayRoute.gatewayRoute.metadata.arn).toBe(`arn:aws:appmesh:us-east-1:${testAccountId}:mesh/apps/virtualGateway/gateway/gatewayRoute/to-b`);

      expect((await send(client, "DescribeVirtualNode", { meshName, virtualNodeName: "serviceB" })).virtualNode.spec.serviceDiscovery.dns.hostname).toBe("serviceb.apps.local");
      expect((await send(client, "DescribeVirtualRouter", { meshName, virtualRouterName: "serviceB" })).virtualRouter.spec.listeners[0].portMapping.port).toBe(80);
      expect((await send(client, "DescribeRoute", { meshName, virtualRouterName: "serviceB", routeName: "serviceB" })).route.spec.httpRoute.action.weightedTargets).toHaveLength(2);
      expect((await send(client, "DescribeVirtualService", { meshName, virtualServiceName: "serviceb.apps.local" })).virtualService.spec.provider.virtualRouter.virtualRouterName).toBe("serviceB");
      expect((await send(client, "DescribeVirtualGateway", { meshName, virtualGatewayName: "gateway" })).virtualGateway.status.status).toBe("ACTIVE");
      expect((await send(client, "DescribeGatewayRoute", { meshName, virtualGatewayName: "gateway", gatewayRouteName: "to-b" })).gatewayRoute.virtualGatewayName).toBe("gateway");

      const reweighted = await send(client, "UpdateRoute", { meshName, virtualRouterName: "serviceB", routeName: "serviceB", spec: MakeHttpRouteSpec([["serviceB", 0], ["serviceBv2", 100]]) });
      expect(reweighted.route.metadata.version).toBe(2);
      expect(reweighted.route.spec.httpRoute.action.weightedTargets.map((t: { weight: number }) => t.weight)).toEqual([0, 100]);
      expect((await send(client, "UpdateVirtualNode", { meshName, virtualNodeName: "serviceBv2", spec: MakeVirtualNodeSpec("v2.apps.local", [], 80) })).virtualNode.metadata.version).toBe(2);
      expect((await send(client, "UpdateVirtualRouter", { meshName, virtualRouterName: "serviceB", spec: MakeVirtualRouterSpec(80) })).virtualRouter.metadata.version).toBe(2);
      expect((await send(client, "UpdateVirtualService", { meshName, virtualServiceName: "servicea.apps.local", spec: {} })).virtualService.spec).toEqual({});
      expect((await send(client, "UpdateVirtualGateway", { meshName, virtualGatewayName: "gateway", spec: MakeVirtualGatewaySpec(8081) })).virtualGateway.spec.listeners[0].portMapping.port).toBe(8081);
      expect((await send(client, "UpdateGatewayRoute", { meshName, virtualGatewayName: "gateway", gatewayRouteName: "to-b", spec: MakeGatewayRouteSpec("serviceb.apps.local", "/b") })).gatewayRoute.metadata.version).toBe(2);

      expect((await send(client, "ListMeshes", {})).meshes.map((m: { meshName: string }) => m.meshName)).toContain("apps");
      expect((await send(client, "ListVirtualNodes", { meshName })).virtualNodes.map((n: { virtualNodeName: string }) => n.virtualNodeName)).toEqual(["serviceA", "serviceB", "serviceBv2"]);
      expect((await send(client, "ListVirtualServices", { meshName })).virtualServices).toHaveLength(2);
      expect((await send(client, "ListVirtualRouters", { meshName })).virtualRouters[0].virtualRouterName).toBe("serviceB");
      const routes = (await send(client, "ListRoutes", { meshName, virtualRouterName: "serviceB" })).routes;
      expect(routes).toEqual([expect.objectContaining({ routeName: "serviceB", virtualRouterName: "serviceB", meshName, version: 2, meshOwner: testAccountId })]);
      expect((await send(client, "ListVirtualGateways", { meshName })).virtualGateways).toHaveLength(1);
      expect((await send(client, "ListGatewayRoutes", { meshName, virtualGatewayName: "gateway" })).gatewayRoutes[0].gatewayRouteName).toBe("to-b");

      const arn = route.route.metadata.arn;
      await send(client, "TagResource", { resourceArn: arn, tags: [{ key: "b", value: "1" }, { key: "a", value: "2" }] });
      await send(client, "TagResource", { resourceArn: arn, tags: [{ key: "b", value: "3" }, { key: "c", value: "4" }] });
      expect((await send(client, "ListTagsForResource", { resourceArn: arn })).tags).toEqual([{ key: "b", value: "3" }, { key: "a", value: "2" }, { key: "c", value: "4" }]);
      await send(client, "UntagResource", { resourceArn: arn, tagKeys: ["a"] });
      expect((await send(client, "ListTagsForResource", { resourceArn: arn })).tags).toEqual([{ key: "b", value: "3" }, { key: "c", value: "4" }]);
      expect((await send(client, "ListTagsForResource", { resourceArn: created.mesh.metadata.arn })).tags).toEqual([{ key: "team", value: "a" }]);

      const deletedGatewayRoute = await send(client, "DeleteGatewayRoute", { meshName, virtualGatewayName: "gateway", gatewayRouteName: "to-b" });
      expect(deletedGatewayRoute.gatewayRoute.status.status).toBe("DELETED");
      expect(deletedGatewayRoute.gatewayRoute.metadata.version).toBe(2);
      await send(client, "DeleteVirtualGateway", { meshName, virtualGatewayName: "gateway" });
      await send(client, "DeleteVirtualService", { meshName, virtualServiceName: "serviceb.apps.local" });
      await send(client, "DeleteVirtualService", { meshName, virtualServiceName: "servicea.apps.local" });
      await send(client, "DeleteRoute", { meshName, virtualRouterName: "serviceB", routeName: "serviceB" });
      await send(client, "DeleteVirtualRouter", { meshName, virtualRouterName: "serviceB" });
      for (const name of ["serviceA", "serviceB", "serviceBv2"]) {
        expect((await send(client, "DeleteVirtualNode", { meshName, virtualNodeName: name })).virtualNode.status.status).toBe("DELETED");
      }
      expect((await send(client, "DeleteMesh", { meshName })).mesh.status.status).toBe("DELETED");
      await expectError(send(client, "DescribeMesh", { meshName }), "NotFoundException");
      // Tags go with the resource.
      await expectError(send(client, "ListTagsForResource", { resourceArn: arn }), "NotFoundException");
    });

    for (const kind of kindCases) {
      describe(kind.label, () => {
        it("describing a missing resource is NotFoundException", async () => {
          const mesh = await freshMesh();
          await expectError(send(client, `Describe${kind.label}`, kind.key(mesh, "absent")), "NotFoundException");
          await expectError(send(client, `Delete${kind.label}`, kind.key(mesh, "absent")), "NotFoundException");
        });

        it("creating a second resource of the same name is ConflictException", async () => {
          const mesh = await freshMesh();
          const name = `dup-${meshCounter}`;
          await send(client, `Create${kind.label}`, kind.input(mesh, name));
          await expectError(send(client, `Create${kind.label}`, kind.input(mesh, name)), "ConflictException");
        });

        if (kind.makeInUse) {
          it("deleting a resource that is in use is ResourceInUseException and keeps it", async () => {
            const mesh = await freshMesh();
            const name = `used-${meshCounter}`;
            await send(client, `Create${kind.label}`, kind.input(mesh, name));
            await kind.makeInUse!(client, mesh, name);
            await expectError(send(client, `Delete${kind.label}`, kind.key(mesh, name)), "ResourceInUseException");
            expect(await send(client, `Describe${kind.label}`, kind.key(mesh, name))).toBeDefined();
          });
        }

        if (kind.label !== "Mesh") {
          it("naming a missing parent or referenced resource is NotFoundException", async () => {
            const mesh = await freshMesh();
            await expectError(send(client, `Create${kind.label}`, kind.badReference(mesh, "badref")), "NotFoundException");
            await expectError(send(client, `Describe${kind.label}`, kind.key(mesh, "badref")), "NotFoundException");
          });
        }

        if (kind.invalidEnum) {
          it("a value outside an enum is BadRequestException", async () => {
            const mesh = await freshMesh();
            await expectError(send(client, `Create${kind.label}`, kind.invalidEnum!(mesh, "badenum")), "BadRequestException");
          });
        }

        if (kind.nameMember) {
          it("a 256-character name is BadRequestException", async () => {
            const mesh = await freshMesh();
            const error = await expectError(send(client, `Create${kind.label}`, { ...kind.input(mesh, "x"), [kind.nameMember!]: "n".repeat(256) }), "BadRequestException");
            expect(error.message).toContain(kind.nameMember);
          });
        }

        it("a number or length out of its range is BadRequestException", async () => {
          const mesh = await freshMesh();
          await expectError(send(client, `Create${kind.label}`, kind.outOfRange(mesh, "range")), "BadRequestException");
          await expectError(send(client, kind.listOperation, { ...kind.collection(mesh), limit: 101 }), "BadRequestException");
        });

        if (kind.twoMemberUnion) {
          it("a tagged union with two members is BadRequestException", async () => {
            const mesh = await freshMesh();
            const { path, body } = kind.twoMemberUnion!(mesh, "union");
            const response = await plane.request("PUT", path, { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
            expect(response.status).toBe(400);
            expect(response.headers.get("x-amzn-errortype")).toBe("BadRequestException");
            expect(((await response.json()) as { message: string }).message).toMatch(/exactly one/);
          });
        }

        it("creating past the quota is LimitExceededException", async () => {
          const quotaPlane = await start({ [kind.quotaVariable]: "2" });
          try {
            const mesh = "quota";
            if (kind.label === "Mesh") {
              await send(quotaPlane.client, "CreateMesh", { meshName: "other" });
            } else {
              await seedMesh(quotaPlane.client, mesh);
            }
            const existing = (await send(quotaPlane.client, kind.listOperation, kind.collection(mesh)))[kind.listKey].length;
            for (let i = existing; i < 2; i++) await send(quotaPlane.client, `Create${kind.label}`, kind.input(mesh, `q${i}`));
            await expectError(send(quotaPlane.client, `Create${kind.label}`, kind.input(mesh, "over")), "LimitExceededException");
            expect((await send(quotaPlane.client, kind.listOperation, kind.collection(mesh)))[kind.listKey]).toHaveLength(2);
          } finally {
            await quotaPlane.stop();
          }
        });
      });
    }

    it("walks 250 virtual nodes in pages of 7 without loss or duplicates while the list changes", async () => {
      const meshName = "paging";
      await send(client, "CreateMesh", { meshName });
      const names = Array.from({ length: 250 }, (_, i) => `node-${String(i).padStart(3, "0")}`);
      for (let i = 0; i < names.length; i += 25) {
        await Promise.all(names.slice(i, i + 25).map((virtualNodeName) => send(client, "CreateVirtualNode", { meshName, virtualNodeName, spec: {} })));
      }
      const seen: string[] = [];
      let nextToken: string | undefined;
      let page = 0;
      do {
        const output = await send(client, "ListVirtualNodes", { meshName, limit: 7, nextToken });
        expect(output.virtualNodes.length).toBeLessThanOrEqual(7);
        seen.push(...output.virtualNodes.map((node: { virtualNodeName: string }) => node.virtualNodeName));
        nextToken = output.nextToken;
        // Churn between pages: new nodes appear and extra nodes vanish; the original 250 must each be seen once.
        await send(client, "CreateVirtualNode", { meshName, virtualNodeName: `extra-${page}`, spec: {} });
        if (page > 0) await send(client, "DeleteVirtualNode", { meshName, virtualNodeName: `extra-${page - 1}` });
        page++;
      } while (nextToken);
      // Creation order, not name order, is list order; batches were created concurrently.
      const original = seen.filter((name) => name.startsWith("node-"));
      expect(original).toHaveLength(names.length);
      expect([...original].sort()).toEqual(names);
      expect(new Set(seen).size).toBe(seen.length);
      await expectError(send(client, "ListVirtualNodes", { meshName, limit: 7, nextToken: "forged" }), "BadRequestException");
    });

    it("a retried create with the same clientToken creates once and returns the first response", async () => {
      const meshName = "idempotent";
      await send(client, "CreateMesh", { meshName });
      const input = { meshName, virtualNodeName: "once", spec: MakeVirtualNodeSpec("once.local"), clientToken: "token-1" };
      const first = await send(client, "CreateVirtualNode", input);
      const second = await send(client, "CreateVirtualNode", input);
      expect(second.virtualNode.metadata.uid).toBe(first.virtualNode.metadata.uid);
      expect(second.virtualNode.metadata.createdAt).toEqual(first.virtualNode.metadata.createdAt);
      expect((await send(client, "ListVirtualNodes", { meshName })).virtualNodes).toHaveLength(1);
      await expectError(send(client, "CreateVirtualNode", { ...input, virtualNodeName: "other" }), "ConflictException");
      const update = { meshName, virtualNodeName: "once", spec: MakeVirtualNodeSpec("v2.local"), clientToken: "token-2" };
      await send(client, "UpdateVirtualNode", update);
      const replayed = await send(client, "UpdateVirtualNode", update);
      expect(replayed.virtualNode.metadata.version).toBe(2);
      expect((await send(client, "DescribeVirtualNode", { meshName, virtualNodeName: "once" })).virtualNode.metadata.version).toBe(2);
    });

    it("a meshOwner naming another account is NotFoundException", async () => {
      const mesh = await freshMesh();
      await expectError(send(client, "DescribeVirtualNode", { meshName: mesh, virtualNodeName: "node", meshOwner: "999999999999" }), "NotFoundException");
      expect((await send(client, "DescribeVirtualNode", { meshName: mesh, virtualNodeName: "node", meshOwner: testAccountId })).virtualNode.virtualNodeName).toBe("node");
    });

    it("tags: at most 50 per resource (TooManyTagsException), keys unique, order kept", async () => {
      const mesh = await freshMesh();
      const arn = (await send(client, "DescribeVirtualNode", { meshName: mesh, virtualNodeName: "node" })).virtualNode.metadata.arn;
      const tags = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
      await send(client, "TagResource", { resourceArn: arn, tags });
      await expectError(send(client, "TagResource", { resourceArn: arn, tags: [{ key: "one-more", value: "x" }] }), "TooManyTagsException");
      const listed = (await send(client, "ListTagsForResource", { resourceArn: arn })).tags;
      expect(listed).toEqual(tags);
      await expectError(send(client, "TagResource", { resourceArn: arn, tags: [{ key: "k", value: "1" }, { key: "k", value: "2" }] }), "BadRequestException");
      await expectError(
        send(client, "CreateVirtualNode", { meshName: mesh, virtualNodeName: "many-tags", spec: {}, tags: [...tags, { key: "k50", value: "x" }] }),
        "TooManyTagsException",
      );
      const firstPage = await send(client, "ListTagsForResource", { resourceArn: arn, limit: 20 });
      expect(firstPage.tags).toEqual(tags.slice(0, 20));
      const secondPage = await send(client, "ListTagsForResource", { resourceArn: arn, limit: 50, nextToken: firstPage.nextToken });
      expect(secondPage.tags).toEqual(tags.slice(20));
      expect(secondPage.nextToken).toBeUndefined();
    });

    it("rules the model states only in prose are enforced with the offending field named", async () => {
      const mesh = await freshMesh();
      const route = (spec: unknown) => send(client, "CreateRoute", { meshName: mesh, virtualRouterName: "router", routeName: `r${Math.random()}`.replace(".", ""), spec });
      const target = { weightedTargets: [{ virtualNode: "node", weight: 1 }] };
      const cases: Array<[unknown, RegExp]> = [
        [{ httpRoute: { match: { prefix: "/" }, action: target }, tcpRoute: { action: target } }, /exactly one of/],
        [{ httpRoute: { match: { prefix: "no-slash" }, action: target } }, /spec\.httpRoute\.match\.prefix/],
        [{ grpcRoute: { match: { methodName: "Get" }, action: target } }, /spec\.grpcRoute\.match\.methodName/],
        [{ httpRoute: { match: { path: { regex: "(?=a)b" } }, action: target } }, /look-around/],
        [{ httpRoute: { match: { path: { regex: "(a)\\1" } }, action: target } }, /back-reference/],
        [{ httpRoute: { match: { prefix: "/" }, action: target, retryPolicy: { maxRetries: 2, perRetryTimeout: { unit: "s", value: 1 } } } }, /retryPolicy/],
        [{ httpRoute: { match: { prefix: "/" }, action: target }, priority: 1001 }, /priority/],
      ];
      for (const [spec, message] of cases) {
        const error = await expectError(route(spec), "BadRequestException");
        expect(error.message).toMatch(message);
      }
      const gatewayRoute = (spec: unknown) => send(client, "CreateGatewayRoute", { meshName: mesh, virtualGatewayName: "gateway", gatewayRouteName: `g${meshCounter}${Math.random()}`.replace(".", ""), spec });
      const gatewayTarget = { target: { virtualService: { virtualServiceName: "svc.local" } } };
      for (const prefix of ["/aws-appmesh", "/aws-app-mesh/x"]) {
        expect((await expectError(gatewayRoute({ httpRoute: { match: { prefix }, action: gatewayTarget } }), "BadRequestException")).message).toMatch(/reserved/);
      }
      expect((await expectError(gatewayRoute({ grpcRoute: { match: { serviceName: "aws.appmesh.Envoy" }, action: gatewayTarget } }), "BadRequestException")).message).toMatch(/reserved/);
      const node = (spec: unknown) => send(client, "CreateVirtualNode", { meshName: mesh, virtualNodeName: `n${Math.random()}`.replace(".", ""), spec });
      const listener = { portMapping: { port: 80, protocol: "http" } };
      expect(
        (await expectError(node({ listeners: [{ ...listener, connectionPool: { tcp: { maxConnections: 1 } } }], serviceDiscovery: { dns: { hostname: "a" } } }), "BadRequestException")).message,
      ).toMatch(/connectionPool/);
      expect(
        (await expectError(node({ listeners: [{ ...listener, healthCheck: { protocol: "http", healthyThreshold: 2, unhealthyThreshold: 2, intervalMillis: 5000 } }], serviceDiscovery: { dns: { hostname: "a" } } }), "BadRequestException"))
          .message,
      ).toMatch(/healthCheck\.timeoutMillis/);
    });

    it("answers malformed requests with App Mesh-shaped errors, never 5xx", async () => {
      const cases: Array<[string, string, RequestInit, number, string]> = [
        ["PUT", "/v20190125/meshes", { body: "{not json", headers: { "content-type": "application/json" } }, 400, "BadRequestException"],
        ["PUT", "/v20190125/meshes", { body: "[]", headers: { "content-type": "application/json" } }, 400, "BadRequestException"],
        ["PUT", "/v20190125/meshes", { body: "meshName=x", headers: { "content-type": "application/x-www-form-urlencoded" } }, 400, "BadRequestException"],
        ["PUT", "/v20190125/meshes", { body: JSON.stringify({ meshName: "big", pad: "x".repeat(1024 * 1024) }), headers: { "content-type": "application/json" } }, 400, "BadRequestException"],
        ["GET", "/v20190125/nothing-here", {}, 404, "NotFoundException"],
        ["POST", "/v20190125/meshes", {}, 400, "BadRequestException"],
        ["GET", "/v20190125/meshes?limit=abc", {}, 400, "BadRequestException"],
        ["GET", "/v20190125/meshes/x?meshOwner=123", {}, 400, "BadRequestException"],
      ];
      for (const [method, path, init, status, errorType] of cases) {
        const response = await plane.request(method, path, init as { body?: string; headers?: Record<string, string> });
        expect(response.status, `${method} ${path}`).toBe(status);
        expect(response.headers.get("x-amzn-errortype")).toBe(errorType);
        expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
        const body = (await response.json()) as { __type: string; message: string };
        expect(body.__type).toBe(errorType);
        expect(body.message.length).toBeGreaterThan(0);
      }
      // A chunked body without Content-Length is cut off at the limit: the refusal arrives while the client still sends.
      const refusal = await new Promise<{ status: number; errorType: string | undefined }>((resolve, reject) => {
        const request = http.request(`${plane.url}/v20190125/meshes`, { method: "PUT", headers: { "content-type": "application/json" } }, (response) => {
          resolve({ status: response.statusCode ?? 0, errorType: response.headers["x-amzn-errortype"] as string | undefined });
          response.resume();
        });
        request.on("error", (error) => (error.message.includes("EPIPE") || error.message.includes("ECONNRESET") ? undefined : reject(error)));
        const chunk = `{"meshName":"chunked","pad":"${"x".repeat(64 * 1024)}`;
        let sent = 0;
        const pump = () => {
          while (sent < 40 && request.write(chunk)) sent++;
          if (sent < 40) request.once("drain", () => (sent++, pump()));
          else request.end();
        };
        pump();
      });
      expect(refusal).toEqual({ status: 400, errorType: "BadRequestException" });
      const health = await plane.request("GET", "/healthz");
      expect(health.status).toBe(200);
    });

    it("a second client with a fresh connection sees committed writes", async () => {
      const mesh = await freshMesh();
      const other = createAppMeshClient(plane.url);
      expect((await send(other, "DescribeVirtualRouter", { meshName: mesh, virtualRouterName: "router" })).virtualRouter.virtualRouterName).toBe("router");
      other.destroy();
    });
  });
}
