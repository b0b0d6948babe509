// The generic CRUD path of the seven kinds: Create, Describe, Update, Delete and List, each driven by the kind's
// descriptor. Inputs arrive validated against the model; these apply App Mesh's semantics (parents and references
// exist, in-use resources stay, versions, quotas, idempotency) and decide the batch each write commits.
import type { ResourceKey, ResourceRow, Store, WriteBatch } from "../../db/store.js";
import { toArn, type ArnContext } from "./arn.js";
import { attachmentRef } from "./attachments.js";
import type { CommitWithRetry, WriteContext } from "./commit-retry.js";
import { conflict, limitExceeded, notFound, resourceInUse } from "./errors.js";
import { commitIdempotent, type Idempotency } from "./idempotency.js";
import { kindDescriptors, resourceKinds, type KindDescriptor, type KindNames, type ResourceKind, type SpecShapeName } from "./kinds.js";
import type { AppMeshShapeTypes, TagRef } from "./model/types.generated.js";
import type { ListPageCache } from "./list-page-cache.js";
import { decodeNextToken, encodeNextToken } from "./pagination.js";
import type { Quotas } from "./quotas.js";
import { toResourceData, toResourceRef, type ResourceData, type ResourceNames, type ResourceRefData } from "./render.js";
import { accountScope, meshScope, toChangeEntry } from "./scopes.js";
import { checkSpec, checkSpecInMesh, type MeshReader, type RegexChecker } from "./spec-rules.js";
import { checkTagList } from "./tagging.js";
import { validateShape } from "./validation.js";

/** A kind's descriptor, as the operations take it: its spec shape and member names as type parameters. */
type Descriptor<SpecShape extends SpecShapeName, NameMember extends string, ParentMember extends string, ListKey extends string = string> = KindDescriptor<
  ResourceKind,
  SpecShape,
  NameMember,
  ParentMember,
  ListKey
>;

/** What Create…Input has for every kind (CreateMeshInput, CreateRouteInput, …), in the kind's names. */
export type CreateInput<Spec, NameMember extends string, ParentMember extends string = never> = ResourceNames<NameMember, ParentMember> & {
  spec?: Spec;
  tags?: TagRef[];
  clientToken?: string;
  meshOwner?: string;
};
/** What Describe…Input and Delete…Input have for every kind. */
export type ResourceInput<NameMember extends string, ParentMember extends string = never> = ResourceNames<NameMember, ParentMember> & { meshOwner?: string };
/** What Update…Input has for every kind. */
export type UpdateInput<Spec, NameMember extends string, ParentMember extends string = never> = ResourceInput<NameMember, ParentMember> & {
  spec?: Spec;
  clientToken?: string;
};
/** What List…Input has for every kind: meshes are listed without a mesh name. */
export type ListInput<ParentMember extends string = never> = Record<ParentMember, string> & {
  meshName?: string;
  meshOwner?: string;
  limit?: number;
  nextToken?: string;
};
/** List…Output for every kind: the page under the kind's list key, and the cursor of the next page. */
export type ListOutput<NameMember extends string, ParentMember extends string, ListKey extends string> = Record<ListKey, ResourceRefData<NameMember, ParentMember>[]> & {
  nextToken?: string;
};

export interface ResourceOperationsConfig extends ArnContext {
  quotas: Quotas;
  checkRegex: RegexChecker;
  now: () => number;
  newUid: () => string;
  /** Serialized List pages, checked against the mesh's stamp on every request (see `listBody`); none when absent. */
  pageCache?: ListPageCache;
}

/** Refuses a request for a mesh of another account: meshplane holds one account's meshes, and shares none. */
function requireOwnMesh(input: { meshName?: string; meshOwner?: string }, accountId: string): void {
  if (input.meshOwner !== undefined && input.meshOwner !== accountId) {
    throw notFound(`Mesh ${input.meshName} owned by ${input.meshOwner} was not found or is not shared with account ${accountId}.`);
  }
}

