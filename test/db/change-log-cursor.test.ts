import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createChangeLogCursor } from "../../db/change-log-cursor.js";
import { openLibsqlStore } from "../../db/sqlite/libsql.js";
import type { ChangeRecord, Store } from "../../db/store.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-change-log-cursor-"));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Commits `count` changes of mesh `m` in one batch; returns their seqs as read back. */
async function commitChanges(store: Store, count: number): Promise<number[]> {
  const before = await store.getRevisions(["mesh/m"]);
  const changes = Array.from({ length: count }, (_, i) => ({ scope: "mesh/m", action: "update" as const, kind: "virtualNode", meshName: "m", parentName: "", name: `n${i}`, at: 1 }));
  const result = await store.commit({ expect: [{ scope: "mesh/m", revision: before["mesh/m"]! }], changes });
  if (!result.ok) throw new Error("setup batch was stale");
  const all: number[] = [];
  for (let page = await store.listChanges(0, 1000); page.length > 0; page = await store.listChanges(all.at(-1)!, 1000)) all.push(...page.map((c) => c.seq));
  return all.slice(-count);
}

describe("createChangeLogCursor", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openLibsqlStore(path.join(dir, `log-${++n}.db`));
  });
  afterEach(async () => {
    await store.close();
  });

  it("finds the end of a log longer than one page on the first catch-up and delivers none of it", async () => {
    const seqs = await commitChanges(store, 1_100);
    const cursor = createChangeLogCursor(store);
    const delivered: ChangeRecord[] = [];
    expect(cursor.position).toBeUndefined();
    await cursor.catchUp((change) => delivered.push(change));
    expect(delivered).toEqual([]);
    expect(cursor.position).toBe(seqs.at(-1));
  });

  it("positions at 0 on an empty log and then delivers the first change", async () => {
    const cursor = createChangeLogCursor(store);
    await cursor.catchUp(() => {});
    expect(cursor.position).toBe(0);
    const [seq] = await commitChanges(store, 1);
    const delivered: number[] = [];
    await cursor.catchUp((change) => delivered.push(change.seq));
    expect(delivered).toEqual([seq]);
  });

  it("delivers every change committed after its position, oldest first, across pages, each once", async () => {
    await commitChanges(store, 3);
    const cursor = createChangeLogCursor(store);
    await cursor.catchUp(() => {});
    const seqs = await commitChanges(store, 1_100);
    const delivered: ChangeRecord[] = [];
    await cursor.catchUp((change) => delivered.push(change));
    expect(delivered.map((c) => c.seq)).toEqual(seqs);
    expect(delivered.map((c) => c.name)).toEqual(Array.from({ length: 1_100 }, (_, i) => `n${i}`));
    expect(cursor.position).toBe(seqs.at(-1));
    await cursor.catchUp((change) => delivered.push(change));
    expect(delivered).toHaveLength(1_100);
  });

  it("moves forward with skipTo, never back, and not before the end of the log is found", async () => {
    const cursor = createChangeLogCursor(store);
    cursor.skipTo(5);
    expect(cursor.position).toBeUndefined();
    await cursor.catchUp(() => {});
    const seqs = await commitChanges(store, 3);
    cursor.skipTo(seqs[1]!);
    cursor.skipTo(seqs[0]!);
    expect(cursor.position).toBe(seqs[1]);
    const delivered: number[] = [];
    await cursor.catchUp((change) => delivered.push(change.seq));
    expect(delivered).toEqual([seqs[2]]);
  });

  it("stops reading after the page during which the feed was stopped", async () => {
    let stopped = false;
    const cursor = createChangeLogCursor(store, { isStopped: () => stopped });
    await cursor.catchUp(() => {});
    const seqs = await commitChanges(store, 1_100);
    const delivered: number[] = [];
    await cursor.catchUp((change) => {
      delivered.push(change.seq);
      stopped = true;
    });
    expect(delivered).toEqual(seqs.slice(0, 500));
    expect(cursor.position).toBe(seqs[499]);
  });

  it("rejects on a store error and keeps its position", async () => {
    const cursor = createChangeLogCursor(store);
    await commitChanges(store, 2);
    await cursor.catchUp(() => {});
    const position = cursor.position;
    await store.close();
    await expect(cursor.catchUp(() => {})).rejects.toThrow();
    expect(cursor.position).toBe(position);
    store = await openLibsqlStore(path.join(dir, `log-${++n}.db`));
  });
});
