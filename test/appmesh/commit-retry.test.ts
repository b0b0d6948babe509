// The commit-retry loop on a real SQLite file; the other writer is a plain commit made while a decision is being taken.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScopeChange } from "../../db/change-feed.js";
import type { Store } from "../../db/store.js";
import { openTemporaryStore, type TemporaryStore } from "../support/sqlite-store.js";
import { createCommitWithRetry } from "../../functions/appmesh/commit-retry.js";
import { AppMeshError } from "../../functions/appmesh/errors.js";

describe("createCommitWithRetry", () => {
  let temporary: TemporaryStore;
  let store: Store;

  beforeAll(async () => {
    temporary = await openTemporaryStore("commit-retry");
    store = temporary.store;
  });
  afterAll(() => temporary.remove());

  const revisionOf = async (scope: string) => (await store.getRevisions([scope]))[scope]!;
  /** Another writer moving `scope` on: an unguarded commit that only bumps it. */
  const competingWrite = async (scope: string) => expect((await store.commit({ expect: [], bump: [scope] })).ok).toBe(true);

  it("commits the decided batch guarded by the revisions read first, and reports the scopes' new revisions", async () => {
    const changes: ScopeChange[] = [];
    const commit = createCommitWithRetry(store, { onCommit: (committed) => changes.push(...committed) });
    const seen = await commit(["first"], async (revisions) => ({ batch: { expect: [] }, response: revisions }));
    expect(seen).toEqual({ first: 0 });
    expect(await revisionOf("first")).toBe(1);
    expect(changes).toEqual([{ scope: "first", revision: 1 }]);
  });

  it("decides again on fresh revisions when another writer committed meanwhile, and commits once", async () => {
    const commit = createCommitWithRetry(store);
    const decided: number[] = [];
    const response = await commit(["raced"], async (revisions) => {
      decided.push(revisions.raced!);
      if (decided.length === 1) await competingWrite("raced");
      return { batch: { expect: [] }, response: "done" };
    });
    expect(response).toBe("done");
    expect(decided).toEqual([0, 1]);
    expect(await revisionOf("raced")).toBe(2);
  });

  it("refuses with ConflictException once every attempt went stale, having written nothing itself", async () => {
    const commit = createCommitWithRetry(store, { maxAttempts: 3 });
    let attempts = 0;
    const write = commit(["contended"], async () => {
      attempts++;
      await competingWrite("contended");
      return { batch: { expect: [] }, response: null };
    });
    await expect(write).rejects.toMatchObject({ name: "ConflictException" });
    expect(attempts).toBe(3);
    expect(await revisionOf("contended")).toBe(3);
  });

  it("retries a refusal taken while the scope moved, and lets a refusal on unchanged revisions stand", async () => {
    const commit = createCommitWithRetry(store);
    let attempts = 0;
    const response = await commit(["refused"], async () => {
      attempts++;
      if (attempts === 1) {
        await competingWrite("refused");
        throw new AppMeshError("NotFoundException", "not there yet");
      }
      return { batch: { expect: [] }, response: attempts };
    });
    expect(response).toBe(2);

    let calls = 0;
    const refusal = commit(["refused"], async () => {
      calls++;
      throw new AppMeshError("NotFoundException", "really not there");
    });
    await expect(refusal).rejects.toMatchObject({ name: "NotFoundException", message: "really not there" });
    expect(calls).toBe(1);
  });

  it("answers a decision without a batch with its response and commits nothing", async () => {
    const changes: ScopeChange[] = [];
    const commit = createCommitWithRetry(store, { onCommit: (committed) => changes.push(...committed) });
    expect(await commit(["replayed"], async () => ({ batch: null, response: "first response" }))).toBe("first response");
    expect(await revisionOf("replayed")).toBe(0);
    expect(changes).toEqual([]);
  });

  it("runs writers of one scope in one process one after the other", async () => {
    const commit = createCommitWithRetry(store);
    const order: string[] = [];
    const writer = (name: string) =>
      commit(["queued"], async (revisions) => {
        order.push(`${name} decides at ${revisions.queued}`);
        await new Promise((resolve) => setImmediate(resolve));
        order.push(`${name} commits`);
        return { batch: { expect: [] }, response: name };
      });
    expect(await Promise.all([writer("a"), writer("b")])).toEqual(["a", "b"]);
    expect(order).toEqual(["a decides at 0", "a commits", "b decides at 1", "b commits"]);
  });

  const auditEntry = (requestId: string) => ({
    at: 1,
    requestId,
    principal: "ops",
    credential: "AKID",
    sourceAddress: "127.0.0.1",
    action: "appmesh:UpdateMesh",
    resource: "arn:aws:appmesh:us-east-1:111122223333:mesh/m",
    outcome: "allowed",
    errorCode: "",
  });
  const audited = async (requestId: string) => (await store.listAudit({ afterSeq: 0, limit: 1000 })).filter((e) => e.requestId === requestId);

  it("commits the call's audit entry in the batch of its change, once, even when an attempt went stale first", async () => {
    const commit = createCommitWithRetry(store);
    const audit = { entry: auditEntry("in-batch"), committed: false };
    let attempts = 0;
    await commit(
      ["audited"],
      async () => {
        if (++attempts === 1) await competingWrite("audited");
        return { batch: { expect: [], changes: [{ scope: "audited", action: "update", kind: "mesh", meshName: "m", parentName: "", name: "m", at: 1 }] }, response: null };
      },
      { audit },
    );
    expect(attempts).toBe(2);
    expect(audit.committed).toBe(true);
    expect(await audited("in-batch")).toHaveLength(1);
  });

  it("leaves the audit entry uncommitted when the write is refused or has nothing to write (the caller audits it then)", async () => {
    const commit = createCommitWithRetry(store);
    const refused = { entry: auditEntry("refused"), committed: false };
    await expect(commit(["refusing"], async () => Promise.reject(new AppMeshError("NotFoundException", "no")), { audit: refused })).rejects.toMatchObject({ name: "NotFoundException" });
    const replayed = { entry: auditEntry("replayed"), committed: false };
    expect(await commit(["replaying"], async () => ({ batch: null, response: "first answer" }), { audit: replayed })).toBe("first answer");
    expect([refused.committed, replayed.committed]).toEqual([false, false]);
    expect([...(await audited("refused")), ...(await audited("replayed"))]).toEqual([]);
  });

  it("does not retry a constraint violation: the store's error ends the write after one attempt", async () => {
    const commit = createCommitWithRetry(store);
    let attempts = 0;
    const uid = `dup-${Date.now()}`;
    const row = { kind: "virtualNode", meshName: "m", parentName: "", name: "dup", uid, arn: `arn:dup:${uid}`, spec: {}, status: "ACTIVE", version: 1, createdAt: 1, lastUpdatedAt: 1, meshOwner: "a", resourceOwner: "a" };
    expect((await store.commit({ expect: [], insert: [row] })).ok).toBe(true);
    const write = commit(["constrained"], async () => {
      attempts++;
      return { batch: { expect: [], insert: [{ ...row, uid: `${uid}-2`, arn: `arn:dup:${uid}-2` }] }, response: null };
    });
    await expect(write).rejects.toMatchObject({ name: "StoreError", kind: "constraint" });
    expect(attempts).toBe(1);
  });
});
