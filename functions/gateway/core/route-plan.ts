// What routing needs after core-wasm's match, resolved once per snapshot instead of per request: for each route of
// a compiled configuration (core-wasm's table order), its entry and, per weighted target, the cluster it names (or
// that it names none the snapshot knows), whether that cluster is one of the gateway's own listeners, and the App
// Mesh metrics extension's outbound dimensions of the pair.
import { statsTargetOf, type StatsTarget } from "./config/aggregate-stats.js";
import type { ListenerConfig } from "./config/listener-config.js";
import type { CompiledRouteConfig, RouteEntry } from "./config/route-entries.js";
import type { UpstreamCluster } from "./upstream-cluster.js";

export interface RouteTarget {
  readonly clusterName: string;
  /** undefined: the snapshot has no such cluster (503 NC). */
  readonly cluster: UpstreamCluster | undefined;
  /** The listener a self-redirect cluster points back at (followed in-process), else undefined. */
  readonly internal: ListenerConfig | undefined;
  /** TargetVirtualService and TargetVirtualNode of this route and cluster; undefined when neither is tagged. */
  readonly stats: StatsTarget | undefined;
  /** `[cluster]` when the target is internal: the decision's `via` when this is the first in-process hop (no list made per request). */
  readonly viaFirst: readonly UpstreamCluster[];
}

const NO_CLUSTERS: readonly UpstreamCluster[] = Object.freeze([]);

export interface RoutePlan {
  readonly entry: RouteEntry;
  /** By core-wasm's target index (weighted clusters in order; one for a single cluster). */
  readonly targets: readonly RouteTarget[];
}

/** The plans of every route of `config`, indexed like `config.routes` (what `table.matchIndex` returns). */
export function planRoutes(
  config: CompiledRouteConfig,
  clusters: ReadonlyMap<string, UpstreamCluster>,
  internalListeners: ReadonlyMap<string, ListenerConfig>,
): readonly RoutePlan[] {
  const specRoutes = config.table.spec.routes;
  return config.routes.map((entry, index) => ({
    entry,
    targets: specRoutes[index]!.targets.map(({ cluster: clusterName }) => {
      const cluster = clusters.get(clusterName);
      const internal = internalListeners.get(clusterName);
      const viaFirst = internal && cluster ? Object.freeze([cluster]) : NO_CLUSTERS;
      return { clusterName, cluster, internal, stats: statsTargetOf(entry.aggregateStats, cluster?.config.aggregateStats), viaFirst };
    }),
  }));
}
