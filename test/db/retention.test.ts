// Retention (db/retention.ts) under a long write loop, on a real SQLite file and a real PostgreSQL server: both logs
// stay bounded pass after pass, and a lagging follower (a replica's change-log cursor, db/change-log-cursor.ts) keeps
// every entry it has not read — when it catches up it is delivered each change in order, with no gap. The clock is
// the test's (one write a second), so ages are exact and the loop is bounded by its count, not by time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChangeLogCursor } from "../../db/change-log-cursor.js";
import type { AuditEntry, ChangeRecord, Store } from "../../db/index.js";
import { openPostgresStore } from "../../db/postgres/store.js";
import { createRetention } from "../../db/retention.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { openTemporaryStore } from "../support/sqlite-store.js";

const WRITES_PER_PHASE = 300;
const PASS_EVERY = 25;
const CHANGE_LOG_AGE_MS = 60_000;
const AUDIT_ENTRIES = 100;

const auditEntry = (at: number, i: number): AuditEntry => ({
  at,
  requestId: `r${i}`,
  principal: "loop",
  credential: "",
  sourceAddress: "127.0.0.1",
  action: "appmesh:UpdateVirtualNode",
  resource: `arn:aws:appmesh:us-east-1:111122223333:mesh/m/virtualNode/n${i % 7}`,
  outcome: "allowed",
  errorCode: "",
});

async function countAll(read: (afterSeq: number) => Promise<Array<{ seq: number }>>): Promise<number> {
  let count = 0;
  let after = 0;
  for (let page = 0; page < 1000; page++) {
    const rows = await read(after);
    if (rows.length === 0) break;
    count += rows.length;
    after = rows[rows.length - 1]!.seq;
  }
  return count;
}

