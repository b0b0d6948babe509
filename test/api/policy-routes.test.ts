// meshplane's policy API (/v1/meshes/{mesh}/policies) on a real control plane over SQLite: versions, tags and
// pagination; model-driven validation naming the field; references (targets and backends must exist, a target with
// policies cannot be deleted); one policy of a type per target; IAM actions and audit with authentication on; and a
// fuzz that throws random bodies at PUT (never a 5xx, nothing stored by a refused request).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, testAccountId, type TestControlPlane } from "../support/control-plane.js";
import { MakeGatewayRouteSpec, MakeHttpRouteSpec, MakeVirtualGatewaySpec, MakeVirtualNodeSpec, MakeVirtualRouterSpec } from "../support/fixtures.js";
import { signedFetch, testKeys, writeAuthFile } from "../auth/support.js";

const mesh = "policies";
const arn = (path: string) => `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/${mesh}${path}`;
const policyPath = (name: string) => `/v1/meshes/${mesh}/policies/${name}`;
const faultSpec = (httpStatus = 503) => ({ faultInjection: { abort: { httpStatus, percentage: 100 } } });

interface ErrorBody {
  message: string;
}

async function createMesh(plane: TestControlPlane): Promise<void> {
  const put = async (path: string, body: unknown) => {
    const response = await plane.request("PUT", path, { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
  };
  await put("/v20190125/meshes", { meshName: mesh, spec: {} });
  await put(`/v20190125/meshes/${mesh}/virtualNodes`, { virtualNodeName: "backend", spec: MakeVirtualNodeSpec("backend.local") });
  await put(`/v20190125/meshes/${mesh}/virtualNodes`, { virtualNodeName: "shadow", spec: MakeVirtualNodeSpec("shadow.local") });
  await put(`/v20190125/meshes/${mesh}/virtualServices`, { virtualServiceName: "backend.local", spec: { provider: { virtualNode: { virtualNodeName: "backend" } } } });
  await put(`/v20190125/meshes/${mesh}/virtualRouters`, { virtualRouterName: "router", spec: MakeVirtualRouterSpec() });
  await put(`/v20190125/meshes/${mesh}/virtualRouter/router/routes`, { routeName: "route", spec: MakeHttpRouteSpec([["backend", 1]]) });
  await put(`/v20190125/meshes/${mesh}/virtualGateways`, { virtualGatewayName: "gateway", spec: MakeVirtualGatewaySpec() });
  await put(`/v20190125/meshes/${mesh}/virtualGateway/gateway/gatewayRoutes`, { gatewayRouteName: "gwroute", spec: MakeGatewayRouteSpec("backend.local") });
}

describe("policy API", () => {
  let plane: TestControlPlane;
  const json = async (method: string, path: string, body?: unknown) => {
    const response = await plane.request(method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    return { status: response.status, type: response.headers.get("x-amzn-errortype") ?? "", body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    plane = await startTestControlPlane();
    await createMesh(plane);
  });
  afterAll(async () => plane?.stop());

  it("creates a policy at version 1, keeps the version for an identical put and bumps it for a changed one", async () => {
    const created = await json("PUT", policyPath("versions"), { targetRef: { arn: arn("/virtualNode/backend") }, spec: faultSpec(), tags: [{ key: "team", value: "blue" }] });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      policyName: "versions",
      meshName: mesh,
      targetRef: { arn: arn("/virtualNode/backend") },
      spec: faultSpec(),
      metadata: { version: 1, arn: arn("/policy/versions") },
      status: { status: "ACTIVE" },
    });
    const same = await json("PUT", policyPath("versions"), { spec: faultSpec(), targetRef: { arn: arn("/virtualNode/backend") } });
    expect((same.body.metadata as { version: number }).version).toBe(1);
    const changed = await json("PUT", policyPath("versions"), { targetRef: { arn: arn("/virtualNode/backend") }, spec: faultSpec(502) });
    expect((changed.body.metadata as { version: number }).version).toBe(2);
    const read = await json("GET", policyPath("versions"));
    expect(read.body).toMatchObject({ spec: faultSpec(502), tags: [{ key: "team", value: "blue" }], metadata: { version: 2 } });
    const removed = await json("DELETE", policyPath("versions"));
    expect(removed.body).toMatchObject({ policyName: "versions", status: { status: "DELETED" } });
    expect((await json("GET", policyPath("versions"))).type).toBe("NotFoundException");
  });

  it("lists a mesh's policies in pages and filters them by target and type", async () => {
    const names = ["list-a", "list-b", "list-c"];
    await json("PUT", policyPath("list-a"), { targetRef: { arn: arn("/virtualGateway/gateway") }, spec: { cors: { allowOrigins: [{ exact: "https://a.example" }] } } });
    await json("PUT", policyPath("list-b"), { targetRef: { arn: arn("/virtualGateway/gateway") }, spec: { headers: { response: { remove: ["server"] } } } });
    await json("PUT", policyPath("list-c"), { targetRef: { arn: arn("/virtualGateway/gateway/gatewayRoute/gwroute") }, spec: { headers: { request: { set: [{ name: "x-a", value: "1" }] } } } });
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await json("GET", `/v1/meshes/${mesh}/policies?limit=1${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ""}`);
      const policies = page.body.policies as { policyName: string }[];
      expect(policies.length).toBeLessThanOrEqual(1);
      seen.push(...policies.map((policy) => policy.policyName));
      nextToken = page.body.nextToken as string | undefined;
    } while (nextToken);
    expect(seen.filter((name) => names.includes(name))).toEqual(names);
    const onGateway = await json("GET", `/v1/meshes/${mesh}/policies?targetArn=${encodeURIComponent(arn("/virtualGateway/gateway"))}`);
    expect((onGateway.body.policies as { policyName: string }[]).map((policy) => policy.policyName).sort()).toEqual(["list-a", "list-b"]);
    const headerPolicies = await json("GET", `/v1/meshes/${mesh}/policies?type=headers`);
    expect((headerPolicies.body.policies as { policyName: string }[]).map((policy) => policy.policyName).sort()).toEqual(["list-b", "list-c"]);
    for (const name of names) await json("DELETE", policyPath(name));
  });

  it("refuses invalid documents with a 400 naming the field", async () => {
    const cases: [unknown, RegExp][] = [
      [{ targetRef: { arn: arn("") }, spec: { faultInjection: { abort: { httpStatus: 503, percentage: 101 } } } }, /spec\.faultInjection\.abort\.percentage/],
      [{ targetRef: { arn: arn("") }, spec: { faultInjection: { abort: { percentage: 1 } }, cors: { allowOrigins: [{ exact: "x" }] } } }, /spec/],
      [{ targetRef: { arn: arn("") }, spec: { rateLimit: { requests: 1, interval: { value: 1, unit: "s" }, surprise: true } } }, /surprise/],
      [{ spec: faultSpec() }, /targetRef/],
      [{ targetRef: { arn: "arn:aws:appmesh:us-east-1:999999999999:mesh/other" }, spec: faultSpec() }, /targetRef\.arn/],
      [{ targetRef: { arn: arn("/virtualNode/backend") }, spec: { headers: { request: { set: [{ name: "bad name", value: "1" }] } } } }, /spec\.headers\.request\.set\[0\]\.name|spec\.headers\.request\.set\.0\.name/],
      [{ targetRef: { arn: arn("/virtualNode/backend") }, spec: { cors: { allowOrigins: [{ regex: "(" }] } } }, /allowOrigins/],
    ];
    for (const [body, field] of cases) {
      const answer = await json("PUT", policyPath("invalid"), body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.type).toBe("BadRequestException");
      expect((answer.body as unknown as ErrorBody).message).toMatch(field);
    }
    const notJson = await plane.request("PUT", policyPath("invalid"), { body: "{", headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(400);
    expect((await json("GET", policyPath("invalid"))).status).toBe(404);
  });

  it("refuses a policy whose target or backend does not exist, and the deletion of a target that has policies", async () => {
    const missingTarget = await json("PUT", policyPath("refs"), { targetRef: { arn: arn("/virtualNode/ghost") }, spec: faultSpec() });
    expect(missingTarget.status).toBe(404);
    expect((missingTarget.body as unknown as ErrorBody).message).toMatch(/virtualNode ghost/);
    const missingBackend = await json("PUT", policyPath("refs"), { targetRef: { arn: arn("/virtualGateway/gateway") }, spec: { mirror: { backendRef: { virtualNode: { virtualNodeName: "ghost" } }, percentage: 10 } } });
    expect(missingBackend.status).toBe(404);
    const mirror = await json("PUT", policyPath("refs"), { targetRef: { arn: arn("/virtualGateway/gateway") }, spec: { mirror: { backendRef: { virtualNode: { virtualNodeName: "shadow" } }, percentage: 10 } } });
    expect(mirror.status).toBe(200);
    const deleteBackend = await json("DELETE", `/v20190125/meshes/${mesh}/virtualNodes/shadow`);
    expect(deleteBackend.status).toBe(409);
    expect(deleteBackend.type).toBe("ResourceInUseException");
    await json("DELETE", policyPath("refs"));
    const wrongKind = await json("PUT", policyPath("refs"), { targetRef: { arn: arn("/virtualRouter/router/route/route") }, spec: { loadBalancing: { algorithm: "RING_HASH" } } });
    expect(wrongKind.status).toBe(400);
    expect((wrongKind.body as unknown as ErrorBody).message).toMatch(/loadBalancing attaches to/);
  });

  it("allows one policy of each type per target and names the one already there", async () => {
    expect((await json("PUT", policyPath("first"), { targetRef: { arn: arn("/virtualNode/backend") }, spec: faultSpec() })).status).toBe(200);
    const second = await json("PUT", policyPath("second"), { targetRef: { arn: arn("/virtualNode/backend") }, spec: faultSpec(500) });
    expect(second.status).toBe(409);
    expect((second.body as unknown as ErrorBody).message).toMatch(/Policy first already sets faultInjection/);
    const otherType = await json("PUT", policyPath("second"), { targetRef: { arn: arn("/virtualNode/backend") }, spec: { headers: { response: { remove: ["server"] } } } });
    expect(otherType.status).toBe(200);
    const onMesh = await json("PUT", policyPath("mesh-wide"), { targetRef: { arn: arn("") }, spec: faultSpec(500) });
    expect(onMesh.status).toBe(200);
    for (const name of ["first", "second", "mesh-wide"]) await json("DELETE", policyPath(name));
  });

  it("answers a refused or random PUT with a 4xx App Mesh error and stores nothing (fuzz)", async () => {
    const before = await json("GET", `/v1/meshes/${mesh}/policies`);
    const leaf = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 100_000 }), fc.double({ noNaN: false }), fc.string({ maxLength: 12 }));
    const policyTypes = ["faultInjection", "mirror", "rateLimit", "headers", "cors", "jwt", "externalAuthorization", "loadBalancing", "envoyPatch"];
    const body = fc.record({
      targetRef: fc.oneof(fc.constant({ arn: arn("/virtualNode/ghost") }), fc.record({ arn: fc.string() }), leaf),
      spec: fc.oneof(fc.dictionary(fc.constantFrom(...policyTypes), fc.anything({ maxDepth: 3 })), leaf),
      tags: fc.oneof(fc.constant(undefined), fc.anything({ maxDepth: 2 })),
    });
    await fc.assert(
      fc.asyncProperty(body, async (document) => {
        const response = await plane.request("PUT", policyPath("fuzzed"), { body: JSON.stringify(document), headers: { "content-type": "application/json" } });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get("x-amzn-errortype")).toMatch(/Exception$/);
      }),
      { numRuns: 150 },
    );
    expect(await json("GET", `/v1/meshes/${mesh}/policies`)).toEqual(before);
  });
});

