// The persistence contract every backend implements (libSQL file, D1, PostgreSQL). It knows rows, scopes
// and revisions, not App Mesh rules: the domain decides, the store reads and commits atomically.
//
// Writes use optimistic concurrency (docs/architecture.md §4): the caller reads the revisions
// of the scopes its decision depends on *before* anything else, decides, then commits one batch that
// applies only if those revisions are unchanged. A stale batch writes nothing and the caller retries.

/** Identifies one resource. `parentName` is "" for kinds whose only parent is the mesh (and for meshes). */
export interface ResourceKey {
  kind: string;
  meshName: string;
  parentName: string;
  name: string;
}

/** A stored resource. `spec` is the App Mesh spec exactly as accepted; timestamps are epoch milliseconds. */
export interface ResourceRow extends ResourceKey {
  /** Creation order, unique across the store; never changes. Pagination cursors are built from it. */
  seq: number;
  uid: string;
  arn: string;
  spec: unknown;
  status: string;
  version: number;
  createdAt: number;
  lastUpdatedAt: number;
  meshOwner: string;
  resourceOwner: string;
}

export type NewResourceRow = Omit<ResourceRow, "seq">;

/** See Store.getScopeStamp, e.g. `{ revision: 42, uid: "5f0c…" }` for scope "mesh/m" and the mesh m. */
export interface ScopeStamp {
  revision: number;
  uid: string;
}

/** What a List page says of each resource (its reference): a row without its spec, uid and status. */
export type ResourceRefRow = Omit<ResourceRow, "spec" | "uid" | "status">;

export interface TagRow {
  key: string;
  value: string;
}

/** A resource naming another one in the same mesh (by kind and name). */
export interface ResourceRef {
  toKind: string;
  toName: string;
}

export interface IdempotencyRecord {
  token: string;
  /** Hash of the operation and its whole input: the same token with another input is a conflict. */
  requestHash: string;
  /** The response body first returned, replayed as is. */
  response: unknown;
  createdAt: number;
}

/** An instance of a Cloud Map service (see the endpoints table). */
export interface EndpointRow {
  namespaceName: string;
  serviceName: string;
  instanceId: string;
  /** The instance's AWS_INSTANCE_IPV4 (else IPV6); "" when it has neither. */
  address: string;
  /** Its AWS_INSTANCE_PORT; 0 when it has none. */
  port: number;
  /** Every Cloud Map attribute of the instance, AWS_* ones included. */
  attributes: Record<string, string>;
  /** HEALTHY or UNHEALTHY (services with a custom health check), else UNKNOWN. */
  health: string;
  updatedAt: number;
  /** The Cloud Map service (srv-…) the instance belongs to. */
  serviceId: string;
  creatorRequestId: string;
  createdAt: number;
}

/** Identifies one resource of an AWS stand-in: `{ service: "servicediscovery", kind: "namespace", id: "ns-…" }`. */
export interface AwsResourceKey {
  service: string;
  kind: string;
  id: string;
}

/** A stored resource of an AWS stand-in (see the aws_resources table). Times are epoch milliseconds. */
export interface AwsResourceRow extends AwsResourceKey {
  /** Creation order, unique across the table; kept when the row is replaced. Pagination cursors are built from it. */
  seq: number;
  /** The parent's id (a service's namespace, an issued certificate's CA); "" for none. */
  parentId: string;
  /** Unique among rows of the same service, kind and parent when not "". */
  name: string;
  /** Everything else, as the stand-in stores it (private keys only sealed). */
  data: unknown;
  createdAt: number;
  updatedAt: number;
}

export type NewAwsResourceRow = Omit<AwsResourceRow, "seq">;

/** Rows of one service and kind, optionally under one parent, after a cursor, in creation order. */
export interface AwsResourceQuery {
  service: string;
  kind: string;
  parentId?: string;
  afterSeq: number;
  limit: number;
}

