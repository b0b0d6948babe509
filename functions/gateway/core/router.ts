// Routing one request the way Envoy would with meshplane's resources: normalise the path, match in core-wasm
// (virtual host, route, weighted target), run the route's precomputed operations (header changes), apply its
// rewrites, find the cluster. A cluster that points back at one of this gateway's own listeners (the virtual
// gateway's self-redirect to its egress listener on 15001, docs/envoy-translation.md §13) is followed in-process
// instead of over a socket. What the match decided is looked up in the snapshot's route plans by core-wasm's
// indices (route-plan.ts): no names are looked up again per request.
import type { RouteEntry } from "./config/route-entries.js";
import { normalizePath, rewritePath } from "./config/route-entries.js";
import type { StatsTarget } from "./config/aggregate-stats.js";
import { routeConfigNameFor, type ListenerConfig } from "./config/listener-config.js";
import { ResponseFlag, type ResponseFlagCode } from "./response-flags.js";
import type { ProxyRequest } from "./proxy-request.js";
import type { ResponseOperation } from "./route-operations.js";
import type { GatewaySnapshot } from "./snapshot.js";
import type { UpstreamCluster } from "./upstream-cluster.js";

export type { ProxyRequest } from "./proxy-request.js";

export interface LocalReply {
  kind: "local";
  status: number;
  flag: ResponseFlagCode;
  body: string;
  /** Route + cluster names known so far (for metrics). */
  routeName: string;
  clusterName: string;
}

export interface ForwardDecision {
  kind: "forward";
  cluster: UpstreamCluster;
  clusterName: string;
  routeName: string;
  /** The request as the upstream must see it (the object routeRequest was given, changed in place). */
  request: ProxyRequest;
  /** The innermost route (its retry policy applies). */
  entry: RouteEntry;
  /** Smallest non-zero route timeout along the hops; 0 = none. */
  timeoutMs: number;
  /** String(timeoutMs), for x-envoy-expected-rq-timeout-ms. */
  timeoutHeader: string;
  idleTimeoutMs: number;
  /** Response operations of every hop, innermost hop first (empty for most routes). */
  responseOperations: readonly ResponseOperation[];
  /**
   * Clusters of the in-process hops on the way (a virtual gateway's self-redirect cluster): their circuit breakers
   * still apply, as App Mesh applies a gateway listener's connectionPool there.
   */
  via: readonly UpstreamCluster[];
  /** App Mesh's metrics extension dimensions of the target (TargetVirtualService, TargetVirtualNode), if tagged. */
  stats: StatsTarget | undefined;
  /** Each hop's listener and matched route, outermost first: the HTTP filters of each run with its route (filters/filter-chain.ts). */
  hops: RouteHop[];
  /** The request's hash for RING_HASH / MAGLEV clusters, set by the filter chain from the route's hash policies. */
  hash?: number;
  /** Response headers the filters add (CORS, a session cookie), set by the filter chain. */
  addedResponseHeaders?: Record<string, string>;
}

export interface RouteHop {
  listener: ListenerConfig;
  entry: RouteEntry;
  /** The path and authority the hop matched on (before its rewrites): what its filters see. */
  path: string;
  authority: string;
}

export type RoutingDecision = LocalReply | ForwardDecision;

/** Hops followed in-process at most (gateway: ingress → egress). */
const MAX_INTERNAL_HOPS = 3;

const NO_RESPONSE_OPERATIONS: readonly ResponseOperation[] = Object.freeze([]);
const NO_CLUSTERS: readonly UpstreamCluster[] = Object.freeze([]);

const local = (status: number, flag: ResponseFlagCode, body: string, routeName = "", clusterName = ""): LocalReply => ({
  kind: "local",
  status,
  flag,
  body,
  routeName,
  clusterName,
});

/**
 * Decides what to do with `request` arriving on `listener`. `request` is the gateway's own copy of what arrived:
 * routing changes it in place (path normalisation and rewrites, host rewrite, header operations) and the forward
 * decision carries it on.
 */
export function routeRequest(snapshot: GatewaySnapshot, listener: ListenerConfig, request: ProxyRequest): RoutingDecision {
  let current = listener;
  let timeoutMs = 0;
  let timeoutHeader = "";
  let idleTimeoutMs = 0;
  let responseOperations = NO_RESPONSE_OPERATIONS;
  let via = NO_CLUSTERS;
  const hops: RouteHop[] = [];
  for (let hop = 0; hop < MAX_INTERNAL_HOPS; hop++) {
    const routeConfigName = routeConfigNameFor(current, request.authority);
    const config = routeConfigName === undefined ? undefined : snapshot.routes.get(routeConfigName);
    const plans = routeConfigName === undefined ? undefined : snapshot.plans.get(routeConfigName);
    if (!config || !plans) return local(404, ResponseFlag.noRoute, "no route configuration\n");
    if (current.normalizePath || current.mergeSlashes) request.path = normalizePath(request.path, current.mergeSlashes);
    const index = config.table.matchIndex(request);
    if (index < 0) return local(404, ResponseFlag.noRoute, "no route matched\n");
    const plan = plans[index]!;
    const entry = plan.entry;
    if (!entry.forward) return local(404, ResponseFlag.noRoute, "route has no forwarding action\n", entry.name);
    const targetIndex = config.table.pickTarget(index, Math.random());
    if (targetIndex < 0) return local(503, ResponseFlag.noClusterFound, "route has no cluster with weight above 0\n", entry.name);
    hops.push({ listener: current, entry, path: request.path, authority: request.authority });
    const operations = entry.requestOperations;
    for (let i = 0; i < operations.length; i++) {
      const reply = operations[i]!.applyToRequest(request);
      if (reply) return local(reply.status, reply.flag, reply.body, entry.name);
    }
    request.path = rewritePath(entry, request.path);
    if (entry.hostRewrite !== undefined) request.authority = entry.hostRewrite;
    if (entry.timeoutMs !== 0 && (timeoutMs === 0 || entry.timeoutMs < timeoutMs)) {
      timeoutMs = entry.timeoutMs;
      timeoutHeader = entry.timeoutHeader;
    }
    if (entry.idleTimeoutMs !== 0 && (idleTimeoutMs === 0 || entry.idleTimeoutMs < idleTimeoutMs)) idleTimeoutMs = entry.idleTimeoutMs;
    if (entry.responseOperations.length > 0) responseOperations = [...entry.responseOperations, ...responseOperations];
    const target = plan.targets[targetIndex]!;
    if (!target.cluster) return local(503, ResponseFlag.noClusterFound, `cluster ${target.clusterName} not found\n`, entry.name, target.clusterName);
    if (target.internal) {
      via = via.length === 0 ? target.viaFirst : [...via, target.cluster];
      current = target.internal;
      continue;
    }
    return {
      kind: "forward",
      cluster: target.cluster,
      clusterName: target.clusterName,
      routeName: entry.name,
      request,
      entry,
      timeoutMs,
      timeoutHeader,
      // The route's idle timeout, else the downstream listener's stream_idle_timeout (Envoy's default 5 min).
      idleTimeoutMs: idleTimeoutMs || listener.streamIdleTimeoutMs,
      responseOperations,
      via,
      stats: target.stats,
      hops,
    };
  }
  return local(508, ResponseFlag.noRoute, "too many internal hops\n");
}
