// Property test: random and mutated bodies thrown at every Create/Update operation get a 200 or an App Mesh
// 4xx error (never 5xx), and a rejected request leaves the stored state exactly as it was.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appMeshErrorStatus } from "../../functions/appmesh/index.js";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.js";
import { MakeGatewayRouteSpec, MakeHttpRouteSpec, MakeVirtualGatewaySpec, MakeVirtualNodeSpec, MakeVirtualRouterSpec } from "../support/fixtures.js";
import { mutate, pathsOf, type Json } from "../support/json-mutation.js";

interface Target {
  operation: string;
  method: "PUT";
  path: string;
  body: Record<string, Json>;
}

const mesh = "fuzz";
const targets: Target[] = [
  { operation: "CreateMesh", method: "PUT", path: "/v20190125/meshes", body: { meshName: "fresh-mesh", spec: { egressFilter: { type: "ALLOW_ALL" }, serviceDiscovery: { ipPreference: "IPv4_ONLY" } } } },
  { operation: "UpdateMesh", method: "PUT", path: `/v20190125/meshes/${mesh}`, body: { spec: { egressFilter: { type: "DROP_ALL" } } } },
  { operation: "CreateVirtualNode", method: "PUT", path: `/v20190125/meshes/${mesh}/virtualNodes`, body: { virtualNodeName: "fresh-node", spec: MakeVirtualNodeSpec("a.local", ["svc.local"]) } },
  { operation: "UpdateVirtualNode", method: "PUT", path: `/v20190125/meshes/${mesh}/virtualNodes/node`, body: { spec: MakeVirtualNodeSpec("b.local") } },
  { operation: "CreateVirtualService", method: "PUT", path: `/v20190125/meshes/${mesh}/virtualServices`, body: { virtualServiceName: "fresh.local", spec: { provider: { virtualNode: { virtualNodeName: "node" } } } } },
  { operation: "UpdateVirtualService", method: "PUT", path: `/v20190125/meshes/${mesh}/virtualServices/svc.local`, body: { spec: { provider: { virtualRouter: { virtualRouterName: "router" } } } } },
  { operation: "CreateVirtualRouter", method: "PUT", path: `/v20190125/meshes/${mesh}/virtualRouters`, body: { virtualRouterName: "fresh-router", spec: MakeVirtualRouterSpec() } },
  { operation: "UpdateVirtualRouter", method: "PUT", path: `/v20190125/meshes/${mesh}/virtualRouters/router`, body: { spec: MakeVirtualRouterSpec(9000) } },
  {
    operation: "CreateRoute",
    method: "PUT",
    path: `/v20190125/meshes/${mesh}/virtualRouter/router/routes`,
    body: {
      routeName: "fresh-route",
      spec: {
        priority: 3,
        httpRoute: {
          match: { prefix: "/a", headers: [{ name: "x-user", match: { range: { start: 1, end: 9 } }, invert: false }], method: "GET", queryParameters: [{ name: "q", match: { exact: "1" } }] },
          action: { weightedTargets: [{ virtualNode: "node", weight: 60 }] },
          retryPolicy: { maxRetries: 2, perRetryTimeout: { unit: "ms", value: 250 }, httpRetryEvents: ["server-error"], tcpRetryEvents: ["connection-error"] },
          timeout: { perRequest: { unit: "s", value: 5 } },
        },
      },
    },
  },
  { operation: "UpdateRoute", method: "PUT", path: `/v20190125/meshes/${mesh}/virtualRouter/router/routes/route`, body: { spec: MakeHttpRouteSpec([["node", 100]]) } },
  { operation: "CreateVirtualGateway", method: "PUT", path: `/v20190125/meshes/${mesh}/virtualGateways`, body: { virtualGatewayName: "fresh-gateway", spec: MakeVirtualGatewaySpec(9443) } },
  { operation: "UpdateVirtualGateway", method: "PUT", path: `/v20190125/meshes/${mesh}/virtualGateways/gateway`, body: { spec: MakeVirtualGatewaySpec(8443) } },
  {
    operation: "CreateGatewayRoute",
    method: "PUT",
    path: `/v20190125/meshes/${mesh}/virtualGateway/gateway/gatewayRoutes`,
    body: { gatewayRouteName: "fresh-gateway-route", spec: { httpRoute: { match: { prefix: "/x/" }, action: { target: { virtualService: { virtualServiceName: "svc.local" } }, rewrite: { prefix: { value: "/y/" } } } } } },
  },
  { operation: "UpdateGatewayRoute", method: "PUT", path: `/v20190125/meshes/${mesh}/virtualGateway/gateway/gatewayRoutes/gateway-route`, body: { spec: MakeGatewayRouteSpec("svc.local", "/z") } },
];