export interface ChangeEntry {
  scope: string;
  action: "create" | "update" | "delete" | "tag";
  kind: string;
  meshName: string;
  parentName: string;
  name: string;
  at: number;
}

/** A committed change as read back from the change log. */
export interface ChangeRecord extends ChangeEntry {
  seq: number;
  revision: number;
}

/**
 * Everything one write does, applied all or nothing. Order of application: guards, deletes, inserts,
 * updates, tags, refs, endpoints, AWS resources (expiry, deletes, puts), idempotency record, revision bumps, change log,
 * audit entries.
 */
export interface WriteBatch {
  /** Each scope's revision must still equal `revision` (0 when the scope was never written); each is bumped. */
  expect: Array<{ scope: string; revision: number }>;
  /** Further scopes bumped without a check (e.g. "endpoints"). */
  bump?: string[];
  insert?: NewResourceRow[];
  /** Replaces spec, status, version and lastUpdatedAt of the row with this uid. */
  update?: Array<Pick<ResourceRow, "uid" | "spec" | "status" | "version" | "lastUpdatedAt">>;
  /** Deletes the rows with these uids, with their tags and outgoing refs. */
  delete?: string[];
  /** Replaces the whole tag list of a resource (the list order is the stored order). */
  setTags?: Array<{ uid: string; tags: TagRow[] }>;
  /** Replaces the outgoing references of a resource. */
  setRefs?: Array<{ uid: string; meshName: string; refs: ResourceRef[] }>;
  putEndpoints?: EndpointRow[];
  deleteEndpoints?: Array<Pick<EndpointRow, "namespaceName" | "serviceName" | "instanceId">>;
  /** Inserts, or replaces by (service, kind, id) keeping seq and createdAt, resources of the AWS stand-ins. */
  putAwsResources?: NewAwsResourceRow[];
  /** Deletes resources of the AWS stand-ins (their tags are the caller's to clear with `setTags`). */
  deleteAwsResources?: AwsResourceKey[];
  /** Deletes the rows of one service and kind last updated before `before` (epoch ms): retention, e.g. Cloud Map operations. */
  expireAwsResources?: { service: string; kind: string; before: number };
  idempotency?: IdempotencyRecord;
  /** Deletes idempotency records created before this time (epoch ms), before `idempotency` is inserted. */
  expireIdempotencyBefore?: number;
  changes?: ChangeEntry[];
  /** The audit entries of the call that makes this change: committed with it or not at all. */
  audit?: AuditEntry[];
}

/**
 * `stale`: a guarded revision moved, or another writer took an account-wide key (a clientToken) meanwhile; nothing
 * was written and the caller decides again. Every other failure rejects with a StoreError (db/store-errors.ts).
 */
export type CommitResult = { ok: true; revisions: Record<string, number> } | { ok: false; reason: "stale" };

export interface ListQuery {
  kind: string;
  /** Omit for meshes. */
  meshName?: string;
  parentName?: string;
  /** Rows with seq greater than this (the cursor), in seq order. */
  afterSeq: number;
  limit: number;
}

/** One List page of a collection: the meshes (no meshName), or the rows of a kind in a mesh under one parent. */
export interface PageQuery {
  kind: string;
  /** Omit for meshes. */
  meshName?: string;
  /** "" for kinds with no parent besides the mesh. */
  parentName: string;
  /** Rows with seq greater than this (the cursor), in seq order. */
  afterSeq: number;
  limit: number;
}

/** One audit-log entry (see the audit_log table): who did what to which resource, and how it ended. */
export interface AuditEntry {
  /** Epoch milliseconds. */
  at: number;
  requestId: string;
  principal: string;
  /** Access key id, "bearer", or "" when the caller sent no credentials. */
  credential: string;
  sourceAddress: string;
  /** e.g. appmesh:CreateMesh, appmesh:StreamAggregatedResources, meshplane:StreamClosed */
  action: string;
  resource: string;
  /** "allowed", "denied", or the name of the error the call ended with. */
  outcome: string;
  /** The error name sent to the caller; "" on success. */
  errorCode: string;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
}

