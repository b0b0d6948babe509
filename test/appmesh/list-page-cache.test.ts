// The List page cache: the LRU itself, and List bodies through the service on a real SQLite file (statements counted
// from the connection's log) and on one PostgreSQL database shared by two control planes.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../db/postgres/store.js";
import { openLibsqlStore } from "../../db/sqlite/libsql.js";
import type { Store } from "../../db/store.js";
import { createListPageCache } from "../../functions/appmesh/list-page-cache.js";
import { createAppMeshService, defaultQuotas, type AppMeshService } from "../../functions/appmesh/index.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";

const serviceConfig = { region: "us-east-1", accountId: "111122223333", quotas: { ...defaultQuotas }, checkRegex: () => ({ ok: true as const }) };
const nodeSpec = { listeners: [{ portMapping: { port: 80, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "n.local" } } };
const namesIn = (body: string, listKey = "virtualNodes") => (JSON.parse(body) as Record<string, Array<{ virtualNodeName?: string; routeName?: string }>>)[listKey]!.map((ref) => ref.virtualNodeName ?? ref.routeName);

describe("createListPageCache", () => {
  it("returns a body only for the stamp it was kept with, and replaces it when set again", () => {
    const cache = createListPageCache({ maxBytes: 10_000 });
    cache.set("k", "uid/1", "[1]");
    expect(cache.get("k", "uid/1")).toBe("[1]");
    expect(cache.get("k", "uid/2")).toBeUndefined();
    cache.set("k", "uid/2", "[2]");
    expect(cache.get("k", "uid/1")).toBeUndefined();
    expect(cache.get("k", "uid/2")).toBe("[2]");
    expect(cache.stats).toMatchObject({ hits: 2, misses: 2, entries: 1 });
  });

  it("evicts the least recently used pages to stay within its byte budget, and keeps none larger than the budget", () => {
    const body = "x".repeat(1000);
    // Each entry costs 2 × (key + stamp + body) + 64 bytes: three fit in 7,000, four do not.
    const cache = createListPageCache({ maxBytes: 7_000 });
    for (const key of ["a", "b", "c"]) cache.set(key, "s", body);
    expect(cache.get("a", "s")).toBe(body); // a is now the most recently used
    cache.set("d", "s", body);
    expect(cache.get("b", "s")).toBeUndefined();
    for (const key of ["a", "c", "d"]) expect(cache.get(key, "s")).toBe(body);
    expect(cache.stats).toMatchObject({ evictions: 1, entries: 3 });
    expect(cache.stats.bytes).toBeLessThanOrEqual(7_000);
    cache.set("huge", "s", "y".repeat(4_000));
    expect(cache.get("huge", "s")).toBeUndefined();
    expect(cache.stats.entries).toBe(3);
  });
});

describe("AppMeshService respond, List pages (SQLite)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-list-cache-"));
  const logged: string[] = [];
  let store: Store;
  let service: AppMeshService;
  /** The statements `run` made the store run. */
  async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
    logged.length = 0;
    await run();
    return [...logged];
  }
  const list = (input: Record<string, unknown> = {}) => service.respond("ListVirtualNodes", { meshName: "m", ...input });

  beforeAll(async () => {
    store = await openLibsqlStore(path.join(dir, "list.db"), { logQuery: (sql) => logged.push(sql) });
    service = createAppMeshService(store, serviceConfig);
    await service.execute("CreateMesh", { meshName: "m" });
    for (let i = 0; i < 5; i++) await service.execute("CreateVirtualNode", { meshName: "m", virtualNodeName: `node-${i}`, spec: nodeSpec });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers a repeated List with one point read of the mesh's stamp, and the same body the first request built", async () => {
    const first = await list({ limit: 3 });
    const repeated = await statementsOf(async () => expect(await list({ limit: 3 })).toBe(first));
    expect(repeated).toHaveLength(1);
    // The stamp: the mesh row's uid with the scope's revision, by the resource key; no page (json_group_array) read.
    expect(repeated[0]).toMatch(/^select "uid", coalesce\(\(select "revision" from "revisions" where "scope" = \?\), 0\) from "resources" where .*"name" = \? *\)? limit \?$/);
    expect(JSON.parse(first)).toEqual(await service.execute("ListVirtualNodes", { meshName: "m", limit: 3 }));
  });

  it("keeps pages of other limits, cursors and parents apart", async () => {
    const page = JSON.parse(await list({ limit: 2 })) as { nextToken: string };
    expect(namesIn(await list({ limit: 2 }))).toEqual(["node-0", "node-1"]);
    expect(namesIn(await list({ limit: 2, nextToken: page.nextToken }))).toEqual(["node-2", "node-3"]);
    await service.execute("CreateVirtualRouter", { meshName: "m", virtualRouterName: "r1", spec: { listeners: [{ portMapping: { port: 80, protocol: "http" } }] } });
    await service.execute("CreateVirtualRouter", { meshName: "m", virtualRouterName: "r2", spec: { listeners: [{ portMapping: { port: 80, protocol: "http" } }] } });
    const route = (name: string) => ({ httpRoute: { match: { prefix: `/${name}` }, action: { weightedTargets: [{ virtualNode: "node-0", weight: 1 }] } } });
    await service.execute("CreateRoute", { meshName: "m", virtualRouterName: "r1", routeName: "in-r1", spec: route("a") });
    expect(namesIn(await service.respond("ListRoutes", { meshName: "m", virtualRouterName: "r1" }), "routes")).toEqual(["in-r1"]);
    expect(namesIn(await service.respond("ListRoutes", { meshName: "m", virtualRouterName: "r2" }), "routes")).toEqual([]);
    expect(namesIn(await service.respond("ListRoutes", { meshName: "m", virtualRouterName: "r1" }), "routes")).toEqual(["in-r1"]);
  });

  it("builds the page again after a create, an update and a delete in the collection", async () => {
    await list();
    await service.execute("CreateVirtualNode", { meshName: "m", virtualNodeName: "added", spec: nodeSpec });
    expect(namesIn(await list())).toContain("added");
    await service.execute("UpdateVirtualNode", { meshName: "m", virtualNodeName: "added", spec: { ...nodeSpec, backends: [] } });
    const updated = JSON.parse(await list()) as { virtualNodes: Array<{ virtualNodeName: string; version: number }> };
    expect(updated.virtualNodes.find((ref) => ref.virtualNodeName === "added")?.version).toBe(2);
    await service.execute("DeleteVirtualNode", { meshName: "m", virtualNodeName: "added" });
    expect(namesIn(await list())).not.toContain("added");
  });

  it("answers NotFoundException once the mesh is deleted, and the new mesh's page once it is re-created", async () => {
    await service.execute("CreateMesh", { meshName: "again" });
    await service.execute("CreateVirtualNode", { meshName: "again", virtualNodeName: "old", spec: nodeSpec });
    const listAgain = () => service.respond("ListVirtualNodes", { meshName: "again" });
    expect(namesIn(await listAgain())).toEqual(["old"]);
    await service.execute("DeleteVirtualNode", { meshName: "again", virtualNodeName: "old" });
    await service.execute("DeleteMesh", { meshName: "again" });
    await expect(listAgain()).rejects.toMatchObject({ name: "NotFoundException" });
    await service.execute("CreateMesh", { meshName: "again" });
    await service.execute("CreateVirtualNode", { meshName: "again", virtualNodeName: "new", spec: nodeSpec });
    expect(namesIn(await listAgain())).toEqual(["new"]);
  });

  it("refuses a forged nextToken and a foreign meshOwner as before, without keeping anything for them", async () => {
    await expect(list({ nextToken: "forged" })).rejects.toMatchObject({ name: "BadRequestException" });
    await expect(list({ meshOwner: "999999999999" })).rejects.toMatchObject({ name: "NotFoundException" });
    await expect(service.respond("ListVirtualNodes", { meshName: "missing" })).rejects.toMatchObject({ name: "NotFoundException" });
  });
});

