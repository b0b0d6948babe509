// One immutable view of the gateway's configuration: what a request sees from start to end. A config change
// publishes a new snapshot; requests already running keep the one they started with (atomic swaps).
import type { ClusterConfig } from "./config/cluster-config.js";
import type { ListenerConfig } from "./config/listener-config.js";
import type { CompiledRouteConfig } from "./config/route-entries.js";
import type { RoutePlan } from "./route-plan.js";
import type { UpstreamCluster } from "./upstream-cluster.js";

export interface GatewaySnapshot {
  /** Increments with every publish. */
  readonly generation: number;
  /** Listeners that are warm: every route configuration they name is in `routes` (Envoy's listener warming). */
  readonly listeners: ReadonlyMap<string, ListenerConfig>;
  readonly routes: ReadonlyMap<string, CompiledRouteConfig>;
  /** Clusters live across snapshots (their hosts update in place); a removed cluster disappears from here. */
  readonly clusters: ReadonlyMap<string, UpstreamCluster>;
  /** Clusters whose only endpoint is one of this gateway's own listeners (followed in-process), by cluster name. */
  readonly internalListeners: ReadonlyMap<string, ListenerConfig>;
  /** Per route configuration, its routes' plans in core-wasm's table order, clusters resolved on this snapshot. */
  readonly plans: ReadonlyMap<string, readonly RoutePlan[]>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost", "0.0.0.0", "::"]);

/** A STATIC cluster with one loopback endpoint on a port one of our listeners owns is a self-redirect. */
export function findInternalListener(cluster: ClusterConfig, listeners: ReadonlyMap<string, ListenerConfig>): ListenerConfig | undefined {
  if (cluster.type !== "STATIC" || cluster.endpoints.length !== 1) return undefined;
  const endpoint = cluster.endpoints[0]!;
  if (!LOOPBACK.has(endpoint.address)) return undefined;
  for (const listener of listeners.values()) if (listener.port === endpoint.port && listener.routeConfigName !== undefined) return listener;
  return undefined;
}

export const emptySnapshot: GatewaySnapshot = {
  generation: 0,
  listeners: new Map(),
  routes: new Map(),
  clusters: new Map(),
  internalListeners: new Map(),
  plans: new Map(),
};