function keyOf<N extends string, P extends string>(descriptor: KindNames<ResourceKind, N, P>, input: ResourceNames<N, P>): ResourceKey {
  return {
    kind: descriptor.kind,
    meshName: input.meshName,
    parentName: descriptor.parent ? input[descriptor.parent.nameMember] : "",
    name: input[descriptor.nameMember],
  };
}

function describeKey(key: ResourceKey): string {
  const descriptor: KindNames | undefined = kindDescriptors[key.kind as ResourceKind];
  if (key.kind === "mesh") return `Mesh ${key.meshName}`;
  // meshplane's own kinds (policies) refer to App Mesh resources too; they have no parent.
  if (!descriptor) return `${key.kind.charAt(0).toUpperCase()}${key.kind.slice(1)} ${key.name} in mesh ${key.meshName}`;
  const parent = descriptor.parent ? ` of ${kindDescriptors[descriptor.parent.kind].title.toLowerCase()} ${key.parentName}` : "";
  return `${descriptor.title} ${key.name}${parent} in mesh ${key.meshName}`;
}

/** `{ [listKey]: refs }` typed by the descriptor's list key. */
const listEntry = <L extends string, V>(listKey: L, value: V) => ({ [listKey]: value }) as Record<L, V>;

/**
 * The five operations, generic over the kind's descriptor: a call's input and result are checked against the kind's
 * member names and spec type, e.g. `create("CreateRoute", kindDescriptors.route, input: CreateRouteInput)` → RouteData.
 */
