// A List page reads only its page: on a real SQLite file holding a mesh whose virtual nodes are interleaved with
// thousands of rows of other kinds and other parents, the statement the store runs for `listResourceRefs` (captured
// from drizzle's query log, run again under EXPLAIN QUERY PLAN with its own parameters) is one range search of the
// list index that needs no sort, so SQLite visits the page's rows and stops; the rows returned are counted.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../db/schema.sqlite.js";
import type { BatchingSqliteDatabase } from "../../db/sqlite/dialect.js";
import { createSqliteStore } from "../../db/sqlite/store.js";
import type { NewResourceRow, Store } from "../../db/store.js";
import { makeResource } from "./store.contract.js";

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../db/migrations/sqlite");

const row = (kind: string, name: string, parentName = ""): NewResourceRow => makeResource({ kind, name, parentName, spec: { note: "x".repeat(200) } });

describe("createStoreQueries listResourceRefs (SQLite)", () => {
  let dir: string;
  let client: Client;
  let store: Store;
  const logged: { sql: string; params: unknown[] }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-list-page-"));
    client = createClient({ url: `file:${path.join(dir, "list.db")}` });
    const db = drizzle(client, { schema, logger: { logQuery: (sql, params) => logged.push({ sql, params }) } });
    await migrate(db, { migrationsFolder });
    store = createSqliteStore(db as unknown as BatchingSqliteDatabase);
    // 300 virtual nodes, each followed by 10 rows of other kinds and of routes under other routers.
    const rows: NewResourceRow[] = [];
    for (let i = 0; i < 300; i++) {
      rows.push(row("virtualNode", `node-${i}`));
      for (let j = 0; j < 5; j++) rows.push(row("virtualService", `svc-${i}-${j}`));
      for (let j = 0; j < 5; j++) rows.push(row("route", `route-${i}-${j}`, `router-${j}`));
    }
    await store.commit({ expect: [], insert: rows });
  });
  afterAll(() => {
    client?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The plan SQLite uses for the statement `run` logged, with the parameters it was run with. */
  async function planOf(run: () => Promise<unknown>): Promise<string[]> {
    logged.length = 0;
    await run();
    expect(logged).toHaveLength(1);
    const [{ sql, params }] = logged as [{ sql: string; params: unknown[] }];
    const plan = await client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args: params as never });
    return plan.rows.map((r) => String(r.detail));
  }

  it("reads a page of a kind in a mesh as one range of the list index, with no sort, and returns only the page", async () => {
    const first = await store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: 0, limit: 101 });
    expect(first).toHaveLength(101);
    expect(first.map((r) => r.name)).toEqual(Array.from({ length: 101 }, (_, i) => `node-${i}`));
    const plan = await planOf(() => store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: first[99]!.seq, limit: 101 }));
    expect(plan).toEqual([expect.stringMatching(/^SEARCH resources USING INDEX resources_list \(kind=\? AND mesh_name=\? AND parent_name=\? AND seq>\?\)$/)]);
    const second = await store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: first[99]!.seq, limit: 101 });
    expect(second.map((r) => r.name)).toEqual(Array.from({ length: 101 }, (_, i) => `node-${i + 100}`));
  });

  it("reads a page of routes under one router the same way", async () => {
    const plan = await planOf(() => store.listResourceRefs({ kind: "route", meshName: "m", parentName: "router-3", afterSeq: 0, limit: 11 }));
    expect(plan).toEqual([expect.stringMatching(/^SEARCH resources USING INDEX resources_list \(kind=\? AND mesh_name=\? AND parent_name=\? AND seq>\?\)$/)]);
    const page = await store.listResourceRefs({ kind: "route", meshName: "m", parentName: "router-3", afterSeq: 0, limit: 11 });
    expect(page.map((r) => r.name)).toEqual(Array.from({ length: 11 }, (_, i) => `route-${i}-3`));
  });

  it("selects no spec for a page", async () => {
    logged.length = 0;
    await store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: 0, limit: 1 });
    expect(logged[0]!.sql).not.toMatch(/"spec"/);
  });
});
