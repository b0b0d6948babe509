// The write path of the PostgreSQL Store: one WriteBatch applied inside one READ COMMITTED transaction.
//
// - Guards are compare-and-set statements on `revisions` (UPDATE … WHERE revision = read, or INSERT … ON CONFLICT
//   DO NOTHING for a scope never written). Row locks make a concurrent writer of the same scope wait, re-check
//   the new row version and find 0 rows: exactly one of two racing batches on a scope applies, the other is
//   `stale` with nothing written. Plain SELECT-then-UPDATE would lose that race under READ COMMITTED.
// - Unique keys back the guards up: a clientToken taken by another mesh's write (tokens are account-wide, guards
//   per mesh) aborts the transaction and is reported as `stale`, as on SQLite; any other integrity violation is a
//   bug upstream and rejects as a StoreError of kind `constraint` (db/store-errors.ts).
// - Deadlocks and serialization failures are retried inside (bounded), then reported as `stale`.
// - Change-log rows are appended under a transaction-scoped advisory lock, so their seq order is commit order,
//   and NOTIFY is sent in the same transaction (delivered only if it commits).
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import * as schema from "../schema.pg.js";
import type { EndpointRow, WriteBatch } from "../store.js";
import { changeLogRow } from "../statements.js";
import { CHANGE_CHANNEL, LOCK_CLASS, LOCK_KEYS, type ChangeNotification } from "./constants.js";
import type { PostgresDatabase } from "./database.js";

type Transaction = Parameters<Parameters<PostgresDatabase["transaction"]>[0]>[0];

const { resources, collectionSizes, tags, refs, revisions, changeLog, idempotency, endpoints, auditLog, awsResources } = schema;

/** Thrown inside the transaction to roll it back when a guard fails. */
export class StaleBatch extends Error {}

/** The SQLSTATE of a postgres.js error, wherever Drizzle wrapped it. */
export function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** serialization_failure, deadlock_detected: nothing was written; the same batch may simply run again. */
export const isRetryable = (state: string | undefined) => state === "40001" || state === "40P01";


type EndpointKey = Pick<EndpointRow, "namespaceName" | "serviceName" | "instanceId">;
const endpointKey = (e: EndpointKey) => [e.namespaceName, e.serviceName, e.instanceId];

