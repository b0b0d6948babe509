// The Store on SQLite through Drizzle: one implementation for a libSQL file (Node) and D1 (Workers). Both run
// a batch atomically, which is all the write path needs (D1 has no interactive transactions).
import { and, asc, count, eq, gt, gte, inArray, lt, lte, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import * as schema from "../schema.sqlite.js";
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
  TagRow,
  WriteBatch,
} from "../store.js";

/** A Drizzle SQLite database that can run an atomic batch: `drizzle-orm/libsql` or `drizzle-orm/d1`. */
export type BatchingSqliteDatabase = BaseSQLiteDatabase<"async", unknown, typeof schema> & {
  batch(items: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]): Promise<unknown>;
};

const { resources, tags, refs, revisions, changeLog, idempotency, endpoints, auditLog, accessKeys } = schema;

/** Raised inside a batch to abort it when a guarded revision moved; SQLite has no RAISE outside triggers. */
const abortUnless = (condition: SQL) => sql<number>`CASE WHEN ${condition} THEN 1 ELSE json_extract('stale revision', '$') END`;

function isStaleError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (/malformed JSON|UNIQUE constraint failed|SQLITE_CONSTRAINT/i.test(e.message)) return true;
  }
  return false;
}

export function createSqliteStore(db: BatchingSqliteDatabase): Store {
  // The reads every request makes are prepared once: building a Drizzle query costs more than running it.
  const resourceByKey = db
    .select()
    .from(resources)
    .where(
      and(
        eq(resources.kind, sql.placeholder("kind")),
        eq(resources.meshName, sql.placeholder("meshName")),
        eq(resources.parentName, sql.placeholder("parentName")),
        eq(resources.name, sql.placeholder("name")),
      ),
    )
    .limit(1)
    .prepare();
  const resourceByArn = db.select().from(resources).where(eq(resources.arn, sql.placeholder("arn"))).limit(1).prepare();
  const revisionOfScope = db.select().from(revisions).where(eq(revisions.scope, sql.placeholder("scope"))).prepare();
  const idempotencyByToken = db.select().from(idempotency).where(eq(idempotency.token, sql.placeholder("token"))).limit(1).prepare();

  async function getRevisions(scopes: string[]): Promise<Record<string, number>> {
    const result: Record<string, number> = Object.fromEntries(scopes.map((scope) => [scope, 0]));
    if (scopes.length === 0) return result;
    if (scopes.length === 1) {
      const [row] = await revisionOfScope.all({ scope: scopes[0] });
      if (row) result[row.scope] = row.revision;
      return result;
    }
    const rows = await db.select().from(revisions).where(inArray(revisions.scope, scopes));
    for (const row of rows) result[row.scope] = row.revision;
    return result;
  }

  async function commit(batch: WriteBatch): Promise<CommitResult> {
    const statements: BatchItem<"sqlite">[] = [];
    for (const { scope, revision } of batch.expect) {
      // A query-builder select rather than db.run(): drizzle's D1 batch can only bind builder statements.
      const condition = sql`COALESCE((SELECT ${revisions.revision} FROM ${revisions} WHERE ${revisions.scope} = ${scope}), 0) = ${revision}`;
      statements.push(db.select({ guard: abortUnless(condition) }).from(sql`(SELECT 1)`));
    }
    for (const uid of batch.delete ?? []) {
      statements.push(db.delete(tags).where(eq(tags.resourceUid, uid)));
      statements.push(db.delete(refs).where(eq(refs.fromUid, uid)));
      statements.push(db.delete(resources).where(eq(resources.uid, uid)));
    }
    for (const row of batch.insert ?? []) statements.push(db.insert(resources).values(row));
    for (const row of batch.update ?? []) {
      const { uid, ...changes } = row;
      statements.push(db.update(resources).set(changes).where(eq(resources.uid, uid)));
    }
    // One statement per row: D1 caps bound parameters per statement at 100.
    for (const { uid, tags: list } of batch.setTags ?? []) {
      statements.push(db.delete(tags).where(eq(tags.resourceUid, uid)));
      list.forEach((tag, position) => statements.push(db.insert(tags).values({ resourceUid: uid, position, ...tag })));
    }
    for (const { uid, meshName, refs: list } of batch.setRefs ?? []) {
      statements.push(db.delete(refs).where(eq(refs.fromUid, uid)));
      for (const ref of list) statements.push(db.insert(refs).values({ fromUid: uid, meshName, ...ref }).onConflictDoNothing());
    }
    for (const row of batch.putEndpoints ?? []) {
      statements.push(
        db.insert(endpoints).values(row).onConflictDoUpdate({
          target: [endpoints.namespaceName, endpoints.serviceName, endpoints.instanceId],
          set: { address: row.address, port: row.port, attributes: row.attributes, health: row.health, updatedAt: row.updatedAt },
        }),
      );
    }
    for (const key of batch.deleteEndpoints ?? []) {
      statements.push(
        db.delete(endpoints).where(
          and(eq(endpoints.namespaceName, key.namespaceName), eq(endpoints.serviceName, key.serviceName), eq(endpoints.instanceId, key.instanceId)),
        ),
      );
    }
    if (batch.expireIdempotencyBefore !== undefined) statements.push(db.delete(idempotency).where(lt(idempotency.createdAt, batch.expireIdempotencyBefore)));
    if (batch.idempotency) statements.push(db.insert(idempotency).values(batch.idempotency));

    const bumped = [...new Set([...batch.expect.map((e) => e.scope), ...(batch.bump ?? [])])];
    for (const scope of bumped) {
      statements.push(
        db.insert(revisions).values({ scope, revision: 1 }).onConflictDoUpdate({ target: revisions.scope, set: { revision: sql`${revisions.revision} + 1` } }),
      );
    }
    for (const change of batch.changes ?? []) {
      statements.push(
        db.insert(changeLog).values({
          scope: change.scope,
          action: change.action,
          kind: change.kind,
          meshName: change.meshName,
          parentName: change.parentName,
          name: change.name,
          at: change.at,
          revision: sql`(SELECT ${revisions.revision} FROM ${revisions} WHERE ${revisions.scope} = ${change.scope})`,
        }),
      );
    }
    if (statements.length === 0) return { ok: true, revisions: {} };
    try {
      await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    } catch (error) {
      if (isStaleError(error)) return { ok: false, reason: "stale" };
      throw error;
    }
    return { ok: true, revisions: await getRevisions(bumped) };
  }

  return {
    getRevisions,
    commit,

    async getResource(key) {
      const [row] = await resourceByKey.all({ kind: key.kind, meshName: key.meshName, parentName: key.parentName, name: key.name });
      return (row as ResourceRow | undefined) ?? null;
    },

    async getResourceByArn(arn) {
      const [row] = await resourceByArn.all({ arn });
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
      const rows = await db
        .select({ kind: resources.kind, meshName: resources.meshName, parentName: resources.parentName, name: resources.name })
        .from(refs)
        .innerJoin(resources, eq(resources.uid, refs.fromUid))
        .where(and(eq(refs.meshName, meshName), eq(refs.toKind, toKind), eq(refs.toName, toName)))
        .orderBy(asc(resources.seq))
        .limit(limit);
      return rows;
    },

    async getTags(uid) {
      const rows = await db.select({ key: tags.key, value: tags.value }).from(tags).where(eq(tags.resourceUid, uid)).orderBy(asc(tags.position));
      return rows as TagRow[];
    },

    async getIdempotencyRecord(token) {
      const [row] = await idempotencyByToken.all({ token });
      return (row as IdempotencyRecord | undefined) ?? null;
    },

    async readMesh(meshName) {
      const [revisionRows, rows] = (await db.batch([
        db.select().from(revisions).where(eq(revisions.scope, `mesh/${meshName}`)),
        db.select().from(resources).where(eq(resources.meshName, meshName)).orderBy(asc(resources.seq)),
      ])) as [Array<{ revision: number }>, ResourceRow[]];
      return { revision: revisionRows[0]?.revision ?? 0, rows };
    },

    async listEndpoints(filter = {}) {
      const conditions: SQL[] = [];
      if (filter.namespaceName !== undefined) conditions.push(eq(endpoints.namespaceName, filter.namespaceName));
      if (filter.serviceName !== undefined) conditions.push(eq(endpoints.serviceName, filter.serviceName));
      const rows = await db
        .select()
        .from(endpoints)
        .where(and(...conditions))
        .orderBy(asc(endpoints.namespaceName), asc(endpoints.serviceName), asc(endpoints.instanceId));
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
