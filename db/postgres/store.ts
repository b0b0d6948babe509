// The Store on PostgreSQL (DATABASE_URL) through Drizzle and postgres.js, for several replicas sharing one database.
// Same semantics as db/sqlite/store.ts. Writes: apply-batch.ts (one READ COMMITTED transaction per batch, revision
// guards as compare-and-set, change log in commit order, NOTIFY in the commit). Reads: the shared statements of
// db/store-queries.ts run by dialect.ts (readMesh in one REPEATABLE READ snapshot).
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "../schema.pg.js";
import { classifyPostgresFailure, StoreError, toStoreError, withClassifiedErrors } from "../store-errors.js";
import type { CommitResult, Store, WriteBatch } from "../store.js";
import { createStoreQueries } from "../store-queries.js";
import { applyBatch, isRetryable, sqlState, StaleBatch } from "./apply-batch.js";
import { SCOPE_LOCK_CLASS } from "./constants.js";
import type { PostgresDatabase } from "./database.js";
import { createPostgresDialect } from "./dialect.js";
import { migratePostgres } from "./migrate.js";

export type { PostgresDatabase } from "./database.js";

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). Each replica holds at most this many, plus one for its change feed. */
  maxConnections?: number;
  /** Seconds before an idle pooled connection is closed (default 30). */
  idleTimeoutSeconds?: number;
  /** Seconds to wait for a new connection (default 10). */
  connectTimeoutSeconds?: number;
  /** Attempts of one commit that hit a deadlock or serialization failure before it is reported `stale` (default 8). */
  commitAttempts?: number;
  /** Skip applying migrations on open (default false: migrations apply, guarded by an advisory lock). */
  skipMigrations?: boolean;
  /**
   * Use named prepared statements (default true). Set false behind a transaction-mode pooler (PgBouncer before
   * 1.21, some serverless proxies) that cannot keep them.
   */
  prepare?: boolean;
  /** Connections reserved for `withScopeLocks` (default 4): at most this many scopes are locked at once. */
  scopeLockConnections?: number;
  /**
   * How long one store call may take before it fails as `unavailable` (default 10 000 ms; MESHPLANE_DB_TIMEOUT).
   * A partitioned network drops packets without an answer, and TCP would wait minutes: past the deadline the pools
   * are replaced (their sockets destroyed, so a write cut off mid-way never reaches the server late) and the server
   * ends the abandoned session's transaction by `idle_in_transaction_session_timeout`, releasing its row locks.
   */
  operationTimeoutMs?: number;
}

/** The Store over an existing Drizzle database (postgres.js driver) whose schema is migrated. */
export function createPostgresStore(db: PostgresDatabase, options: Pick<PostgresStoreOptions, "commitAttempts"> = {}): Store {
  const commitAttempts = options.commitAttempts ?? 8;
  const queries = withClassifiedErrors(createStoreQueries(createPostgresDialect(db)), classifyPostgresFailure);

  async function commit(batch: WriteBatch): Promise<CommitResult> {
    const empty =
      batch.expect.length === 0 &&
      !batch.bump?.length &&
      !batch.insert?.length &&
      !batch.update?.length &&
      !batch.delete?.length &&
      !batch.setTags?.length &&
      !batch.setRefs?.length &&
      !batch.putEndpoints?.length &&
      !batch.deleteEndpoints?.length &&
      !batch.putAwsResources?.length &&
      !batch.deleteAwsResources?.length &&
      !batch.expireAwsResources &&
      !batch.idempotency &&
      batch.expireIdempotencyBefore === undefined &&
      !batch.changes?.length &&
      !batch.audit?.length;
    if (empty) return { ok: true, revisions: {} };
    for (let attempt = 1; ; attempt++) {
      try {
        const bumped = await db.transaction((tx) => applyBatch(tx, batch));
        return { ok: true, revisions: bumped };
      } catch (error) {
        if (error instanceof StaleBatch) return { ok: false, reason: "stale" };
        if (isRetryable(sqlState(error))) {
          if (attempt >= commitAttempts) return { ok: false, reason: "stale" };
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
          continue;
        }
        if (classifyPostgresFailure(error) === "stale") return { ok: false, reason: "stale" };
        throw toStoreError(error, classifyPostgresFailure);
      }
    }
  }

  return { ...queries, commit, async close() {} } satisfies Store;
}

