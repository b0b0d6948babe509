import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreError } from "../../db/store-errors.js";
import { migratePostgres } from "../../db/postgres/migrate.js";
import { openPostgresStore, type PostgresStore } from "../../db/postgres/store.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { describeStoreContract, makeResource } from "./store.contract.js";

let pg: TestPostgres;
let n = 0;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

describeStoreContract("PostgreSQL", async () => openPostgresStore(await pg.createDatabase(`contract_${++n}`)));

describe("openPostgresStore", () => {
  it("migrates once when several replicas open the same empty database at the same moment", async () => {
    const url = await pg.createDatabase("concurrent_open");
    const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresStore(url, { maxConnections: 2 })));
    try {
      const first = stores[0]!;
      expect(await first.commit({ expect: [{ scope: "account", revision: 0 }], insert: [makeResource({ kind: "mesh", name: "m" })] })).toMatchObject({ ok: true });
      for (const store of stores) expect(await store.countResources({ kind: "mesh" })).toBe(1);
      await migratePostgres(url); // a later start finds nothing to do
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

describe("PostgreSQL store under concurrent writers", () => {
  let stores: PostgresStore[];
  beforeAll(async () => {
    const url = await pg.createDatabase("races");
    // Several pools, as several replicas would have.
    stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url, { maxConnections: 5 })));
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it("lets exactly one guarded commit win per revision and loses no update", async () => {
    const counter = makeResource({ kind: "virtualNode", name: "counter", meshName: "race", version: 0 });
    await stores[0]!.commit({ expect: [{ scope: "mesh/race", revision: 0 }], insert: [counter] });
    const writers = 24;
    const incrementsEach = 5;
    const won: number[] = [];
    let staleCount = 0;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const store = stores[w % stores.length]!;
        for (let done = 0, attempts = 0; done < incrementsEach; attempts++) {
          if (attempts > 2000) throw new Error("writer starved");
          const { "mesh/race": revision } = await store.getRevisions(["mesh/race"]);
          const row = await store.getResourceByArn(counter.arn);
          const result = await store.commit({
            expect: [{ scope: "mesh/race", revision: revision! }],
            update: [{ uid: counter.uid, spec: row!.spec, status: "ACTIVE", version: row!.version + 1, lastUpdatedAt: Date.now() }],
            changes: [{ scope: "mesh/race", action: "update", kind: "virtualNode", meshName: "race", parentName: "", name: "counter", at: Date.now() }],
          });
          if (result.ok) {
            won.push(result.revisions["mesh/race"]!);
            done++;
          } else staleCount++;
        }
      }),
    );
    const total = writers * incrementsEach;
    expect((await stores[1]!.getResourceByArn(counter.arn))!.version).toBe(total);
    expect((await stores[2]!.getRevisions(["mesh/race"]))["mesh/race"]).toBe(total + 1);
    // Every revision from 2 to total+1 was won by exactly one commit.
    expect([...won].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 2));
    expect(staleCount).toBeGreaterThan(0);
    // The change log holds one entry per winning commit, in revision order (seq order is commit order).
    const log = (await stores[3]!.listChanges(0, 10_000)).filter((c) => c.scope === "mesh/race");
    expect(log.map((c) => c.revision)).toEqual(Array.from({ length: total }, (_, i) => i + 2));
  });

  it("lets exactly one of many concurrent creates of the same name win when no guard tells them apart; the others fail as constraint violations, writing nothing", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        stores[i % stores.length]!.commit({
          expect: [{ scope: `unrelated/${i}`, revision: 0 }],
          insert: [makeResource({ kind: "virtualService", name: "same", meshName: "dup" })],
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled" && r.value.ok)).toHaveLength(1);
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(losers).toHaveLength(29);
    expect(losers.every((r) => StoreError.is(r.reason) && r.reason.kind === "constraint")).toBe(true);
    expect(await stores[0]!.countResources({ kind: "virtualService", meshName: "dup" })).toBe(1);
    // The losers wrote nothing, not even their revision bump.
    const revisions = await stores[0]!.getRevisions(Array.from({ length: 30 }, (_, i) => `unrelated/${i}`));
    expect(Object.values(revisions).filter((r) => r === 1)).toHaveLength(1);
  });

  it("lets exactly one of many concurrent commits with the same clientToken win", async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        stores[i % stores.length]!.commit({
          expect: [{ scope: `token/${i}`, revision: 0 }],
          insert: [makeResource({ kind: "mesh", name: `token-mesh-${i}` })],
          idempotency: { token: "shared-token", requestHash: `h${i}`, response: { i }, createdAt: 1 },
        }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const winner = results.findIndex((r) => r.ok);
    expect(await stores[1]!.getIdempotencyRecord("shared-token")).toMatchObject({ requestHash: `h${winner}`, response: { i: winner } });
    expect(await stores[1]!.countResources({ kind: "mesh" })).toBe(1);
  });

  it("applies concurrent unguarded endpoint batches naming the same endpoints in any order, none refused", async () => {
    const ids = ["a", "b", "c", "d", "e", "f"];
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const order = i % 2 ? [...ids].reverse() : ids.slice(i % ids.length).concat(ids.slice(0, i % ids.length));
        return stores[i % stores.length]!.commit({
          expect: [],
          bump: ["race-endpoints"],
          putEndpoints: order.map((instanceId) => ({ namespaceName: "race", serviceName: "s", instanceId, address: "10.0.0.1", port: i, attributes: {}, health: "HEALTHY", updatedAt: i, serviceId: "srv-race", creatorRequestId: "", createdAt: i })),
          deleteEndpoints: i % 3 === 0 ? [{ namespaceName: "race", serviceName: "s", instanceId: "gone" }] : [],
        });
      }),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect((await stores[0]!.getRevisions(["race-endpoints"]))["race-endpoints"]).toBe(24);
    const listed = await stores[0]!.listEndpoints({ namespaceName: "race" });
    expect(listed.map((e) => e.instanceId)).toEqual(ids);
    // Each batch wrote all six at once, so all six carry the port of the same (last committed) batch.
    expect(new Set(listed.map((e) => e.port)).size).toBe(1);
  });

  it("never exceeds a quota decided from a guarded count, with deadlock-prone scope orders", async () => {
    const quota = 5;
    const created: string[] = [];
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const store = stores[i % stores.length]!;
        // Half the writers list the scopes in the other order: the store must not deadlock or lose the guard.
        const scopes = i % 2 ? ["quota/account", `quota/mesh-${i}`] : [`quota/mesh-${i}`, "quota/account"];
        for (let attempt = 0; attempt < 200; attempt++) {
          const current = await store.getRevisions(scopes);
          if ((await store.countResources({ kind: "quotaMesh" })) >= quota) return;
          const result = await store.commit({
            expect: scopes.map((scope) => ({ scope, revision: current[scope]! })),
            insert: [makeResource({ kind: "quotaMesh", name: `q${i}` })],
          });
          if (result.ok) {
            created.push(`q${i}`);
            return;
          }
        }
        throw new Error("writer starved");
      }),
    );
    expect(created).toHaveLength(quota);
    expect(await stores[0]!.countResources({ kind: "quotaMesh" })).toBe(quota);
  });

  describe("withScopeLocks", () => {
    /** Read the scope's revision, wait (a slow decision), commit guarded on what was read. */
    async function slowWrite(store: PostgresStore, scope: string, decideMs: number): Promise<boolean> {
      const { [scope]: revision } = await store.getRevisions([scope]);
      await new Promise((r) => setTimeout(r, decideMs));
      return (await store.commit({ expect: [{ scope, revision: revision! }] })).ok;
    }

    it("lets a slow writer on one replica commit first time while another replica commits back to back on the same scope", async () => {
      const [a, b] = [stores[0]!, stores[1]!];
      let stop = false;
      let fastCommits = 0;
      const fast = (async () => {
        for (let i = 0; i < 5000 && !stop; i++) if (await a.withScopeLocks(["mesh/busy"], () => slowWrite(a, "mesh/busy", 0))) fastCommits++;
      })();
      const slowResults: boolean[] = [];
      for (let i = 0; i < 10; i++) slowResults.push(await b.withScopeLocks(["mesh/busy"], () => slowWrite(b, "mesh/busy", 15)));
      stop = true;
      await fast;
      expect(slowResults).toEqual(Array(10).fill(true));
      expect(fastCommits).toBeGreaterThan(0);
      expect((await a.getRevisions(["mesh/busy"]))["mesh/busy"]).toBe(fastCommits + 10);
    });

    it("never runs two holders of overlapping scopes at once, and releases the locks when the holder throws", async () => {
      let active = 0;
      let maxActive = 0;
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % stores.length]!.withScopeLocks(i % 2 ? ["mesh/x", "account"] : ["account", "mesh/y"], async () => {
            active++;
            maxActive = Math.max(maxActive, active);
            await new Promise((r) => setTimeout(r, 5));
            active--;
          }),
        ),
      );
      expect(maxActive).toBe(1);
      await expect(stores[0]!.withScopeLocks(["account"], async () => Promise.reject(new Error("decided no")))).rejects.toThrow("decided no");
      expect(await stores[1]!.withScopeLocks(["account"], async () => "free again")).toBe("free again");
    });
  });
});
