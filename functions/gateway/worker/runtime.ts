// The Worker build's runtime: the same resource parsing and core-wasm compilation as the Node gateway, with
// fetch pools instead of sockets. One per isolate; snapshots are swapped whole, as on Node.
import type { Core } from "../../../core-wasm/index.js";
import type { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint_pb.js";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route_pb.js";
import type { ResourceType } from "../../envoy/index.js";
import { parseClusterConfig } from "../config/cluster-config.js";
import { parseListenerConfig, type ListenerConfig } from "../config/listener-config.js";
import { compileRouteConfig, type CompiledRouteConfig } from "../config/route-entries.js";
import { findInternalListener, type RoutingSnapshot } from "../snapshot.js";
import type { XdsResources, XdsSubscriber, XdsUpdateResult } from "../xds-client/types.js";
import { FetchPool } from "./fetch-pool.js";

export type WorkerSnapshot = RoutingSnapshot<FetchPool>;

export class WorkerRuntime implements XdsSubscriber {
  readonly #core: Core;
  #listeners = new Map<string, Listener>();
  #clusters = new Map<string, Cluster>();
  #assignments = new Map<string, ClusterLoadAssignment>();
  #routes = new Map<string, CompiledRouteConfig>();
  readonly #pools = new Map<string, FetchPool>();
  #snapshot: WorkerSnapshot = { listeners: new Map(), routes: new Map(), clusters: new Map(), internalListeners: new Map() };
  connected = false;

  constructor(core: Core) {
    this.#core = core;
  }

  get snapshot(): WorkerSnapshot {
    return this.#snapshot;
  }

  /** The listener this Worker serves: the named one, or the first INBOUND listener with routes. */
  servedListener(name: string | undefined): ListenerConfig | undefined {
    const listeners = [...this.#snapshot.listeners.values()];
    if (name) return listeners.find((l) => l.name === name || String(l.port) === name);
    return listeners.find((l) => l.direction === "INBOUND" && l.routeConfigName) ?? listeners.find((l) => l.routeConfigName);
  }

  wantedNames(): { route: ReadonlySet<string>; endpoint: ReadonlySet<string> } {
    const route = new Set<string>();
    for (const listener of this.#snapshot.listeners.values()) for (const chain of listener.httpChains) route.add(chain.routeConfigName);
    const endpoint = new Set<string>();
    for (const pool of this.#pools.values()) if (pool.config.edsServiceName) endpoint.add(pool.config.edsServiceName);
    return { route, endpoint };
  }

  onConnection(connected: boolean): void {
    this.connected = connected;
  }

  apply(type: ResourceType, resources: XdsResources): XdsUpdateResult {
    try {
      if (type === "listener") {
        for (const listener of resources.values()) parseListenerConfig(listener as Listener);
        this.#listeners = resources as Map<string, Listener>;
      } else if (type === "cluster") this.#clusters = resources as Map<string, Cluster>;
      else if (type === "endpoint") this.#assignments = resources as Map<string, ClusterLoadAssignment>;
      else if (type === "route") {
        const next = new Map<string, CompiledRouteConfig>();
        try {
          for (const [name, config] of resources as Map<string, RouteConfiguration>) next.set(name, compileRouteConfig(config, this.#core));
        } catch (error) {
          for (const compiled of next.values()) compiled.table.dispose();
          throw error;
        }
        // Requests match synchronously, so nothing still uses the old tables once the new ones are published.
        const retired = [...this.#routes.values()];
        this.#routes = next;
        this.#publish();
        for (const old of retired) old.table.dispose();
        return { ok: true };
      } else return { ok: true };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    this.#publish();
    return { ok: true };
  }

  #publish(): void {
    const listeners = new Map<string, ListenerConfig>();
    for (const [name, listener] of this.#listeners) listeners.set(name, parseListenerConfig(listener));
    const clusters = new Map<string, FetchPool>();
    const internal = new Map<string, ListenerConfig>();
    for (const [name, cluster] of this.#clusters) {
      const config = parseClusterConfig(cluster, this.#assignments.get(cluster.edsClusterConfig?.serviceName || name));
      let pool = this.#pools.get(name);
      if (pool) pool.update(config);
      else this.#pools.set(name, (pool = new FetchPool(config)));
      clusters.set(name, pool);
      const target = findInternalListener(config, listeners);
      if (target) internal.set(name, target);
    }
    for (const name of [...this.#pools.keys()]) if (!clusters.has(name)) this.#pools.delete(name);
    this.#snapshot = { listeners, routes: new Map(this.#routes), clusters, internalListeners: internal };
  }
}