/** The PostgreSQL Store, plus what only a shared database needs. */
export interface PostgresStore extends Store {
  /**
   * Runs `fn` (read revisions → decide → commit) while this replica holds cross-process locks on `scopes`, so
   * replicas writing the same scope take turns instead of starving each other: without it, a replica committing
   * back to back on a mesh can make another replica's optimistic commits on that mesh go stale again and again.
   * The commit guards still decide; the locks only make their races rare. Locks are transaction-scoped on a
   * connection of a small separate pool (`scopeLockConnections`), so they are released when `fn` settles or
   * when the process dies. Call it inside any in-process lock on the same scopes, never around another call.
   * Taking the locks is bounded by the operation timeout (StoreError `unavailable` past it); `fn`'s outcome is the
   * call's outcome whatever happens to the lock transaction afterwards.
   * @example
   *   await store.withScopeLocks(["mesh/m"], async () => { const r = await store.getRevisions(["mesh/m"]); …; return store.commit(batch); });
   */
  withScopeLocks<T>(scopes: string[], fn: () => Promise<T>): Promise<T>;
}

/** One generation of connection pools; replaced whole when a call outlives the deadline. */
interface Pools {
  client: postgres.Sql;
  lockClient: postgres.Sql;
  store: Store;
}

/** Rejects with StoreError `unavailable` after `ms`, unless `work` settles first. */
async function withinDeadline<T>(work: Promise<T>, ms: number, onExpired: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onExpired();
      reject(new StoreError("unavailable", `the database is unavailable: PostgreSQL did not answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connects to PostgreSQL at `url` (`postgres://user:pass@host:5432/db`), applies pending migrations (one replica at
 * a time) and returns the Store. `close()` ends the pools.
 * @example
 *   const store = await openPostgresStore(process.env.DATABASE_URL!, { maxConnections: 10 });
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  if (!options.skipMigrations) {
    try {
      await migratePostgres(url);
    } catch (error) {
      throw toStoreError(error, classifyPostgresFailure);
    }
  }
  const deadlineMs = options.operationTimeoutMs ?? 10_000;
  const common = {
    idle_timeout: options.idleTimeoutSeconds ?? 30,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    // Recycle connections now and then so a long-lived replica follows failovers and DNS changes.
    max_lifetime: 60 * 30,
    prepare: options.prepare ?? true,
    onnotice: () => {},
  };
  // A transaction is idle only while its client cannot reach the server; the server then rolls it back. The lock
  // pool's transactions stay open while `fn` runs, so they get longer.
  const idleInTransaction = (ms: number) => ({ connection: { idle_in_transaction_session_timeout: ms } });
  const connect = (): Pools => {
    const client = postgres(url, { ...common, max: options.maxConnections ?? 10, ...idleInTransaction(Math.max(2 * deadlineMs, 5_000)) });
    // Apart from the main pool: a lock holder's own reads and commit must never wait for its lock connection.
    const lockClient = postgres(url, { ...common, max: options.scopeLockConnections ?? 4, ...idleInTransaction(Math.max(12 * deadlineMs, 60_000)) });
    return { client, lockClient, store: createPostgresStore(drizzle({ client, schema }), options) };
  };
  let pools = connect();
  let closed = false;
  /** Replaces the pools `stale` (unless that happened already): their sockets are destroyed, calls on them fail. */
  const replace = (stale: Pools) => {
    if (closed || pools !== stale) return;
    pools = connect();
    void stale.client.end({ timeout: 0 });
    void stale.lockClient.end({ timeout: 0 });
  };
  const bounded = <T>(call: (store: Store) => Promise<T>): Promise<T> => {
    const current = pools;
    return withinDeadline(call(current.store), deadlineMs, () => replace(current));
  };

  const store = {} as Store;
  for (const name of Object.keys(pools.store) as (keyof Store)[]) {
    if (name === "close" || name === "withScopeLocks") continue;
    (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      bounded((current) => (current[name] as (...a: unknown[]) => Promise<unknown>)(...args));
  }

  return {
    ...store,
    async withScopeLocks<T>(scopes: string[], fn: () => Promise<T>): Promise<T> {
      if (scopes.length === 0) return fn();
      // Sorted: two replicas locking overlapping sets cannot deadlock.
      const ordered = [...new Set(scopes)].sort();
      const current = pools;
      let markLocked!: () => void;
      const locked = new Promise<void>((resolve) => (markLocked = resolve));
      let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };
      const outcome = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
      const transaction = current.lockClient.begin(async (tx) => {
        for (const scope of ordered) await tx`select pg_advisory_xact_lock(${SCOPE_LOCK_CLASS}::int, hashtext(${scope}))`;
        markLocked();
        await fn().then(settle.resolve, settle.reject);
      });
      // Failing to take the locks is the caller's failure; how the transaction ends once `fn` ran is not.
      const failedToLock = transaction.then(
        () => new Promise<never>(() => {}),
        (error: unknown) => Promise.reject(toStoreError(error, classifyPostgresFailure)),
      );
      await withinDeadline(Promise.race([locked, failedToLock]), deadlineMs, () => replace(current));
      return outcome;
    },
    async close() {
      closed = true;
      await Promise.all([pools.client.end({ timeout: 5 }), pools.lockClient.end({ timeout: 5 })]);
    },
  };
}