export function createResourceOperations(
  store: Store,
  config: ResourceOperationsConfig,
  { commit, idempotency }: { commit: CommitWithRetry; idempotency: Idempotency },
) {
  const { now } = config;

  async function requireRow(key: ResourceKey): Promise<ResourceRow> {
    const row = await store.getResource(key);
    if (!row) throw notFound(`${describeKey(key)} not found.`);
    return row;
  }

  /**
   * The rows at `keys`, read together: on the embedded SQLite each read runs synchronously when issued, so they run
   * back to back in one turn; on PostgreSQL and D1 they are in flight at once. A write issues them after reading its
   * scopes' revisions (commit-retry.ts), so none is older than those, which is all the guard needs.
   */
  const readRows = (keys: ResourceKey[]): Promise<Array<ResourceRow | null>> => Promise.all(keys.map((key) => store.getResource(key)));

  /** The mesh and, for routes and gateway routes, the parent: both must exist. */
  function parentKeys(descriptor: KindNames, meshName: string, parentName: string): ResourceKey[] {
    if (descriptor.kind === "mesh") return [];
    const keys: ResourceKey[] = [{ kind: "mesh", meshName, parentName: "", name: meshName }];
    if (descriptor.parent) keys.push({ kind: descriptor.parent.kind, meshName, parentName: "", name: parentName });
    return keys;
  }

  function requireParentsFound(keys: ResourceKey[], rows: Array<ResourceRow | null>): void {
    keys.forEach((key, index) => {
      if (!rows[index]) throw notFound(`${describeKey(key)} not found.`);
    });
  }

  async function requireParents(descriptor: KindNames, meshName: string, parentName: string): Promise<void> {
    const keys = parentKeys(descriptor, meshName, parentName);
    requireParentsFound(keys, await readRows(keys));
  }

  /** The resources the spec names (they must exist in the mesh). */
  function referenceKeys<S extends SpecShapeName>(descriptor: Descriptor<S, string, string>, meshName: string, spec: AppMeshShapeTypes[S]): ResourceKey[] {
    return descriptor.references(spec).map((ref) => ({ kind: ref.toKind, meshName, parentName: "", name: ref.toName }));
  }

  function requireReferencesFound(keys: ResourceKey[], rows: Array<ResourceRow | null>): void {
    keys.forEach((key, index) => {
      if (!rows[index]) throw notFound(`${kindDescriptors[key.kind as ResourceKind].title} ${key.name} referenced by the spec was not found in mesh ${key.meshName}.`);
    });
  }

  /**
   * The mesh as the rules between resources read it: the current spec of a resource by kind and name, taken from
   * `known` (rows this write already read: its parent, the resources its spec names) before asking the store.
   */
  function meshReader(meshName: string, known: Array<ResourceRow | null> = []): MeshReader {
    const read = new Map(known.flatMap((row) => (row && row.parentName === "" ? [[`${row.kind}/${row.name}`, row] as const] : [])));
    const specOf = async <T>(kind: ResourceKind, name: string): Promise<T | undefined> =>
      (read.get(`${kind}/${name}`) ?? (await store.getResource({ kind, meshName, parentName: "", name })))?.spec as T | undefined;
    return {
      virtualRouter: (name) => specOf("virtualRouter", name),
      virtualGateway: (name) => specOf("virtualGateway", name),
      virtualNode: (name) => specOf("virtualNode", name),
      virtualService: (name) => specOf("virtualService", name),
    };
  }

  /** Model validation has run on the whole input; this adds the prose rules. An absent spec is the empty spec. */
  function validateSpec<S extends SpecShapeName>(descriptor: Descriptor<S, string, string>, spec: AppMeshShapeTypes[S] | undefined): AppMeshShapeTypes[S] {
    const value = spec ?? validateShape(descriptor.specShape, {}, "spec");
    checkSpec(descriptor.specShape, value, config);
    return value;
  }

  async function requireNotInUse(descriptor: KindNames, key: ResourceKey): Promise<void> {
    if (descriptor.kind === "mesh") {
      const inMesh = await store.countResources({ meshName: key.meshName });
      if (inMesh > 1) throw resourceInUse(`Mesh ${key.meshName} still has ${inMesh - 1} resources; delete them first.`);
      return;
    }
    for (const child of resourceKinds.map((kind): KindNames => kindDescriptors[kind]).filter((d) => d.parent?.kind === descriptor.kind)) {
      const children = await store.countResources({ kind: child.kind, meshName: key.meshName, parentName: key.name });
      if (children > 0) throw resourceInUse(`${describeKey(key)} still has ${children} ${child.listKey}; delete them first.`);
    }
    const [referrer] = await store.findReferrers(key.meshName, descriptor.kind, key.name, 1);
    if (referrer) throw resourceInUse(`${describeKey(key)} is in use by ${describeKey(referrer)}.`);
    const attached = attachmentRef(key);
    const [attachedBy] = await store.findReferrers(key.meshName, attached.toKind, attached.toName, 1);
    if (attachedBy) throw resourceInUse(`${describeKey(key)} is the target of ${describeKey(attachedBy)}; delete or re-target the policy first.`);
  }

  /** Create…: `operation` names it for the clientToken's request hash. */
  async function create<S extends SpecShapeName, N extends string, P extends string = never>(
    operation: string,
    descriptor: Descriptor<S, N, P>,
    input: NoInfer<CreateInput<AppMeshShapeTypes[S], N, P>>,
    context?: WriteContext,
  ): Promise<ResourceData<AppMeshShapeTypes[S], N, P>> {
    requireOwnMesh(input, config.accountId);
    const key = keyOf(descriptor, input);
    const spec = validateSpec(descriptor, input.spec);
    const tags = input.tags ?? [];
    checkTagList(tags, "tags");
    const request = await idempotency.prepare(operation, input);
    const scope = descriptor.kind === "mesh" ? accountScope : meshScope(key.meshName);

    const parents = parentKeys(descriptor, key.meshName, key.parentName);
    const references = referenceKeys(descriptor, key.meshName, spec);
    return commitIdempotent(commit, idempotency, [scope], request, async () => {
      // Everything the rules below need, in one read; refused in the order App Mesh checks.
      const collection = descriptor.kind === "mesh" ? { kind: "mesh" } : { kind: descriptor.kind, meshName: key.meshName, parentName: key.parentName };
      const [parentRows, current, keptSize, referenced] = await Promise.all([
        readRows(parents),
        store.getResource(key),
        store.countResources(collection),
        readRows(references),
      ]);
      requireParentsFound(parents, parentRows);
      if (current) throw conflict(`${describeKey(key)} already exists.`);
      const quota = config.quotas[descriptor.quota];
      // The kept size is only trusted to admit: replicas of a version before collection_sizes (a rolling upgrade)
      // write without keeping it, so a refusal is decided on the rows themselves.
      const existing = keptSize >= quota ? await store.countResources({ ...collection, exact: true }) : keptSize;
      if (existing >= quota) throw limitExceeded(`The ${descriptor.title.toLowerCase()} quota (${quota}) is reached; delete some or raise ${descriptor.quota}.`);
      requireReferencesFound(references, referenced);
      await checkSpecInMesh(descriptor.specShape, spec, { parentName: key.parentName, mesh: meshReader(key.meshName, [...parentRows, ...referenced]) });

      const at = now();
      const row: ResourceRow = {
        ...key,
        seq: 0,
        uid: config.newUid(),
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
        // A new uid has no references to replace: only the ones its spec names are written.
        setRefs: references.length > 0 ? [{ uid: row.uid, meshName: key.meshName, refs: descriptor.references(spec) }] : [],
        changes: [toChangeEntry(scope, "create", key, now())],
      };
      // A new mesh also starts its own scope, so xDS watchers of the mesh see it.
      if (descriptor.kind === "mesh") batch.bump = [meshScope(key.meshName)];
      return { batch, response, at };
    }, context);
  }

  async function describe<S extends SpecShapeName, N extends string, P extends string = never>(
    descriptor: Descriptor<S, N, P>,
    input: NoInfer<ResourceInput<N, P>>,
  ): Promise<ResourceData<AppMeshShapeTypes[S], N, P>> {
    requireOwnMesh(input, config.accountId);
    return toResourceData(descriptor, await requireRow(keyOf(descriptor, input)));
  }

  /** Update…: replaces the spec and bumps the version; `operation` names it for the request hash. */
  async function update<S extends SpecShapeName, N extends string, P extends string = never>(
    operation: string,
    descriptor: Descriptor<S, N, P>,
    input: NoInfer<UpdateInput<AppMeshShapeTypes[S], N, P>>,
    context?: WriteContext,
  ): Promise<ResourceData<AppMeshShapeTypes[S], N, P>> {
    requireOwnMesh(input, config.accountId);
    const key = keyOf(descriptor, input);
    const spec = validateSpec(descriptor, input.spec);
    const request = await idempotency.prepare(operation, input);
    const scope = meshScope(key.meshName);

    const parents = parentKeys(descriptor, key.meshName, key.parentName);
    const references = referenceKeys(descriptor, key.meshName, spec);
    return commitIdempotent(commit, idempotency, [scope], request, async () => {
      const [parentRows, current, referenced] = await Promise.all([readRows(parents), store.getResource(key), readRows(references)]);
      requireParentsFound(parents, parentRows);
      if (!current) throw notFound(`${describeKey(key)} not found.`);
      requireReferencesFound(references, referenced);
      await checkSpecInMesh(descriptor.specShape, spec, { parentName: key.parentName, mesh: meshReader(key.meshName, [...parentRows, ...referenced]) });
      const at = now();
      const row: ResourceRow = { ...current, spec, version: current.version + 1, lastUpdatedAt: at };
      const response = toResourceData(descriptor, row);
      const batch: WriteBatch = {
        expect: [],
        update: [{ uid: row.uid, spec, status: row.status, version: row.version, lastUpdatedAt: at }],
        setRefs: [{ uid: row.uid, meshName: key.meshName, refs: descriptor.references(spec) }],
        changes: [toChangeEntry(scope, "update", key, now())],
      };
      return { batch, response, at };
    }, context);
  }

  /** Delete…: refused while children or referrers exist; answers with the resource as DELETED. */
  async function remove<S extends SpecShapeName, N extends string, P extends string = never>(
    descriptor: Descriptor<S, N, P>,
    input: NoInfer<ResourceInput<N, P>>,
    context?: WriteContext,
  ): Promise<ResourceData<AppMeshShapeTypes[S], N, P>> {
    requireOwnMesh(input, config.accountId);
    const key = keyOf(descriptor, input);
    const scopes = descriptor.kind === "mesh" ? [accountScope, meshScope(key.meshName)] : [meshScope(key.meshName)];
    return commit(
      scopes,
      async () => {
        const current = await requireRow(key);
        await requireNotInUse(descriptor, key);
        const response = toResourceData(descriptor, { ...current, status: "DELETED" });
        return { batch: { expect: [], delete: [current.uid], changes: scopes.map((scope) => toChangeEntry(scope, "delete", key, now())) }, response };
      },
      context,
    );
  }

  /** List…: one page in creation order, with a cursor that survives creates and deletes between pages. */
  async function list<S extends SpecShapeName, N extends string, L extends string, P extends string = never>(
    descriptor: Descriptor<S, N, P, L>,
    input: NoInfer<ListInput<P>>,
  ): Promise<ListOutput<N, P, L>> {
    requireOwnMesh(input, config.accountId);
    const meshName = input.meshName;
    const parentName = descriptor.parent ? input[descriptor.parent.nameMember] : "";
    // Meshes are listed without a mesh name; every other kind needs its mesh (and parent) to exist.
    const parentsExist = () => (meshName !== undefined ? requireParents(descriptor, meshName, parentName) : undefined);
    const collection = `${descriptor.kind}/${meshName ?? ""}/${parentName}`;
    let afterSeq: number;
    try {
      afterSeq = decodeNextToken(collection, input.nextToken);
    } catch (error) {
      await parentsExist(); // a missing mesh is the answer before a bad token
      throw error;
    }
    const limit = input.limit ?? 100;
    // The parents and the page, read at once.
    const [, rows] = await Promise.all([
      parentsExist(),
      store.listResourceRefs({ kind: descriptor.kind, parentName, afterSeq, limit: limit + 1, ...(descriptor.kind === "mesh" ? {} : { meshName }) }),
    ]);
    const page = rows.slice(0, limit);
    const refs = listEntry(descriptor.listKey, page.map((row) => toResourceRef(descriptor, row)));
    return rows.length > limit ? { ...refs, nextToken: encodeNextToken(collection, page[page.length - 1]!.seq) } : refs;
  }

  /**
   * List… as the response's JSON text: from the page cache when the mesh's stamp (its revision and uid, one point
   * read issued before the page is read) is the one the page was built at. Every commit to anything in a mesh bumps
   * its revision (scopes.ts), and revisions only grow, so an unchanged stamp means an unchanged page; the uid keeps a
   * re-created mesh apart. Meshes are listed uncached: UpdateMesh changes a mesh's entry without bumping the account.
   */
  async function listBody<S extends SpecShapeName, N extends string, L extends string, P extends string = never>(
    descriptor: Descriptor<S, N, P, L>,
    input: NoInfer<ListInput<P>>,
  ): Promise<string> {
    const { pageCache } = config;
    const meshName = input.meshName;
    if (!pageCache || descriptor.kind === "mesh" || meshName === undefined) return JSON.stringify(await list(descriptor, input));
    requireOwnMesh(input, config.accountId);
    const parentName = descriptor.parent ? input[descriptor.parent.nameMember] : "";
    const key = JSON.stringify([descriptor.kind, meshName, parentName, input.limit ?? 100, input.nextToken ?? ""]);
    const found = await store.getScopeStamp(meshScope(meshName), { kind: "mesh", meshName, parentName: "", name: meshName });
    const stamp = found && `${found.uid}/${found.revision}`;
    const kept = stamp ? pageCache.get(key, stamp) : undefined;
    if (kept !== undefined) return kept;
    const body = JSON.stringify(await list(descriptor, input));
    if (stamp) pageCache.set(key, stamp, body);
    return body;
  }

  return { create, describe, update, remove, list, listBody };
}
