// A List page reads only its page, and a quota check one row: on a real SQLite file holding a mesh whose virtual
// nodes are interleaved with thousands of rows of other kinds and other parents, the statement the store runs (captured
// from the connection's query log, run again under EXPLAIN QUERY PLAN with its own parameters on a second connection) is one
// range search of the list index that needs no sort, so SQLite visits the page's rows and stops; the rows returned
// are counted. The collection's size is one row of collection_sizes, kept by the commits as rows come and go.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteConnection, type SqliteConnection } from "../../db/sqlite/connection.js";
import { openLibsqlStore } from "../../db/sqlite/libsql.js";
import type { NewResourceRow, Store } from "../../db/store.js";
import { makeResource } from "./store.contract.js";

/**
 * The plan of a page: one range of the list index, no sort, run as a co-routine whose rows (the page's, in index
 * order) the JSON aggregate reads (db/sqlite/dialect.ts pageAsJson).
 */
const pagePlan = ["CO-ROUTINE page", expect.stringMatching(/^SEARCH resources USING INDEX resources_list \(kind=\? AND mesh_name=\? AND parent_name=\? AND seq>\?\)$/), "SCAN page"];

const row = (kind: string, name: string, parentName = ""): NewResourceRow => makeResource({ kind, name, parentName, spec: { note: "x".repeat(200) } });

describe("createStoreQueries listResourceRefs (SQLite)", () => {
  let dir: string;
  let explaining: SqliteConnection;
  let store: Store;
  const logged: { sql: string; params: unknown[] }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-list-page-"));
    store = await openLibsqlStore(path.join(dir, "list.db"), { logQuery: (sql, params) => logged.push({ sql, params }) });
    explaining = openSqliteConnection(path.join(dir, "list.db"));
    // 300 virtual nodes, each followed by 10 rows of other kinds and of routes under other routers.
    const rows: NewResourceRow[] = [];
    for (let i = 0; i < 300; i++) {
      rows.push(row("virtualNode", `node-${i}`));
      for (let j = 0; j < 5; j++) rows.push(row("virtualService", `svc-${i}-${j}`));
      for (let j = 0; j < 5; j++) rows.push(row("route", `route-${i}-${j}`, `router-${j}`));
    }
    await store.commit({ expect: [], insert: rows });
  });
  afterAll(async () => {
    explaining?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The plan SQLite uses for the statement `run` logged, with the parameters it was run with. */
  async function planOf(run: () => Promise<unknown>): Promise<string[]> {
    logged.length = 0;
    await run();
    expect(logged).toHaveLength(1);
    const [{ sql, params }] = logged as [{ sql: string; params: unknown[] }];
    // EXPLAIN QUERY PLAN rows: id, parent, notused, detail.
    const plan = explaining.query({ sql: `EXPLAIN QUERY PLAN ${sql}`, params, method: "all" });
    return (plan.rows as unknown[][]).map((r) => String(r[3]));
  }

  it("reads a page of a kind in a mesh as one range of the list index, with no sort, and returns only the page", async () => {
    const first = await store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: 0, limit: 101 });
    expect(first).toHaveLength(101);
    expect(first.map((r) => r.name)).toEqual(Array.from({ length: 101 }, (_, i) => `node-${i}`));
    const plan = await planOf(() => store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: first[99]!.seq, limit: 101 }));
    expect(plan).toEqual(pagePlan);
    const second = await store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: first[99]!.seq, limit: 101 });
    expect(second.map((r) => r.name)).toEqual(Array.from({ length: 101 }, (_, i) => `node-${i + 100}`));
  });

  it("reads a page of routes under one router the same way", async () => {
    const plan = await planOf(() => store.listResourceRefs({ kind: "route", meshName: "m", parentName: "router-3", afterSeq: 0, limit: 11 }));
    expect(plan).toEqual(pagePlan);
    const page = await store.listResourceRefs({ kind: "route", meshName: "m", parentName: "router-3", afterSeq: 0, limit: 11 });
    expect(page.map((r) => r.name)).toEqual(Array.from({ length: 11 }, (_, i) => `route-${i}-3`));
  });

  it("selects no spec for a page", async () => {
    logged.length = 0;
    await store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: 0, limit: 1 });
    expect(logged[0]!.sql).not.toMatch(/"spec"/);
  });

  it("sizes a collection by reading its one row of collection_sizes, which follows inserts and deletes", async () => {
    const plan = await planOf(() => store.countResources({ kind: "route", meshName: "m", parentName: "router-3" }));
    expect(plan).toEqual([expect.stringMatching(/^SEARCH collection_sizes USING INDEX sqlite_autoindex_collection_sizes_1 \(kind=\? AND mesh_name=\? AND parent_name=\?\)$/)]);
    expect(await store.countResources({ kind: "route", meshName: "m", parentName: "router-3" })).toBe(300);
    const extra = row("route", "extra", "router-3");
    await store.commit({ expect: [], insert: [extra] });
    expect(await store.countResources({ kind: "route", meshName: "m", parentName: "router-3" })).toBe(301);
    const stored = await store.getResource({ kind: "route", meshName: "m", parentName: "router-3", name: "extra" });
    await store.commit({ expect: [], delete: [stored!.uid] });
    expect(await store.countResources({ kind: "route", meshName: "m", parentName: "router-3" })).toBe(300);
    expect(await store.countResources({ kind: "virtualService", meshName: "m", parentName: "" })).toBe(1500);
    expect(await store.countResources({ kind: "virtualNode", meshName: "other", parentName: "" })).toBe(0);
  });
});
