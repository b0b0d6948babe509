// The App Mesh service: one generic path for every operation of the seven kinds plus tagging. It validates
// against the model, applies App Mesh's semantics (references, in-use deletes, versions, quotas,
// idempotency) and commits each write as one guarded batch, retrying when another writer got there first.
import type { ScopeChange } from "../../db/change-feed.js";
import type { ChangeEntry, ResourceKey, ResourceRow, Store, TagRow, WriteBatch } from "../../db/store.js";
import { parseArn, toArn, type ArnContext } from "./arn.js";
import { AppMeshError, badRequest, conflict, limitExceeded, notFound, resourceInUse } from "./errors.js";
import { createKeyedMutex } from "./keyed-mutex.js";
import { kindDescriptors, resourceKinds, type KindDescriptor, type ResourceKind } from "./kinds.js";
import { operations } from "./model/model.generated.js";
import { decodeNextToken, encodeNextToken } from "./pagination.js";
import type { Quotas } from "./quotas.js";
import { toResourceData, toResourceRef } from "./render.js";
import { checkSpecRules, type RegexChecker } from "./spec-rules.js";
import { validateShape } from "./validation.js";

export interface AppMeshServiceConfig extends ArnContext {
  quotas: Quotas;
  checkRegex: RegexChecker;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
  newUid?: () => string;
  /** How long a clientToken is remembered (default 24 h); older records are replaced and purged. */
  idempotencyRetentionMs?: number;
  /** Told, after each committed write, which scopes reached which revision (wakes the xDS cache). */
  onCommit?: (changes: ScopeChange[]) => void;
}

export interface AppMeshService {
  /**
   * Runs one App Mesh operation (`"CreateVirtualNode"`, …) on its input, where URI and query members are
   * already decoded into the same object as the body members. Returns the HTTP response body.
   * Throws AppMeshError for every client-visible failure.
   */
  execute(operation: string, input: Record<string, unknown>): Promise<unknown>;
}

type Action = "Create" | "Describe" | "Update" | "Delete" | "List";
type Input = Record<string, any>;

const maxCommitAttempts = 20;
const accountScope = "account";
const meshScope = (meshName: string) => `mesh/${meshName}`;
const maxTagsPerResource = 50;

const operationTable = new Map<string, { action: Action; descriptor: KindDescriptor }>();
for (const kind of resourceKinds) {
  const descriptor = kindDescriptors[kind];
  for (const action of ["Create", "Describe", "Update", "Delete"] as const) operationTable.set(`${action}${descriptor.label}`, { action, descriptor });
  operationTable.set(`List${descriptor.listKey[0]!.toUpperCase()}${descriptor.listKey.slice(1)}`, { action: "List", descriptor });
}

