// The checks a candidate configuration passes as a whole before the gateway publishes it (go-control-plane's
// Snapshot.Consistent() on the receiving side). Each resource was already parsed on its own (an Envoy resource this
// gateway cannot honour throws there); these are the rules between resources that Envoy also refuses an update for.
// Route configurations a listener names but that have not arrived are not an error: the listener warms until they
// do (the builder keeps serving the listener's previous version meanwhile), as Envoy's listeners warm on RDS.
// What this gateway cannot serve at all is refused here too, with the reason, rather than accepted and then failed
// request by request: TLS whose certificates or trust come from an SDS socket (SPIRE), which only Envoy can reach.
import type { ClusterConfig } from "./config/cluster-config.js";
import type { ListenerConfig } from "./config/listener-config.js";
import type { CompiledRouteConfig } from "./config/route-entries.js";

/** The configuration an update would produce, every type included. */
export interface SnapshotCandidate {
  readonly listeners: ReadonlyMap<string, ListenerConfig>;
  readonly clusters: ReadonlyMap<string, ClusterConfig>;
  readonly routes: ReadonlyMap<string, CompiledRouteConfig>;
}

/**
 * Problems that make Envoy refuse the set, each naming the resource; empty when it can be published.
 * @example
 * validateSnapshot(candidate) // ["route configuration rds_ingress: cluster cds_x does not exist (validate_clusters is set)"]
 */
export function validateSnapshot(candidate: SnapshotCandidate): string[] {
  const problems: string[] = [];
  for (const listener of candidate.listeners.values()) {
    const context = listener.tls?.context;
    if (context && "unsupported" in context) problems.push(`listener ${listener.name}: this gateway cannot terminate its TLS: ${context.unsupported}`);
  }
  for (const cluster of candidate.clusters.values()) {
    if (cluster.tls && "unsupported" in cluster.tls) problems.push(`cluster ${cluster.name}: this gateway cannot originate its TLS: ${cluster.tls.unsupported}`);
  }
  const addresses = new Map<string, string>();
  for (const listener of candidate.listeners.values()) {
    const address = `${listener.address}:${listener.port}`;
    const owner = addresses.get(address);
    if (owner !== undefined) problems.push(`listener ${listener.name}: address ${address} is already used by listener ${owner}`);
    else addresses.set(address, listener.name);
  }
  for (const config of candidate.routes.values()) {
    if (!config.validateClusters) continue;
    for (const cluster of config.clusters) {
      if (!candidate.clusters.has(cluster)) problems.push(`route configuration ${config.name}: cluster ${cluster} does not exist (validate_clusters is set)`);
    }
  }
  return problems;
}

/** A listener is warm once every route configuration its HTTP chains name is present. */
export function isWarm(listener: ListenerConfig, routes: ReadonlyMap<string, CompiledRouteConfig>): boolean {
  return listener.httpChains.every((chain) => routes.has(chain.routeConfigName));
}