/** Filters of the audit query; every field is optional and they combine with AND. */
export interface AuditQuery {
  /** Entries with seq greater than this (the cursor), oldest first. */
  afterSeq: number;
  limit: number;
  principal?: string;
  action?: string;
  /** Exact resource ARN, or a prefix when it ends with `*`. */
  resource?: string;
  outcome?: string;
  /** Epoch milliseconds, inclusive. */
  since?: number;
  until?: number;
}

/** An access key issued over the admin API. `sealedSecret` is encrypted; the store never sees the plain secret. */
export interface AccessKeyRow {
  accessKeyId: string;
  principal: string;
  sealedSecret: string;
  policies: unknown;
  admin: boolean;
  createdAt: number;
}

/** Which change-log entries retention may delete (db/retention.ts); every condition must hold. */
export interface ChangeLogPruning {
  /** Entries committed before this time (epoch ms). */
  before: number;
  /** Followers that reported at or after this time are alive: an entry goes only once every live follower is past it. Others are forgotten. */
  followersAliveSince: number;
  /**
   * At most this many rows per call (a bounded statement, also on D1): of the `limit` oldest entries after
   * `afterSeq`, those the rule selects (entries are appended in time order; no index on the time for every commit to
   * update). Entries stamped ahead of the clock (one that later stepped back) stay until their time passes; the
   * caller moves `afterSeq` past a window of them (PruneResult.scannedThrough) to reach the older entries behind.
   */
  limit: number;
  /** Only entries with a greater seq are looked at (default 0: from the start of the log). */
  afterSeq?: number;
}

/** What one bounded prune did. */
export interface PruneResult {
  deleted: number;
  /**
   * The seq of the last entry of the window looked at when it held `limit` entries, so more may follow: the
   * `afterSeq` of the next call. Null when the window reached the end of what the rule may delete.
   */
  scannedThrough: number | null;
}

/** Which audit entries retention may delete; at least one of `before` and `keep` is given. */
export interface AuditPruning {
  /** Entries recorded before this time (epoch ms). */
  before?: number;
  /** Keep only the newest `keep` entries. */
  keep?: number;
  /** As for the change log: of the `limit` oldest entries after `afterSeq`, those the rule selects. */
  limit: number;
  afterSeq?: number;
}

