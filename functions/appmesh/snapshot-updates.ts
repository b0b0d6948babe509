// A mesh snapshot brought up to date from the change log instead of a whole-mesh read: the store returns the
// change-log entries after the snapshot's revision and the current rows of the resources they name (one consistent
// read, Store.readMeshChanges), and only those items are rendered and put in place. Everything else in the new
// snapshot is the previous snapshot's objects, so what translation derived from them stays valid (and identical).
// When the entries do not account for every revision in between (a write without an entry, a pruned log, a mesh
// deleted and re-created), the mesh is read whole instead.
import type { ChangeRecord, ResourceRow, Store } from "../../db/store.js";
import { kindDescriptors, type KindNames } from "./kinds.js";
import { toResourceData } from "./render.js";
import { meshScope } from "./scopes.js";
import {
  acmReferencesOf,
  creationOrder,
  isListedKind,
  loadDiscoveredEndpoints,
  loadMeshSnapshot,
  POLICY_KIND,
  renderRow,
  snapshotLists,
  type ListedKind,
  type SnapshotItem,
  type SnapshotLoadOptions,
} from "./snapshot-loader.js";
import type { MeshSnapshot } from "./snapshot.js";

/** More entries than this since the snapshot: reading the whole mesh is as cheap. */
const MAX_CHANGES = 500;

export interface MeshSnapshotUpdate {
  /** The mesh at its current revision; null when it no longer exists. */
  snapshot: MeshSnapshot | null;
  /** Whether it was updated from the change log (false: read whole). */
  incremental: boolean;
}

const keyOf = (kind: string, parentName: string, name: string) => `${kind}\u0000${parentName}\u0000${name}`;

function itemKey(kind: ListedKind, item: SnapshotItem): string {
  const descriptor: KindNames = kindDescriptors[kind];
  const names = item as unknown as Record<string, string>;
  return keyOf(kind, descriptor.parent ? names[descriptor.parent.nameMember]! : "", names[descriptor.nameMember]!);
}

/** Whether the entries name every revision after `from` up to `to`, each scope revision being one committed write. */
function accountsForEveryRevision(changes: readonly ChangeRecord[], from: number, to: number): boolean {
  if (to <= from) return false;
  const seen = new Set(changes.map((change) => change.revision));
  for (let revision = from + 1; revision <= to; revision++) if (!seen.has(revision)) return false;
  return true;
}

const usesRegistry = (item: SnapshotItem | undefined): boolean =>
  item !== undefined && "virtualNodeName" in item && (item.spec as { serviceDiscovery?: { awsCloudMap?: unknown } }).serviceDiscovery?.awsCloudMap !== undefined;

/** Whether an item's TLS names an ACM certificate or Private CA (only virtual nodes and gateways can). */
const namesAcm = (item: SnapshotItem): boolean => {
  const references = acmReferencesOf([item.spec]);
  return references.certificates.length + references.authorities.length > 0;
};

/**
 * `snapshot` with the changes read applied, or undefined when they cannot be applied (the caller reads the mesh whole).
 * Pure: the result shares every unchanged item with `snapshot`. `endpoints` is kept; the caller reloads it when
 * `needsEndpoints` says a node's Cloud Map discovery may have changed. Undefined as well when a changed item names ACM
 * material: its snapshot carries `tls`, which only a whole read loads.
 */
export function applyMeshChanges(
  snapshot: MeshSnapshot,
  read: { revision: number; changes: readonly ChangeRecord[]; rows: readonly ResourceRow[] },
): { snapshot: MeshSnapshot | null; needsEndpoints: boolean } | undefined {
  if (!accountsForEveryRevision(read.changes, snapshot.revision, read.revision)) return undefined;
  const rows = new Map(read.rows.map((row) => [keyOf(row.kind, row.parentName, row.name), row]));
  const changedByKind = new Map<ListedKind, Set<string>>();
  let mesh = snapshot.mesh;
  for (const change of read.changes) {
    if (change.kind === "mesh") {
      const row = rows.get(keyOf("mesh", "", change.name));
      if (!row) return { snapshot: null, needsEndpoints: false };
      mesh = toResourceData(kindDescriptors.mesh, row);
      continue;
    }
    // A policy change reads the mesh whole: the translation of a mesh with policies starts afresh anyway, and the
    // policies list is rebuilt from the store. Other kinds not listed in a snapshot are not known here: read whole too.
    if (change.kind === POLICY_KIND || !isListedKind(change.kind)) return undefined;
    let keys = changedByKind.get(change.kind);
    if (!keys) changedByKind.set(change.kind, (keys = new Set()));
    keys.add(keyOf(change.kind, change.parentName, change.name));
  }
  const next: MeshSnapshot = { ...snapshot, mesh, revision: read.revision };
  let needsEndpoints = false;
  for (const [kind, keys] of changedByKind) {
    const list = snapshot[snapshotLists[kind]] as readonly SnapshotItem[];
    const kept: SnapshotItem[] = [];
    for (const item of list) {
      if (!keys.has(itemKey(kind, item))) kept.push(item);
      else if (usesRegistry(item)) needsEndpoints = true;
    }
    for (const key of keys) {
      const row = rows.get(key);
      if (!row) continue;
      const item = renderRow(kind, row);
      if (namesAcm(item)) return undefined;
      if (usesRegistry(item)) needsEndpoints = true;
      kept.push(item);
    }
    const orders = kept.map((item) => creationOrder.get(item));
    if (orders.some((order) => order === undefined)) return undefined;
    const sorted = kept.map((item, i) => ({ item, order: orders[i]! })).sort((a, b) => a.order - b.order);
    (next as unknown as Record<string, SnapshotItem[]>)[snapshotLists[kind]] = sorted.map((entry) => entry.item);
  }
  return { snapshot: next, needsEndpoints };
}

/**
 * The mesh at its current revision, from `snapshot` and what changed since (one read of the changes and their rows),
 * or read whole when the change log cannot account for everything in between. A mesh whose snapshot carries ACM
 * material (`tls`) is always read whole: its certificates change without any mesh revision moving. `options` are
 * those of every whole read (loadMeshSnapshot), so a fallen-back read serves the same TLS material.
 */
export async function updateMeshSnapshot(
  store: Pick<Store, "readMesh" | "readMeshChanges" | "listEndpoints">,
  snapshot: MeshSnapshot,
  options: SnapshotLoadOptions = {},
): Promise<MeshSnapshotUpdate> {
  const name = snapshot.mesh.meshName;
  if (snapshot.tls !== undefined) return { snapshot: await loadMeshSnapshot(store, name, options), incremental: false };
  const read = await store.readMeshChanges(name, snapshot.revision, MAX_CHANGES + 1);
  if (read.revision === snapshot.revision && read.changes.length === 0) return { snapshot, incremental: true };
  const applied = read.changes.length <= MAX_CHANGES && read.changes.every((change) => change.scope === meshScope(name)) ? applyMeshChanges(snapshot, read) : undefined;
  if (!applied) return { snapshot: await loadMeshSnapshot(store, name, options), incremental: false };
  const { snapshot: next, needsEndpoints } = applied;
  if (next && needsEndpoints) next.endpoints = await loadDiscoveredEndpoints(store, next.virtualNodes);
  return { snapshot: next, incremental: true };
}