/** Canonical JSON (sorted keys) so that equal inputs hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function checkTagList(tags: TagRow[] | undefined, path: string): void {
  if (!tags) return;
  const keys = new Set<string>();
  for (const [index, tag] of tags.entries()) {
    if (keys.has(tag.key)) throw badRequest(`'${path}[${index}].key' repeats tag key "${tag.key}"; tag keys must be unique.`);
    keys.add(tag.key);
  }
}

export function createAppMeshService(store: Store, config: AppMeshServiceConfig): AppMeshService {
  const now = config.now ?? Date.now;
  const newUid = config.newUid ?? (() => crypto.randomUUID());
  const mutex = createKeyedMutex();
  const idempotencyRetentionMs = config.idempotencyRetentionMs ?? 24 * 60 * 60 * 1000;
  let lastIdempotencyExpiry = 0;

  const keyOf = (descriptor: KindDescriptor, input: Input): ResourceKey => ({
    kind: descriptor.kind,
    meshName: input.meshName,
    parentName: descriptor.parent ? input[descriptor.parent.nameMember] : "",
    name: input[descriptor.nameMember],
  });

  const describeKey = (key: ResourceKey) => {
    const descriptor = kindDescriptors[key.kind as ResourceKind];
    if (key.kind === "mesh") return `Mesh ${key.meshName}`;
    const parent = descriptor.parent ? ` of ${kindDescriptors[descriptor.parent.kind].title.toLowerCase()} ${key.parentName}` : "";
    return `${descriptor.title} ${key.name}${parent} in mesh ${key.meshName}`;
  };

  async function requireRow(key: ResourceKey): Promise<ResourceRow> {
    const row = await store.getResource(key);
    if (!row) throw notFound(`${describeKey(key)} not found.`);
    return row;
  }

  /** The mesh and, for routes and gateway routes, the parent must exist. */
  async function requireParents(descriptor: KindDescriptor, key: ResourceKey): Promise<void> {
    if (descriptor.kind === "mesh") return;
    await requireRow({ kind: "mesh", meshName: key.meshName, parentName: "", name: key.meshName });
    if (descriptor.parent) await requireRow({ kind: descriptor.parent.kind, meshName: key.meshName, parentName: "", name: key.parentName });
  }

  async function requireReferences(descriptor: KindDescriptor, meshName: string, spec: unknown): Promise<void> {
    for (const ref of descriptor.references(spec)) {
      const row = await store.getResource({ kind: ref.toKind, meshName, parentName: "", name: ref.toName });
      if (!row) throw notFound(`${kindDescriptors[ref.toKind as ResourceKind].title} ${ref.toName} referenced by the spec was not found in mesh ${meshName}.`);
    }
  }

  function validateSpec(descriptor: KindDescriptor, spec: unknown): unknown {
    const value = spec ?? {};
    checkSpecRules(descriptor.kind, value, { quotas: config.quotas, checkRegex: config.checkRegex });
    return value;
  }

  /**
   * Reads revisions first, then decides and builds a batch (`decide`), then commits; on a stale commit starts
   * over. `decide` returns the batch (null when there is nothing to write, as for a replayed request) and
   * the response; it may throw AppMeshError to refuse.
   */
  async function writeWithRetry<T>(
    scopes: string[],
    decide: (revisions: Record<string, number>) => Promise<{ batch: WriteBatch | null; response: T }>,
  ): Promise<T> {
    const attempts = async (): Promise<T> => {
      for (let attempt = 1; ; attempt++) {
        const revisions = await store.getRevisions(scopes);
        let decision: { batch: WriteBatch | null; response: T };
        try {
          decision = await decide(revisions);
        } catch (error) {
          // A refusal is only valid if nothing moved while deciding: reads are not one snapshot, so another
          // process may have committed between them (e.g. the resource appeared, but not yet its clientToken).
          if (attempt < maxCommitAttempts && AppMeshError.is(error) && (await revisionsMoved(scopes, revisions))) continue;
          throw error;
        }
        const { batch, response } = decision;
        if (batch === null) return response;
        batch.expect = scopes.map((scope) => ({ scope, revision: revisions[scope]! }));
        const result = await store.commit(batch);
        if (result.ok) {
          config.onCommit?.(Object.entries(result.revisions).map(([scope, revision]) => ({ scope, revision })));
          return response;
        }
        if (attempt >= maxCommitAttempts) {
          throw new AppMeshError("ConflictException", "The resource was modified concurrently too many times; retry the request.");
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 5)));
      }
    };
    // In-process locks first, then the store's cross-process ones (PostgreSQL): replicas take turns on a scope.
    const locked = (index: number): Promise<T> =>
      index < scopes.length
        ? mutex.run(scopes[index]!, () => locked(index + 1))
        : store.withScopeLocks
          ? store.withScopeLocks(scopes, attempts)
          : attempts();
    return locked(0);
  }

  async function revisionsMoved(scopes: string[], seen: Record<string, number>): Promise<boolean> {
    const now = await store.getRevisions(scopes);
    return scopes.some((scope) => now[scope] !== seen[scope]);
  }

  /**
   * Replays the first response for a repeated clientToken; refuses the token reused for another request.
   * `expired` means a record exists but is past retention: the write must purge it before recording anew.
   */
  async function replayIdempotent(token: string | undefined, requestHash: string): Promise<{ response: unknown } | "expired" | undefined> {
    if (token === undefined) return undefined;
    const record = await store.getIdempotencyRecord(`${config.accountId}:${token}`);
    if (!record) return undefined;
    if (record.createdAt < now() - idempotencyRetentionMs) return "expired";
    if (record.requestHash !== requestHash) throw conflict(`The clientToken ${token} was already used for a different request.`);
    return { response: record.response };
  }

  /** Records the response under the token, and purges expired records (at most once a minute, or when one is in the way). */
  function recordIdempotency(batch: WriteBatch, token: string | undefined, requestHash: string, response: unknown, at: number, expiredInTheWay: boolean): void {
    if (token === undefined) return;
    batch.idempotency = { token: `${config.accountId}:${token}`, requestHash, response, createdAt: at };
    if (expiredInTheWay || at - lastIdempotencyExpiry >= 60_000) {
      batch.expireIdempotencyBefore = at - idempotencyRetentionMs;
      lastIdempotencyExpiry = at;
    }
  }

  const changeOf = (scope: string, action: ChangeEntry["action"], key: ResourceKey): ChangeEntry => ({
    scope,
    action,
    kind: key.kind,
    meshName: key.meshName,
    parentName: key.parentName,
    name: key.name,
    at: now(),
  });

  async function create(operation: string, descriptor: KindDescriptor, input: Input): Promise<unknown> {
    const key = keyOf(descriptor, input);
    const spec = validateSpec(descriptor, input.spec);
    const tags: TagRow[] = input.tags ?? [];
    checkTagList(tags, "tags");
    const { clientToken, ...request } = input;
    const requestHash = await sha256(canonicalJson({ operation, request }));
    const scope = descriptor.kind === "mesh" ? accountScope : meshScope(key.meshName);

    return writeWithRetry([scope], async () => {
      const replay = await replayIdempotent(clientToken, requestHash);
      if (typeof replay === "object") return { batch: null, response: replay.response };
      await requireParents(descriptor, key);
      if (await store.getResource(key)) throw conflict(`${describeKey(key)} already exists.`);
      const quota = config.quotas[descriptor.quota];
      const existing = await store.countResources(
        descriptor.kind === "mesh" ? { kind: "mesh" } : { kind: descriptor.kind, meshName: key.meshName, ...(descriptor.parent ? { parentName: key.parentName } : {}) },
      );
      if (existing >= quota) throw limitExceeded(`The ${descriptor.title.toLowerCase()} quota (${quota}) is reached; delete some or raise ${descriptor.quota}.`);
      await requireReferences(descriptor, key.meshName, spec);

      const at = now();
      const row: ResourceRow = {
        ...key,
        seq: 0,
        uid: newUid(),
        arn: toArn(config, key),
        spec,
        status: "ACTIVE",
        version: 1,
        createdAt: at,
        lastUpdatedAt: at,
        meshOwner: config.accountId,
        resourceOwner: config.accountId,
      };
      const { seq: _seq, ...insert } = row;
      const response = toResourceData(descriptor, row);
      const batch: WriteBatch = {
        expect: [],
        insert: [insert],
        setTags: tags.length > 0 ? [{ uid: row.uid, tags }] : [],
        setRefs: [{ uid: row.uid, meshName: key.meshName, refs: descriptor.references(spec) }],
        changes: [changeOf(scope, "create", key)],
      };
      recordIdempotency(batch, clientToken, requestHash, response, at, replay === "expired");
      // A new mesh also starts its own scope, so xDS watchers of the mesh see it.
      if (descriptor.kind === "mesh") batch.bump = [meshScope(key.meshName)];
      return { batch, response };
    });
  }

  async function describe(descriptor: KindDescriptor, input: Input): Promise<unknown> {
    return toResourceData(descriptor, await requireRow(keyOf(descriptor, input)));
  }

  async function update(operation: string, descriptor: KindDescriptor, input: Input): Promise<unknown> {
    const key = keyOf(descriptor, input);
    const spec = validateSpec(descriptor, input.spec);
    const { clientToken, ...request } = input;
    const requestHash = await sha256(canonicalJson({ operation, request }));
    const scope = meshScope(key.meshName);

    return writeWithRetry([scope], async () => {
      const replay = await replayIdempotent(clientToken, requestHash);
      if (typeof replay === "object") return { batch: null, response: replay.response };
      await requireParents(descriptor, key);
      const current = await requireRow(key);
      await requireReferences(descriptor, key.meshName, spec);
      const at = now();
      const row: ResourceRow = { ...current, spec, version: current.version + 1, lastUpdatedAt: at };
      const response = toResourceData(descriptor, row);
      const batch: WriteBatch = {
        expect: [],
        update: [{ uid: row.uid, spec, status: row.status, version: row.version, lastUpdatedAt: at }],
        setRefs: [{ uid: row.uid, meshName: key.meshName, refs: descriptor.references(spec) }],
        changes: [changeOf(scope, "update", key)],
      };
      recordIdempotency(batch, clientToken, requestHash, response, at, replay === "expired");
      return { batch, response };
    });
  }

  async function requireNotInUse(descriptor: KindDescriptor, key: ResourceKey): Promise<void> {
    if (descriptor.kind === "mesh") {
      const inMesh = await store.countResources({ meshName: key.meshName });
      if (inMesh > 1) throw resourceInUse(`Mesh ${key.meshName} still has ${inMesh - 1} resources; delete them first.`);
      return;
    }
    for (const child of resourceKinds.map((kind) => kindDescriptors[kind]).filter((d) => d.parent?.kind === descriptor.kind)) {
      const children = await store.countResources({ kind: child.kind, meshName: key.meshName, parentName: key.name });
      if (children > 0) throw resourceInUse(`${describeKey(key)} still has ${children} ${child.listKey}; delete them first.`);
    }
    const [referrer] = await store.findReferrers(key.meshName, descriptor.kind, key.name, 1);
    if (referrer) throw resourceInUse(`${describeKey(key)} is in use by ${describeKey(referrer)}.`);
  }

  async function remove(descriptor: KindDescriptor, input: Input): Promise<unknown> {
    const key = keyOf(descriptor, input);
    const scopes = descriptor.kind === "mesh" ? [accountScope, meshScope(key.meshName)] : [meshScope(key.meshName)];
    return writeWithRetry(scopes, async () => {
      const current = await requireRow(key);
      await requireNotInUse(descriptor, key);
      const response = toResourceData(descriptor, { ...current, status: "DELETED" });
      return { batch: { expect: [], delete: [current.uid], changes: scopes.map((scope) => changeOf(scope, "delete", key)) }, response };
    });
  }

  async function list(descriptor: KindDescriptor, input: Input): Promise<unknown> {
    const key = keyOf(descriptor, { ...input, [descriptor.nameMember]: "" });
    await requireParents(descriptor, key);
    const collection = `${descriptor.kind}/${key.meshName ?? ""}/${key.parentName}`;
    const afterSeq = decodeNextToken(collection, input.nextToken);
    const limit: number = input.limit ?? 100;
    const rows = await store.listResources({
      kind: descriptor.kind,
      afterSeq,
      limit: limit + 1,
      ...(descriptor.kind === "mesh" ? {} : { meshName: key.meshName }),
      ...(descriptor.parent ? { parentName: key.parentName } : {}),
    });
    const page = rows.slice(0, limit);
    const output: Record<string, unknown> = { [descriptor.listKey]: page.map((row) => toResourceRef(descriptor, row)) };
    if (rows.length > limit) output.nextToken = encodeNextToken(collection, page[page.length - 1]!.seq);
    return output;
  }

  async function requireTaggable(arn: string): Promise<ResourceRow> {
    const parsed = parseArn(arn);
    if (!parsed) throw badRequest(`resourceArn ${arn} is not an App Mesh resource ARN.`);
    const row = await store.getResourceByArn(arn);
    if (!row) throw notFound(`The resource ${arn} was not found.`);
    return row;
  }

  async function changeTags(input: Input, change: (current: TagRow[]) => TagRow[]): Promise<unknown> {
    const target = await requireTaggable(input.resourceArn);
    const scope = meshScope(target.meshName);
    return writeWithRetry([scope], async () => {
      const row = await requireTaggable(input.resourceArn);
      const tags = change(await store.getTags(row.uid));
      return { batch: { expect: [], setTags: [{ uid: row.uid, tags }], changes: [changeOf(scope, "tag", row)] }, response: {} };
    });
  }

  async function tagResource(input: Input): Promise<unknown> {
    const added: TagRow[] = input.tags;
    checkTagList(added, "tags");
    return changeTags(input, (current) => {
      const merged = current.map((tag) => added.find((a) => a.key === tag.key) ?? tag);
      for (const tag of added) if (!current.some((c) => c.key === tag.key)) merged.push(tag);
      if (merged.length > maxTagsPerResource) {
        throw new AppMeshError("TooManyTagsException", `A resource may have at most ${maxTagsPerResource} tags; this request would make ${merged.length}.`);
      }
      return merged;
    });
  }

  async function untagResource(input: Input): Promise<unknown> {
    const removed = new Set<string>(input.tagKeys);
    return changeTags(input, (current) => current.filter((tag) => !removed.has(tag.key)));
  }

  async function listTags(input: Input): Promise<unknown> {
    const row = await requireTaggable(input.resourceArn);
    const collection = `tags/${row.uid}`;
    const offset = decodeNextToken(collection, input.nextToken);
    const limit: number = input.limit ?? 100;
    const tags = await store.getTags(row.uid);
    const page = tags.slice(offset, offset + limit);
    const output: Record<string, unknown> = { tags: page };
    if (offset + limit < tags.length) output.nextToken = encodeNextToken(collection, offset + limit);
    return output;
  }

  return {
    async execute(operation, rawInput) {
      const model = (operations as Record<string, { input?: string }>)[operation];
      if (!model?.input) throw badRequest(`Unknown operation ${operation}.`);
      if (Array.isArray(rawInput.tags) && rawInput.tags.length > maxTagsPerResource) {
        throw new AppMeshError("TooManyTagsException", `A resource may have at most ${maxTagsPerResource} tags; got ${rawInput.tags.length}.`);
      }
      const input = validateShape(model.input, rawInput, "") as Input;
      if (input.meshOwner !== undefined && input.meshOwner !== config.accountId) {
        throw notFound(`Mesh ${input.meshName} owned by ${input.meshOwner} was not found or is not shared with account ${config.accountId}.`);
      }
      if (operation === "TagResource") return tagResource(input);
      if (operation === "UntagResource") return untagResource(input);
      if (operation === "ListTagsForResource") return listTags(input);
      const entry = operationTable.get(operation);
      if (!entry) throw badRequest(`Unknown operation ${operation}.`);
      switch (entry.action) {
        case "Create":
          return create(operation, entry.descriptor, input);
        case "Describe":
          return describe(entry.descriptor, input);
        case "Update":
          return update(operation, entry.descriptor, input);
        case "Delete":
          return remove(entry.descriptor, input);
        case "List":
          return list(entry.descriptor, input);
      }
    },
  };
}
