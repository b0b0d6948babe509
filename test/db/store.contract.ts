// The Store contract: one set of cases every backend must pass (libSQL file, PostgreSQL). Each backend's test
// file calls `describeStoreContract` with a function that opens a fresh, empty, migrated store.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreError, type AccessKeyRow, type AuditEntry, type ChangeEntry, type NewAwsResourceRow, type NewResourceRow, type Store, type WriteBatch } from "../../db/index.js";

let uidCounter = 0;

/** A resource row with plausible values; `kind` "mesh" rows have meshName = name. */
export function makeResource(fields: Partial<NewResourceRow> & { kind: string; name: string }): NewResourceRow {
  const meshName = fields.meshName ?? (fields.kind === "mesh" ? fields.name : "m");
  const parentName = fields.parentName ?? "";
  const uid = fields.uid ?? `uid-${process.pid}-${++uidCounter}`;
  const path = fields.kind === "mesh" ? `mesh/${meshName}` : `mesh/${meshName}/${fields.kind}/${parentName ? `${parentName}/` : ""}${fields.name}`;
  return {
    meshName,
    parentName,
    arn: `arn:aws:appmesh:us-east-1:111122223333:${path}`,
    spec: { note: `spec of ${fields.name}` },
    status: "ACTIVE",
    version: 1,
    createdAt: 1_700_000_000_000,
    lastUpdatedAt: 1_700_000_000_000,
    meshOwner: "111122223333",
    resourceOwner: "111122223333",
    ...fields,
    uid,
  };
}

function change(scope: string, action: ChangeEntry["action"], kind: string, meshName: string, name: string): ChangeEntry {
  return { scope, action, kind, meshName, parentName: "", name, at: 1_700_000_000_000 };
}

/** Commits or fails the test: for setting up state. */
async function commitOk(store: Store, batch: WriteBatch): Promise<Record<string, number>> {
  const result = await store.commit(batch);
  if (!result.ok) throw new Error(`setup batch was stale: ${JSON.stringify(batch)}`);
  return result.revisions;
}

/** Awaits a commit that must reject with a StoreError of `kind`. */
async function expectStoreError(commit: Promise<unknown>, kind: StoreError["kind"]): Promise<void> {
  const error = await commit.then(
    () => new Error("the commit succeeded"),
    (failure: unknown) => failure,
  );
  expect(StoreError.is(error) ? error.kind : error).toBe(kind);
}

/** Creates mesh `name` the way the domain does: guarded on the account scope, bumping the mesh scope. */
async function createMesh(store: Store, name: string): Promise<NewResourceRow> {
  const row = makeResource({ kind: "mesh", name });
  const current = await store.getRevisions(["account", `mesh/${name}`]);
  await commitOk(store, {
    expect: [
      { scope: "account", revision: current.account! },
      { scope: `mesh/${name}`, revision: current[`mesh/${name}`]! },
    ],
    insert: [row],
    changes: [change(`mesh/${name}`, "create", "mesh", name, name)],
  });
  return row;
}

