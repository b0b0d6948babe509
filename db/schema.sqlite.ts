// SQLite schema (libSQL file on Node, D1 on Workers). The PostgreSQL schema mirrors these table and column
// names exactly so that one Store contract holds for both.

import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Every App Mesh resource of every kind, one row each. `seq` orders rows by creation and never changes, which
 * is what makes paginated listing stable while rows are created or deleted between pages.
 */
export const resources = sqliteTable(
  "resources",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    kind: text("kind").notNull(),
    meshName: text("mesh_name").notNull(),
    /** Router of a route, gateway of a gateway route; "" for kinds with no parent besides the mesh. */
    parentName: text("parent_name").notNull(),
    name: text("name").notNull(),
    uid: text("uid").notNull(),
    arn: text("arn").notNull(),
    spec: text("spec", { mode: "json" }).notNull(),
    status: text("status").notNull(),
    version: integer("version").notNull(),
    /** Epoch milliseconds. */
    createdAt: integer("created_at").notNull(),
    lastUpdatedAt: integer("last_updated_at").notNull(),
    meshOwner: text("mesh_owner").notNull(),
    resourceOwner: text("resource_owner").notNull(),
  },
  (table) => [
    // Mesh first: the key also serves the reads of a whole mesh (readMesh, readMeshChanges), so a write updates no
    // separate mesh index (bench/RESULTS.md, api-profile: every index is a page more in each commit).
    uniqueIndex("resources_key").on(table.meshName, table.kind, table.parentName, table.name),
    uniqueIndex("resources_uid").on(table.uid),
    uniqueIndex("resources_arn").on(table.arn),
    // A List page is one range of this index: the rows of one collection after the cursor, in seq order.
    index("resources_list").on(table.kind, table.meshName, table.parentName, table.seq),
  ],
);

/**
 * How many resources each collection (a kind in a mesh under one parent, "" for none) holds, kept by every commit
 * that inserts or deletes resources (its statements add one per insert and take one per delete): the quota check of
 * every Create reads one row instead of counting the collection.
 */
export const collectionSizes = sqliteTable(
  "collection_sizes",
  {
    kind: text("kind").notNull(),
    meshName: text("mesh_name").notNull(),
    parentName: text("parent_name").notNull(),
    size: integer("size").notNull(),
  },
  (table) => [primaryKey({ columns: [table.kind, table.meshName, table.parentName] })],
);

/** Tags of a resource; `position` keeps insertion order. Deleted with the resource. */
export const tags = sqliteTable(
  "tags",
  {
    resourceUid: text("resource_uid").notNull(),
    position: integer("position").notNull(),
    key: text("key").notNull(),
    value: text("value").notNull(),
  },
  (table) => [primaryKey({ columns: [table.resourceUid, table.key] })],
);

/** Which resource names which other resource (a provider, a weighted target, a gateway-route target). */
export const refs = sqliteTable(
  "refs",
  {
    fromUid: text("from_uid").notNull(),
    meshName: text("mesh_name").notNull(),
    toKind: text("to_kind").notNull(),
    toName: text("to_name").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.fromUid, table.toKind, table.toName] }),
    index("refs_target").on(table.meshName, table.toKind, table.toName),
  ],
);

/** Monotonic revision per scope ("account", "mesh/<name>", "endpoints", "acm", …); every write bumps the scopes it touches. */
export const revisions = sqliteTable("revisions", {
  scope: text("scope").primaryKey(),
  revision: integer("revision").notNull(),
});

/** One row per committed change, in commit order: what changed, for watchers in other processes and for audit. */
export const changeLog = sqliteTable(
  "change_log",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    scope: text("scope").notNull(),
    revision: integer("revision").notNull(),
    action: text("action").notNull(),
    kind: text("kind").notNull(),
    meshName: text("mesh_name").notNull(),
    parentName: text("parent_name").notNull(),
    name: text("name").notNull(),
    at: integer("at").notNull(),
  },
  // No index on `at`: entries are appended in time order, so retention reads the oldest by seq (db/store-queries.ts).
  (table) => [index("change_log_scope").on(table.scope, table.revision)],
);

/**
 * How far each process following the change log has read (db/change-log-cursor.ts), refreshed while it runs:
 * retention (db/retention.ts) never deletes an entry a live follower has not read yet.
 */
export const changeLogFollowers = sqliteTable("change_log_followers", {
  followerId: text("follower_id").primaryKey(),
  /** Seq of the last change the follower is past. */
  position: integer("position").notNull(),
  /** Epoch milliseconds of its last report. */
  reportedAt: integer("reported_at").notNull(),
});

