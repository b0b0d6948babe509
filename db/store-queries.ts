// The Store methods whose SQL is the same on every backend (libSQL file, D1, PostgreSQL), written once against
// db/dialect.ts. A backend adds what truly differs: its commit (atomic batch or transaction), close, and locks.
// New tables get their reads here, next to these.
import { and, asc, count, eq, gt, gte, inArray, lt, lte, sql, type SQL } from "drizzle-orm";
import type { StoreDialect } from "./dialect.js";
import { decoded, insertInto, upsertInto } from "./statements.js";
import type { AwsResourceRow, ChangeRecord, EndpointRow, PruneResult, ResourceRefRow, Store } from "./store.js";

/** Everything in Store but the writes of a batch and the lifecycle. */
export type StoreQueries = Omit<Store, "commit" | "close" | "withScopeLocks">;

export const auditEntryKeys = ["at", "requestId", "principal", "credential", "sourceAddress", "action", "resource", "outcome", "errorCode"] as const;
const followerKeys = ["followerId", "position", "reportedAt"] as const;
const accessKeyKeys = ["accessKeyId", "principal", "sealedSecret", "policies", "admin", "createdAt"] as const;

export function createStoreQueries(dialect: StoreDialect): StoreQueries {
  const { resources, collectionSizes, tags, refs, revisions, changeLog, changeLogFollowers, idempotency, endpoints, auditLog, accessKeys, awsResources } = dialect.tables;
  const resourceKeyFields = { kind: decoded(resources.kind), meshName: decoded(resources.meshName), parentName: decoded(resources.parentName), name: decoded(resources.name) };

  const first = async <T>(rows: Promise<T[]>): Promise<T | null> => (await rows)[0] ?? null;
  /** Rows of `kind` in `meshName` under `parentName`, each condition only when given. */
  const resourceFilter = (query: { kind?: string; meshName?: string; parentName?: string }): SQL[] => {
    const conditions: SQL[] = [];
    if (query.kind !== undefined) conditions.push(eq(resources.kind, query.kind));
    if (query.meshName !== undefined) conditions.push(eq(resources.meshName, query.meshName));
    if (query.parentName !== undefined) conditions.push(eq(resources.parentName, query.parentName));
    return conditions;
  };

  // The reads every request makes are prepared once: building a Drizzle query costs more than running it.
  /** The rows of one collection: a kind in a mesh under one parent ("" for none), all three placeholders. */
  const inCollection = () =>
    and(
      eq(resources.kind, sql.placeholder("kind")),
      eq(resources.meshName, sql.placeholder("meshName")),
      eq(resources.parentName, sql.placeholder("parentName")),
    );
  const resourceByKey = dialect.prepare("resource_by_key", {
    from: resources,
    where: and(inCollection(), eq(resources.name, sql.placeholder("name"))),
    limit: 1,
  });
  const resourceByArn = dialect.prepare("resource_by_arn", { from: resources, where: eq(resources.arn, sql.placeholder("arn")), limit: 1 });
  const stampOfResource = dialect.prepare("stamp_of_resource", {
    fields: {
      uid: decoded(resources.uid),
      revision: sql<number>`coalesce((select ${revisions.revision} from ${revisions} where ${revisions.scope} = ${sql.placeholder("scope")}), 0)`.mapWith(Number),
    },
    from: resources,
    where: and(inCollection(), eq(resources.name, sql.placeholder("name"))),
    limit: 1,
  });
  // `limit: 1` on reads by a unique key: at most one row either way, and SQLite's file connection asks for it alone.
  const revisionOfScope = dialect.prepare("revision_of_scope", { from: revisions, where: eq(revisions.scope, sql.placeholder("scope")), limit: 1 });
  const tagsOfResource = dialect.prepare("tags_of_resource", {
    fields: { key: decoded(tags.key), value: decoded(tags.value) },
    from: tags,
    where: eq(tags.resourceUid, sql.placeholder("uid")),
    orderBy: [asc(tags.position)],
  });
  /** What a page says of each row beyond its collection (kind, mesh and parent, the same for every row of a page). */
  const pageFields = {
    name: decoded(resources.name),
    seq: decoded(resources.seq),
    arn: decoded(resources.arn),
    version: decoded(resources.version),
    createdAt: decoded(resources.createdAt),
    lastUpdatedAt: decoded(resources.lastUpdatedAt),
    meshOwner: decoded(resources.meshOwner),
    resourceOwner: decoded(resources.resourceOwner),
  };
  const afterCursor = { orderBy: [asc(resources.seq)], limit: sql.placeholder("limit") };
  const refsOfCollection = dialect.prepare("refs_of_collection", {
    fields: pageFields,
    from: resources,
    where: and(inCollection(), gt(resources.seq, sql.placeholder("afterSeq"))),
    ...afterCursor,
  });
  const refsOfMeshes = dialect.prepare("refs_of_meshes", {
    fields: { ...pageFields, meshName: decoded(resources.meshName) },
    from: resources,
    where: and(eq(resources.kind, sql.placeholder("kind")), gt(resources.seq, sql.placeholder("afterSeq"))),
    ...afterCursor,
  });
  // The quota read of every Create: one row, however large the collection (commits keep it, db/schema.sqlite.ts).
  const sizeOfCollection = dialect.prepare("size_of_collection", {
    fields: { n: decoded(collectionSizes.size) },
    from: collectionSizes,
    where: and(
      eq(collectionSizes.kind, sql.placeholder("kind")),
      eq(collectionSizes.meshName, sql.placeholder("meshName")),
      eq(collectionSizes.parentName, sql.placeholder("parentName")),
    ),
    limit: 1,
  });
  const idempotencyByToken = dialect.prepare("idempotency_by_token", { from: idempotency, where: eq(idempotency.token, sql.placeholder("token")), limit: 1 });
  const awsResourceById = dialect.prepare("aws_resource_by_id", {
    from: awsResources,
    where: and(eq(awsResources.service, sql.placeholder("service")), eq(awsResources.kind, sql.placeholder("kind")), eq(awsResources.id, sql.placeholder("id"))),
    limit: 1,
  });
  /** Rows of one service and kind, under one parent when given. */
  const awsResourceFilter = (query: { service: string; kind: string; parentId?: string }): SQL[] => {
    const conditions = [eq(awsResources.service, query.service), eq(awsResources.kind, query.kind)];
    if (query.parentId !== undefined) conditions.push(eq(awsResources.parentId, query.parentId));
    return conditions;
  };
  const newestChangeSeq = sql`(select max(${changeLog.seq}) from ${changeLog})`;
  /**
   * One bounded prune of `table`: the `limit` oldest entries after `afterSeq` that `eligible` admits form the window,
   * and those of them `chosen` selects go (`window` is the window's subquery, aliased `oldest`).
   */
  const pruneWindow = async (
    table: typeof changeLog | typeof auditLog,
    rule: { limit: number; afterSeq?: number },
    eligible: SQL[],
    chosen: (window: SQL) => SQL,
  ): Promise<PruneResult> => {
    const where = and(gt(table.seq, rule.afterSeq ?? 0), ...eligible);
    const window = sql`select ${table.seq}, ${table.at} from ${table} where ${where} order by ${table.seq} limit ${rule.limit}`;
    // The window's last seq, read before the delete (which may take it): set only when the window is full.
    const lastOfWindow = sql`(select ${table.seq} from ${table} where ${where} order by ${table.seq} limit 1 offset ${rule.limit - 1}) as last`;
    const [last] = await dialect.select({ fields: { seq: sql<number>`last.seq`.mapWith(Number) }, from: lastOfWindow });
    const deleted = await dialect.execute(sql`delete from ${table} where ${table.seq} in (${chosen(window)}) returning ${sql.identifier(table.seq.name)}`);
    return { deleted, scannedThrough: last ? Number(last.seq) : null };
  };

  return {
    async getRevisions(scopes) {
      const result: Record<string, number> = Object.fromEntries(scopes.map((scope) => [scope, 0]));
      if (scopes.length === 0) return result;
      const rows =
        scopes.length === 1
          ? await revisionOfScope({ scope: scopes[0] })
          : await dialect.select({ from: revisions, where: inArray(revisions.scope, scopes) });
      for (const row of rows) result[row.scope] = row.revision;
      return result;
    },

    getResource: (key) => first(resourceByKey({ kind: key.kind, meshName: key.meshName, parentName: key.parentName, name: key.name })),
    getResourceByArn: (arn) => first(resourceByArn({ arn })),
    getScopeStamp: (scope, key) => first(stampOfResource({ scope, kind: key.kind, meshName: key.meshName, parentName: key.parentName, name: key.name })),

    async listResources(query) {
      const where = and(...resourceFilter(query), gt(resources.seq, query.afterSeq));
      return dialect.select({ from: resources, where, orderBy: [asc(resources.seq)], limit: query.limit });
    },

    async listResourceRefs({ kind, meshName, parentName, afterSeq, limit }) {
      // The collection's own names are the query's: set on each row rather than read (and carried) once per row.
      const rows = (meshName === undefined ? await refsOfMeshes({ kind, afterSeq, limit }) : await refsOfCollection({ kind, meshName, parentName, afterSeq, limit })) as ResourceRefRow[];
      for (const row of rows) {
        row.kind = kind;
        row.parentName = parentName;
        if (meshName !== undefined) row.meshName = meshName;
      }
      return rows;
    },

    async countResources(query) {
      const { kind, meshName, parentName, exact } = query;
      const [row] =
        kind !== undefined && meshName !== undefined && parentName !== undefined && !exact
          ? await sizeOfCollection({ kind, meshName, parentName })
          : await dialect.select({ fields: { n: count() }, from: resources, where: and(...resourceFilter(query)) });
      return row?.n ?? 0;
    },

    async findReferrers(meshName, toKind, toName, limit) {
      // A subquery rather than a join: one table in FROM keeps the selected columns unambiguous in both dialects.
      const referring = sql`select ${refs.fromUid} from ${refs} where ${and(eq(refs.meshName, meshName), eq(refs.toKind, toKind), eq(refs.toName, toName))}`;
      return dialect.select({ fields: resourceKeyFields, from: resources, where: sql`${resources.uid} in (${referring})`, orderBy: [asc(resources.seq)], limit });
    },

    getTags: (uid) => tagsOfResource({ uid }),

    getIdempotencyRecord: (token) => first(idempotencyByToken({ token })),

    async readMesh(meshName) {
      const [revisionRows, rows] = await dialect.selectInOneSnapshot([
        { from: revisions, where: eq(revisions.scope, `mesh/${meshName}`) },
        { from: resources, where: eq(resources.meshName, meshName), orderBy: [asc(resources.seq)] },
      ]);
      return { revision: revisionRows[0]?.revision ?? 0, rows };
    },

    async readMeshChanges(meshName, afterRevision, limit) {
      const scope = `mesh/${meshName}`;
      const changed = and(eq(changeLog.scope, scope), gt(changeLog.revision, afterRevision));
      // Row values name the changed resources; the unique key (kind, mesh, parent, name) finds each row.
      const named = sql`(${resources.kind}, ${resources.parentName}, ${resources.name}) in (select ${changeLog.kind}, ${changeLog.parentName}, ${changeLog.name} from ${changeLog} where ${changed})`;
      const [revisionRows, changes, rows] = await dialect.selectInOneSnapshot([
        { from: revisions, where: eq(revisions.scope, scope) },
        { from: changeLog, where: changed, orderBy: [asc(changeLog.seq)], limit },
        { from: resources, where: and(eq(resources.meshName, meshName), named), orderBy: [asc(resources.seq)] },
      ]);
      return { revision: revisionRows[0]?.revision ?? 0, changes: changes as ChangeRecord[], rows };
    },

    async listEndpoints(filter = {}) {
      const conditions: SQL[] = [];
      if (filter.namespaceName !== undefined) conditions.push(eq(endpoints.namespaceName, filter.namespaceName));
      if (filter.serviceName !== undefined) conditions.push(eq(endpoints.serviceName, filter.serviceName));
      if (filter.serviceId !== undefined) conditions.push(eq(endpoints.serviceId, filter.serviceId));
      if (filter.afterInstanceId !== undefined) conditions.push(sql`${dialect.byteOrder(endpoints.instanceId)} > ${filter.afterInstanceId}`);
      const orderBy =
        filter.serviceId !== undefined
          ? [dialect.byteOrder(endpoints.instanceId)]
          : [dialect.byteOrder(endpoints.namespaceName), dialect.byteOrder(endpoints.serviceName), dialect.byteOrder(endpoints.instanceId)];
      // `attributes` is JSON: the column does not know it holds a string map.
      return (await dialect.select({ from: endpoints, where: and(...conditions), orderBy, ...(filter.limit !== undefined ? { limit: filter.limit } : {}) })) as EndpointRow[];
    },

    async getEndpoint(key) {
      const where = and(eq(endpoints.namespaceName, key.namespaceName), eq(endpoints.serviceName, key.serviceName), eq(endpoints.instanceId, key.instanceId));
      return first(dialect.select({ from: endpoints, where, limit: 1 })) as Promise<EndpointRow | null>;
    },

    async countEndpoints(serviceId) {
      const [row] = await dialect.select({ fields: { n: count() }, from: endpoints, where: eq(endpoints.serviceId, serviceId) });
      return row?.n ?? 0;
    },

    getAwsResource: (key) => first(awsResourceById({ service: key.service, kind: key.kind, id: key.id })) as Promise<AwsResourceRow | null>,

    async findAwsResourceByName(query) {
      const where = and(...awsResourceFilter(query), eq(awsResources.name, query.name));
      return first(dialect.select({ from: awsResources, where, limit: 1 })) as Promise<AwsResourceRow | null>;
    },

    async listAwsResources(query) {
      const where = and(...awsResourceFilter(query), gt(awsResources.seq, query.afterSeq));
      return (await dialect.select({ from: awsResources, where, orderBy: [asc(awsResources.seq)], limit: query.limit })) as AwsResourceRow[];
    },

    async countAwsResources(query) {
      const [row] = await dialect.select({ fields: { n: count() }, from: awsResources, where: and(...awsResourceFilter(query)) });
      return row?.n ?? 0;
    },

    async listChanges(afterSeq, limit) {
      const rows = await dialect.select({ from: changeLog, where: gt(changeLog.seq, afterSeq), orderBy: [asc(changeLog.seq)], limit });
      return rows as ChangeRecord[]; // `action` is text to the column, one of ChangeEntry's actions to us
    },

    async changeLogEnd() {
      const [row] = await dialect.select({ fields: { end: sql<number>`coalesce(${newestChangeSeq}, 0)`.mapWith(Number) }, from: sql`(select 1) as one` });
      return row?.end ?? 0;
    },

    async reportFollower(followerId, position, at) {
      await dialect.execute(upsertInto(changeLogFollowers, "followerId", followerKeys, { followerId, position, reportedAt: at }));
    },

    async removeFollower(followerId) {
      await dialect.execute(sql`delete from ${changeLogFollowers} where ${eq(changeLogFollowers.followerId, followerId)}`);
    },

    async pruneChangeLog(rule) {
      await dialect.execute(sql`delete from ${changeLogFollowers} where ${lt(changeLogFollowers.reportedAt, rule.followersAliveSince)}`);
      // The slowest live follower's position bounds what may go; without followers, only the newest entry stays.
      // Entries are appended in time order, so the old ones are the first by seq: a window of the oldest is read (by
      // the key, no index on `at` for every commit to update) and those before the cut-off go.
      const slowest = sql`coalesce((select min(${changeLogFollowers.position}) from ${changeLogFollowers}), ${newestChangeSeq})`;
      return pruneWindow(changeLog, rule, [sql`${changeLog.seq} < ${newestChangeSeq}`, sql`${changeLog.seq} <= ${slowest}`], (window) => sql`select oldest.seq from (${window}) as oldest where oldest.at < ${rule.before}`);
    },

    async pruneAudit(rule) {
      const conditions: SQL[] = [];
      if (rule.before !== undefined) conditions.push(sql`oldest.at < ${rule.before}`);
      if (rule.keep !== undefined) {
        // Below the seq of the keep-th newest entry; null (nothing older) while fewer are stored.
        conditions.push(sql`oldest.seq < (select ${auditLog.seq} from ${auditLog} order by ${auditLog.seq} desc limit 1 offset ${Math.max(0, rule.keep - 1)})`);
      }
      if (conditions.length === 0) return { deleted: 0, scannedThrough: null };
      // As for the change log: a window of the oldest entries, of which those the rule selects (no index on `at`).
      return pruneWindow(auditLog, rule, [], (window) => sql`select oldest.seq from (${window}) as oldest where ${sql.join(conditions, sql` or `)}`);
    },

    async appendAudit(entries) {
      if (entries.length === 0) return;
      await dialect.execute(insertInto(auditLog, auditEntryKeys, entries));
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
      return dialect.select({ from: auditLog, where: and(...conditions), orderBy: [asc(auditLog.seq)], limit: query.limit });
    },

    async putAccessKey(row) {
      await dialect.execute(upsertInto(accessKeys, "accessKeyId", accessKeyKeys, row));
    },

    async deleteAccessKey(accessKeyId) {
      const deleted = await dialect.execute(sql`delete from ${accessKeys} where ${eq(accessKeys.accessKeyId, accessKeyId)} returning ${sql.identifier(accessKeys.accessKeyId.name)}`);
      return deleted > 0;
    },

    async listAccessKeys() {
      return dialect.select({ from: accessKeys, orderBy: [asc(accessKeys.accessKeyId)] });
    },
  };
}
