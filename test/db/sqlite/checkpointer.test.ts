// The background WAL checkpointer (db/sqlite/checkpointer.ts) on real files: writes committed on the synchronous
// connection reach the database file itself (read here from a copy of that file alone, without its WAL) through
// checkpoints the writer's connection did not run, and the writer's own checkpoints are left as a distant bound.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "libsql";
import { afterAll, describe, expect, it } from "vitest";
import { openCheckpointer } from "../../../db/sqlite/checkpointer.js";
import { openSqliteConnection } from "../../../db/sqlite/connection.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-sqlite-checkpointer-"));
let n = 0;
const freshFile = () => path.join(dir, `checkpointer-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of `t` in the database file alone: a copy of it without its WAL shows only what checkpoints copied there. */
function rowsInDatabaseFile(file: string): number {
  const copy = `${file}.copy-${++n}`;
  copyFileSync(file, copy);
  const db = new Database(copy);
  try {
    const tables = db.prepare("select count(*) from sqlite_master where name = 't'").raw(true).get([]) as number[];
    if (tables[0] === 0) return 0;
    return (db.prepare("select count(*) from t").raw(true).get([]) as number[])[0]!;
  } finally {
    db.close();
    rmSync(copy, { force: true });
  }
}

/** A plain connection on `file` in WAL mode that never checkpoints: whatever reaches the file, a checkpointer copied. */
function openWalWriter(file: string): InstanceType<typeof Database> {
  const writer = new Database(file);
  writer.exec("PRAGMA busy_timeout = 5000");
  writer.exec("PRAGMA journal_mode = WAL");
  writer.exec("PRAGMA wal_autocheckpoint = 0");
  return writer;
}

/** Polls (bounded: 250 times, 20 ms apart) until `done` holds; returns whether it did. */
async function eventually(done: () => boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 250; attempt++) {
    if (done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return done();
}

describe("openCheckpointer", () => {
  it("tries a refused or failed checkpoint again after a back-off, with no write to prompt it", async () => {
    const file = freshFile();
    const writer = openWalWriter(file);
    let attempts = 0;
    // The first attempt is refused as SQLite refuses one while another connection checkpoints; the second fails.
    const checkpointer = openCheckpointer(file, {
      delayMs: 5,
      around: async (checkpoint) => {
        attempts++;
        if (attempts === 1) return { busy: 1, log: -1, checkpointed: -1 };
        if (attempts === 2) throw new Error("disk I/O error");
        return checkpoint();
      },
    })!;
    try {
      writer.exec("create table t (n integer not null)");
      for (let i = 0; i < 5; i++) writer.exec(`insert into t (n) values (${i})`);
      checkpointer.written();
      expect(await eventually(() => rowsInDatabaseFile(file) === 5)).toBe(true);
      expect(attempts).toBe(3);
      expect(checkpointer.statistics).toEqual({ runs: 1, failures: 2 });
    } finally {
      await checkpointer.close();
      writer.close();
    }
  });

  it("copies the WAL's committed pages into the database file after a write, off the writer's connection", async () => {
    const file = freshFile();
    const writer = openWalWriter(file);
    const checkpointer = openCheckpointer(file, { delayMs: 5 })!;
    try {
      expect(checkpointer).toBeDefined();
      writer.exec("create table t (n integer not null)");
      for (let i = 0; i < 20; i++) writer.exec(`insert into t (n) values (${i})`);
      expect(rowsInDatabaseFile(file)).toBe(0);
      checkpointer.written();
      expect(await eventually(() => rowsInDatabaseFile(file) === 20)).toBe(true);
      expect(checkpointer.statistics.runs).toBeGreaterThanOrEqual(1);
      expect(checkpointer.statistics.failures).toBe(0);
    } finally {
      await checkpointer.close();
      writer.close();
    }
  });

  it("starts no checkpoint once closed", async () => {
    const file = freshFile();
    const writer = openWalWriter(file);
    const checkpointer = openCheckpointer(file, { delayMs: 5 })!;
    try {
      writer.exec("create table t (n integer not null)");
      writer.exec("insert into t (n) values (1)");
      await checkpointer.close();
      checkpointer.written();
      // Long enough for a scheduled checkpoint to have run several times over; it is never scheduled.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(checkpointer.statistics.runs).toBe(0);
    } finally {
      writer.close();
    }
  });
});

describe("openSqliteConnection's checkpoints", () => {
  const pragma = (connection: ReturnType<typeof openSqliteConnection>, name: string) =>
    (connection.query({ sql: `pragma ${name}`, params: [], method: "all" }).rows as number[][])[0]![0];

  it("leaves the writer's own checkpoint as a bound 10 times SQLite's, and its commits reach the file through the checkpointer", async () => {
    const file = freshFile();
    const connection = openSqliteConnection(file, { checkpointDelayMs: 5 });
    try {
      expect(pragma(connection, "wal_autocheckpoint")).toBe(10_000);
      connection.exec("create table t (n integer not null)");
      for (let i = 0; i < 30; i++) connection.batch([{ sql: "insert into t (n) values (?)", params: [i], method: "run" }]);
      // 30 one-page commits are far below the writer's bound: only the checkpointer can have copied them.
      expect(await eventually(() => rowsInDatabaseFile(file) === 30)).toBe(true);
      expect(connection.checkpoints!.runs).toBeGreaterThanOrEqual(1);
    } finally {
      connection.close();
    }
  });

  it("stays usable when its connection is set up while the writer writes (as migrations do at start), in 10 opens of 10", async () => {
    for (let round = 0; round < 10; round++) {
      const file = freshFile();
      const connection = openSqliteConnection(file, { checkpointDelayMs: 5 });
      try {
        // Written at once, while the checkpointer's connection is still being configured on libSQL's threads.
        connection.exec("create table t (n integer not null)");
        for (let i = 0; i < 10; i++) connection.batch([{ sql: "insert into t (n) values (?)", params: [i], method: "run" }]);
        expect(await eventually(() => rowsInDatabaseFile(file) === 10)).toBe(true);
        expect(connection.checkpoints).toMatchObject({ failures: 0 });
      } finally {
        connection.close();
      }
    }
  });

  it("copies writes made outside a batch (query: plain DML and DML returning rows) into the file through the checkpointer", async () => {
    const file = freshFile();
    const connection = openSqliteConnection(file, { checkpointDelayMs: 5 });
    try {
      connection.exec("create table t (n integer not null)");
      for (let i = 0; i < 10; i++) connection.query({ sql: "insert into t (n) values (?)", params: [i], method: "run" });
      for (let i = 10; i < 20; i++) connection.query({ sql: "insert into t (n) values (?) returning n", params: [i], method: "all" });
      expect(await eventually(() => rowsInDatabaseFile(file) === 20)).toBe(true);
      expect(connection.checkpoints!.runs).toBeGreaterThanOrEqual(1);
    } finally {
      connection.close();
    }
  });

  it("starts no checkpoint for reads outside a batch, pages behind a `with` included", async () => {
    const connection = openSqliteConnection(freshFile(), { checkpointDelayMs: 5 });
    try {
      connection.exec("create table t (n integer not null)");
      connection.query({ sql: "select n from t where n = ?", params: [1], method: "get" });
      connection.query({ sql: "with page(c0) as (select n from t order by n limit 10) select coalesce(json_group_array(c0), '[]') from page", params: [], method: "all" });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(connection.checkpoints!.runs).toBe(0);
    } finally {
      connection.close();
    }
  });

  it("keeps SQLite's own checkpoints when asked to (checkpointDelayMs: false)", () => {
    const connection = openSqliteConnection(freshFile(), { checkpointDelayMs: false });
    try {
      expect(pragma(connection, "wal_autocheckpoint")).toBe(1_000);
      expect(connection.checkpoints).toBeUndefined();
    } finally {
      connection.close();
    }
  });

  it("starts no checkpoint for a read-only batch", async () => {
    const connection = openSqliteConnection(freshFile(), { checkpointDelayMs: 5 });
    try {
      connection.exec("create table t (n integer not null)");
      connection.batch([{ sql: "select count(*) from t", params: [], method: "all" }]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(connection.checkpoints!.runs).toBe(0);
    } finally {
      connection.close();
    }
  });
});