function describeRetention(backend: string, open: () => Promise<{ store: Store; close(): Promise<void> }>) {
  describe(`createRetention on ${backend}`, () => {
    it("keeps the change log and the audit log bounded under a long write loop, and never deletes what a lagging follower has not read", async () => {
      const { store, close } = await open();
      try {
        let clock = 1_800_000_000_000;
        const now = () => clock;
        const retention = createRetention(store, { changeLogMaxAgeMs: CHANGE_LOG_AGE_MS, auditMaxEntries: AUDIT_ENTRIES }, { now, chunk: 40 });
        const fast = createChangeLogCursor(store, { followerId: "fast", now, reportEveryMs: 0 });
        let lagGap = false;
        const lagging = createChangeLogCursor(store, { followerId: "lagging", now, reportEveryMs: 0, onGap: () => (lagGap = true) });
        await fast.catchUp(() => {});
        await lagging.catchUp(() => {});
        const changeCount = () => countAll((after) => store.listChanges(after, 500));
        const auditCount = () => countAll((afterSeq) => store.listAudit({ afterSeq, limit: 500 }));
        let written = 0;
        const writeOne = async () => {
          clock += 1000;
          const i = written++;
          const result = await store.commit({
            expect: [],
            bump: ["mesh/m"],
            changes: [{ scope: "mesh/m", action: "update", kind: "virtualNode", meshName: "m", parentName: "", name: `n${i % 7}`, at: clock }],
            audit: [auditEntry(clock, i)],
          });
          expect(result.ok).toBe(true);
          await fast.catchUp(() => {});
        };

        // Phase 1: the lagging follower reads nothing (it still reports where it stands, as a live replica does).
        const laggingFrom = lagging.position!;
        for (let pass = 0; pass < WRITES_PER_PHASE / PASS_EVERY; pass++) {
          for (let i = 0; i < PASS_EVERY; i++) await writeOne();
          await store.reportFollower("lagging", laggingFrom, clock);
          await retention.run();
          expect(await auditCount()).toBeLessThanOrEqual(AUDIT_ENTRIES);
          expect(await changeCount()).toBe(written);
        }
        const delivered: ChangeRecord[] = [];
        await lagging.catchUp((change) => delivered.push(change));
        expect(lagGap).toBe(false);
        expect(delivered).toHaveLength(WRITES_PER_PHASE);
        expect(delivered.map((change) => change.revision)).toEqual(Array.from({ length: WRITES_PER_PHASE }, (_, i) => i + 1));

        // Phase 2: every follower keeps up, and the change log keeps only what is younger than its age limit.
        for (let pass = 0; pass < WRITES_PER_PHASE / PASS_EVERY; pass++) {
          for (let i = 0; i < PASS_EVERY; i++) await writeOne();
          await lagging.catchUp(() => {});
          await retention.run();
          expect(await auditCount()).toBe(AUDIT_ENTRIES);
          const kept = await store.listChanges(0, 500);
          expect(kept.length).toBeLessThanOrEqual(CHANGE_LOG_AGE_MS / 1000 + 1);
          expect(kept.every((change) => change.at >= clock - CHANGE_LOG_AGE_MS)).toBe(true);
          expect(kept.at(-1)!.revision).toBe(written);
        }
        // What stays of the audit log is the newest entries.
        const audit = await store.listAudit({ afterSeq: 0, limit: 500 });
        expect(audit.map((entry) => entry.requestId)).toEqual(Array.from({ length: AUDIT_ENTRIES }, (_, i) => `r${written - AUDIT_ENTRIES + i}`));
        expect(await store.changeLogEnd()).toBe((await store.listChanges(0, 500)).at(-1)!.seq);
        await Promise.all([fast.close(), lagging.close()]);
      } finally {
        await close();
      }
    });

    it("reaches entries behind more than a pass of entries stamped ahead of the clock, within one pass and across passes", async () => {
      const { store, close } = await open();
      try {
        const clock = 1_800_000_000_000;
        // 60 audit entries and 60 changes stamped an hour ahead (a clock that stepped back), then 5 old ones of each,
        // then a fresh change (the newest, which stays). One row per chunk: a pass looks at 50 windows at most.
        const ahead = clock + 3_600_000;
        const stamps = [...Array<number>(60).fill(ahead), ...Array<number>(5).fill(clock - 2 * CHANGE_LOG_AGE_MS)];
        for (const [i, at] of stamps.entries()) {
          const result = await store.commit({ expect: [], bump: ["mesh/m"], changes: [{ scope: "mesh/m", action: "update", kind: "virtualNode", meshName: "m", parentName: "", name: `n${i}`, at }], audit: [auditEntry(at, i)] });
          expect(result.ok).toBe(true);
        }
        expect((await store.commit({ expect: [], bump: ["mesh/m"], changes: [{ scope: "mesh/m", action: "update", kind: "virtualNode", meshName: "m", parentName: "", name: "fresh", at: clock }] })).ok).toBe(true);
        const retention = createRetention(store, { changeLogMaxAgeMs: CHANGE_LOG_AGE_MS, auditMaxAgeMs: CHANGE_LOG_AGE_MS }, { now: () => clock, chunk: 1 });
        // The first pass stops after 50 windows of entries it must keep; the second goes on from there.
        expect(await retention.run()).toEqual({ changeLog: 0, audit: 0 });
        expect(await retention.run()).toEqual({ changeLog: 5, audit: 5 });
        const changes = await store.listChanges(0, 500);
        expect(changes.map((change) => change.at)).toEqual([...Array<number>(60).fill(ahead), clock]);
        const audit = await store.listAudit({ afterSeq: 0, limit: 500 });
        expect(audit.map((entry) => entry.requestId)).toEqual(Array.from({ length: 60 }, (_, i) => `r${i}`));
        // A pass that reached the end starts from the oldest again: nothing more to delete, nothing lost.
        expect(await retention.run()).toEqual({ changeLog: 0, audit: 0 });
        expect(await store.listChanges(0, 500)).toHaveLength(61);
      } finally {
        await close();
      }
    });
  });
}

describeRetention("SQLite", async () => {
  const temporary = await openTemporaryStore("retention");
  return { store: temporary.store, close: () => temporary.remove() };
});

let pg: TestPostgres | undefined;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});
let databases = 0;
describeRetention("PostgreSQL", async () => {
  const store = await openPostgresStore(await pg!.createDatabase(`retention_${++databases}`));
  return { store, close: () => store.close() };
});
