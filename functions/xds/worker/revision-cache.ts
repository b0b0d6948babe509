// The snapshot source of a stateless runtime (the Worker, where no change feed runs and an isolate may live for
// one request or for hours): per isolate, one generation per mesh revision. Each fetch reads the revisions once
// (one indexed query: the mesh's scope, `account`, `endpoints`, `acm`, `acm-pca`); while they match the generation's
// (the last three only for meshes that discover through Cloud Map or name ACM material), the node is
// served from it and nothing is re-read or re-translated. When they moved, a fresh generation loads the mesh and
// translates each node on first demand. A generation is the Node process's own XdsCache (no feeds, fetch only),
// used through its public interface, so versions, resources and NodeIdErrors are the ones Node serves.
import type { Store } from "../../../db/store.js";
import { loadMeshSnapshot } from "../../appmesh/index.js";
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import { createXdsCache, type XdsCache } from "../cache/cache.js";
import type { Node, NodeRequest, NodeSnapshot, XdsTranslation } from "../cache/types.js";

export interface RevisionCacheOptions {
  store: Pick<Store, "readMesh" | "listEndpoints" | "getRevisions">;
  translation: XdsTranslation;
  /** Reads one mesh; defaults to `loadMeshSnapshot(store, name)`. */
  loadSnapshot?: (meshName: string) => Promise<MeshSnapshot | null>;
}

export interface RevisionCacheStats {
  /** Meshes with a generation in this isolate. */
  meshes: number;
  /** Generations started since the isolate began (one per revision a fetch found moved, plus first loads). */
  generations: number;
}

export interface RevisionCache extends Pick<XdsCache, "fetch" | "lint"> {
  stats(): RevisionCacheStats;
}

interface Revisions {
  mesh: number;
  account: number;
  endpoints: number;
  /** ACM's scope: certificates imported, issued, renewed or deleted. */
  acm: number;
  /** Private CA's account scope: CAs created, disabled, deleted or restored. */
  acmPca: number;
}

interface Generation {
  /** The revisions read when this generation was started. */
  readonly seen: Revisions;
  readonly cache: XdsCache;
  /** The loaded snapshot's revision (it may be newer than `seen.mesh`); undefined until loaded. */
  loadedRevision: number | undefined;
  /** Whether the mesh discovers through the endpoint registry (then an `endpoints` change outdates it too). */
  usesRegistry: boolean;
  /** Whether the mesh's TLS names ACM certificates or Private CAs (then `acm` and `acm-pca` changes outdate it too). */
  usesAcm: boolean;
  /** The mesh was found missing: not kept, so made-up names cost no memory. */
  missing: boolean;
}

function isCurrent(generation: Generation, now: Revisions): boolean {
  if (generation.missing) return false;
  if (now.mesh !== (generation.loadedRevision ?? generation.seen.mesh)) return false;
  // A mesh deleted and created again under the same name moves `account`.
  if (now.account !== generation.seen.account) return false;
  if (generation.usesAcm && (now.acm !== generation.seen.acm || now.acmPca !== generation.seen.acmPca)) return false;
  return !generation.usesRegistry || now.endpoints === generation.seen.endpoints;
}

export function createRevisionCache(options: RevisionCacheOptions): RevisionCache {
  const { store, translation } = options;
  const load = options.loadSnapshot ?? ((name: string) => loadMeshSnapshot(store as Store, name));
  const generations = new Map<string, Generation>();
  let started = 0;

  function startGeneration(meshName: string, seen: Revisions): Generation {
    const generation: Generation = {
      seen,
      loadedRevision: undefined,
      usesRegistry: false,
      usesAcm: false,
      missing: false,
      cache: createXdsCache({
        store,
        translation,
        loadSnapshot: async (name) => {
          const snapshot = await load(name);
          generation.loadedRevision = snapshot?.revision ?? 0;
          generation.usesRegistry = snapshot?.virtualNodes.some((node) => node.spec.serviceDiscovery?.awsCloudMap !== undefined) ?? false;
          generation.usesAcm = snapshot?.tls !== undefined;
          generation.missing = snapshot === null;
          return snapshot;
        },
      }),
    };
    started++;
    generations.set(meshName, generation);
    return generation;
  }

  /** The mesh's generation for the revisions in the store now: the kept one while they match, else a fresh one. */
  async function currentGeneration(meshName: string): Promise<Generation> {
    const scope = `mesh/${meshName}`;
    const read = await store.getRevisions([scope, "account", "endpoints", "acm", "acm-pca"]);
    const now: Revisions = { mesh: read[scope] ?? 0, account: read.account ?? 0, endpoints: read.endpoints ?? 0, acm: read.acm ?? 0, acmPca: read["acm-pca"] ?? 0 };
    const generation = generations.get(meshName);
    return generation && isCurrent(generation, now) ? generation : startGeneration(meshName, now);
  }

  async function within<T>(meshName: string, use: (cache: XdsCache) => Promise<T>): Promise<T> {
    const generation = await currentGeneration(meshName);
    try {
      return await use(generation.cache);
    } finally {
      if (generation.missing && generations.get(meshName) === generation) generations.delete(meshName);
    }
  }

  return {
    // async: a malformed node id rejects (NodeIdError) rather than throwing at the call.
    fetch: async (node: Node, request: NodeRequest = {}): Promise<NodeSnapshot> => within(translation.identify(node).meshName, (cache) => cache.fetch(node, request)),
    lint: (meshName: string) => within(meshName, (cache) => cache.lint(meshName)),
    stats: () => ({ meshes: generations.size, generations: started }),
  };
}
