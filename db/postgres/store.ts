// The Store on PostgreSQL (DATABASE_URL) through Drizzle and postgres.js, for several replicas sharing one database.
// Same semantics as db/sqlite/store.ts. Writes: apply-batch.ts (one READ COMMITTED transaction per batch, revision
// guards as compare-and-set, change log in commit order, NOTIFY in the commit). Reads: plain statements, readMesh in
// one REPEATABLE READ snapshot.
import { and, asc, count, eq, gt, gte, inArray, lte, sql, type SQL } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "../schema.pg.js";
import type {
  AccessKeyRow,
  AuditRecord,
  ChangeRecord,
  CommitResult,
  EndpointRow,
  IdempotencyRecord,
  ListQuery,
  ResourceKey,
  ResourceRow,
  Store,
  WriteBatch,
} from "../store.js";
import { applyBatch, isConstraintViolation, isRetryable, sqlState, StaleBatch } from "./apply-batch.js";
import { SCOPE_LOCK_CLASS } from "./constants.js";
import { migratePostgres } from "./migrate.js";

export type PostgresDatabase = PostgresJsDatabase<typeof schema>;

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
}

const { resources, tags, refs, revisions, changeLog, idempotency, endpoints, auditLog, accessKeys } = schema;

function keyCondition(key: ResourceKey): SQL {
  return and(
    eq(resources.kind, key.kind),
    eq(resources.meshName, key.meshName),
    eq(resources.parentName, key.parentName),
    eq(resources.name, key.name),
  )!;
}

/** The Store over an existing Drizzle database (postgres.js driver) whose schema is migrated. */
export function createPostgresStore(db: PostgresDatabase, options: Pick<PostgresStoreOptions, "commitAttempts"> = {}): Store {
  const commitAttempts = options.commitAttempts ?? 8;

  async function getRevisions(scopes: string[]): Promise<Record<string, number>> {
    const result: Record<string, number> = Object.fromEntries(scopes.map((scope) => [scope, 0]));
    if (scopes.length === 0) return result;
    const rows = await db.select().from(revisions).where(inArray(revisions.scope, scopes));
    for (const row of rows) result[row.scope] = row.revision;
    return result;
  }

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
      !batch.idempotency &&
      batch.expireIdempotencyBefore === undefined &&
      !batch.changes?.length;
    if (empty) return { ok: true, revisions: {} };
    for (let attempt = 1; ; attempt++) {
      try {
        const bumped = await db.transaction((tx) => applyBatch(tx, batch));
        return { ok: true, revisions: bumped };
      } catch (error) {
        if (error instanceof StaleBatch) return { ok: false, reason: "stale" };
        const state = sqlState(error);
        if (isConstraintViolation(state)) return { ok: false, reason: "stale" };
        if (isRetryable(state)) {
          if (attempt >= commitAttempts) return { ok: false, reason: "stale" };
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
          continue;
        }
        throw error;
      }
    }
  }

  return {
    getRevisions,
    commit,

    async getResource(key) {
      const [row] = await db.select().from(resources).where(keyCondition(key)).limit(1);
      return (row as ResourceRow | undefined) ?? null;
    },

    async getResourceByArn(arn) {
      const [row] = await db.select().from(resources).where(eq(resources.arn, arn)).limit(1);
      return (row as ResourceRow | undefined) ?? null;
    },

    async listResources(query: ListQuery) {
      const conditions = [eq(resources.kind, query.kind), gt(resources.seq, query.afterSeq)];
      if (query.meshName !== undefined) conditions.push(eq(resources.meshName, query.meshName));
      if (query.parentName !== undefined) conditions.push(eq(resources.parentName, query.parentName));
      const rows = await db.select().from(resources).where(and(...conditions)).orderBy(asc(resources.seq)).limit(query.limit);
      return rows as ResourceRow[];
    },

    async countResources(query) {
      const conditions: SQL[] = [];
      if (query.kind !== undefined) conditions.push(eq(resources.kind, query.kind));
      if (query.meshName !== undefined) conditions.push(eq(resources.meshName, query.meshName));
      if (query.parentName !== undefined) conditions.push(eq(resources.parentName, query.parentName));
      const [row] = await db.select({ n: count() }).from(resources).where(and(...conditions));
      return row?.n ?? 0;
    },

    async findReferrers(meshName, toKind, toName, limit) {
      return db
        .select({ kind: resources.kind, meshName: resources.meshName, parentName: resources.parentName, name: resources.name })
        .from(refs)
        .innerJoin(resources, eq(resources.uid, refs.fromUid))
        .where(and(eq(refs.meshName, meshName), eq(refs.toKind, toKind), eq(refs.toName, toName)))
        .orderBy(asc(resources.seq))
        .limit(limit);
    },

    async getTags(uid) {
      return db.select({ key: tags.key, value: tags.value }).from(tags).where(eq(tags.resourceUid, uid)).orderBy(asc(tags.position));
    },

    async getIdempotencyRecord(token) {
      const [row] = await db.select().from(idempotency).where(eq(idempotency.token, token)).limit(1);
      return (row as IdempotencyRecord | undefined) ?? null;
    },

    async readMesh(meshName) {
      // One snapshot for both reads, so the rows are exactly those of the revision returned.
      return db.transaction(
        async (tx) => {
          const [revisionRow] = await tx.select().from(revisions).where(eq(revisions.scope, `mesh/${meshName}`));
          const rows = await tx.select().from(resources).where(eq(resources.meshName, meshName)).orderBy(asc(resources.seq));
          return { revision: revisionRow?.revision ?? 0, rows: rows as ResourceRow[] };
        },
        { isolationLevel: "repeatable read", accessMode: "read only" },
      );
    },

    async listEndpoints(filter = {}) {
      const conditions: SQL[] = [];
      if (filter.namespaceName !== undefined) conditions.push(eq(endpoints.namespaceName, filter.namespaceName));
      if (filter.serviceName !== undefined) conditions.push(eq(endpoints.serviceName, filter.serviceName));
      // Byte order whatever the database's collation, as SQLite sorts.
      const rows = await db
        .select()
        .from(endpoints)
        .where(and(...conditions))
        .orderBy(sql`${endpoints.namespaceName} collate "C"`, sql`${endpoints.serviceName} collate "C"`, sql`${endpoints.instanceId} collate "C"`);
      return rows as EndpointRow[];
    },

    async listChanges(afterSeq, limit) {
      const rows = await db.select().from(changeLog).where(gt(changeLog.seq, afterSeq)).orderBy(asc(changeLog.seq)).limit(limit);
      return rows as ChangeRecord[];
    },

    async appendAudit(entries) {
      if (entries.length === 0) return;
      await db.insert(auditLog).values(entries);
    },

    async listAudit(query) {
      const conditions: SQL[] = [gt(auditLog.seq, query.afterSeq)];
      if (query.principal !== undefined) conditions.push(eq(auditLog.principal, query.principal));
      if (query.action !== undefined) conditions.push(eq(auditLog.action, query.action));
      if (query.outcome !== undefined) conditions.push(eq(auditLog.outcome, query.outcome));
      if (query.resource !== undefined) {
        conditions.push(
          query.resource.endsWith("*")
            ? sql`substr(${auditLog.resource}, 1, ${query.resource.length - 1}) = ${query.resource.slice(0, -1)}`
            : eq(auditLog.resource, query.resource),
        );
      }
      if (query.since !== undefined) conditions.push(gte(auditLog.at, query.since));
      if (query.until !== undefined) conditions.push(lte(auditLog.at, query.until));
      const rows = await db.select().from(auditLog).where(and(...conditions)).orderBy(asc(auditLog.seq)).limit(query.limit);
      return rows as AuditRecord[];
    },

    async putAccessKey(row) {
      await db.insert(accessKeys).values(row).onConflictDoUpdate({
        target: accessKeys.accessKeyId,
        set: { principal: row.principal, sealedSecret: row.sealedSecret, policies: row.policies, admin: row.admin, createdAt: row.createdAt },
      });
    },

    async deleteAccessKey(accessKeyId) {
      const deleted = await db.delete(accessKeys).where(eq(accessKeys.accessKeyId, accessKeyId)).returning({ id: accessKeys.accessKeyId });
      return deleted.length > 0;
    },

    async listAccessKeys() {
      return (await db.select().from(accessKeys).orderBy(asc(accessKeys.accessKeyId))) as AccessKeyRow[];
    },

    async close() {},
  } satisfies Store;
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
   * @example
   *   await store.withScopeLocks(["mesh/m"], async () => { const r = await store.getRevisions(["mesh/m"]); …; return store.commit(batch); });
   */
  withScopeLocks<T>(scopes: string[], fn: () => Promise<T>): Promise<T>;
}