/**
 * Never holds a row: a commit's revision guard inserts one only when the revision moved, and this CHECK refuses it,
 * aborting the whole batch with an error that names the constraint (db/sqlite/store.ts). SQLite has no RAISE
 * outside triggers; a named constraint is the one failure nothing else can produce.
 */
export const commitGuards = sqliteTable("commit_guards", { stale: integer("stale").notNull() }, (table) => [
  check("meshplane_stale_revision", sql`${table.stale} = 0`),
]);

/** The first response to a request carrying a clientToken, replayed for retries of the same request. */
export const idempotency = sqliteTable(
  "idempotency",
  {
    token: text("token").primaryKey(),
    requestHash: text("request_hash").notNull(),
    response: text("response", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [index("idempotency_created_at").on(table.createdAt)],
);

/**
 * The instances of Cloud Map services (functions/aws/servicediscovery), which feed EDS. Keyed by the names App Mesh's
 * `awsCloudMap` discovery uses; `serviceId` ties a row to its service. `attributes` are the instance's Cloud Map
 * attributes; `address` and `port` are what its AWS_INSTANCE_IPV4/IPV6 and AWS_INSTANCE_PORT say ("" and 0 when it
 * has none). `health` is HEALTHY or UNHEALTHY for services with a custom health check, else UNKNOWN.
 */
export const endpoints = sqliteTable(
  "endpoints",
  {
    namespaceName: text("namespace_name").notNull(),
    serviceName: text("service_name").notNull(),
    instanceId: text("instance_id").notNull(),
    address: text("address").notNull(),
    port: integer("port").notNull(),
    attributes: text("attributes", { mode: "json" }).notNull(),
    health: text("health").notNull(),
    updatedAt: integer("updated_at").notNull(),
    serviceId: text("service_id").notNull().default(""),
    creatorRequestId: text("creator_request_id").notNull().default(""),
    createdAt: integer("created_at").notNull().default(0),
  },
  (table) => [
    primaryKey({ columns: [table.namespaceName, table.serviceName, table.instanceId] }),
    index("endpoints_service").on(table.serviceId, table.instanceId),
  ],
);

/**
 * The resources of the AWS stand-ins (functions/aws/<service>/), every kind in one table as App Mesh's are in
 * `resources`: Cloud Map namespaces, services and operations, ACM certificates, Private CA authorities and the
 * certificates they issued. `id` is the resource's own id (ns-…, srv-…, a UUID, a serial); `parentId` the
 * namespace of a service or the CA of an issued certificate ("" for none); `name` is unique among its kind and
 * parent when set (namespace and service names). `data` holds the rest, private keys only sealed. `seq` orders
 * rows by creation for stable pagination; times are epoch milliseconds.
 */
export const awsResources = sqliteTable(
  "aws_resources",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    service: text("service").notNull(),
    kind: text("kind").notNull(),
    id: text("id").notNull(),
    parentId: text("parent_id").notNull(),
    name: text("name").notNull(),
    data: text("data", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    uniqueIndex("aws_resources_id").on(table.service, table.kind, table.id),
    uniqueIndex("aws_resources_name").on(table.service, table.kind, table.parentId, table.name).where(sql`${table.name} <> ''`),
    index("aws_resources_parent").on(table.service, table.kind, table.parentId, table.seq),
  ],
);

/**
 * Security audit trail, like CloudTrail management events: every mutating API call (allowed or refused) and every
 * ADS connect/disconnect. `outcome` is "allowed", "denied" or the error name; `errorCode` is "" on success.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    /** Epoch milliseconds. */
    at: integer("at").notNull(),
    requestId: text("request_id").notNull(),
    principal: text("principal").notNull(),
    credential: text("credential").notNull(),
    sourceAddress: text("source_address").notNull(),
    action: text("action").notNull(),
    resource: text("resource").notNull(),
    outcome: text("outcome").notNull(),
    errorCode: text("error_code").notNull(),
  },
  // No index on `at`, as for the change log: retention reads the oldest entries by seq.
  (table) => [index("audit_log_principal").on(table.principal, table.seq)],
);

/** Access keys issued over the admin API; the secret is sealed (AES-GCM) under MESHPLANE_AUTH_SECRET_KEY, never stored plain. */
export const accessKeys = sqliteTable("access_keys", {
  accessKeyId: text("access_key_id").primaryKey(),
  principal: text("principal").notNull(),
  sealedSecret: text("sealed_secret").notNull(),
  /** Policy documents or managed policy names, as JSON. */
  policies: text("policies", { mode: "json" }).notNull(),
  admin: integer("admin", { mode: "boolean" }).notNull(),
  createdAt: integer("created_at").notNull(),
});
