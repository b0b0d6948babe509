// The xDS snapshot cache: per mesh the latest MeshSnapshot and its translator; per node (of a watched mesh) the
// packed resources and content versions per type. Store changes arrive through ChangeFeeds; a change of mesh M
// updates M's snapshot from the change log (the rows that changed, not the whole mesh) and re-translates only the
// nodes it can reach, with the translator of the previous snapshot handing its unchanged pieces on, so only changed
// resources are packed and encoded again. A Cloud Map instance change reaches only meshes that discover through Cloud
// Map, an ACM or Private CA change only meshes whose TLS names ACM; those changes write no mesh change-log entry, so
// the meshes they reach are read whole. A node's watchers hear about it only when one of its type versions changed.
// Re-translation runs in time slices, so the API sharing the event loop stays responsive. Runs on Node and on Workers
// (no node: imports).
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { RESYNC_SCOPE, type ChangeFeed, type ScopeChange } from "../../../db/change-feed.js";
import type { Store } from "../../../db/store.js";
import { loadMeshSnapshot, updateMeshSnapshot, type SnapshotLoadOptions, type UnservableSpecWarning } from "../../appmesh/index.js";
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import { pushOrder, resourceSchemas, type ResourceType } from "../../envoy/index.js";
import { hashBytes, hashString } from "./hash.js";
import { createTimeSlicing, type TimeSlicer, type TimeSlicing } from "./time-slicer.js";
import { tlsKey } from "./tls-key.js";
import {
  MeshUnavailableError,
  NodeIdError,
  type CachedResource,
  type Node,
  type NodeSnapshot,
  type NodeRequest,
  type SnapshotTranslator,
  type TranslatedResources,
  type TypeResources,
  type XdsTranslation,
} from "./types.js";

export interface XdsCacheOptions {
  /** Reads one mesh whole; defaults to `loadMeshSnapshot(store, name, snapshotOptions)`. */
  loadSnapshot?: (meshName: string) => Promise<MeshSnapshot | null>;
  /** Options of the default reads, whole and incremental alike (the ACM material a mesh's TLS names). */
  snapshotOptions?: SnapshotLoadOptions;
  /**
   * Brings a snapshot up to date; defaults to `updateMeshSnapshot(store, snapshot, snapshotOptions)` (from the change
   * log) unless `loadSnapshot` is given, in which case every change reads the mesh whole through it.
   */
  updateSnapshot?: (snapshot: MeshSnapshot) => Promise<{ snapshot: MeshSnapshot | null; incremental: boolean }>;
  /** `readMeshChanges` is what lets a change be applied from the change log. */
  store: Pick<Store, "readMesh" | "listEndpoints" | "getRevisions"> & Partial<Pick<Store, "readMeshChanges">>;
  translation: XdsTranslation;
  /** Feeds of committed changes (in-process and cross-process); duplicates across feeds are dropped by revision. */
  feeds?: readonly ChangeFeed[];
  /**
   * Check the store's revisions on every `fetch` (REST xDS on Workers, where no feed runs). Translation still
   * reruns only when a revision moved.
   */
  revalidateOnFetch?: boolean;
  /** Called after each batch of translations of one mesh (for metrics). */
  onTranslate?: (event: { meshName: string; nodes: number; durationMs: number }) => void;
  /** Called when loading a mesh fails (the previous snapshot stays in force, and the load is retried with back-off). */
  onError?: (error: unknown, meshName: string) => void;
  /**
   * How re-translation yields to the event loop and gives way to API requests; share one with the ADS service (its
   * push queue) so both keep to one slice budget per turn. Default: one of its own.
   */
  timeSlicing?: TimeSlicing;
  /** Retries of a failed load wait `initialMs`, doubling up to `maxMs` (defaults 100 ms and 30 s), with jitter. */
  reloadBackoff?: { initialMs?: number; maxMs?: number };
}

export type NodeListener = (snapshot: NodeSnapshot) => void;

export interface NodeWatch {
  /** The node's snapshot when the watch was created. */
  readonly snapshot: NodeSnapshot;
  cancel(): void;
}

