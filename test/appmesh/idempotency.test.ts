// clientToken idempotency on a real SQLite file with an injected clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store, WriteBatch } from "../../db/store.js";
import { openTemporaryStore, type TemporaryStore } from "../support/sqlite-store.js";
import { createCommitWithRetry } from "../../functions/appmesh/commit-retry.js";
import { commitIdempotent, createIdempotency, type Idempotency } from "../../functions/appmesh/idempotency.js";

describe("createIdempotency", () => {
  const hour = 60 * 60 * 1000;
  let temporary: TemporaryStore;
  let store: Store;
  let idempotency: Idempotency;
  let clock = 1_800_000_000_000;

  beforeAll(async () => {
    temporary = await openTemporaryStore("idempotency");
    store = temporary.store;
    idempotency = createIdempotency(store, { accountId: "123456789012", now: () => clock, retentionMs: 24 * hour });
  });
  afterAll(() => temporary.remove());

  /** Commits the record of `response` under the request, as a write would. */
  async function recordResponse(request: Awaited<ReturnType<Idempotency["prepare"]>>, response: unknown): Promise<void> {
    const batch: WriteBatch = { expect: [] };
    idempotency.record(batch, request, response, clock, await idempotency.replay(request));
    expect((await store.commit(batch)).ok).toBe(true);
  }

  it("hashes the operation and input without the token, whatever the order of their keys", async () => {
    const first = await idempotency.prepare("UpdateMesh", { meshName: "m", spec: { egressFilter: { type: "DROP_ALL" } }, clientToken: "a" });
    const reordered = await idempotency.prepare("UpdateMesh", { spec: { egressFilter: { type: "DROP_ALL" } }, clientToken: "b", meshName: "m" });
    const otherOperation = await idempotency.prepare("CreateMesh", { meshName: "m", spec: { egressFilter: { type: "DROP_ALL" } }, clientToken: "a" });
    expect(first.token).toBe("a");
    expect(first.requestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(reordered.requestHash).toBe(first.requestHash);
    expect(otherOperation.requestHash).not.toBe(first.requestHash);
  });

  it("hashes nothing for a request without a token: nothing is recorded or replayed for it", async () => {
    const request = await idempotency.prepare("CreateMesh", { meshName: "untokened" });
    expect(request).toEqual({ token: undefined, requestHash: "" });
    expect(await idempotency.replay(request)).toEqual({ state: "new" });
  });

  it("replays the recorded response for the same token and request, and refuses the token for another request", async () => {
    const request = await idempotency.prepare("CreateMesh", { meshName: "replay", clientToken: "tok-1" });
    expect(await idempotency.replay(request)).toEqual({ state: "new" });
    await recordResponse(request, { meshName: "replay", version: 1 });
    expect(await idempotency.replay(request)).toEqual({ state: "replayed", response: { meshName: "replay", version: 1 } });

    const other = await idempotency.prepare("CreateMesh", { meshName: "other", clientToken: "tok-1" });
    await expect(idempotency.replay(other)).rejects.toMatchObject({ name: "ConflictException" });
  });

  it("keeps tokens apart per account", async () => {
    const request = await idempotency.prepare("CreateMesh", { meshName: "shared", clientToken: "tok-2" });
    await recordResponse(request, "first");
    const otherAccount = createIdempotency(store, { accountId: "210987654321", now: () => clock, retentionMs: 24 * hour });
    expect(await otherAccount.replay(request)).toEqual({ state: "new" });
  });

  it("treats a record past retention as expired and purges it when the request is recorded again", async () => {
    const request = await idempotency.prepare("CreateMesh", { meshName: "aged", clientToken: "tok-3" });
    await recordResponse(request, "old");
    clock += 25 * hour;
    const replay = await idempotency.replay(request);
    expect(replay).toEqual({ state: "expired" });
    const batch: WriteBatch = { expect: [] };
    idempotency.record(batch, request, "new", clock, replay);
    expect(batch.expireIdempotencyBefore).toBe(clock - 24 * hour);
    expect((await store.commit(batch)).ok).toBe(true);
    expect(await idempotency.replay(request)).toEqual({ state: "replayed", response: "new" });
  });

  it("records nothing for a request without a token", async () => {
    const request = await idempotency.prepare("CreateMesh", { meshName: "untokened" });
    const batch: WriteBatch = { expect: [] };
    idempotency.record(batch, request, "response", clock, { state: "new" });
    expect(batch.idempotency).toBeUndefined();
  });
});

describe("commitIdempotent", () => {
  let temporary: TemporaryStore;
  let store: Store;

  beforeAll(async () => {
    temporary = await openTemporaryStore("commit-idempotent");
    store = temporary.store;
  });
  afterAll(() => temporary.remove());

  it("decides and commits a request once, and answers its repeat with the first response without writing", async () => {
    const commit = createCommitWithRetry(store);
    const idempotency = createIdempotency(store, { accountId: "123456789012", now: () => 1000, retentionMs: 60_000 });
    const request = await idempotency.prepare("CreateMesh", { meshName: "once", clientToken: "tok" });
    let decisions = 0;
    const write = () =>
      commitIdempotent(commit, idempotency, ["mesh/once"], request, async () => ({ batch: { expect: [] }, response: { decision: ++decisions }, at: 1000 }));

    expect(await write()).toEqual({ decision: 1 });
    const revision = (await store.getRevisions(["mesh/once"]))["mesh/once"];
    expect(await write()).toEqual({ decision: 1 });
    expect(decisions).toBe(1);
    expect((await store.getRevisions(["mesh/once"]))["mesh/once"]).toBe(revision);
  });
});
