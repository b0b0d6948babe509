// The control-plane Worker's side of the mesh hubs (mesh-hub.ts): one Durable Object per mesh name, reached
// through the MESH_HUB namespace binding.
import type { DurableObjectNamespace } from "@cloudflare/workers-types";
import type { ScopeChange } from "../../../db/change-feed.js";
import type { HubProxyStatus, PollEvent } from "./hub-protocol.js";

/** Scopes outside any mesh that meshes depend on: Cloud Map instances (`endpoints`) and ACM / Private CA material. */
const meshWideScopes = new Set(["endpoints", "acm", "acm-pca"]);

export interface MeshHubs {
  /** Signals the subscribers of every mesh the committed changes concern. Never rejects (a hub may be unreachable). */
  notify(changes: readonly ScopeChange[]): Promise<void>;
  /** Hands a WebSocket upgrade to the mesh's hub; the hub answers 101 with the subscriber's end. */
  subscribe(request: Request, meshName: string, nodeId: string): Promise<Response>;
  /** Records polls in their meshes' hubs. Never rejects. */
  recordPolls(byMesh: ReadonlyMap<string, PollEvent[]>): Promise<void>;
  /** The recorded pollers and subscribers of the given meshes. */
  proxies(meshNames: readonly string[], nodeId?: string): Promise<HubProxyStatus[]>;
}

export interface MeshHubsOptions {
  namespace: DurableObjectNamespace;
  /** The meshes that exist: an `endpoints` change may concern any mesh that discovers through the registry. */
  listMeshes(): Promise<string[]>;
  log?: (message: string) => void;
}

const origin = "https://mesh-hub";

export function createMeshHubs(options: MeshHubsOptions): MeshHubs {
  const log = options.log ?? ((message: string) => console.warn(`meshplane: ${message}`));
  // Workers' fetch types differ from Node's (the ones this project compiles against); a hub is called with plain
  // Requests and answers plain Responses.
  const hub = (meshName: string) => options.namespace.get(options.namespace.idFromName(meshName)) as unknown as { fetch(request: Request): Promise<Response> };
  const call = (meshName: string, path: string, init?: RequestInit) => hub(meshName).fetch(new Request(`${origin}${path}`, init));

  async function signal(meshName: string, change: ScopeChange): Promise<void> {
    try {
      const response = await call(meshName, "/notify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(change) });
      await response.body?.cancel();
    } catch (error) {
      // Subscribers miss this signal; their polling fallback, or the next signal, brings the change.
      log(`signalling mesh ${meshName} of ${change.scope}@${change.revision} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  return {
    async notify(changes) {
      const sends: Array<Promise<void>> = [];
      for (const change of changes) {
        if (change.scope.startsWith("mesh/")) sends.push(signal(change.scope.slice("mesh/".length), change));
        else if (meshWideScopes.has(change.scope)) {
          const meshes = await options.listMeshes().catch(() => []);
          sends.push(...meshes.map((meshName) => signal(meshName, change)));
        }
      }
      await Promise.all(sends);
    },

    subscribe(request, meshName, nodeId) {
      return call(meshName, `/subscribe?node=${encodeURIComponent(nodeId)}`, { headers: request.headers });
    },

    async recordPolls(byMesh) {
      await Promise.all(
        [...byMesh].map(async ([meshName, events]) => {
          try {
            const response = await call(meshName, "/polls", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) });
            await response.body?.cancel();
          } catch (error) {
            log(`recording ${events.length} poll(s) of mesh ${meshName} failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }),
      );
    },

    async proxies(meshNames, nodeId) {
      const query = nodeId === undefined ? "" : `?nodeId=${encodeURIComponent(nodeId)}`;
      const lists = await Promise.all(meshNames.map(async (meshName) => ((await (await call(meshName, `/proxies${query}`)).json()) as { proxies: HubProxyStatus[] }).proxies));
      return lists.flat();
    },
  };
}
