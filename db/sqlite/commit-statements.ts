// The statements of a SQLite commit (libSQL file and D1), each built once with named slots: a commit fills them with
// its values and runs the lot as one atomic batch. Built per request, drizzle's query builders cost more than SQLite
// takes to run them (bench/RESULTS.md, api-profile); the SQL text of each statement is also the same every time, so
// the file's connection keeps it prepared.
import { sql, type Column, type SQL, type Table } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import * as schema from "../schema.sqlite.js";
import type { AuditEntry, WriteBatch } from "../store.js";
import { placeholderFiller } from "../statements.js";
import { auditEntryKeys } from "../store-queries.js";

const { resources, collectionSizes, tags, refs, revisions, changeLog, idempotency, endpoints, auditLog, commitGuards, awsResources } = schema;

/** One statement with its values, ready to run; `reads` when it returns one row, which is wanted. */
export interface BoundStatement {
  sql: string;
  params: unknown[];
  reads: boolean;
}

/** A statement's SQL and slots; `bind` fills the slots from `values` by name, each encoded by its column. */
type Template = (values: Record<string, unknown>) => BoundStatement;

/** A row as the named values of a template (interfaces have no index signature). */
const named = (row: object) => row as Record<string, unknown>;

const dialect = new SQLiteAsyncDialect();

function template(statement: SQL, reads = false): Template {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  const fill = placeholderFiller(params);
  return (values) => ({ sql: text, params: fill(values), reads });
}

const name = (column: Column) => sql.identifier(column.name);
/** The value named `key`, encoded by `column` (JSON text, integer booleans) when the statement is bound. */
const slot = (column: Column, key: string) => sql.param(sql.placeholder(key), column);
const columnsOf = (table: Table) => (table as unknown as Record<string, Column>);

/** `insert into <table> (<columns of keys>) values (<a slot per key>)`. */
function insertSlots(table: Table, keys: readonly string[]): SQL {
  const columns = columnsOf(table);
  return sql`insert into ${table} (${sql.join(keys.map((key) => name(columns[key]!)), sql`, `)}) values (${sql.join(keys.map((key) => slot(columns[key]!, key)), sql`, `)})`;
}

/** `<column> = excluded.<column>` for each key: an upsert's replaced columns. */
const excluded = (table: Table, keys: readonly string[]) => sql.join(keys.map((key) => sql`${name(columnsOf(table)[key]!)} = excluded.${name(columnsOf(table)[key]!)}`), sql`, `);

const resourceKeys = ["kind", "meshName", "parentName", "name", "uid", "arn", "spec", "status", "version", "createdAt", "lastUpdatedAt", "meshOwner", "resourceOwner"] as const;
const endpointKeys = ["namespaceName", "serviceName", "instanceId", "address", "port", "attributes", "health", "updatedAt", "serviceId", "creatorRequestId", "createdAt"] as const;
const awsResourceKeys = ["service", "kind", "id", "parentId", "name", "data", "createdAt", "updatedAt"] as const;
const changeKeys = ["scope", "action", "kind", "meshName", "parentName", "name", "at"] as const;
const revisionOf = (key: string) => sql`(select ${name(revisions.revision)} from ${revisions} where ${name(revisions.scope)} = ${slot(revisions.scope, key)})`;

