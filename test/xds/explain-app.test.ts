// POST /v1/xds/explain on a real control plane: the answer follows the node's served configuration as it changes,
// and bad requests get App Mesh–shaped errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoMesh, setWeights } from "./server/fixtures.js";
import { startMeshplane, type Meshplane } from "./server/support.js";

describe("createExplainApp", () => {
  let meshplane: Meshplane;
  const mesh = "explained";
  const node = `mesh/${mesh}/virtualNode/front`;

  const explain = async (body: unknown) => {
    const response = await fetch(`${meshplane.url}/v1/xds/explain`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
    return { status: response.status, errorType: response.headers.get("x-amzn-errortype"), json: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    meshplane = await startMeshplane();
    await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName: mesh, weights: { blue: 75, green: 25 } });
  });
  afterAll(async () => meshplane?.close());

  it("explains a request against what the node is served, and follows a weight change", async () => {
    const request = { node, request: { method: "GET", authority: "svc.local:8080", path: "/checkout" } };
    const first = await explain(request);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ node, outcome: "routed", virtualHost: { name: "svc.local" }, route: { name: "split" }, routeConfiguration: { name: "rds_egress_http_8080" } });
    expect(first.json.clusters).toEqual([
      { name: `cds_egress_${mesh}_blue_http_9001`, weight: 75, percent: 75 },
      { name: `cds_egress_${mesh}_green_http_9002`, weight: 25, percent: 25 },
    ]);
    await setWeights(meshplane.appMesh, mesh, { blue: 10, green: 90 });
    const second = await explain(request);
    expect(second.json.clusters.map((cluster: { weight: number }) => cluster.weight)).toEqual([10, 90]);
    expect(second.json.meshRevision).toBeGreaterThan(first.json.meshRevision);
  });

  it("answers no_virtual_host for an authority the node has no backend for", async () => {
    const answer = await explain({ node, request: { method: "GET", authority: "elsewhere.local:8080", path: "/" } });
    expect(answer.status).toBe(200);
    expect(answer.json.outcome).toBe("no_virtual_host");
  });

  it("refuses malformed bodies with BadRequestException and unknown meshes with NotFoundException", async () => {
    const notJson = await explain("{");
    expect([notJson.status, notJson.errorType]).toEqual([400, "BadRequestException"]);
    const noPath = await explain({ node, request: { method: "GET", authority: "svc.local" } });
    expect([noPath.status, noPath.json.message]).toEqual([400, "request.path is required and must start with /"]);
    const unknown = await explain({ node: "mesh/none/virtualNode/front", request: { authority: "svc.local", path: "/" } });
    expect([unknown.status, unknown.errorType]).toEqual([404, "NotFoundException"]);
  });
});