export interface XdsCacheStats {
  meshes: number;
  nodes: number;
  watchers: number;
  /** Mesh reads since the cache started: updated from the change log, or read whole. */
  reads: { incremental: number; full: number };
  /** Resources packed (encoded and hashed) since the cache started; pieces translation handed on are not packed again. */
  packed: number;
  /** Seconds since the oldest change not yet installed in a watched mesh was observed; 0 when every mesh is current. */
  oldestPendingChangeSeconds: number;
}

/** Where one mesh of the cache stands (`GET /v1/xds/status`). */
export interface MeshStatus {
  meshName: string;
  /** Revision of the snapshot in force; null before the first successful load. */
  installedRevision: number | null;
  /** Highest revision a feed reported. */
  heardRevision: number | null;
  /** A change is not installed yet (a load is under way, failing, or waits for its retry). */
  behind: boolean;
  /** Seconds since the oldest change not installed yet was observed; null when current. */
  pendingSeconds: number | null;
  /** Loads that failed in a row since the last success. */
  failedLoads: number;
  lastError: string | null;
  /** Milliseconds until the next retry of a failed load; null when none is scheduled. */
  retryInMs: number | null;
  /** Nodes of this mesh with at least one watcher. */
  watchedNodes: number;
}

/** A mesh's lint: its warnings at the revision in force. */
export interface MeshLint {
  meshName: string;
  meshRevision: number;
  warnings: readonly UnservableSpecWarning[];
}

export interface XdsCache {
  /**
   * Watches a node: `listener` is called with every later snapshot in which at least one type version changed.
   * Rejects with `NodeIdError` for a malformed id or an unknown mesh.
   */
  watch(node: Node, listener: NodeListener, request?: NodeRequest): Promise<NodeWatch>;
  /** The node's current snapshot without watching (REST xDS). */
  fetch(node: Node, request?: NodeRequest): Promise<NodeSnapshot>;
  /** Handles one change as a feed would deliver it; resolves when affected nodes are re-translated. */
  applyChange(change: ScopeChange): Promise<void>;
  /** Resolves when every reload under way has finished (tests, benchmarks); a retry waiting for its time is not under way. */
  idle(): Promise<void>;
  stats(): XdsCacheStats;
  /** Every mesh the cache holds, by name. */
  status(): MeshStatus[];
  /**
   * The warnings of a whole mesh at its current revision (the translation's `lint`); loads the mesh when the cache
   * does not hold it. Null for a mesh that does not exist; rejects with MeshUnavailableError when it cannot be read.
   */
  lint(meshName: string): Promise<MeshLint | null>;
  /** Warnings per mesh the cache holds, by code, without loading anything (metrics). */
  lintCounts(): Array<{ meshName: string; code: string; count: number }>;
  close(): void;
}

interface NodeEntry {
  readonly key: string;
  readonly node: Node;
  readonly request: NodeRequest;
  snapshot: NodeSnapshot;
  /** Dependency fingerprint the snapshot was translated under (when the translation provides one). */
  fingerprint: string | undefined;
  readonly watchers: Set<NodeListener>;
}

interface MeshEntry {
  readonly name: string;
  snapshot: MeshSnapshot | null;
  /** Fingerprint of the snapshot's endpoints and TLS material (the mesh revision does not move when only they do). */
  endpointsKey: string;
  translate: SnapshotTranslator | null;
  /** Highest revision any feed reported for this mesh. */
  heard: number;
  /**
   * Revision of the snapshot in force (-1 before the first load, or when a re-read is forced). A change counts as
   * heard only once installed: until then every delivery of it, the PostgreSQL feed's safety re-poll included, may
   * start the load again.
   */
  installed: number;
  /** A change arrived while nobody watched: reload before serving. */
  stale: boolean;
  /** The next read must be a whole one (a mesh may have been re-created, or registry endpoints moved). */
  readWhole: boolean;
  loading: Promise<void> | null;
  again: boolean;
  pendingChangedAt: number;
  /** `now()` when the oldest change not installed yet was observed; Infinity when current. */
  pendingSince: number;
  /** Loads failed in a row, the last one's message, and the retry waiting for its time. */
  failures: number;
  lastError: string | null;
  retry: { timer: ReturnType<typeof setTimeout>; at: number } | null;
  /** The snapshot's lint, computed when first asked. */
  lint: { revision: number; warnings: MeshLint["warnings"] } | null;
  /**
   * Callers waiting for this mesh's load (a stream's first watch, a REST xDS fetch, a config dump): while any waits,
   * the load does not give way to API requests in flight, since one of them may be the very one waiting.
   */
  awaited: number;
  readonly nodes: Map<string, NodeEntry>;
}

