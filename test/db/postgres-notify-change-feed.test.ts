import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScopeChange, Store } from "../../db/index.js";
import { createPgNotifyChangeFeed, type PgNotifyChangeFeed } from "../../db/postgres/notify-change-feed.js";
import { openPostgresStore } from "../../db/postgres/store.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { makeResource } from "./store.contract.js";

/** Polls `condition` every 20 ms; the test's own timeout bounds the wait. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 20));
}

/** Resolves with the first change of `scope` at `revision` or later delivered by the feed. */
function nextChange(feed: PgNotifyChangeFeed, scope: string, revision: number): Promise<ScopeChange> {
  return new Promise((resolve) => {
    const unsubscribe = feed.subscribe((change) => {
      if (change.scope === scope && change.revision >= revision) {
        unsubscribe();
        resolve(change);
      }
    });
  });
}

async function bumpMesh(store: Store, mesh: string): Promise<number> {
  const scope = `mesh/${mesh}`;
  const { [scope]: revision } = await store.getRevisions([scope]);
  const result = await store.commit({
    expect: [{ scope, revision: revision! }],
    insert: [makeResource({ kind: "virtualNode", name: `n${revision}`, meshName: mesh })],
    changes: [{ scope, action: "create", kind: "virtualNode", meshName: mesh, parentName: "", name: `n${revision}`, at: Date.now() }],
  });
  if (!result.ok) throw new Error("unexpected stale commit");
  return result.revisions[scope]!;
}