export interface Store {
  /** Current revisions; a scope never written is 0. */
  getRevisions(scopes: string[]): Promise<Record<string, number>>;
  getResource(key: ResourceKey): Promise<ResourceRow | null>;
  /**
   * The revision of `scope` (0 when never written) with the uid of the resource at `key`, read by one statement on
   * the resource's key; null when there is no such resource. What a cache of a scope's rows checks on every request:
   * the revision moves with every commit to the scope, and the uid tells a resource deleted and re-created apart.
   */
  getScopeStamp(scope: string, key: ResourceKey): Promise<ScopeStamp | null>;
  getResourceByArn(arn: string): Promise<ResourceRow | null>;
  listResources(query: ListQuery): Promise<ResourceRow[]>;
  /**
   * One List page: the references of at most `limit` rows after the cursor, read as one range of the index on
   * (kind, mesh, parent, seq), so a page touches only its own rows whatever else the mesh holds.
   */
  listResourceRefs(query: PageQuery): Promise<ResourceRefRow[]>;
  /**
   * Rows of `kind` (any kind when omitted) in a mesh, optionally under one parent; meshes when meshName is omitted.
   * With kind, mesh and parent all given (a quota check), one row of `collection_sizes` is read, not the rows counted,
   * unless `exact` asks for the rows themselves (the kept size can lag behind writes of a version older than it).
   */
  countResources(query: { kind?: string; meshName?: string; parentName?: string; exact?: boolean }): Promise<number>;
  /** Resources of the mesh that reference (toKind, toName); at most `limit`. */
  findReferrers(meshName: string, toKind: string, toName: string, limit: number): Promise<ResourceKey[]>;
  getTags(uid: string): Promise<TagRow[]>;
  getIdempotencyRecord(token: string): Promise<IdempotencyRecord | null>;
  /** Every resource of a mesh (mesh row included) and its revision, read consistently. Empty when no such mesh. */
  readMesh(meshName: string): Promise<{ revision: number; rows: ResourceRow[] }>;
  /**
   * What changed in a mesh since `afterRevision`, read consistently: the scope's revision now, the change-log entries
   * of scope `mesh/<meshName>` with a higher revision (oldest first, at most `limit`), and the current row of every
   * resource those entries name (a named resource without a row was deleted). Lets a follower update its copy of the
   * mesh instead of reading all of it (db/change-log-cursor.ts follows scopes; this follows one mesh's rows).
   */
  readMeshChanges(meshName: string, afterRevision: number, limit: number): Promise<{ revision: number; changes: ChangeRecord[]; rows: ResourceRow[] }>;
  /**
   * Cloud Map instances, optionally of one namespace and service (by names) or of one service (by id), in instance-id
   * byte order, after `afterInstanceId` and at most `limit` when given.
   */
  listEndpoints(filter?: { namespaceName?: string; serviceName?: string; serviceId?: string; afterInstanceId?: string; limit?: number }): Promise<EndpointRow[]>;
  getEndpoint(key: Pick<EndpointRow, "namespaceName" | "serviceName" | "instanceId">): Promise<EndpointRow | null>;
  /** How many instances a Cloud Map service has. */
  countEndpoints(serviceId: string): Promise<number>;
  getAwsResource(key: AwsResourceKey): Promise<AwsResourceRow | null>;
  /** The row of that kind and parent with that (non-empty) name. */
  findAwsResourceByName(query: { service: string; kind: string; parentId: string; name: string }): Promise<AwsResourceRow | null>;
  listAwsResources(query: AwsResourceQuery): Promise<AwsResourceRow[]>;
  countAwsResources(query: { service: string; kind: string; parentId?: string }): Promise<number>;
  /** Committed changes with seq greater than `afterSeq`, oldest first, at most `limit`. */
  listChanges(afterSeq: number, limit: number): Promise<ChangeRecord[]>;
  /** Seq of the newest change-log entry, 0 for an empty log: read from the key's index, not by a scan. */
  changeLogEnd(): Promise<number>;
  /** Records that follower `followerId` has read the log up to `position` (upsert); retention keeps what it has not read. */
  reportFollower(followerId: string, position: number, at: number): Promise<void>;
  /** Forgets a follower that stopped (a clean shutdown); one that dies is forgotten once it stops reporting. */
  removeFollower(followerId: string): Promise<void>;
  /** Deletes change-log entries per `rule`, never the newest one (it marks where the log ends). */
  pruneChangeLog(rule: ChangeLogPruning): Promise<PruneResult>;
  /** Deletes audit entries per `rule`. */
  pruneAudit(rule: AuditPruning): Promise<PruneResult>;
  commit(batch: WriteBatch): Promise<CommitResult>;
  /**
   * Optional, for stores shared by several processes (PostgreSQL): runs `fn` (read revisions → decide → commit)
   * holding cross-process locks on `scopes`, so processes writing one scope take turns instead of making each
   * other's optimistic commits stale again and again. Guards still decide; the locks only make races rare.
   */
  withScopeLocks?<T>(scopes: string[], fn: () => Promise<T>): Promise<T>;
  /** Appends audit entries (outside any mesh revision: auditing never makes a write stale). */
  appendAudit(entries: AuditEntry[]): Promise<void>;
  listAudit(query: AuditQuery): Promise<AuditRecord[]>;
  /** Admin-API access keys: insert or replace by id, delete by id, list all. */
  putAccessKey(row: AccessKeyRow): Promise<void>;
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
  listAccessKeys(): Promise<AccessKeyRow[]>;
  close(): Promise<void>;
}