const statements = {
  /**
   * Inserts a row into `commit_guards` only when the scope's revision moved, which the table's named CHECK refuses,
   * aborting the batch (db/schema.sqlite.ts).
   */
  guard: template(sql`insert into ${commitGuards} (${name(commitGuards.stale)}) select 1 where coalesce(${revisionOf("scope")}, 0) <> ${slot(revisions.revision, "revision")}`),
  deleteTags: template(sql`delete from ${tags} where ${name(tags.resourceUid)} = ${slot(tags.resourceUid, "uid")}`),
  deleteRefs: template(sql`delete from ${refs} where ${name(refs.fromUid)} = ${slot(refs.fromUid, "uid")}`),
  deleteResource: template(sql`delete from ${resources} where ${name(resources.uid)} = ${slot(resources.uid, "uid")}`),
  insertResource: template(insertSlots(resources, resourceKeys)),
  // A collection's size follows its rows: one up after each insert, one down before each delete.
  sizeUp: template(
    sql`insert into ${collectionSizes} (${name(collectionSizes.kind)}, ${name(collectionSizes.meshName)}, ${name(collectionSizes.parentName)}, ${name(collectionSizes.size)}) values (${slot(collectionSizes.kind, "kind")}, ${slot(collectionSizes.meshName, "meshName")}, ${slot(collectionSizes.parentName, "parentName")}, 1) on conflict (${name(collectionSizes.kind)}, ${name(collectionSizes.meshName)}, ${name(collectionSizes.parentName)}) do update set ${name(collectionSizes.size)} = ${name(collectionSizes.size)} + 1`,
  ),
  sizeDown: template(
    sql`update ${collectionSizes} set ${name(collectionSizes.size)} = ${name(collectionSizes.size)} - 1 where (${name(collectionSizes.kind)}, ${name(collectionSizes.meshName)}, ${name(collectionSizes.parentName)}) = (select ${name(resources.kind)}, ${name(resources.meshName)}, ${name(resources.parentName)} from ${resources} where ${name(resources.uid)} = ${slot(resources.uid, "uid")})`,
  ),
  updateResource: template(
    sql`update ${resources} set ${sql.join(
      (["spec", "status", "version", "lastUpdatedAt"] as const).map((key) => sql`${name(resources[key])} = ${slot(resources[key], key)}`),
      sql`, `,
    )} where ${name(resources.uid)} = ${slot(resources.uid, "uid")}`,
  ),
  insertTag: template(insertSlots(tags, ["resourceUid", "position", "key", "value"])),
  insertRef: template(sql`${insertSlots(refs, ["fromUid", "meshName", "toKind", "toName"])} on conflict do nothing`),
  putEndpoint: template(
    sql`${insertSlots(endpoints, endpointKeys)} on conflict (${name(endpoints.namespaceName)}, ${name(endpoints.serviceName)}, ${name(endpoints.instanceId)}) do update set ${excluded(
      endpoints,
      ["address", "port", "attributes", "health", "updatedAt", "serviceId", "creatorRequestId"],
    )}`,
  ),
  deleteEndpoint: template(
    sql`delete from ${endpoints} where ${name(endpoints.namespaceName)} = ${slot(endpoints.namespaceName, "namespaceName")} and ${name(endpoints.serviceName)} = ${slot(endpoints.serviceName, "serviceName")} and ${name(endpoints.instanceId)} = ${slot(endpoints.instanceId, "instanceId")}`,
  ),
  expireAwsResources: template(
    sql`delete from ${awsResources} where ${name(awsResources.service)} = ${slot(awsResources.service, "service")} and ${name(awsResources.kind)} = ${slot(awsResources.kind, "kind")} and ${name(awsResources.updatedAt)} < ${slot(awsResources.updatedAt, "before")}`,
  ),
  deleteAwsResource: template(
    sql`delete from ${awsResources} where ${name(awsResources.service)} = ${slot(awsResources.service, "service")} and ${name(awsResources.kind)} = ${slot(awsResources.kind, "kind")} and ${name(awsResources.id)} = ${slot(awsResources.id, "id")}`,
  ),
  // Replaced in place: seq and createdAt stay.
  putAwsResource: template(
    sql`${insertSlots(awsResources, awsResourceKeys)} on conflict (${name(awsResources.service)}, ${name(awsResources.kind)}, ${name(awsResources.id)}) do update set ${excluded(awsResources, ["parentId", "name", "data", "updatedAt"])}`,
  ),
  expireIdempotency: template(sql`delete from ${idempotency} where ${name(idempotency.createdAt)} < ${slot(idempotency.createdAt, "before")}`),
  insertIdempotency: template(insertSlots(idempotency, ["token", "requestHash", "response", "createdAt"])),
  /**
   * The guard and the bump of one expected scope in one statement, returning the new revision: a revision other than
   * the expected one (0 for a scope never written) sets NULL, which the column's NOT NULL refuses, aborting the batch
   * (db/store-errors.ts reads that refusal as stale: this is the only statement that writes a revision but the plain
   * bump). One statement where there were two: each is a call into the driver (SqliteConnectionStatistics.calls).
   */
  guardedBump: template(
    // The proposed row is checked for NOT NULL before its conflict is found: it carries the current revision when
    // there is one (the update then decides), and for a scope never written, NULL unless 0 was expected. `where true`
    // keeps SQLite's parser from reading ON CONFLICT as part of the SELECT (https://www.sqlite.org/lang_upsert.html).
    sql`insert into ${revisions} (${name(revisions.scope)}, ${name(revisions.revision)}) select ${slot(revisions.scope, "scope")}, coalesce(${revisionOf("scope")}, iif(${slot(revisions.revision, "revision")} = 0, 1, null)) where true on conflict (${name(revisions.scope)}) do update set ${name(revisions.revision)} = iif(${name(revisions.revision)} = ${slot(revisions.revision, "revision")}, ${name(revisions.revision)} + 1, null) returning ${name(revisions.revision)}`,
    true,
  ),
  // Returns the scope's new revision: the commit's answer, read inside the batch by the statement that makes it.
  bumpRevision: template(
    sql`insert into ${revisions} (${name(revisions.scope)}, ${name(revisions.revision)}) values (${slot(revisions.scope, "scope")}, 1) on conflict (${name(revisions.scope)}) do update set ${name(revisions.revision)} = ${name(revisions.revision)} + 1 returning ${name(revisions.revision)}`,
    true,
  ),
  // The entry's revision is the scope's as this batch left it.
  insertChange: template(
    sql`insert into ${changeLog} (${sql.join([...changeKeys.map((key) => name(changeLog[key])), name(changeLog.revision)], sql`, `)}) values (${sql.join(
      changeKeys.map((key) => slot(changeLog[key], key)),
      sql`, `,
    )}, ${revisionOf("scope")})`,
  ),
  insertAudit: template(insertSlots(auditLog, auditEntryKeys)),
};