describe("createPgNotifyChangeFeed", () => {
  let pg: TestPostgres;
  let url: string;
  let admin: postgres.Sql;
  let writer: Store; // "replica A"
  let reader: Store; // "replica B", whose feed is under test
  beforeAll(async () => {
    pg = await startPostgres();
    url = pg.url;
    writer = await openPostgresStore(url);
    reader = await openPostgresStore(url);
    admin = postgres(url, { max: 1, onnotice: () => {} });
    // The feed connects as its own role so that a test can refuse it logins, which takes the channel down.
    await admin`create role feed login`;
  });
  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    await admin?.end();
    await pg?.stop();
  });

  it("delivers a change committed by another replica, with the revision it reached", async () => {
    const feed = createPgNotifyChangeFeed(url, reader);
    try {
      await feed.ready;
      expect(feed.mode).toBe("notify");
      const seen: ScopeChange[] = [];
      feed.subscribe((change) => seen.push(change));
      const delivered = nextChange(feed, "mesh/a", 2);
      await bumpMesh(writer, "a");
      const revision = await bumpMesh(writer, "a");
      expect(await delivered).toEqual({ scope: "mesh/a", revision });
      expect(seen.filter((c) => c.scope === "mesh/a").map((c) => c.revision)).toEqual([1, 2]);
    } finally {
      await feed.close();
    }
  });

  it("delivers scopes bumped without a change-log entry", async () => {
    const feed = createPgNotifyChangeFeed(url, reader);
    try {
      await feed.ready;
      const delivered = nextChange(feed, "endpoints", 1);
      const result = await writer.commit({ expect: [], bump: ["endpoints"], putEndpoints: [{ namespaceName: "ns", serviceName: "s", instanceId: "i", address: "10.0.0.1", port: 1, attributes: {}, health: "HEALTHY", updatedAt: 1, serviceId: "srv-1", creatorRequestId: "", createdAt: 1 }] });
      expect(result.ok).toBe(true);
      expect(await delivered).toEqual({ scope: "endpoints", revision: 1 });
    } finally {
      await feed.close();
    }
  });

  it("reads the change log when a commit bumps too many scopes for the notification payload", async () => {
    const feed = createPgNotifyChangeFeed(url, reader);
    try {
      await feed.ready;
      const scopes = Array.from({ length: 300 }, (_, i) => `mesh/${"long-mesh-name-".repeat(3)}${i}`);
      const delivered = nextChange(feed, scopes[299]!, 1);
      const result = await writer.commit({
        expect: scopes.map((scope) => ({ scope, revision: 0 })),
        changes: [{ scope: scopes[299]!, action: "create", kind: "mesh", meshName: "m", parentName: "", name: "m", at: 1 }],
      });
      expect(result.ok).toBe(true);
      expect(await delivered).toEqual({ scope: scopes[299], revision: 1 });
    } finally {
      await feed.close();
    }
  });

  it("does not deliver changes committed before it started", async () => {
    const before = await bumpMesh(writer, "old");
    const feed = createPgNotifyChangeFeed(url, reader);
    try {
      await feed.ready;
      const seen: ScopeChange[] = [];
      feed.subscribe((change) => seen.push(change));
      const delivered = nextChange(feed, "mesh/old", before + 1);
      await bumpMesh(writer, "old");
      await delivered;
      expect(seen.filter((c) => c.scope === "mesh/old").map((c) => c.revision)).toEqual([before + 1]);
    } finally {
      await feed.close();
    }
  });

  it("follows the change log while the channel is down, then returns to notifications", async () => {
    const feedUrl = url.replace("://app@", "://feed@");
    const feed = createPgNotifyChangeFeed(feedUrl, reader, { fallbackIntervalMs: 50, safetyIntervalMs: 60_000, applicationName: "feed-under-test" });
    try {
      await feed.ready;
      const seen: ScopeChange[] = [];
      feed.subscribe((change) => seen.push(change));

      // Take the channel down and keep it down: no new logins for the feed's role, its session terminated.
      await admin`alter role feed nologin`;
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'feed-under-test'`;
      await until(() => feed.mode === "polling");

      const duringOutage = [await bumpMesh(writer, "b"), await bumpMesh(writer, "b"), await bumpMesh(writer, "b")];
      await until(() => seen.some((c) => c.scope === "mesh/b" && c.revision === duringOutage[2]));
      expect(feed.mode).toBe("polling"); // delivered by polling the log, not by a notification
      expect(seen.filter((c) => c.scope === "mesh/b").map((c) => c.revision)).toEqual(duringOutage);

      await admin`alter role feed login`;
      await until(() => feed.mode === "notify");
      const after = nextChange(feed, "mesh/b", duringOutage[2]! + 1);
      const revision = await bumpMesh(writer, "b");
      expect(await after).toEqual({ scope: "mesh/b", revision });
      const revisions = seen.filter((c) => c.scope === "mesh/b").map((c) => c.revision);
      expect([...revisions].sort((x, y) => x - y)).toEqual(revisions); // in order per scope, repeats allowed
      expect(new Set(revisions)).toEqual(new Set([...duringOutage, revision]));
    } finally {
      await feed.close();
    }
  });

  it("delivers every revision of a scope in order while several replicas write concurrently", async () => {
    const feed = createPgNotifyChangeFeed(url, reader);
    const writers = await Promise.all([openPostgresStore(url, { maxConnections: 3 }), openPostgresStore(url, { maxConnections: 3 })]);
    try {
      await feed.ready;
      const seen: number[] = [];
      feed.subscribe((change) => change.scope === "mesh/c" && seen.push(change.revision));
      let last = 0;
      await Promise.all(
        writers.flatMap((store) =>
          Array.from({ length: 4 }, async () => {
            for (let done = 0, attempts = 0; done < 10 && attempts < 1000; attempts++) {
              const { "mesh/c": revision } = await store.getRevisions(["mesh/c"]);
              const result = await store.commit({
                expect: [{ scope: "mesh/c", revision: revision! }],
                changes: [{ scope: "mesh/c", action: "update", kind: "mesh", meshName: "c", parentName: "", name: "c", at: 1 }],
              });
              if (result.ok) {
                done++;
                last = Math.max(last, result.revisions["mesh/c"]!);
              }
            }
          }),
        ),
      );
      expect(last).toBe(80);
      await until(() => seen.includes(80));
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
      expect(new Set(seen).size).toBe(80);
    } finally {
      await feed.close();
      await Promise.all(writers.map((s) => s.close()));
    }
  });

  // Last: it restarts the server under the other tests' stores.
  it("polls while the server is down, then returns to notifications once it is back", async () => {
    // No safety poll within the test: after the restart, only a notification can deliver the change.
    const feed = createPgNotifyChangeFeed(url, reader, { fallbackIntervalMs: 50, safetyIntervalMs: 600_000 });
    const modes = new Set<string>();
    const sampler = setInterval(() => modes.add(feed.mode), 5);
    try {
      await feed.ready;
      const before = await bumpMesh(writer, "restart");
      await pg.restart(300);
      await until(() => feed.mode === "notify");
      clearInterval(sampler);
      expect([...modes].sort()).toEqual(["notify", "polling"]);
      const delivered = nextChange(feed, "mesh/restart", before + 1);
      const revision = await bumpMesh(writer, "restart");
      expect(await delivered).toEqual({ scope: "mesh/restart", revision });
    } finally {
      clearInterval(sampler);
      await feed.close();
    }
  });
});