/**
 * Connects to PostgreSQL at `url` (`postgres://user:pass@host:5432/db`), applies pending migrations (one replica at
 * a time) and returns the Store. `close()` ends the pools.
 * @example
 *   const store = await openPostgresStore(process.env.DATABASE_URL!, { maxConnections: 10 });
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  if (!options.skipMigrations) await migratePostgres(url);
  const common = {
    idle_timeout: options.idleTimeoutSeconds ?? 30,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    // Recycle connections now and then so a long-lived replica follows failovers and DNS changes.
    max_lifetime: 60 * 30,
    prepare: options.prepare ?? true,
    onnotice: () => {},
  };
  const client = postgres(url, { ...common, max: options.maxConnections ?? 10 });
  // Apart from the main pool: a lock holder's own reads and commit must never wait for its lock connection.
  const lockClient = postgres(url, { ...common, max: options.scopeLockConnections ?? 4 });
  const store = createPostgresStore(drizzle({ client, schema }), options);
  return {
    ...store,
    async withScopeLocks<T>(scopes: string[], fn: () => Promise<T>): Promise<T> {
      if (scopes.length === 0) return fn();
      // Sorted: two replicas locking overlapping sets cannot deadlock.
      const ordered = [...new Set(scopes)].sort();
      return (await lockClient.begin(async (tx) => {
        for (const scope of ordered) await tx`select pg_advisory_xact_lock(${SCOPE_LOCK_CLASS}::int, hashtext(${scope}))`;
        return { value: await fn() };
      })).value as T;
    },
    async close() {
      await Promise.all([client.end({ timeout: 5 }), lockClient.end({ timeout: 5 })]);
    },
  };
}