describe("AppMeshService respond, List pages (two control planes on one PostgreSQL)", () => {
  let pg: TestPostgres;
  let stores: Store[];
  let a: AppMeshService;
  let b: AppMeshService;
  const list = (service: AppMeshService) => service.respond("ListVirtualNodes", { meshName: "shared" });

  beforeAll(async () => {
    pg = await startPostgres();
    const url = await pg.createDatabase("list_cache");
    stores = [await openPostgresStore(url), await openPostgresStore(url)];
    [a, b] = stores.map((store) => createAppMeshService(store, serviceConfig)) as [AppMeshService, AppMeshService];
    await a.execute("CreateMesh", { meshName: "shared" });
  });
  afterAll(async () => {
    await Promise.all((stores ?? []).map((store) => store.close()));
    await pg?.stop();
  });

  it("never serves a page the other control plane's write made stale", async () => {
    const expected: string[] = [];
    for (let i = 0; i < 6; i++) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      // Both have the page cached before the write.
      expect(namesIn(await list(reader))).toEqual(expected);
      expect(namesIn(await list(writer))).toEqual(expected);
      await writer.execute("CreateVirtualNode", { meshName: "shared", virtualNodeName: `node-${i}`, spec: nodeSpec });
      expected.push(`node-${i}`);
      expect(namesIn(await list(reader))).toEqual(expected);
    }
    await a.execute("DeleteVirtualNode", { meshName: "shared", virtualNodeName: "node-0" });
    expect(namesIn(await list(b))).toEqual(expected.slice(1));
  });

  it("sees the other control plane delete and re-create the mesh", async () => {
    await a.execute("CreateMesh", { meshName: "cycle" });
    await a.execute("CreateVirtualNode", { meshName: "cycle", virtualNodeName: "before", spec: nodeSpec });
    const listCycle = () => b.respond("ListVirtualNodes", { meshName: "cycle" });
    expect(namesIn(await listCycle())).toEqual(["before"]);
    await a.execute("DeleteVirtualNode", { meshName: "cycle", virtualNodeName: "before" });
    await a.execute("DeleteMesh", { meshName: "cycle" });
    await a.execute("CreateMesh", { meshName: "cycle" });
    await a.execute("CreateVirtualNode", { meshName: "cycle", virtualNodeName: "after", spec: nodeSpec });
    expect(namesIn(await listCycle())).toEqual(["after"]);
  });
});
