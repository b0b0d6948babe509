// REST xDS (Envoy's REST config source, what Workers serve): JSON DiscoveryRequest in, JSON DiscoveryResponse out,
// content versions that move only for the type that changed; and the module graph it needs is Workers-safe.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeUrl } from "../../../functions/envoy/index.js";
import { createDemoMesh, setWeights } from "./fixtures.js";
import { startMeshplane, type Meshplane } from "./support.js";
import { followRestSubscription } from "../rest-subscription.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

interface JsonResponse {
  versionInfo: string;
  typeUrl: string;
  resources?: Array<{ "@type": string; name?: string; clusterName?: string }>;
}

async function discover(meshplane: Meshplane, kind: string, body: object): Promise<{ status: number; json: JsonResponse & { message?: string } }> {
  const response = await fetch(`${meshplane.url}/v3/discovery:${kind}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as JsonResponse & { message?: string } };
}

describe("REST xDS", () => {
  let meshplane: Meshplane;
  const mesh = "rest";
  const node = { id: `mesh/${mesh}/virtualNode/front`, cluster: "front" };

  beforeAll(async () => {
    meshplane = await startMeshplane();
    await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName: mesh });
  });
  afterAll(async () => {
    await meshplane?.close();
  });

  it("answers each discovery path with the node's resources, versions moving only with their type's content", async () => {
    const clusters = await discover(meshplane, "clusters", { node, version_info: "" });
    expect(clusters.status).toBe(200);
    expect(clusters.json.typeUrl).toBe(TypeUrl.cluster);
    expect(clusters.json.resources!.length).toBeGreaterThanOrEqual(3);
    expect(clusters.json.resources!.every((resource) => resource["@type"] === TypeUrl.cluster)).toBe(true);
    const listeners = await discover(meshplane, "listeners", { node });
    const routeNames = ["rds_egress_http_8080"];
    const routes = await discover(meshplane, "routes", { node, resourceNames: routeNames });
    expect(routes.json.resources!.map((resource) => resource.name)).toEqual(routeNames);
    const endpoints = await discover(meshplane, "endpoints", { node, resource_names: [`cds_egress_${mesh}_blue_http_9001`] });
    expect(endpoints.json.resources!.map((resource) => resource.clusterName)).toEqual([`cds_egress_${mesh}_blue_http_9001`]);

    await setWeights(meshplane.appMesh, mesh, { blue: 75, green: 25 });
    const routesAfter = await discover(meshplane, "routes", { node, resourceNames: routeNames, versionInfo: routes.json.versionInfo });
    expect(routesAfter.json.versionInfo).not.toBe(routes.json.versionInfo);
    expect((await discover(meshplane, "clusters", { node })).json.versionInfo).toBe(clusters.json.versionInfo);
    expect((await discover(meshplane, "listeners", { node })).json.versionInfo).toBe(listeners.json.versionInfo);
  });

  it("answers 304 Not Modified with no body to a poll that holds the current version, as Envoy's REST fetcher expects", async () => {
    const routeNames = ["rds_egress_http_8080"];
    const current = await discover(meshplane, "routes", { node, resourceNames: routeNames });
    const unchanged = await fetch(`${meshplane.url}/v3/discovery:routes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ node, resourceNames: routeNames, versionInfo: current.json.versionInfo }),
    });
    expect([unchanged.status, await unchanged.text()]).toEqual([304, ""]);
    // Other names, other version: the held version is not current for them.
    expect((await discover(meshplane, "routes", { node, resourceNames: ["rds_ingress_http_9001"], versionInfo: current.json.versionInfo })).status).toBe(200);
  });

  it("refuses unknown meshes and malformed ids with status 3 (HTTP 400)", async () => {
    for (const id of ["mesh/none/virtualNode/front", "front"]) {
      const answer = await discover(meshplane, "clusters", { node: { id } });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ code: 3 });
    }
  });

  it("feeds an Envoy bootstrapped for REST: CDS and LDS name RDS and EDS over the bootstrap's REST cluster, which serve every name", async () => {
    const followed = await followRestSubscription(meshplane.url, node.id);
    expect(followed.routeNames).toContain("rds_egress_http_8080");
    expect(followed.edsNames).toContain(`cds_egress_${mesh}_blue_http_9001`);
    // The same node without the metadata is an ADS node, pointed at ADS.
    expect(JSON.stringify((await discover(meshplane, "listeners", { node })).json)).toContain('"ads"');
  });

  it("refuses a node whose subscription metadata it cannot use with status 3 (HTTP 400), naming the field", async () => {
    const answer = await discover(meshplane, "clusters", { node: { ...node, metadata: { "meshplane.xds": { api_type: "REST", refresh_delay: "1s" } } } });
    expect([answer.status, answer.json.message]).toEqual([400, 'node.metadata["meshplane.xds"].cluster must name the bootstrap\'s static cluster that reaches meshplane']);
  });

  it("needs nothing Node-only: its module graph imports no node: modules", () => {
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, "utf8");
      for (const match of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) {
        const specifier = match[1]!;
        if (specifier.startsWith("node:") || specifier === "@connectrpc/connect-node" || specifier === "@hono/node-server") offenders.push(`${path.relative(root, file)} → ${specifier}`);
        if (specifier.startsWith(".")) visit(path.resolve(path.dirname(file), specifier.replace(/\.js$/, ".ts")));
      }
    };
    visit(path.join(root, "functions/xds/index.ts"));
    expect(offenders).toEqual([]);
    expect(seen.size).toBeGreaterThan(10);
  });
});