/**
 * The statements of `batch` in the order WriteBatch documents, but for the guarded scopes' bumps, which come first with
 * their guards (nothing before them reads a revision), and the scopes bumped, whose new revisions the bump statements
 * return in that order, inside the batch (a read after it could fail although the write is committed); no other
 * statement returns rows. Guards first: a batch that lost a race must fail as stale before a later statement can
 * trip over what the winner wrote (a unique key). One statement per row: D1 caps bound parameters per statement at 100.
 */
export function commitStatements(batch: WriteBatch): { statements: BoundStatement[]; bumped: string[] } {
  const out: BoundStatement[] = [];
  const guarded = new Map<string, number>();
  for (const { scope, revision } of batch.expect) {
    // A scope expected twice: its later expectations are checked before the first one bumps it.
    if (guarded.has(scope)) out.push(statements.guard({ scope, revision }));
    else guarded.set(scope, revision);
  }
  for (const [scope, revision] of guarded) out.push(statements.guardedBump({ scope, revision }));
  for (const uid of batch.delete ?? []) out.push(statements.deleteTags({ uid }), statements.deleteRefs({ uid }), statements.sizeDown({ uid }), statements.deleteResource({ uid }));
  for (const row of batch.insert ?? []) out.push(statements.insertResource(named(row)), statements.sizeUp(named(row)));
  for (const row of batch.update ?? []) out.push(statements.updateResource(row));
  for (const { uid, tags: list } of batch.setTags ?? []) {
    out.push(statements.deleteTags({ uid }));
    list.forEach((tag, position) => out.push(statements.insertTag({ resourceUid: uid, position, key: tag.key, value: tag.value })));
  }
  for (const { uid, meshName, refs: list } of batch.setRefs ?? []) {
    out.push(statements.deleteRefs({ uid }));
    for (const ref of list) out.push(statements.insertRef({ fromUid: uid, meshName, toKind: ref.toKind, toName: ref.toName }));
  }
  for (const row of batch.putEndpoints ?? []) out.push(statements.putEndpoint(named(row)));
  for (const key of batch.deleteEndpoints ?? []) out.push(statements.deleteEndpoint(key));
  if (batch.expireAwsResources) out.push(statements.expireAwsResources(batch.expireAwsResources));
  for (const key of batch.deleteAwsResources ?? []) out.push(statements.deleteAwsResource(named(key)));
  for (const row of batch.putAwsResources ?? []) out.push(statements.putAwsResource(named(row)));
  if (batch.expireIdempotencyBefore !== undefined) out.push(statements.expireIdempotency({ before: batch.expireIdempotencyBefore }));
  if (batch.idempotency) out.push(statements.insertIdempotency(named(batch.idempotency)));
  const unguarded = [...new Set(batch.bump ?? [])].filter((scope) => !guarded.has(scope));
  for (const scope of unguarded) out.push(statements.bumpRevision({ scope }));
  const bumped = [...guarded.keys(), ...unguarded];
  for (const change of batch.changes ?? []) out.push(statements.insertChange(named(change)));
  for (const entry of batch.audit ?? []) out.push(statements.insertAudit(named(entry)));
  return { statements: out, bumped };
}

/** Audit entries of a call that changed nothing (a refusal, a failure), appended on their own by the kept statement. */
export function auditStatements(entries: readonly AuditEntry[]): BoundStatement[] {
  return entries.map((entry) => statements.insertAudit(named(entry)));
}
