// The Store on SQLite through Drizzle: one implementation for a libSQL file (Node) and D1 (Workers). Both run
// a batch atomically, which is all the write path needs (D1 has no interactive transactions). The reads and the
// statements outside a batch are the shared ones (db/store-queries.ts); this file holds the commit.
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import * as schema from "../schema.sqlite.js";
import type { CommitResult, Store, WriteBatch } from "../store.js";
import { changeLogRow } from "../statements.js";
import { classifySqliteFailure, toStoreError, withClassifiedErrors } from "../store-errors.js";
import { auditEntryKeys, createStoreQueries } from "../store-queries.js";
import { createSqliteDialect, type BatchingSqliteDatabase } from "./dialect.js";

const { resources, tags, refs, revisions, changeLog, idempotency, endpoints, auditLog, commitGuards, awsResources } = schema;

/**
 * The guard of one scope: inserts a row into `commit_guards` only when the revision moved, which the table's named
 * CHECK refuses, aborting the batch (db/schema.sqlite.ts). A query builder rather than db.run(): drizzle's D1 batch
 * can only bind builder statements.
 */
function revisionGuard(db: BatchingSqliteDatabase, scope: string, revision: number) {
  const current = sql`COALESCE((SELECT ${revisions.revision} FROM ${revisions} WHERE ${revisions.scope} = ${scope}), 0)`;
  return db.insert(commitGuards).select(db.select({ stale: sql<number>`1`.as("stale") }).from(sql`(SELECT 1)`).where(sql`${current} <> ${revision}`));
}

export function createSqliteStore(db: BatchingSqliteDatabase): Store {
  const queries = withClassifiedErrors(createStoreQueries(createSqliteDialect(db)), classifySqliteFailure);

  async function commit(batch: WriteBatch): Promise<CommitResult> {
    const statements: BatchItem<"sqlite">[] = [];
    for (const { scope, revision } of batch.expect) statements.push(revisionGuard(db, scope, revision));
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
          set: { address: row.address, port: row.port, attributes: row.attributes, health: row.health, updatedAt: row.updatedAt, serviceId: row.serviceId, creatorRequestId: row.creatorRequestId },
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
    if (batch.expireAwsResources) {
      const { service, kind, before } = batch.expireAwsResources;
      statements.push(db.delete(awsResources).where(and(eq(awsResources.service, service), eq(awsResources.kind, kind), lt(awsResources.updatedAt, before))));
    }
    for (const key of batch.deleteAwsResources ?? []) {
      statements.push(db.delete(awsResources).where(and(eq(awsResources.service, key.service), eq(awsResources.kind, key.kind), eq(awsResources.id, key.id))));
    }
    for (const row of batch.putAwsResources ?? []) {
      const { service, kind, id, parentId, name, data, createdAt, updatedAt } = row;
      statements.push(
        db.insert(awsResources).values({ service, kind, id, parentId, name, data, createdAt, updatedAt }).onConflictDoUpdate({
          target: [awsResources.service, awsResources.kind, awsResources.id],
          set: { parentId, name, data, updatedAt },
        }),
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
    for (const change of batch.changes ?? []) statements.push(db.insert(changeLog).values(changeLogRow(revisions, change)));
    for (const entry of batch.audit ?? []) statements.push(db.insert(auditLog).values(pick(entry, auditEntryKeys)));
    if (statements.length === 0) return { ok: true, revisions: {} };
    // The new revisions are read inside the batch: a read after it could fail although the write is committed.
    if (bumped.length > 0) statements.push(db.select({ scope: revisions.scope, revision: revisions.revision }).from(revisions).where(inArray(revisions.scope, bumped)));
    let results: unknown[];
    try {
      results = (await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[];
    } catch (error) {
      if (classifySqliteFailure(error) === "stale") return { ok: false, reason: "stale" };
      throw toStoreError(error, classifySqliteFailure);
    }
    const bumpedTo = bumped.length > 0 ? (results[results.length - 1] as Array<{ scope: string; revision: number }>) : [];
    return { ok: true, revisions: Object.fromEntries(bumpedTo.map((row) => [row.scope, row.revision])) };
  }

  return { ...queries, commit, async close() {} } satisfies Store;
}

/** The `keys` fields of `row` only: callers may pass richer objects. */
function pick<T extends object, K extends keyof T>(row: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, row[key]])) as Pick<T, K>;
}
