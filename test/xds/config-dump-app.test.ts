// GET /v1/xds/config_dump: what a node id receives right now, with the same versions the ADS and REST xDS serve.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoMesh, setWeights } from "./server/fixtures.js";
import { startMeshplane, type Meshplane } from "./server/support.js";

interface Dump {
  node: string;
  configs: Array<{ "@type": string; version_info: string; dynamic_route_configs?: Array<{ version_info: string; route_config: { name: string } }> }>;
}

describe("createConfigDumpApp", () => {
  let meshplane: Meshplane;
  const mesh = "dump";
  const nodeId = `mesh/${mesh}/virtualNode/front`;

  const dump = async (id: string) => {
    const response = await fetch(`${meshplane.url}/v1/xds/config_dump?node=${encodeURIComponent(id)}`);
    return { status: response.status, json: (await response.json()) as Dump & { message?: string } };
  };
  const routesVersion = async () => {
    const response = await fetch(`${meshplane.url}/v3/discovery:routes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ node: { id: nodeId } }),
    });
    return ((await response.json()) as { versionInfo: string }).versionInfo;
  };

  beforeAll(async () => {
    meshplane = await startMeshplane();
    await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName: mesh });
  });
  afterAll(async () => meshplane?.close());

  it("dumps the five types with the versions the node is served, and follows changes", async () => {
    const first = await dump(nodeId);
    expect(first.status).toBe(200);
    expect(first.json.node).toBe(nodeId);
    expect(first.json.configs.map((config) => config["@type"].split(".").pop())).toEqual([
      "ClustersConfigDump",
      "EndpointsConfigDump",
      "ListenersConfigDump",
      "RoutesConfigDump",
      "SecretsConfigDump",
    ]);
    const routes = first.json.configs[3]!;
    expect(routes.dynamic_route_configs!.map((entry) => entry.route_config.name)).toContain("rds_egress_http_8080");
    expect(routes.version_info).toBe(await routesVersion());

    await setWeights(meshplane.appMesh, mesh, { blue: 10, green: 90 });
    const second = await dump(nodeId);
    expect(second.json.configs[3]!.version_info).not.toBe(routes.version_info);
    expect(second.json.configs[3]!.version_info).toBe(await routesVersion());
    expect(second.json.configs[0]!.version_info).toBe(first.json.configs[0]!.version_info);
  });

  it("answers 404 for a node of an unknown mesh and 400 without a node", async () => {
    expect((await dump("mesh/none/virtualNode/front")).status).toBe(404);
    expect((await fetch(`${meshplane.url}/v1/xds/config_dump`)).status).toBe(400);
  });
});