/** Byte-order sort by (namespace, service, instance), keeping the batch order of equal keys. */
function sortByEndpointKey<T extends EndpointKey>(rows: T[]): T[] {
  const compare = (a: string[], b: string[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return Buffer.compare(Buffer.from(a[i]!), Buffer.from(b[i]!));
    return 0;
  };
  return [...rows].sort((a, b) => compare(endpointKey(a), endpointKey(b)));
}

/**
 * Applies the batch inside `tx` in the documented order; throws StaleBatch when a guard fails. Rows are copied
 * field by field: callers may pass richer objects (a whole ResourceRow), and PostgreSQL refuses a value for the
 * identity columns.
 */
export async function applyBatch(tx: Transaction, batch: WriteBatch): Promise<Record<string, number>> {
  const bumpedTo: Record<string, number> = {};
  const expected = new Map<string, number>();
  for (const { scope, revision } of batch.expect) {
    // The same scope expected at two revisions can never hold (SQLite checks both and fails one).
    if (expected.has(scope) && expected.get(scope) !== revision) throw new StaleBatch();
    expected.set(scope, revision);
  }
  // Guards, each bumping its scope at once; sorted so that concurrent batches lock scopes in one order.
  for (const scope of [...expected.keys()].sort()) {
    const revision = expected.get(scope)!;
    const rows =
      revision === 0
        ? await tx.insert(revisions).values({ scope, revision: 1 }).onConflictDoNothing().returning({ revision: revisions.revision })
        : await tx
            .update(revisions)
            .set({ revision: sql`${revisions.revision} + 1` })
            .where(and(eq(revisions.scope, scope), eq(revisions.revision, revision)))
            .returning({ revision: revisions.revision });
    if (rows.length === 0) throw new StaleBatch();
    bumpedTo[scope] = rows[0]!.revision;
  }

  const deleted = batch.delete ?? [];
  if (deleted.length > 0) {
    await tx.delete(tags).where(inArray(tags.resourceUid, deleted));
    await tx.delete(refs).where(inArray(refs.fromUid, deleted));
    // Each collection's size follows its rows (db/schema.pg.ts): down by the rows about to go.
    const going = sql`select ${resources.kind} as kind, ${resources.meshName} as mesh_name, ${resources.parentName} as parent_name, count(*) as n from ${resources} where ${inArray(resources.uid, deleted)} group by 1, 2, 3`;
    await tx.execute(
      sql`update ${collectionSizes} set size = ${collectionSizes}.size - going.n from (${going}) as going where ${collectionSizes}.kind = going.kind and ${collectionSizes}.mesh_name = going.mesh_name and ${collectionSizes}.parent_name = going.parent_name`,
    );
    await tx.delete(resources).where(inArray(resources.uid, deleted));
  }
  // One row per statement: seq must follow the batch's order.
  for (const row of batch.insert ?? []) {
    await tx.insert(resources).values({
      kind: row.kind,
      meshName: row.meshName,
      parentName: row.parentName,
      name: row.name,
      uid: row.uid,
      arn: row.arn,
      spec: row.spec,
      status: row.status,
      version: row.version,
      createdAt: row.createdAt,
      lastUpdatedAt: row.lastUpdatedAt,
      meshOwner: row.meshOwner,
      resourceOwner: row.resourceOwner,
    });
  }
  const inserted = (batch.insert ?? []).map((row) => row.uid);
  if (inserted.length > 0) {
    await tx.execute(
      sql`insert into ${collectionSizes} (kind, mesh_name, parent_name, size) select ${resources.kind}, ${resources.meshName}, ${resources.parentName}, count(*) from ${resources} where ${inArray(resources.uid, inserted)} group by 1, 2, 3 on conflict (kind, mesh_name, parent_name) do update set size = ${collectionSizes}.size + excluded.size`,
    );
  }
  for (const { uid, spec, status, version, lastUpdatedAt } of batch.update ?? []) {
    await tx.update(resources).set({ spec, status, version, lastUpdatedAt }).where(eq(resources.uid, uid));
  }
  for (const { uid, tags: list } of batch.setTags ?? []) {
    await tx.delete(tags).where(eq(tags.resourceUid, uid));
    if (list.length > 0) await tx.insert(tags).values(list.map((tag, position) => ({ resourceUid: uid, position, key: tag.key, value: tag.value })));
  }
  for (const { uid, meshName, refs: list } of batch.setRefs ?? []) {
    await tx.delete(refs).where(eq(refs.fromUid, uid));
    if (list.length > 0) await tx.insert(refs).values(list.map((ref) => ({ fromUid: uid, meshName, toKind: ref.toKind, toName: ref.toName }))).onConflictDoNothing();
  }
  // One row per statement: a batch may put the same endpoint twice, which one multi-row upsert refuses. Rows go
  // in key order (stable, so the last put of a key still wins): unguarded registry batches touching the same
  // endpoints then lock them in one order and cannot deadlock each other.
  for (const row of sortByEndpointKey(batch.putEndpoints ?? [])) {
    await tx
      .insert(endpoints)
      .values({
        namespaceName: row.namespaceName,
        serviceName: row.serviceName,
        instanceId: row.instanceId,
        address: row.address,
        port: row.port,
        attributes: row.attributes,
        health: row.health,
        updatedAt: row.updatedAt,
        serviceId: row.serviceId,
        creatorRequestId: row.creatorRequestId,
        createdAt: row.createdAt,
      })
      .onConflictDoUpdate({
        target: [endpoints.namespaceName, endpoints.serviceName, endpoints.instanceId],
        set: { address: row.address, port: row.port, attributes: row.attributes, health: row.health, updatedAt: row.updatedAt, serviceId: row.serviceId, creatorRequestId: row.creatorRequestId },
      });
  }
  for (const key of sortByEndpointKey(batch.deleteEndpoints ?? [])) {
    await tx
      .delete(endpoints)
      .where(and(eq(endpoints.namespaceName, key.namespaceName), eq(endpoints.serviceName, key.serviceName), eq(endpoints.instanceId, key.instanceId)));
  }
  if (batch.expireAwsResources) {
    const { service, kind, before } = batch.expireAwsResources;
    await tx.delete(awsResources).where(and(eq(awsResources.service, service), eq(awsResources.kind, kind), lt(awsResources.updatedAt, before)));
  }
  for (const key of batch.deleteAwsResources ?? []) {
    await tx.delete(awsResources).where(and(eq(awsResources.service, key.service), eq(awsResources.kind, key.kind), eq(awsResources.id, key.id)));
  }
  for (const { service, kind, id, parentId, name, data, createdAt, updatedAt } of batch.putAwsResources ?? []) {
    await tx
      .insert(awsResources)
      .values({ service, kind, id, parentId, name, data, createdAt, updatedAt })
      .onConflictDoUpdate({ target: [awsResources.service, awsResources.kind, awsResources.id], set: { parentId, name, data, updatedAt } });
  }
  if (batch.expireIdempotencyBefore !== undefined) {
    await tx.delete(idempotency).where(lt(idempotency.createdAt, batch.expireIdempotencyBefore));
  }
  if (batch.idempotency) {
    const { token, requestHash, response, createdAt } = batch.idempotency;
    await tx.insert(idempotency).values({ token, requestHash, response, createdAt });
  }

  for (const scope of [...new Set(batch.bump ?? [])].filter((s) => !expected.has(s)).sort()) {
    const [row] = await tx
      .insert(revisions)
      .values({ scope, revision: 1 })
      .onConflictDoUpdate({ target: revisions.scope, set: { revision: sql`${revisions.revision} + 1` } })
      .returning({ revision: revisions.revision });
    bumpedTo[scope] = row!.revision;
  }

  const changes = batch.changes ?? [];
  let seq: [number, number] | null = null;
  if (changes.length > 0) {
    // Held until commit: no other writer appends to the log in between, so seq order is commit order.
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_CLASS}::int, ${LOCK_KEYS.changeLog}::int)`);
    const inserted = await tx
      .insert(changeLog)
      .values(changes.map((change) => changeLogRow(revisions, change)))
      .returning({ seq: changeLog.seq });
    const seqs = inserted.map((r) => r.seq);
    seq = [Math.min(...seqs), Math.max(...seqs)];
  }
  const audit = batch.audit ?? [];
  if (audit.length > 0) {
    await tx.insert(auditLog).values(
      audit.map(({ at, requestId, principal, credential, sourceAddress, action, resource, outcome, errorCode }) => ({ at, requestId, principal, credential, sourceAddress, action, resource, outcome, errorCode })),
    );
  }
  if (seq !== null || Object.keys(bumpedTo).length > 0) {
    let payload = JSON.stringify({ seq, revisions: bumpedTo } satisfies ChangeNotification);
    if (payload.length > 7900) payload = JSON.stringify({ seq } satisfies ChangeNotification);
    await tx.execute(sql`select pg_notify(${CHANGE_CHANNEL}, ${payload})`);
  }
  return bumpedTo;
}