const edgeValues: Json[] = ["", "x".repeat(300), "/aws-appmesh/x", "(?=a)", -1, 0, 65536, 1001, 2 ** 53, 1.5, 1e308, true, [], {}, null, "DELETED", { http: {} }];

const arbitraryJson = fc.oneof(fc.constantFrom(...edgeValues), fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>);

const requestCase = fc.oneof(
  { weight: 6, arbitrary: fc.record({ target: fc.nat(targets.length - 1), pathIndex: fc.nat(), replacement: fc.option(arbitraryJson, { nil: undefined }), raw: fc.constant<string | undefined>(undefined) }) },
  { weight: 1, arbitrary: fc.record({ target: fc.nat(targets.length - 1), pathIndex: fc.constant(0), replacement: fc.constant(undefined), raw: fc.string({ maxLength: 40 }) }) },
);

describe("Create/Update operations under random and mutated bodies", () => {
  let plane: TestControlPlane;
  const modeledErrors = new Set(Object.keys(appMeshErrorStatus));

  const stateDigest = async (): Promise<string> => {
    const store = plane.running.store;
    const { revision, rows } = await store.readMesh(mesh);
    const tags = await Promise.all(rows.map((row) => store.getTags(row.uid)));
    const meshes = await store.listResources({ kind: "mesh", afterSeq: 0, limit: 1000 });
    return JSON.stringify({ revision, rows, tags, meshes: meshes.map((row) => [row.name, row.version, row.spec]) });
  };

  beforeAll(async () => {
    plane = await startTestControlPlane({ env: { MESHPLANE_QUOTA_MESHES: "1000" } });
    const put = (path: string, body: unknown) => plane.request("PUT", path, { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    await put("/v20190125/meshes", { meshName: mesh });
    await put(`/v20190125/meshes/${mesh}/virtualNodes`, { virtualNodeName: "node", spec: MakeVirtualNodeSpec("n.local") });
    await put(`/v20190125/meshes/${mesh}/virtualRouters`, { virtualRouterName: "router", spec: MakeVirtualRouterSpec() });
    await put(`/v20190125/meshes/${mesh}/virtualServices`, { virtualServiceName: "svc.local", spec: { provider: { virtualNode: { virtualNodeName: "node" } } } });
    await put(`/v20190125/meshes/${mesh}/virtualRouter/router/routes`, { routeName: "route", spec: MakeHttpRouteSpec([["node", 1]]) });
    await put(`/v20190125/meshes/${mesh}/virtualGateways`, { virtualGatewayName: "gateway", spec: MakeVirtualGatewaySpec() });
    const seeded = await put(`/v20190125/meshes/${mesh}/virtualGateway/gateway/gatewayRoutes`, { gatewayRouteName: "gateway-route", spec: MakeGatewayRouteSpec("svc.local") });
    expect(seeded.status).toBe(200);
  });
  afterAll(async () => plane?.stop());

  it("answers 200 or a modeled 4xx and changes nothing when it refuses", async () => {
    let refused = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(requestCase, async ({ target: index, pathIndex, replacement, raw }) => {
        const target = targets[index]!;
        const paths = pathsOf(target.body);
        const body = raw ?? JSON.stringify(mutate(target.body, paths[pathIndex % paths.length]!, replacement));
        const before = await stateDigest();
        const response = await plane.request(target.method, target.path, { body, headers: { "content-type": "application/json" } });
        expect(response.status, `${target.operation} ${body}`).toBeLessThan(500);
        if (response.status === 200) {
          accepted++;
          await response.arrayBuffer();
          return;
        }
        refused++;
        expect(response.status).toBeGreaterThanOrEqual(400);
        const errorType = response.headers.get("x-amzn-errortype");
        expect(modeledErrors.has(errorType ?? ""), `${errorType} for ${body}`).toBe(true);
        const payload = (await response.json()) as { __type: string; message: string };
        expect(payload.__type).toBe(errorType);
        expect(await stateDigest(), `state changed by refused ${target.operation} ${body}`).toBe(before);
      }),
      { numRuns: 3000, seed: 20261122 },
    );
    expect(refused).toBeGreaterThan(1000);
    expect(accepted).toBeGreaterThan(0);
  }, 300_000); // bounded by numRuns; the limit only has to survive a loaded 2-core CI machine
});