describe("policy API with authentication on", () => {
  let plane: TestControlPlane;
  const operator = { accessKeyId: "AKIDPOLICYOPERATOR", secretAccessKey: "policy-operator-secret-0123" };
  const sign = (key: typeof operator, method: string, path: string, body?: unknown) =>
    signedFetch(plane.url, key, method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } });

  beforeAll(async () => {
    const authFile = writeAuthFile({
      principals: {
        full: { policies: ["AWSAppMeshFullAccess"], accessKeys: [testKeys.full] },
        operator: {
          policies: ["AWSAppMeshFullAccess", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "meshplane:*Policy*", Resource: "*" }] }],
          accessKeys: [operator],
        },
        reader: { policies: ["AWSAppMeshReadOnly", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["meshplane:GetPolicy", "meshplane:ListPolicies"], Resource: "*" }] }], accessKeys: [testKeys.reader] },
      },
    });
    plane = await startTestControlPlane({ env: { MESHPLANE_AUTH_FILE: authFile, MESHPLANE_RATE_LIMIT: "off" } });
    const signedPlane = { ...plane, request: (method: string, path: string, init: { body?: string } = {}) => signedFetch(plane.url, testKeys.full, method, path, init) };
    await createMesh(signedPlane as TestControlPlane);
  });
  afterAll(async () => plane?.stop());

  it("checks meshplane:PutPolicy on the policy, its target and backends, and audits every put and delete", async () => {
    const document = { targetRef: { arn: arn("/virtualNode/backend") }, spec: faultSpec() };
    const unsigned = await plane.request("PUT", policyPath("guarded"), { body: JSON.stringify(document), headers: { "content-type": "application/json" } });
    expect(unsigned.status).toBe(403);
    const appMeshOnly = await sign(testKeys.full, "PUT", policyPath("guarded"), document);
    expect(appMeshOnly.status).toBe(403);
    expect(((await appMeshOnly.json()) as ErrorBody).message).toMatch(/meshplane:PutPolicy/);
    const allowed = await sign(operator, "PUT", policyPath("guarded"), document);
    expect(allowed.status).toBe(200);
    const putId = allowed.headers.get("x-amzn-requestid");
    const read = await sign(testKeys.reader, "GET", policyPath("guarded"));
    expect(read.status).toBe(200);
    const readerDelete = await sign(testKeys.reader, "DELETE", policyPath("guarded"));
    expect(readerDelete.status).toBe(403);
    const deleted = await sign(operator, "DELETE", policyPath("guarded"));
    expect(deleted.status).toBe(200);

    const audit = await plane.running.store.listAudit({ afterSeq: 0, limit: 1000 });
    const policyEntries = audit.filter((entry) => entry.action.startsWith("meshplane:") && entry.resource === arn("/policy/guarded"));
    expect(policyEntries.map((entry) => [entry.action, entry.principal, entry.outcome])).toEqual([
      ["meshplane:PutPolicy", "", expect.any(String)],
      ["meshplane:PutPolicy", "full", "denied"],
      ["meshplane:PutPolicy", "operator", "allowed"],
      ["meshplane:DeletePolicy", "reader", "denied"],
      ["meshplane:DeletePolicy", "operator", "allowed"],
    ]);
    expect(policyEntries.find((entry) => entry.principal === "operator" && entry.action === "meshplane:PutPolicy")?.requestId).toBe(putId);
  });
});