export function describeStoreContract(backend: string, openFresh: () => Promise<Store>): void {
  describe(`Store contract (${backend})`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await openFresh();
    });
    afterEach(async () => {
      await store.close();
    });

    describe("revisions and guards", () => {
      it("reports 0 for scopes never written and an empty object for no scopes", async () => {
        expect(await store.getRevisions(["account", "mesh/x"])).toEqual({ account: 0, "mesh/x": 0 });
        expect(await store.getRevisions([])).toEqual({});
      });

      it("bumps every expected scope by one and returns the new revisions", async () => {
        expect(await commitOk(store, { expect: [{ scope: "account", revision: 0 }, { scope: "mesh/a", revision: 0 }] })).toEqual({ account: 1, "mesh/a": 1 });
        expect(await commitOk(store, { expect: [{ scope: "account", revision: 1 }] })).toEqual({ account: 2 });
        expect(await store.getRevisions(["account", "mesh/a"])).toEqual({ account: 2, "mesh/a": 1 });
      });

      it("bumps unchecked scopes once each, even when also expected or listed twice", async () => {
        const revisions = await commitOk(store, { expect: [{ scope: "mesh/a", revision: 0 }], bump: ["endpoints", "endpoints", "mesh/a"] });
        expect(revisions).toEqual({ "mesh/a": 1, endpoints: 1 });
        await commitOk(store, { expect: [], bump: ["endpoints"] });
        expect(await store.getRevisions(["mesh/a", "endpoints"])).toEqual({ "mesh/a": 1, endpoints: 2 });
      });

      it("stamps a scope with its revision and the uid of one resource, and answers null without that resource", async () => {
        const meshKey = { kind: "mesh", meshName: "s", parentName: "", name: "s" };
        expect(await store.getScopeStamp("mesh/s", meshKey)).toBeNull();
        const mesh = makeResource({ kind: "mesh", name: "s" });
        await commitOk(store, { expect: [], insert: [mesh] });
        expect(await store.getScopeStamp("mesh/s", meshKey)).toEqual({ revision: 0, uid: mesh.uid });
        await commitOk(store, { expect: [], bump: ["mesh/s"] });
        await commitOk(store, { expect: [{ scope: "mesh/s", revision: 1 }] });
        expect(await store.getScopeStamp("mesh/s", meshKey)).toEqual({ revision: 2, uid: mesh.uid });
        await commitOk(store, { expect: [], delete: [mesh.uid] });
        expect(await store.getScopeStamp("mesh/s", meshKey)).toBeNull();
      });

      it("accepts an empty batch and writes nothing", async () => {
        expect(await store.commit({ expect: [] })).toEqual({ ok: true, revisions: {} });
        expect(await store.listChanges(0, 10)).toEqual([]);
      });

      it("rejects a batch whose expected revision moved and writes nothing of it", async () => {
        const mesh = await createMesh(store, "m");
        const before = await store.getRevisions(["account", "mesh/m"]);
        const node = makeResource({ kind: "virtualNode", name: "n" });
        const stale = await store.commit({
          expect: [{ scope: "mesh/m", revision: before["mesh/m"]! - 1 }],
          bump: ["endpoints"],
          insert: [node],
          update: [{ uid: mesh.uid, spec: { changed: true }, status: "ACTIVE", version: 2, lastUpdatedAt: 2 }],
          setTags: [{ uid: mesh.uid, tags: [{ key: "k", value: "v" }] }],
          setRefs: [{ uid: mesh.uid, meshName: "m", refs: [{ toKind: "virtualService", toName: "s" }] }],
          putEndpoints: [{ namespaceName: "ns", serviceName: "svc", instanceId: "i", address: "10.0.0.1", port: 80, attributes: {}, health: "HEALTHY", updatedAt: 1, serviceId: "srv-1", creatorRequestId: "", createdAt: 1 }],
          idempotency: { token: "t", requestHash: "h", response: {}, createdAt: 1 },
          changes: [change("mesh/m", "create", "virtualNode", "m", "n")],
        });
        expect(stale).toEqual({ ok: false, reason: "stale" });
        expect(await store.getRevisions(["account", "mesh/m", "endpoints"])).toEqual({ ...before, endpoints: 0 });
        expect(await store.getResource({ kind: "virtualNode", meshName: "m", parentName: "", name: "n" })).toBeNull();
        expect((await store.getResource({ kind: "mesh", meshName: "m", parentName: "", name: "m" }))?.version).toBe(1);
        expect(await store.getTags(mesh.uid)).toEqual([]);
        expect(await store.findReferrers("m", "virtualService", "s", 10)).toEqual([]);
        expect(await store.listEndpoints()).toEqual([]);
        expect(await store.getIdempotencyRecord("t")).toBeNull();
        expect((await store.listChanges(0, 10)).map((c) => c.name)).toEqual(["m"]);
      });

      it("rejects expecting 0 for a scope already written, and expecting a revision for a scope never written", async () => {
        await commitOk(store, { expect: [{ scope: "mesh/a", revision: 0 }] });
        expect(await store.commit({ expect: [{ scope: "mesh/a", revision: 0 }] })).toEqual({ ok: false, reason: "stale" });
        expect(await store.commit({ expect: [{ scope: "mesh/b", revision: 3 }] })).toEqual({ ok: false, reason: "stale" });
        expect(await store.getRevisions(["mesh/a", "mesh/b"])).toEqual({ "mesh/a": 1, "mesh/b": 0 });
      });

      it("rejects the whole batch when any one of several guards moved", async () => {
        await commitOk(store, { expect: [{ scope: "account", revision: 0 }, { scope: "mesh/a", revision: 0 }] });
        const result = await store.commit({
          expect: [{ scope: "account", revision: 1 }, { scope: "mesh/a", revision: 0 }],
          insert: [makeResource({ kind: "mesh", name: "a" })],
        });
        expect(result).toEqual({ ok: false, reason: "stale" });
        expect(await store.getRevisions(["account", "mesh/a"])).toEqual({ account: 1, "mesh/a": 1 });
        expect(await store.countResources({ kind: "mesh" })).toBe(0);
      });
    });

    describe("unique keys", () => {
      it("refuses a second resource with the same kind, mesh, parent and name as a constraint violation (no race can cause it), writing nothing", async () => {
        await createMesh(store, "m");
        const before = await store.getRevisions(["mesh/m"]);
        await commitOk(store, { expect: [{ scope: "mesh/m", revision: before["mesh/m"]! }], insert: [makeResource({ kind: "virtualNode", name: "n" })] });
        const after = await store.getRevisions(["mesh/m"]);
        // A batch guarded on another scope, so only the key can stop it: the mesh's guard catches every real race.
        await expectStoreError(
          store.commit({
            expect: [{ scope: "other", revision: 0 }],
            insert: [makeResource({ kind: "virtualNode", name: "n" })],
            changes: [change("other", "create", "virtualNode", "m", "n")],
          }),
          "constraint",
        );
        expect(await store.getRevisions(["mesh/m", "other"])).toEqual({ ...after, other: 0 });
        expect(await store.countResources({ kind: "virtualNode", meshName: "m" })).toBe(1);
        expect((await store.listChanges(0, 10)).map((c) => c.scope)).toEqual(["mesh/m"]);
      });

      it("allows the same name under another kind, parent or mesh", async () => {
        await commitOk(store, {
          expect: [],
          insert: [
            makeResource({ kind: "route", name: "x", parentName: "r1" }),
            makeResource({ kind: "route", name: "x", parentName: "r2" }),
            makeResource({ kind: "virtualRouter", name: "x" }),
            makeResource({ kind: "route", name: "x", parentName: "r1", meshName: "other" }),
          ],
        });
        expect(await store.countResources({})).toBe(4);
      });

      it("refuses a duplicate uid or ARN as a constraint violation", async () => {
        const first = makeResource({ kind: "virtualNode", name: "a" });
        await commitOk(store, { expect: [], insert: [first] });
        await expectStoreError(store.commit({ expect: [], insert: [makeResource({ kind: "virtualNode", name: "b", uid: first.uid })] }), "constraint");
        await expectStoreError(store.commit({ expect: [], insert: [makeResource({ kind: "virtualNode", name: "c", arn: first.arn })] }), "constraint");
        expect(await store.countResources({})).toBe(1);
      });

      it("reports an idempotency token already recorded as stale (tokens are account-wide, guards per mesh) and keeps the first record", async () => {
        await commitOk(store, { expect: [{ scope: "account", revision: 0 }], idempotency: { token: "tok", requestHash: "h1", response: { mesh: { meshName: "a" } }, createdAt: 5 } });
        const second = await store.commit({
          expect: [{ scope: "mesh/b", revision: 0 }],
          insert: [makeResource({ kind: "mesh", name: "b" })],
          idempotency: { token: "tok", requestHash: "h2", response: {}, createdAt: 6 },
        });
        expect(second).toEqual({ ok: false, reason: "stale" });
        expect(await store.getIdempotencyRecord("tok")).toEqual({ token: "tok", requestHash: "h1", response: { mesh: { meshName: "a" } }, createdAt: 5 });
        expect(await store.countResources({ kind: "mesh" })).toBe(0);
        expect(await store.getRevisions(["mesh/b"])).toEqual({ "mesh/b": 0 });
      });

      it("expires idempotency records created before a time, in the batch, so an expired token can be recorded again", async () => {
        await commitOk(store, { expect: [], idempotency: { token: "old", requestHash: "h1", response: { n: 1 }, createdAt: 100 } });
        await commitOk(store, { expect: [], idempotency: { token: "kept", requestHash: "h2", response: { n: 2 }, createdAt: 200 } });
        await commitOk(store, { expect: [], expireIdempotencyBefore: 150, idempotency: { token: "old", requestHash: "h3", response: { n: 3 }, createdAt: 300 } });
        expect(await store.getIdempotencyRecord("old")).toEqual({ token: "old", requestHash: "h3", response: { n: 3 }, createdAt: 300 });
        expect(await store.getIdempotencyRecord("kept")).toEqual({ token: "kept", requestHash: "h2", response: { n: 2 }, createdAt: 200 });
        // Without expiry reaching it, a live token still refuses a second record.
        expect(await store.commit({ expect: [], expireIdempotencyBefore: 150, idempotency: { token: "kept", requestHash: "h4", response: {}, createdAt: 400 } })).toEqual({ ok: false, reason: "stale" });
      });

      it("returns null for an unknown idempotency token", async () => {
        expect(await store.getIdempotencyRecord("nope")).toBeNull();
      });
    });

    describe("resources", () => {
      it("reads a row back by key and by ARN with every field as written, spec JSON included", async () => {
        const spec = { listeners: [{ portMapping: { port: 8080, protocol: "http" } }], nested: { empty: [], n: 1.5, t: true, z: null }, text: "ünïcødé ✓" };
        const row = makeResource({ kind: "virtualNode", name: "n", spec, version: 3, createdAt: 1_763_000_000_123, lastUpdatedAt: 1_763_000_000_456 });
        await commitOk(store, { expect: [], insert: [row] });
        const read = await store.getResource({ kind: "virtualNode", meshName: "m", parentName: "", name: "n" });
        expect(read).toEqual({ ...row, seq: expect.any(Number) });
        expect(await store.getResourceByArn(row.arn)).toEqual(read);
        expect(await store.getResourceByArn(`${row.arn}-missing`)).toBeNull();
        expect(await store.getResource({ kind: "virtualNode", meshName: "m", parentName: "", name: "other" })).toBeNull();
      });

      it("updates only spec, status, version and lastUpdatedAt", async () => {
        const row = makeResource({ kind: "virtualNode", name: "n" });
        await commitOk(store, { expect: [], insert: [row] });
        const before = (await store.getResourceByArn(row.arn))!;
        await commitOk(store, { expect: [], update: [{ uid: row.uid, spec: { v: 2 }, status: "INACTIVE", version: 2, lastUpdatedAt: 1_800_000_000_000 }] });
        expect(await store.getResourceByArn(row.arn)).toEqual({ ...before, spec: { v: 2 }, status: "INACTIVE", version: 2, lastUpdatedAt: 1_800_000_000_000 });
      });

      it("assigns increasing seq in batch order and lists by seq with a cursor and a limit", async () => {
        const names = ["e", "d", "c", "b", "a"];
        for (const name of names.slice(0, 2)) await commitOk(store, { expect: [], insert: [makeResource({ kind: "virtualNode", name })] });
        await commitOk(store, { expect: [], insert: names.slice(2).map((name) => makeResource({ kind: "virtualNode", name })) });
        await commitOk(store, { expect: [], insert: [makeResource({ kind: "virtualService", name: "s" }), makeResource({ kind: "virtualNode", name: "x", meshName: "other" })] });

        const all = await store.listResources({ kind: "virtualNode", meshName: "m", afterSeq: 0, limit: 100 });
        expect(all.map((r) => r.name)).toEqual(names);
        const seqs = all.map((r) => r.seq);
        expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
        expect(new Set(seqs).size).toBe(seqs.length);

        const page1 = await store.listResources({ kind: "virtualNode", meshName: "m", afterSeq: 0, limit: 2 });
        const page2 = await store.listResources({ kind: "virtualNode", meshName: "m", afterSeq: page1[1]!.seq, limit: 2 });
        const page3 = await store.listResources({ kind: "virtualNode", meshName: "m", afterSeq: page2[1]!.seq, limit: 2 });
        expect([page1, page2, page3].map((p) => p.map((r) => r.name))).toEqual([["e", "d"], ["c", "b"], ["a"]]);
        expect(await store.listResources({ kind: "virtualNode", meshName: "m", afterSeq: page3[0]!.seq, limit: 2 })).toEqual([]);
        expect((await store.listResources({ kind: "virtualNode", afterSeq: 0, limit: 100 })).map((r) => r.name)).toEqual([...names, "x"]);
      });

      it("keeps a cursor valid when rows before or at it are deleted between pages", async () => {
        const rows = ["a", "b", "c", "d"].map((name) => makeResource({ kind: "virtualNode", name }));
        await commitOk(store, { expect: [], insert: rows });
        const page1 = await store.listResources({ kind: "virtualNode", meshName: "m", afterSeq: 0, limit: 2 });
        await commitOk(store, { expect: [], delete: [rows[0]!.uid, rows[1]!.uid] });
        await commitOk(store, { expect: [], insert: [makeResource({ kind: "virtualNode", name: "e" })] });
        const page2 = await store.listResources({ kind: "virtualNode", meshName: "m", afterSeq: page1[1]!.seq, limit: 10 });
        expect(page2.map((r) => r.name)).toEqual(["c", "d", "e"]);
      });

      it("pages the references of one collection (meshes, a kind in a mesh, a kind under one parent) after a cursor, in seq order, without specs", async () => {
        await createMesh(store, "m");
        await createMesh(store, "n");
        await commitOk(store, {
          expect: [],
          insert: [
            makeResource({ kind: "virtualNode", name: "a" }),
            makeResource({ kind: "route", name: "r1", parentName: "vr1" }),
            makeResource({ kind: "virtualNode", name: "b" }),
            makeResource({ kind: "virtualNode", name: "other", meshName: "n" }),
            makeResource({ kind: "route", name: "r2", parentName: "vr2" }),
            makeResource({ kind: "virtualNode", name: "c", version: 3 }),
            makeResource({ kind: "route", name: "r3", parentName: "vr1" }),
          ],
        });
        const page1 = await store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: 0, limit: 2 });
        expect(page1.map((r) => r.name)).toEqual(["a", "b"]);
        const page2 = await store.listResourceRefs({ kind: "virtualNode", meshName: "m", parentName: "", afterSeq: page1[1]!.seq, limit: 2 });
        expect(page2).toEqual([
          {
            kind: "virtualNode",
            meshName: "m",
            parentName: "",
            name: "c",
            seq: page2[0]!.seq,
            arn: "arn:aws:appmesh:us-east-1:111122223333:mesh/m/virtualNode/c",
            version: 3,
            createdAt: 1_700_000_000_000,
            lastUpdatedAt: 1_700_000_000_000,
            meshOwner: "111122223333",
            resourceOwner: "111122223333",
          },
        ]);
        expect(page2[0]!.seq).toBeGreaterThan(page1[1]!.seq);
        expect((await store.listResourceRefs({ kind: "route", meshName: "m", parentName: "vr1", afterSeq: 0, limit: 10 })).map((r) => r.name)).toEqual(["r1", "r3"]);
        expect((await store.listResourceRefs({ kind: "mesh", parentName: "", afterSeq: 0, limit: 10 })).map((r) => r.name)).toEqual(["m", "n"]);
        const meshes = await store.listResourceRefs({ kind: "mesh", parentName: "", afterSeq: 0, limit: 1 });
        expect((await store.listResourceRefs({ kind: "mesh", parentName: "", afterSeq: meshes[0]!.seq, limit: 10 })).map((r) => r.name)).toEqual(["n"]);
      });

      it("filters lists and counts by parent", async () => {
        await commitOk(store, {
          expect: [],
          insert: [
            makeResource({ kind: "route", name: "r1", parentName: "vr1" }),
            makeResource({ kind: "route", name: "r2", parentName: "vr1" }),
            makeResource({ kind: "route", name: "r3", parentName: "vr2" }),
          ],
        });
        const underVr1 = await store.listResources({ kind: "route", meshName: "m", parentName: "vr1", afterSeq: 0, limit: 10 });
        expect(underVr1.map((r) => r.name)).toEqual(["r1", "r2"]);
        expect(await store.countResources({ kind: "route", meshName: "m", parentName: "vr1" })).toBe(2);
        expect(await store.countResources({ kind: "route", meshName: "m", parentName: "vr2" })).toBe(1);
        expect(await store.countResources({ kind: "route", meshName: "m", parentName: "none" })).toBe(0);
      });

      it("counts by kind, by mesh, meshes across the store, and everything", async () => {
        await createMesh(store, "m");
        await createMesh(store, "n");
        await commitOk(store, {
          expect: [],
          insert: [makeResource({ kind: "virtualNode", name: "a" }), makeResource({ kind: "virtualNode", name: "b" }), makeResource({ kind: "virtualService", name: "s" }), makeResource({ kind: "virtualNode", name: "a", meshName: "n" })],
        });
        expect(await store.countResources({ kind: "mesh" })).toBe(2);
        expect(await store.countResources({ kind: "virtualNode", meshName: "m" })).toBe(2);
        expect(await store.countResources({ meshName: "m" })).toBe(4);
        expect(await store.countResources({ kind: "virtualNode" })).toBe(3);
        expect(await store.countResources({})).toBe(6);
        expect(await store.countResources({ meshName: "empty" })).toBe(0);
      });
    });

    describe("tags", () => {
      it("keeps tags in the order given and replaces the whole list", async () => {
        const row = makeResource({ kind: "mesh", name: "m" });
        await commitOk(store, { expect: [], insert: [row], setTags: [{ uid: row.uid, tags: [{ key: "z", value: "1" }, { key: "a", value: "2" }, { key: "m", value: "" }] }] });
        expect(await store.getTags(row.uid)).toEqual([{ key: "z", value: "1" }, { key: "a", value: "2" }, { key: "m", value: "" }]);
        await commitOk(store, { expect: [], setTags: [{ uid: row.uid, tags: [{ key: "b", value: "3" }, { key: "z", value: "9" }] }] });
        expect(await store.getTags(row.uid)).toEqual([{ key: "b", value: "3" }, { key: "z", value: "9" }]);
        await commitOk(store, { expect: [], setTags: [{ uid: row.uid, tags: [] }] });
        expect(await store.getTags(row.uid)).toEqual([]);
      });

      it("refuses a tag list with a repeated key as a constraint violation and keeps the old list", async () => {
        const row = makeResource({ kind: "mesh", name: "m" });
        await commitOk(store, { expect: [], insert: [row], setTags: [{ uid: row.uid, tags: [{ key: "a", value: "1" }] }] });
        await expectStoreError(store.commit({ expect: [], setTags: [{ uid: row.uid, tags: [{ key: "k", value: "1" }, { key: "k", value: "2" }] }] }), "constraint");
        expect(await store.getTags(row.uid)).toEqual([{ key: "a", value: "1" }]);
      });
    });

    describe("references", () => {
      it("finds the referrers of a resource in seq order, up to the limit, only in its mesh", async () => {
        const [r1, r2, r3, other] = [
          makeResource({ kind: "route", name: "r1", parentName: "vr" }),
          makeResource({ kind: "virtualService", name: "s1" }),
          makeResource({ kind: "gatewayRoute", name: "g", parentName: "gw" }),
          makeResource({ kind: "virtualService", name: "s1", meshName: "o" }),
        ];
        await commitOk(store, {
          expect: [],
          insert: [r1!, r2!, r3!, other!],
          setRefs: [
            { uid: r1!.uid, meshName: "m", refs: [{ toKind: "virtualNode", toName: "n" }, { toKind: "virtualNode", toName: "n2" }] },
            { uid: r2!.uid, meshName: "m", refs: [{ toKind: "virtualNode", toName: "n" }] },
            { uid: r3!.uid, meshName: "m", refs: [{ toKind: "virtualNode", toName: "n" }, { toKind: "virtualNode", toName: "n" }] },
            { uid: other!.uid, meshName: "o", refs: [{ toKind: "virtualNode", toName: "n" }] },
          ],
        });
        expect(await store.findReferrers("m", "virtualNode", "n", 10)).toEqual([
          { kind: "route", meshName: "m", parentName: "vr", name: "r1" },
          { kind: "virtualService", meshName: "m", parentName: "", name: "s1" },
          { kind: "gatewayRoute", meshName: "m", parentName: "gw", name: "g" },
        ]);
        expect(await store.findReferrers("m", "virtualNode", "n", 2)).toHaveLength(2);
        expect(await store.findReferrers("m", "virtualRouter", "n", 10)).toEqual([]);
        expect(await store.findReferrers("o", "virtualNode", "n", 10)).toEqual([{ kind: "virtualService", meshName: "o", parentName: "", name: "s1" }]);
      });

      it("replaces the outgoing references of a resource", async () => {
        const row = makeResource({ kind: "virtualService", name: "s" });
        await commitOk(store, { expect: [], insert: [row], setRefs: [{ uid: row.uid, meshName: "m", refs: [{ toKind: "virtualNode", toName: "a" }] }] });
        await commitOk(store, { expect: [], setRefs: [{ uid: row.uid, meshName: "m", refs: [{ toKind: "virtualRouter", toName: "b" }] }] });
        expect(await store.findReferrers("m", "virtualNode", "a", 10)).toEqual([]);
        expect(await store.findReferrers("m", "virtualRouter", "b", 10)).toHaveLength(1);
        await commitOk(store, { expect: [], setRefs: [{ uid: row.uid, meshName: "m", refs: [] }] });
        expect(await store.findReferrers("m", "virtualRouter", "b", 10)).toEqual([]);
      });
    });

    describe("delete", () => {
      it("removes the row with its tags and outgoing references, leaving references to it", async () => {
        const service = makeResource({ kind: "virtualService", name: "s" });
        const route = makeResource({ kind: "route", name: "r", parentName: "vr" });
        await commitOk(store, {
          expect: [],
          insert: [service, route],
          setTags: [{ uid: service.uid, tags: [{ key: "team", value: "a" }] }],
          setRefs: [
            { uid: service.uid, meshName: "m", refs: [{ toKind: "virtualNode", toName: "n" }] },
            { uid: route.uid, meshName: "m", refs: [{ toKind: "virtualService", toName: "s" }] },
          ],
        });
        await commitOk(store, { expect: [], delete: [service.uid] });
        expect(await store.getResourceByArn(service.arn)).toBeNull();
        expect(await store.getTags(service.uid)).toEqual([]);
        expect(await store.findReferrers("m", "virtualNode", "n", 10)).toEqual([]);
        expect(await store.findReferrers("m", "virtualService", "s", 10)).toEqual([{ kind: "route", meshName: "m", parentName: "vr", name: "r" }]);
      });

      it("lets a batch delete a resource and insert one with the same key", async () => {
        const first = makeResource({ kind: "virtualNode", name: "n" });
        await commitOk(store, { expect: [], insert: [first] });
        const second = makeResource({ kind: "virtualNode", name: "n", arn: `${first.arn}-2` });
        await commitOk(store, { expect: [], delete: [first.uid], insert: [second] });
        expect((await store.getResource({ kind: "virtualNode", meshName: "m", parentName: "", name: "n" }))?.uid).toBe(second.uid);
      });
    });

    describe("readMesh", () => {
      it("returns every row of the mesh in seq order with the mesh revision", async () => {
        await createMesh(store, "m");
        await createMesh(store, "other");
        const rev = (await store.getRevisions(["mesh/m"]))["mesh/m"]!;
        const written = await commitOk(store, {
          expect: [{ scope: "mesh/m", revision: rev }],
          insert: [makeResource({ kind: "virtualNode", name: "n" }), makeResource({ kind: "virtualNode", name: "n", meshName: "other" })],
        });
        const read = await store.readMesh("m");
        expect(read.revision).toBe(written["mesh/m"]);
        expect(read.rows.map((r) => [r.kind, r.name])).toEqual([["mesh", "m"], ["virtualNode", "n"]]);
      });

      it("returns no rows for an unknown mesh", async () => {
        expect(await store.readMesh("nope")).toEqual({ revision: 0, rows: [] });
      });

      it("never returns rows of another revision than the one it reports while writes go on", async () => {
        await createMesh(store, "m");
        const writes = (async () => {
          for (let i = 0; i < 20; i++) {
            const rev = (await store.getRevisions(["mesh/m"]))["mesh/m"]!;
            await commitOk(store, { expect: [{ scope: "mesh/m", revision: rev }], insert: [makeResource({ kind: "virtualNode", name: `n${i}` })] });
          }
        })();
        const reads: Array<{ revision: number; count: number }> = [];
        for (let i = 0; i < 20; i++) {
          const { revision, rows } = await store.readMesh("m");
          reads.push({ revision, count: rows.length });
        }
        await writes;
        // createMesh wrote revision 1 with one row; each later write adds exactly one row and one revision.
        for (const read of reads) expect(read.count).toBe(read.revision);
      });
    });

    describe("endpoints", () => {
      const endpoint = (instanceId: string, fields: Partial<{ namespaceName: string; serviceName: string; port: number }> = {}) => ({
        namespaceName: "ns",
        serviceName: "svc",
        instanceId,
        address: "10.0.0.1",
        port: 8080,
        attributes: { AWS_INSTANCE_IPV4: "10.0.0.1", zone: "a" },
        health: "HEALTHY",
        updatedAt: 1_700_000_000_000,
        serviceId: `srv-${fields.namespaceName ?? "ns"}-${fields.serviceName ?? "svc"}`,
        creatorRequestId: "",
        createdAt: 1_700_000_000_000,
        ...fields,
      });

      it("upserts, deletes and filters endpoints, listed by namespace, service and instance in byte order", async () => {
        await commitOk(store, {
          expect: [],
          bump: ["endpoints"],
          putEndpoints: [endpoint("b"), endpoint("a"), endpoint("B"), endpoint("x", { serviceName: "other" }), endpoint("y", { namespaceName: "ns2" })],
        });
        expect((await store.listEndpoints()).map((e) => `${e.namespaceName}/${e.serviceName}/${e.instanceId}`)).toEqual([
          "ns/other/x",
          "ns/svc/B",
          "ns/svc/a",
          "ns/svc/b",
          "ns2/svc/y",
        ]);
        expect((await store.listEndpoints({ namespaceName: "ns", serviceName: "svc" })).map((e) => e.instanceId)).toEqual(["B", "a", "b"]);
        expect((await store.listEndpoints({ namespaceName: "ns2" })).map((e) => e.instanceId)).toEqual(["y"]);

        await commitOk(store, { expect: [], putEndpoints: [{ ...endpoint("a"), address: "10.0.0.2", port: 9090, attributes: { k: "v" }, health: "UNHEALTHY", updatedAt: 2 }, endpoint("a", { port: 7070 })] });
        const [a] = await store.listEndpoints({ namespaceName: "ns", serviceName: "svc" }).then((list) => list.filter((e) => e.instanceId === "a"));
        expect(a).toEqual(endpoint("a", { port: 7070 }));

        await commitOk(store, { expect: [], deleteEndpoints: [{ namespaceName: "ns", serviceName: "svc", instanceId: "b" }, { namespaceName: "ns", serviceName: "svc", instanceId: "missing" }] });
        expect((await store.listEndpoints({ serviceName: "svc" })).map((e) => e.instanceId)).toEqual(["B", "a", "y"]);
        expect(await store.getRevisions(["endpoints"])).toEqual({ endpoints: 1 });
      });

      it("lists one service's instances by id in pages after a cursor, and counts them", async () => {
        await commitOk(store, { expect: [], putEndpoints: ["c", "a", "B", "b"].map((id) => endpoint(id)).concat(endpoint("z", { serviceName: "other" })) });
        const page = (afterInstanceId?: string) =>
          store.listEndpoints({ serviceId: "srv-ns-svc", limit: 2, ...(afterInstanceId !== undefined ? { afterInstanceId } : {}) }).then((rows) => rows.map((e) => e.instanceId));
        expect(await page()).toEqual(["B", "a"]);
        expect(await page("a")).toEqual(["b", "c"]);
        expect(await page("c")).toEqual([]);
        expect(await store.countEndpoints("srv-ns-svc")).toBe(4);
        expect(await store.countEndpoints("srv-none")).toBe(0);
      });
    });

    describe("AWS stand-in resources", () => {
      const row = (id: string, fields: Partial<NewAwsResourceRow> = {}): NewAwsResourceRow => ({
        service: "servicediscovery",
        kind: "namespace",
        id,
        parentId: "",
        name: `name-${id}`,
        data: { Type: "HTTP", nested: { list: [1, 2] } },
        createdAt: 1_000,
        updatedAt: 1_000,
        ...fields,
      });

      it("inserts, replaces in place (keeping seq and creation time), finds by id and name, lists, counts and deletes", async () => {
        await commitOk(store, { expect: [], putAwsResources: [row("ns-1"), row("ns-2"), row("srv-1", { kind: "service", parentId: "ns-1", name: "web" })] });
        const first = await store.getAwsResource({ service: "servicediscovery", kind: "namespace", id: "ns-1" });
        expect(first).toMatchObject({ id: "ns-1", name: "name-ns-1", data: { Type: "HTTP", nested: { list: [1, 2] } }, createdAt: 1_000 });
        expect((await store.findAwsResourceByName({ service: "servicediscovery", kind: "service", parentId: "ns-1", name: "web" }))?.id).toBe("srv-1");
        expect(await store.findAwsResourceByName({ service: "servicediscovery", kind: "service", parentId: "ns-2", name: "web" })).toBeNull();

        await commitOk(store, { expect: [], putAwsResources: [row("ns-1", { data: { Type: "HTTP", Description: "new" }, createdAt: 5_000, updatedAt: 6_000 })] });
        const replaced = await store.getAwsResource({ service: "servicediscovery", kind: "namespace", id: "ns-1" });
        expect(replaced).toMatchObject({ seq: first!.seq, createdAt: 1_000, updatedAt: 6_000, data: { Type: "HTTP", Description: "new" } });

        const list = (afterSeq: number) => store.listAwsResources({ service: "servicediscovery", kind: "namespace", afterSeq, limit: 1 }).then((rows) => rows.map((r) => r.id));
        expect(await list(0)).toEqual(["ns-1"]);
        expect(await list(first!.seq)).toEqual(["ns-2"]);
        expect(await store.countAwsResources({ service: "servicediscovery", kind: "service", parentId: "ns-1" })).toBe(1);
        expect(await store.countAwsResources({ service: "servicediscovery", kind: "namespace" })).toBe(2);

        await commitOk(store, { expect: [], deleteAwsResources: [{ service: "servicediscovery", kind: "namespace", id: "ns-2" }] });
        expect(await store.getAwsResource({ service: "servicediscovery", kind: "namespace", id: "ns-2" })).toBeNull();
      });

      it("refuses a second row with a taken name of the same kind and parent as a constraint violation (names are guarded by their parent's scope), writing nothing of its batch", async () => {
        await commitOk(store, { expect: [], putAwsResources: [row("ns-1", { name: "apps.local" })] });
        await expectStoreError(store.commit({ expect: [], bump: ["servicediscovery"], putAwsResources: [row("ns-9", { name: "other" }), row("ns-2", { name: "apps.local" })] }), "constraint");
        expect(await store.getAwsResource({ service: "servicediscovery", kind: "namespace", id: "ns-9" })).toBeNull();
        expect(await store.getRevisions(["servicediscovery"])).toEqual({ servicediscovery: 0 });
        // Unnamed rows (certificates) never collide on the name.
        await commitOk(store, { expect: [], putAwsResources: [row("c-1", { service: "acm", kind: "certificate", name: "" }), row("c-2", { service: "acm", kind: "certificate", name: "" })] });
        expect(await store.countAwsResources({ service: "acm", kind: "certificate" })).toBe(2);
      });

      it("expires the rows of one kind last updated before a time, and no others", async () => {
        await commitOk(store, {
          expect: [],
          putAwsResources: [row("op-old", { kind: "operation", name: "", updatedAt: 100 }), row("op-new", { kind: "operation", name: "", updatedAt: 900 }), row("ns-old", { updatedAt: 100 })],
        });
        await commitOk(store, { expect: [], expireAwsResources: { service: "servicediscovery", kind: "operation", before: 500 } });
        expect((await store.listAwsResources({ service: "servicediscovery", kind: "operation", afterSeq: 0, limit: 10 })).map((r) => r.id)).toEqual(["op-new"]);
        expect(await store.getAwsResource({ service: "servicediscovery", kind: "namespace", id: "ns-old" })).not.toBeNull();
      });
    });

    describe("change log", () => {
      it("records each change with the revision its scope reached in the same batch, oldest first", async () => {
        await createMesh(store, "m");
        const rev = (await store.getRevisions(["mesh/m"]))["mesh/m"]!;
        await commitOk(store, {
          expect: [{ scope: "mesh/m", revision: rev }],
          bump: ["endpoints"],
          insert: [makeResource({ kind: "virtualNode", name: "a" }), makeResource({ kind: "virtualNode", name: "b" })],
          changes: [change("mesh/m", "create", "virtualNode", "m", "a"), change("mesh/m", "create", "virtualNode", "m", "b"), change("endpoints", "update", "endpoint", "", "i")],
        });
        await commitOk(store, { expect: [{ scope: "mesh/m", revision: rev + 1 }], changes: [{ ...change("mesh/m", "tag", "virtualNode", "m", "a"), parentName: "p", at: 42 }] });
        const log = await store.listChanges(0, 100);
        expect(log.map(({ seq: _seq, ...rest }) => rest)).toEqual([
          { ...change("mesh/m", "create", "mesh", "m", "m"), revision: 1 },
          { ...change("mesh/m", "create", "virtualNode", "m", "a"), revision: 2 },
          { ...change("mesh/m", "create", "virtualNode", "m", "b"), revision: 2 },
          { ...change("endpoints", "update", "endpoint", "", "i"), revision: 1 },
          { ...change("mesh/m", "tag", "virtualNode", "m", "a"), parentName: "p", at: 42, revision: 3 },
        ]);
        const seqs = log.map((c) => c.seq);
        expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
        expect(await store.listChanges(seqs[1]!, 2)).toEqual(log.slice(2, 4));
        expect(await store.listChanges(seqs[4]!, 10)).toEqual([]);
      });

      it("finds the log's end: 0 when empty, then the newest seq", async () => {
        expect(await store.changeLogEnd()).toBe(0);
        await createMesh(store, "m");
        await createMesh(store, "n");
        const log = await store.listChanges(0, 10);
        expect(await store.changeLogEnd()).toBe(log[log.length - 1]!.seq);
      });

      it("prunes entries older than the cut-off up to the slowest live follower, never the newest, and forgets followers that stopped reporting", async () => {
        for (let i = 0; i < 6; i++) await commitOk(store, { expect: [], bump: ["s"], changes: [{ ...change("s", "update", "virtualNode", "m", `n${i}`), at: 100 + i }] });
        const seqs = (await store.listChanges(0, 10)).map((c) => c.seq);
        await store.reportFollower("lagging", seqs[1]!, 1000);
        await store.reportFollower("gone", seqs[0]!, 10);
        await store.reportFollower("caught-up", seqs[5]!, 1000);
        // "gone" reported before followersAliveSince: forgotten, so it holds nothing back.
        expect((await store.pruneChangeLog({ before: 1_000_000, followersAliveSince: 500, limit: 100 })).deleted).toBe(2);
        expect((await store.listChanges(0, 10)).map((c) => c.seq)).toEqual(seqs.slice(2));
        await store.reportFollower("lagging", seqs[5]!, 2000);
        // Only entries before the cut-off (at < 104) go, and the limit bounds one call.
        expect((await store.pruneChangeLog({ before: 104, followersAliveSince: 500, limit: 1 })).deleted).toBe(1);
        expect((await store.pruneChangeLog({ before: 104, followersAliveSince: 500, limit: 100 })).deleted).toBe(1);
        expect((await store.listChanges(0, 10)).map((c) => c.seq)).toEqual(seqs.slice(4));
        await store.removeFollower("lagging");
        await store.removeFollower("caught-up");
        // Without followers everything old may go but the newest entry, which marks the log's end.
        expect((await store.pruneChangeLog({ before: 1_000_000, followersAliveSince: 0, limit: 100 })).deleted).toBe(1);
        expect((await store.listChanges(0, 10)).map((c) => c.seq)).toEqual([seqs[5]]);
        expect(await store.changeLogEnd()).toBe(seqs[5]);
      });

      it("prunes one window of the oldest entries after afterSeq, and says where it ended while more may follow", async () => {
        // Three entries stamped ahead of the clock (it stepped back since), then three older ones, then the newest.
        const stamps = [5000, 5000, 5000, 100, 100, 100, 100];
        for (const [i, at] of stamps.entries()) await commitOk(store, { expect: [], bump: ["s"], changes: [{ ...change("s", "update", "virtualNode", "m", `n${i}`), at }] });
        const seqs = (await store.listChanges(0, 10)).map((c) => c.seq);
        const rule = { before: 500, followersAliveSince: 0, limit: 2 };
        expect(await store.pruneChangeLog(rule)).toEqual({ deleted: 0, scannedThrough: seqs[1] });
        expect(await store.pruneChangeLog({ ...rule, afterSeq: seqs[1] })).toEqual({ deleted: 1, scannedThrough: seqs[3] });
        expect(await store.pruneChangeLog({ ...rule, afterSeq: seqs[3] })).toEqual({ deleted: 2, scannedThrough: seqs[5] });
        // The newest entry is never a candidate, so the next window is empty: the end.
        expect(await store.pruneChangeLog({ ...rule, afterSeq: seqs[5] })).toEqual({ deleted: 0, scannedThrough: null });
        expect((await store.listChanges(0, 10)).map((c) => c.seq)).toEqual([seqs[0], seqs[1], seqs[2], seqs[6]]);
      });

      it("records only the change fields when given a richer object, such as a change spread from a whole row", async () => {
        const row = makeResource({ kind: "virtualNode", name: "n" });
        await commitOk(store, { expect: [], insert: [row] });
        const stored = (await store.getResourceByArn(row.arn))!;
        const entry = { ...stored, scope: "mesh/m", action: "tag" as const, at: 7 };
        await commitOk(store, { expect: [{ scope: "mesh/m", revision: 0 }], changes: [entry] });
        const [logged] = await store.listChanges(0, 10);
        expect(logged).toEqual({ seq: expect.any(Number), scope: "mesh/m", revision: 1, action: "tag", kind: "virtualNode", meshName: "m", parentName: "", name: "n", at: 7 });
      });
    });

    describe("audit log and access keys", () => {
      const entry = (fields: Partial<AuditEntry>): AuditEntry => ({
        at: 1000,
        requestId: "r",
        principal: "alice",
        credential: "AKID1",
        sourceAddress: "127.0.0.1",
        action: "appmesh:CreateMesh",
        resource: "arn:aws:appmesh:us-east-1:111122223333:mesh/m",
        outcome: "allowed",
        errorCode: "",
        ...fields,
      });

      it("appends audit entries in order and filters them by principal, action, resource prefix, outcome and time", async () => {
        await store.appendAudit([entry({ requestId: "1" }), entry({ requestId: "2", principal: "bob", at: 2000 })]);
        await store.appendAudit([entry({ requestId: "3", action: "appmesh:DeleteMesh", resource: "arn:aws:appmesh:us-east-1:111122223333:mesh/other", outcome: "denied", errorCode: "ForbiddenException", at: 3000 })]);
        const all = await store.listAudit({ afterSeq: 0, limit: 10 });
        expect(all.map((e) => e.requestId)).toEqual(["1", "2", "3"]);
        expect(all[2]).toEqual({ ...entry({ requestId: "3", action: "appmesh:DeleteMesh", resource: "arn:aws:appmesh:us-east-1:111122223333:mesh/other", outcome: "denied", errorCode: "ForbiddenException", at: 3000 }), seq: expect.any(Number) });
        expect((await store.listAudit({ afterSeq: 0, limit: 10, principal: "bob" })).map((e) => e.requestId)).toEqual(["2"]);
        expect((await store.listAudit({ afterSeq: 0, limit: 10, action: "appmesh:DeleteMesh" })).map((e) => e.requestId)).toEqual(["3"]);
        expect((await store.listAudit({ afterSeq: 0, limit: 10, resource: "arn:aws:appmesh:us-east-1:111122223333:mesh/o*" })).map((e) => e.requestId)).toEqual(["3"]);
        expect((await store.listAudit({ afterSeq: 0, limit: 10, resource: "arn:aws:appmesh:us-east-1:111122223333:mesh/m" })).map((e) => e.requestId)).toEqual(["1", "2"]);
        expect((await store.listAudit({ afterSeq: 0, limit: 10, outcome: "denied" })).map((e) => e.requestId)).toEqual(["3"]);
        expect((await store.listAudit({ afterSeq: 0, limit: 10, since: 2000, until: 2999 })).map((e) => e.requestId)).toEqual(["2"]);
        expect((await store.listAudit({ afterSeq: all[0]!.seq, limit: 1 })).map((e) => e.requestId)).toEqual(["2"]);
      });

      it("commits a batch's audit entries with its change, and neither when the batch is stale or breaks a constraint", async () => {
        const row = makeResource({ kind: "virtualNode", name: "a" });
        await commitOk(store, { expect: [{ scope: "mesh/m", revision: 0 }], insert: [row], changes: [change("mesh/m", "create", "virtualNode", "m", "a")], audit: [entry({ requestId: "ok", action: "appmesh:CreateVirtualNode" })] });
        expect(await store.commit({ expect: [{ scope: "mesh/m", revision: 0 }], changes: [change("mesh/m", "update", "virtualNode", "m", "a")], audit: [entry({ requestId: "stale" })] })).toEqual({ ok: false, reason: "stale" });
        await expectStoreError(store.commit({ expect: [{ scope: "mesh/m", revision: 1 }], insert: [makeResource({ kind: "virtualNode", name: "a" })], audit: [entry({ requestId: "broken" })] }), "constraint");
        const audit = await store.listAudit({ afterSeq: 0, limit: 10 });
        expect(audit.map((e) => [e.requestId, e.action])).toEqual([["ok", "appmesh:CreateVirtualNode"]]);
        expect(await store.getRevisions(["mesh/m"])).toEqual({ "mesh/m": 1 });
      });

      it("prunes audit entries by age and by count, oldest first, within the limit", async () => {
        await store.appendAudit(Array.from({ length: 8 }, (_, i) => entry({ requestId: String(i), at: 100 * (i + 1) })));
        expect((await store.pruneAudit({ before: 250, limit: 100 })).deleted).toBe(2);
        expect((await store.pruneAudit({ keep: 4, limit: 1 })).deleted).toBe(1);
        expect((await store.pruneAudit({ keep: 4, limit: 100 })).deleted).toBe(1);
        expect((await store.listAudit({ afterSeq: 0, limit: 10 })).map((e) => e.requestId)).toEqual(["4", "5", "6", "7"]);
        expect((await store.pruneAudit({ keep: 10, limit: 100 })).deleted).toBe(0);
        expect((await store.pruneAudit({ before: 650, keep: 3, limit: 100 })).deleted).toBe(2);
        expect((await store.listAudit({ afterSeq: 0, limit: 10 })).map((e) => e.requestId)).toEqual(["6", "7"]);
      });

      it("prunes audit entries window by window after afterSeq, past entries stamped ahead of the clock", async () => {
        await store.appendAudit([5000, 5000, 100, 100, 100].map((at, i) => entry({ requestId: String(i), at })));
        const seqs = (await store.listAudit({ afterSeq: 0, limit: 10 })).map((e) => e.seq);
        expect(await store.pruneAudit({ before: 500, limit: 2 })).toEqual({ deleted: 0, scannedThrough: seqs[1] });
        expect(await store.pruneAudit({ before: 500, limit: 2, afterSeq: seqs[1] })).toEqual({ deleted: 2, scannedThrough: seqs[3] });
        expect(await store.pruneAudit({ before: 500, limit: 2, afterSeq: seqs[3] })).toEqual({ deleted: 1, scannedThrough: null });
        expect((await store.listAudit({ afterSeq: 0, limit: 10 })).map((e) => e.requestId)).toEqual(["0", "1"]);
      });

      it("stores, replaces, lists and deletes admin-issued access keys", async () => {
        const row: AccessKeyRow = { accessKeyId: "MPAK1", principal: "ci", sealedSecret: "sealed:v1:x", policies: ["AWSAppMeshReadOnly"], admin: false, createdAt: 5 };
        await store.putAccessKey(row);
        await store.putAccessKey({ ...row, accessKeyId: "MPAK0", admin: true, policies: [{ Version: "2012-10-17", Statement: [] }] });
        await store.putAccessKey({ ...row, principal: "ci2" });
        expect(await store.listAccessKeys()).toEqual([
          { ...row, accessKeyId: "MPAK0", admin: true, policies: [{ Version: "2012-10-17", Statement: [] }] },
          { ...row, principal: "ci2" },
        ]);
        expect(await store.deleteAccessKey("MPAK0")).toBe(true);
        expect(await store.deleteAccessKey("MPAK0")).toBe(false);
        expect((await store.listAccessKeys()).map((k) => k.accessKeyId)).toEqual(["MPAK1"]);
      });
    });
  });
}