const typeFields: Record<ResourceType, Exclude<keyof TranslatedResources, "warnings">> = {
  listener: "listeners",
  cluster: "clusters",
  route: "routes",
  endpoint: "endpoints",
  secret: "secrets",
};

const emptyType: TypeResources = { version: hashString(""), resources: new Map() };

const now = (): number => performance.now();

function isSortedByName(list: readonly CachedResource[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i - 1]!.name > list[i]!.name) return false;
  return true;
}

function sameResources(previous: TypeResources, list: readonly CachedResource[]): boolean {
  if (previous.resources.size !== list.length) return false;
  let i = 0;
  for (const resource of previous.resources.values()) if (resource !== list[i++]) return false;
  return true;
}

function resourceName(type: ResourceType, message: Message): string {
  const fields = message as unknown as { name?: string; clusterName?: string };
  return (type === "endpoint" ? fields.clusterName : fields.name) ?? "";
}

export function createXdsCache(options: XdsCacheOptions): XdsCache {
  const { translation } = options;
  const { store } = options;
  const snapshotOptions = options.snapshotOptions ?? {};
  const loadSnapshot = options.loadSnapshot ?? ((name: string) => loadMeshSnapshot(store, name, snapshotOptions));
  const { readMeshChanges } = store;
  const updateSnapshot =
    options.updateSnapshot ?? (options.loadSnapshot || !readMeshChanges ? undefined : (snapshot: MeshSnapshot) => updateMeshSnapshot({ ...store, readMeshChanges }, snapshot, snapshotOptions));
  const reads = { incremental: 0, full: 0 };
  let packedCount = 0;
  const slicing = options.timeSlicing ?? createTimeSlicing();
  const meshes = new Map<string, MeshEntry>();
  /** Resources already packed: translation shares message objects between nodes, so each is packed once. */
  const packed = new WeakMap<Message, CachedResource>();
  let accountRevision = -1;
  let closed = false;

  function pack(type: ResourceType, message: Message): CachedResource {
    const hit = packed.get(message);
    if (hit) return hit;
    const schema = resourceSchemas[type] as DescMessage;
    const any = anyPack(schema, message as never);
    const resource: CachedResource = { name: resourceName(type, message), any, version: hashBytes(any.value) };
    packed.set(message, resource);
    packedCount++;
    return resource;
  }

  function buildType(type: ResourceType, messages: readonly Message[], previous: TypeResources | undefined): TypeResources {
    if (messages.length === 0) return emptyType;
    const list = messages.map((message) => pack(type, message));
    if (!isSortedByName(list)) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // The translator handed on the very resources of the previous snapshot: nothing to hash.
    if (previous && sameResources(previous, list)) return previous;
    const version = hashString(list.map((resource) => `${resource.name}\u0000${resource.version}`).join("\n"));
    if (previous && previous.version === version) return previous;
    return { version, resources: new Map(list.map((resource) => [resource.name, resource])) };
  }

  function buildNodeSnapshot(mesh: MeshEntry, node: Node, request: NodeRequest, previous: NodeSnapshot | undefined, changedAt: number): NodeSnapshot {
    const translated = mesh.translate && mesh.snapshot ? mesh.translate.translate(node, request) : null;
    const types = {} as Record<ResourceType, TypeResources>;
    for (const type of pushOrder) types[type] = translated ? buildType(type, translated[typeFields[type]], previous?.types[type]) : emptyType;
    return { meshName: mesh.name, meshRevision: mesh.snapshot?.revision ?? 0, types, changedAt, warnings: translated?.warnings ?? [] };
  }

  function endpointsKey(snapshot: MeshSnapshot | null): string {
    return snapshot ? hashString(JSON.stringify(snapshot.endpoints) + tlsKey(snapshot)) : "";
  }

  function usesRegistry(mesh: MeshEntry): boolean {
    return mesh.snapshot?.virtualNodes.some((node) => node.spec.serviceDiscovery?.awsCloudMap !== undefined) ?? false;
  }

  /** Whether the mesh's TLS names ACM certificates or Private CAs: their changes reach it through the `acm` scopes. */
  function usesAcm(mesh: MeshEntry): boolean {
    return mesh.snapshot?.tls !== undefined;
  }

  /** The scopes outside any mesh whose changes some meshes depend on, and which meshes. */
  const externalScopes: Record<string, (mesh: MeshEntry) => boolean> = { endpoints: usesRegistry, acm: usesAcm, "acm-pca": usesAcm };
  const externalRevisions = new Map<string, number>();

  function meshEntry(name: string): MeshEntry {
    let mesh = meshes.get(name);
    if (!mesh) {
      mesh = {
        name,
        snapshot: null,
        endpointsKey: "",
        translate: null,
        heard: -1,
        installed: -1,
        stale: true,
        readWhole: true,
        loading: null,
        again: false,
        pendingChangedAt: Infinity,
        pendingSince: Infinity,
        failures: 0,
        lastError: null,
        retry: null,
        lint: null,
        awaited: 0,
        nodes: new Map(),
      };
      meshes.set(name, mesh);
    }
    return mesh;
  }

  /**
   * Installs a freshly read snapshot and re-translates the mesh's watched nodes when it differs from the last one,
   * in time slices; the watchers of each slice's nodes hear of their new snapshots before the next slice starts.
   */
  async function install(mesh: MeshEntry, snapshot: MeshSnapshot | null, changedAt: number, slicer: TimeSlicer): Promise<void> {
    const key = endpointsKey(snapshot);
    const sameRevision = (snapshot === null) === (mesh.snapshot === null) && (snapshot?.revision ?? 0) === (mesh.snapshot?.revision ?? 0);
    mesh.stale = false;
    mesh.installed = snapshot?.revision ?? 0;
    if (mesh.installed >= mesh.heard) mesh.pendingSince = Infinity;
    if (sameRevision && key === mesh.endpointsKey && (snapshot === null || mesh.translate !== null)) return;
    mesh.lint = null;
    mesh.snapshot = snapshot;
    mesh.endpointsKey = key;
    if (snapshot) mesh.heard = Math.max(mesh.heard, snapshot.revision);
    const translate = snapshot ? translation.forSnapshot(snapshot, mesh.translate ?? undefined) : null;
    mesh.translate = translate;
    // Building the translator (the mesh index, the dependency stamps) is a step of its own: the nodes wait for the
    // next slice when it used this one up.
    const first = slicer.pause();
    if (first) await first;
    const started = now();
    let translatedNodes = 0;
    let notify: Array<[NodeEntry, NodeSnapshot]> = [];
    const tell = () => {
      for (const [entry, next] of notify) for (const listener of [...entry.watchers]) listener(next);
      notify = [];
    };
    for (const [nodeKey, entry] of [...mesh.nodes]) {
      if (closed || mesh.translate !== translate) return;
      if (entry.watchers.size === 0) {
        if (mesh.nodes.get(nodeKey) === entry) mesh.nodes.delete(nodeKey);
        continue;
      }
      const fingerprint = translate?.fingerprint?.(entry.node, entry.request);
      if (fingerprint !== undefined && fingerprint === entry.fingerprint) continue;
      entry.fingerprint = fingerprint;
      const next = buildNodeSnapshot(mesh, entry.node, entry.request, entry.snapshot, changedAt);
      translatedNodes++;
      if (pushOrder.some((type) => next.types[type] !== entry.snapshot.types[type])) {
        entry.snapshot = next;
        notify.push([entry, next]);
      }
      const pause = slicer.pause();
      if (pause) {
        tell();
        await pause;
      }
    }
    if (translatedNodes > 0) options.onTranslate?.({ meshName: mesh.name, nodes: translatedNodes, durationMs: now() - started });
    tell();
  }

  /** The mesh at its current revision: from the change log when possible, read whole otherwise. */
  async function read(mesh: MeshEntry): Promise<MeshSnapshot | null> {
    const previous = mesh.snapshot;
    // ACM material changes move no mesh revision: such a mesh is read whole, like updateMeshSnapshot would.
    if (!previous || mesh.readWhole || !updateSnapshot || previous.tls !== undefined) {
      const snapshot = await loadSnapshot(mesh.name);
      // Only a read that succeeded settles it: a failed one is retried whole.
      mesh.readWhole = false;
      reads.full++;
      return snapshot;
    }
    const update = await updateSnapshot(previous);
    if (update.incremental) reads.incremental++;
    else reads.full++;
    return update.snapshot;
  }

  /** The wait before retry number `failures` of a failed load: doubling, capped, with jitter so replicas spread out. */
  function backoffMs(failures: number): number {
    const initial = options.reloadBackoff?.initialMs ?? 100;
    const max = options.reloadBackoff?.maxMs ?? 30_000;
    const exact = Math.min(max, initial * 2 ** Math.min(failures - 1, 30));
    return exact / 2 + Math.random() * (exact / 2);
  }

  /** Retries a failed load after its back-off, while someone watches the mesh; otherwise the next watch loads it. */
  function scheduleRetry(mesh: MeshEntry): void {
    if (closed || mesh.retry) return;
    if (!watched(mesh)) {
      mesh.stale = true;
      return;
    }
    const delay = backoffMs(mesh.failures);
    const timer = setTimeout(() => {
      mesh.retry = null;
      void refresh(mesh, Infinity);
    }, delay);
    (timer as { unref?: () => void }).unref?.();
    mesh.retry = { timer, at: now() + delay };
  }

  /**
   * Re-reads the mesh (coalescing: changes arriving during a read cause exactly one more read). A failed read keeps
   * the snapshot in force and is retried with back-off until one succeeds; a change arriving meanwhile retries at once.
   */
  function refresh(mesh: MeshEntry, changedAt: number): Promise<void> {
    mesh.pendingChangedAt = Math.min(mesh.pendingChangedAt, changedAt);
    if (changedAt !== Infinity) mesh.pendingSince = Math.min(mesh.pendingSince, changedAt);
    if (mesh.retry) {
      clearTimeout(mesh.retry.timer);
      mesh.retry = null;
    }
    if (mesh.loading) {
      mesh.again = true;
      return mesh.loading;
    }
    const run = async (): Promise<void> => {
      do {
        // A change arrives synchronously inside the write that committed it: the read and the re-translation start
        // on a later turn, once the API has answered (changes arriving meanwhile are read with this one).
        if (mesh.awaited === 0) await slicing.turn();
        if (closed) return;
        mesh.again = false;
        const at = mesh.pendingChangedAt;
        mesh.pendingChangedAt = Infinity;
        try {
          const slicer = slicing.slicer(() => mesh.awaited > 0);
          const snapshot = await read(mesh);
          if (closed) return;
          // Reading the change log and applying it to the snapshot is a step of its own too.
          const pause = slicer.pause();
          if (pause) await pause;
          if (closed) return;
          await install(mesh, snapshot, at, slicer);
          mesh.failures = 0;
          mesh.lastError = null;
        } catch (error) {
          if (closed) return;
          // Still owed: the retry (or the next change) reads again and pushes it with its original observation time.
          mesh.pendingChangedAt = Math.min(mesh.pendingChangedAt, at);
          mesh.failures++;
          mesh.lastError = error instanceof Error ? error.message : String(error);
          options.onError?.(error, mesh.name);
          if (!mesh.again) scheduleRetry(mesh);
        }
      } while (mesh.again && !closed);
    };
    mesh.loading = run().finally(() => {
      mesh.loading = null;
    });
    return mesh.loading;
  }

  function watched(mesh: MeshEntry): boolean {
    for (const entry of mesh.nodes.values()) if (entry.watchers.size > 0) return true;
    return false;
  }

  /** Reload now if someone watches the mesh; otherwise just remember that it is stale. */
  function touch(mesh: MeshEntry, changedAt: number): Promise<void> {
    if (watched(mesh)) return refresh(mesh, changedAt);
    mesh.stale = true;
    mesh.pendingSince = Infinity; // nobody is served from it: it is not behind anyone
    return Promise.resolve();
  }

  /** Forgets what the mesh's snapshot covers, so that the next read installs whatever the store holds, read whole. */
  function forceReread(mesh: MeshEntry, changedAt: number): Promise<void> {
    mesh.heard = -1;
    mesh.installed = -1;
    mesh.readWhole = true;
    return touch(mesh, changedAt);
  }

  function applyChange(change: ScopeChange): Promise<void> {
    if (closed) return Promise.resolve();
    const changedAt = now();
    if (change.scope.startsWith("mesh/")) {
      const mesh = meshes.get(change.scope.slice("mesh/".length));
      if (!mesh || change.revision <= mesh.installed) return Promise.resolve();
      // Heard before and already on its way: the load under way (or its retry) reads it, or a later one does.
      if (change.revision <= mesh.heard && (mesh.loading !== null || mesh.retry !== null)) return Promise.resolve();
      mesh.heard = Math.max(mesh.heard, change.revision);
      return touch(mesh, changedAt);
    }
    if (change.scope === RESYNC_SCOPE) {
      // The feed missed changes it cannot read back: everything held may be out of date.
      externalRevisions.clear();
      accountRevision = -1;
      return Promise.all([...meshes.values()].map((mesh) => forceReread(mesh, changedAt))).then(() => undefined);
    }
    const dependents = externalScopes[change.scope];
    if (dependents) {
      if (change.revision <= (externalRevisions.get(change.scope) ?? -1)) return Promise.resolve();
      externalRevisions.set(change.scope, change.revision);
      // Cloud Map instances and ACM material write no mesh change-log entry: the meshes they reach are read whole.
      return Promise.all(
        [...meshes.values()].filter(dependents).map((mesh) => {
          mesh.readWhole = true;
          return touch(mesh, changedAt);
        }),
      ).then(() => undefined);
    }
    if (change.scope === "account") {
      if (change.revision <= accountRevision) return Promise.resolve();
      accountRevision = change.revision;
      // A mesh was created or deleted (possibly re-created under the same name, with its revision restarted).
      return Promise.all([...meshes.values()].map((mesh) => forceReread(mesh, changedAt))).then(() => undefined);
    }
    return Promise.resolve();
  }

  const unsubscribe = (options.feeds ?? []).map((feed) => feed.subscribe((change) => void applyChange(change)));

  async function ready(node: Node, request: NodeRequest): Promise<{ mesh: MeshEntry; key: string }> {
    if (closed) throw new Error("xDS cache is closed");
    const identity = translation.identify(node);
    const mesh = await loaded(identity.meshName);
    if (!mesh.snapshot || !mesh.translate) throw new NodeIdError(`mesh "${identity.meshName}" does not exist`);
    if (!mesh.translate.exists(node)) throw new NodeIdError(`node "${node.id}" does not exist in mesh "${identity.meshName}"`);
    const listeners = [...new Set(request.apiListeners ?? [])].sort();
    return { mesh, key: listeners.length > 0 ? `${identity.key}\u0000${listeners.join("\u0000")}` : identity.key };
  }

  /**
   * The mesh's entry once it holds the store's current snapshot, or the last good one when the store cannot be read
   * now (proxies keep being served). Without any snapshot, an unreadable store rejects with MeshUnavailableError.
   */
  async function loaded(meshName: string): Promise<MeshEntry> {
    const mesh = meshEntry(meshName);
    if (options.revalidateOnFetch && !mesh.stale && !mesh.loading) {
      const scope = `mesh/${mesh.name}`;
      try {
        const external = Object.keys(externalScopes);
        const revisions = await options.store.getRevisions([scope, ...external]);
        const moved = external.filter((name) => externalScopes[name]!(mesh) && (revisions[name] ?? 0) !== (externalRevisions.get(name) ?? -1));
        if ((revisions[scope] ?? 0) !== (mesh.snapshot?.revision ?? 0) || moved.length > 0) {
          for (const name of external) externalRevisions.set(name, revisions[name] ?? 0);
          mesh.stale = true;
          if (moved.length > 0) mesh.readWhole = true;
        }
      } catch (error) {
        if (!mesh.snapshot) throw new MeshUnavailableError(meshName, error);
      }
    }
    mesh.awaited++;
    if (mesh.loading) slicing.hurry();
    try {
      if (mesh.stale) await refresh(mesh, now());
      else if (mesh.loading) await mesh.loading;
    } finally {
      mesh.awaited--;
    }
    if (!mesh.snapshot && mesh.failures > 0) {
      if (mesh.nodes.size === 0 && !mesh.loading) forget(mesh);
      throw new MeshUnavailableError(meshName, mesh.lastError);
    }
    // Do not keep an entry per unknown name a client made up.
    if (!mesh.snapshot && mesh.nodes.size === 0 && !mesh.loading) forget(mesh);
    return mesh;
  }

  function forget(mesh: MeshEntry): void {
    if (mesh.retry) clearTimeout(mesh.retry.timer);
    meshes.delete(mesh.name);
  }

  function entryFor(mesh: MeshEntry, key: string, node: Node, request: NodeRequest): NodeEntry {
    let entry = mesh.nodes.get(key);
    if (!entry) {
      entry = { key, node, request, snapshot: buildNodeSnapshot(mesh, node, request, undefined, now()), watchers: new Set(), fingerprint: mesh.translate?.fingerprint?.(node, request) };
      mesh.nodes.set(key, entry);
    }
    return entry;
  }

  return {
    async watch(node, listener, request = {}) {
      const { mesh, key } = await ready(node, request);
      const entry = entryFor(mesh, key, node, request);
      entry.watchers.add(listener);
      let cancelled = false;
      return {
        snapshot: entry.snapshot,
        cancel() {
          if (cancelled) return;
          cancelled = true;
          entry.watchers.delete(listener);
          if (entry.watchers.size === 0 && mesh.nodes.get(key) === entry) mesh.nodes.delete(key);
        },
      };
    },
    async fetch(node, request = {}) {
      const { mesh, key } = await ready(node, request);
      return entryFor(mesh, key, node, request).snapshot;
    },
    applyChange,
    async idle() {
      for (let round = 0; round < 100; round++) {
        const loading = [...meshes.values()].map((mesh) => mesh.loading).filter((p): p is Promise<void> => p !== null);
        if (loading.length === 0) return;
        await Promise.all(loading);
      }
    },
    stats() {
      let nodes = 0;
      let watchers = 0;
      let oldest = Infinity;
      for (const mesh of meshes.values()) {
        nodes += mesh.nodes.size;
        for (const entry of mesh.nodes.values()) watchers += entry.watchers.size;
        oldest = Math.min(oldest, mesh.pendingSince);
      }
      return {
        meshes: meshes.size,
        nodes,
        watchers,
        reads: { ...reads },
        packed: packedCount,
        oldestPendingChangeSeconds: oldest === Infinity ? 0 : (now() - oldest) / 1000 };
    },
    status() {
      const at = now();
      return [...meshes.values()]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((mesh) => ({
          meshName: mesh.name,
          installedRevision: mesh.installed >= 0 ? mesh.installed : null,
          heardRevision: mesh.heard >= 0 ? mesh.heard : null,
          behind: mesh.pendingSince !== Infinity,
          pendingSeconds: mesh.pendingSince === Infinity ? null : (at - mesh.pendingSince) / 1000,
          failedLoads: mesh.failures,
          lastError: mesh.lastError,
          retryInMs: mesh.retry ? Math.max(0, Math.round(mesh.retry.at - at)) : null,
          watchedNodes: [...mesh.nodes.values()].filter((entry) => entry.watchers.size > 0).length,
        }));
    },
    async lint(meshName) {
      if (closed) throw new Error("xDS cache is closed");
      const mesh = await loaded(meshName);
      if (!mesh.snapshot || !mesh.translate) return null;
      if (!mesh.lint || mesh.lint.revision !== mesh.snapshot.revision) mesh.lint = { revision: mesh.snapshot.revision, warnings: mesh.translate.lint?.() ?? [] };
      return { meshName, meshRevision: mesh.snapshot.revision, warnings: mesh.lint.warnings };
    },
    lintCounts() {
      const counts: Array<{ meshName: string; code: string; count: number }> = [];
      for (const mesh of meshes.values()) {
        if (!mesh.snapshot || !mesh.translate?.lint) continue;
        if (!mesh.lint || mesh.lint.revision !== mesh.snapshot.revision) mesh.lint = { revision: mesh.snapshot.revision, warnings: mesh.translate.lint() };
        const byCode = new Map<string, number>();
        for (const w of mesh.lint.warnings) byCode.set(w.code, (byCode.get(w.code) ?? 0) + 1);
        for (const [code, count] of byCode) counts.push({ meshName: mesh.name, code, count });
      }
      return counts;
    },
    close() {
      closed = true;
      unsubscribe.forEach((stop) => stop());
      for (const mesh of meshes.values()) if (mesh.retry) clearTimeout(mesh.retry.timer);
    },
  };
}
