// The embedded SQLite connection (db/sqlite/connection.ts) on real files: statements are prepared once per SQL text
// and reused (counted by the connection), for the store's reads and its commit batches alike; a batch is one
// transaction that a failing statement rolls back whole, leaving the connection ready for the next one.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteConnection } from "../../../db/sqlite/connection.js";
import { openLibsqlStore } from "../../../db/sqlite/libsql.js";
import { makeResource } from "../store.contract.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-sqlite-connection-"));
let n = 0;
const freshFile = () => path.join(dir, `connection-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("openSqliteConnection", () => {
  it("prepares each statement the store runs once, however many requests run it", async () => {
    const store = await openLibsqlStore(freshFile());
    try {
      /** What one Create of a virtual node reads and commits, with a fresh name each time. */
      const createAndRead = async (i: number) => {
        const revisions = await store.getRevisions(["mesh/m"]);
        const key = { kind: "virtualNode", meshName: "m", parentName: "", name: `node-${i}` };
        await Promise.all([store.getResource({ kind: "mesh", meshName: "m", parentName: "", name: "m" }), store.getResource(key), store.countResources({ kind: key.kind, meshName: key.meshName, parentName: key.parentName })]);
        const row = makeResource({ kind: "virtualNode", name: key.name });
        const result = await store.commit({
          expect: [{ scope: "mesh/m", revision: revisions["mesh/m"]! }],
          insert: [row],
          changes: [{ scope: "mesh/m", action: "create", ...key, at: 1 }],
        });
        expect(result.ok).toBe(true);
        await store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: 0, limit: 101 });
      };
      await createAndRead(0);
      const afterFirst = { ...store.statistics };
      await createAndRead(1);
      const perRequest = store.statistics.runs - afterFirst.runs;
      // 4 reads; the batch's 4 statements (the guarded revision bump returning the new revision, insert, collection
      // size, change log); the page.
      expect(perRequest).toBe(9);
      // Calls into the driver: one per point read (`get`, which resets its statement), BEGIN, one per batch statement
      // (the bump's returning row by `get`), COMMIT, and two for the page (open, fetch).
      expect(store.statistics.calls - afterFirst.calls).toBe(4 + 1 + 4 + 1 + 2);
      for (let i = 2; i <= 50; i++) await createAndRead(i);
      expect(store.statistics.prepares).toBe(afterFirst.prepares);
      expect(store.statistics.runs - afterFirst.runs).toBe(50 * perRequest);
      expect((await store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: 0, limit: 100 })).length).toBe(51);
    } finally {
      await store.close();
    }
  });

  it("rolls a batch back whole when one of its statements fails, and commits the next batch", () => {
    const connection = openSqliteConnection(freshFile());
    try {
      connection.exec("create table t (n integer not null check (n > 0))");
      const insert = (value: number) => ({ sql: "insert into t (n) values (?)", params: [value], method: "run" as const });
      expect(() => connection.batch([insert(1), insert(2), insert(-1)])).toThrow(/CHECK constraint failed/);
      const count = () => (connection.query({ sql: "select count(*) from t", params: [], method: "all" }).rows as number[][])[0]![0];
      expect(count()).toBe(0);
      connection.batch([insert(3), insert(4)]);
      expect(count()).toBe(2);
      // The failed batch's statement text is cached like any other and still runs.
      connection.batch([insert(5)]);
      expect(count()).toBe(3);
    } finally {
      connection.close();
    }
  });

  it("reads one row by `get` without leaving the statement's read snapshot open", () => {
    const file = freshFile();
    const connection = openSqliteConnection(file);
    const other = openSqliteConnection(file);
    try {
      connection.exec("create table t (n integer not null)");
      // More rows than the driver fetches at once (100): a statement stopped after its first row would still be open.
      connection.exec("with recursive c(n) as (select 1 union all select n + 1 from c where n < 500) insert into t select n from c");
      const callsBefore = connection.statistics.calls;
      expect(connection.query({ sql: "select n from t order by n", params: [], method: "get" }).rows).toEqual([1]);
      expect(connection.statistics.calls - callsBefore).toBe(1);
      // A reader holding a snapshot would keep the WAL from being reset: the checkpoint would report busy.
      const [checkpoint] = other.query({ sql: "pragma wal_checkpoint(truncate)", params: [], method: "all" }).rows as number[][];
      expect(checkpoint![0]).toBe(0);
      // A write's returning row by `get`, in a batch: committed with it.
      const [returned] = connection.batch([{ sql: "insert into t (n) values (?) returning n * 10", params: [4], method: "get" }]);
      expect(returned!.rows).toEqual([40]);
      expect(other.query({ sql: "select count(*) from t", params: [], method: "all" }).rows).toEqual([[501]]);
    } finally {
      other.close();
      connection.close();
    }
  });

  it("runs a statement whose `get` failed with the next call's parameters, not the failed ones", () => {
    const connection = openSqliteConnection(freshFile(), { checkpointDelayMs: false });
    try {
      connection.exec("create table t (n integer not null check (n > 0))");
      const insert = (value: number) => ({ sql: "insert into t (n) values (?) returning n", params: [value], method: "get" as const });
      expect(() => connection.batch([insert(-1)])).toThrow(/CHECK constraint failed/);
      const [returned] = connection.batch([insert(5)]);
      expect(returned!.rows).toEqual([5]);
      expect(connection.query({ sql: "select n from t", params: [], method: "all" }).rows).toEqual([[5]]);
    } finally {
      connection.close();
    }
  });

  it("answers `get` with its own parameters' row after the same SQL ran by `all` or `run`", () => {
    const connection = openSqliteConnection(freshFile(), { checkpointDelayMs: false });
    try {
      connection.exec("create table t (n integer primary key, v text not null)");
      connection.exec("insert into t values (1, 'one'), (2, 'two')");
      const read = "select v from t where n = ? limit 1";
      expect(connection.query({ sql: read, params: [1], method: "all" }).rows).toEqual([["one"]]);
      expect(connection.query({ sql: read, params: [2], method: "get" }).rows).toEqual(["two"]);
      expect(connection.query({ sql: read, params: [1], method: "all" }).rows).toEqual([["one"]]);
      expect(connection.query({ sql: read, params: [9], method: "get" }).rows).toBeUndefined();
      // A write with `returning` run for nothing, then for its row: the second inserts its own values.
      const insert = "insert into t (n, v) values (?, ?) returning n";
      connection.batch([{ sql: insert, params: [3, "three"], method: "run" }]);
      expect(connection.batch([{ sql: insert, params: [4, "four"], method: "get" }])[0]!.rows).toEqual([4]);
      expect(connection.query({ sql: "select n from t order by n", params: [], method: "all" }).rows).toEqual([[1], [2], [3], [4]]);
    } finally {
      connection.close();
    }
  });

  it("keeps at most cacheSize statements, dropping the least recently used", () => {
    const connection = openSqliteConnection(freshFile(), { cacheSize: 2 });
    try {
      const select = (text: string) => connection.query({ sql: `select ${text}`, params: [], method: "all" });
      select("1");
      select("2");
      select("1"); // now the most recent
      select("3"); // drops "2"
      expect(connection.statistics.prepares).toBe(3);
      select("1");
      select("3");
      expect(connection.statistics.prepares).toBe(3);
      select("2");
      expect(connection.statistics.prepares).toBe(4);
    } finally {
      connection.close();
    }
  });
});
