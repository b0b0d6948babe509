// Routing one request the way Envoy would with meshplane's resources: normalise the path, match in core-wasm
// (virtual host, route, weighted target), apply the route's rewrites and header changes, find the cluster. A
// cluster that points back at one of this gateway's own listeners (the virtual gateway's self-redirect to its
// egress listener on 15001, docs/envoy-translation.md §13) is followed in-process instead of over a socket.
import type { HeaderChanges, RouteEntry } from "./config/route-entries.js";
import { normalizePath, rewritePath } from "./config/route-entries.js";
import { routeConfigNameFor, type ListenerConfig } from "./config/listener-config.js";
import { ResponseFlag, type ResponseFlagCode } from "./response-flags.js";
import type { ProxyRequest } from "./proxy-request.js";
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
  /** The request as the upstream must see it. */
  request: ProxyRequest;
  /** The innermost route (its retry policy applies). */
  entry: RouteEntry;
  /** Smallest non-zero route timeout along the hops; 0 = none. */
  timeoutMs: number;
  idleTimeoutMs: number;
  /** Response header changes, innermost hop first. */
  responseChanges: HeaderChanges[];
  /**
   * Clusters of the in-process hops on the way (a virtual gateway's self-redirect cluster): their circuit breakers
   * still apply, as App Mesh applies a gateway listener's connectionPool there.
   */
  via: UpstreamCluster[];
}

export type RoutingDecision = LocalReply | ForwardDecision;

/** Hops followed in-process at most (gateway: ingress → egress). */
const MAX_INTERNAL_HOPS = 3;

const minTimeout = (a: number, b: number): number => (a === 0 ? b : b === 0 ? a : Math.min(a, b));

export function applyHeaderChanges(headers: Record<string, string | string[]>, changes: HeaderChanges): void {
  for (const name of changes.remove) delete headers[name];
  for (const { name, value, append } of changes.add) {
    const existing = headers[name];
    if (append && existing !== undefined) headers[name] = [...(Array.isArray(existing) ? existing : [existing]), value];
    else headers[name] = value;
  }
}

const local = (status: number, flag: ResponseFlagCode, body: string, routeName = "", clusterName = ""): LocalReply => ({
  kind: "local",
  status,
  flag,
  body,
  routeName,
  clusterName,
});

/** Decides what to do with `request` arriving on `listener`; `request` is not modified. */
export function routeRequest(snapshot: GatewaySnapshot, listener: ListenerConfig, request: ProxyRequest): RoutingDecision {
  let current = listener;
  let headers = { ...request.headers };
  let path = request.path;
  let authority = request.authority;
  let timeoutMs = 0;
  let idleTimeoutMs = 0;
  const responseChanges: HeaderChanges[] = [];
  const via: UpstreamCluster[] = [];
  for (let hop = 0; hop < MAX_INTERNAL_HOPS; hop++) {
    const routeConfigName = routeConfigNameFor(current, authority);
    const config = routeConfigName === undefined ? undefined : snapshot.routes.get(routeConfigName);
    if (!config) return local(404, ResponseFlag.noRoute, "no route configuration\n");
    if (current.normalizePath || current.mergeSlashes) path = normalizePath(path, current.mergeSlashes);
    const match = config.table.match({ method: request.method, authority, path, scheme: request.scheme, headers });
    if (!match) return local(404, ResponseFlag.noRoute, "no route matched\n");
    const entry = config.entries[match.virtualHost]![match.route]!;
    if (!entry.forward) return local(404, ResponseFlag.noRoute, "route has no forwarding action\n", entry.name);
    if (match.cluster === null) return local(503, ResponseFlag.noClusterFound, "route has no cluster with weight above 0\n", entry.name);
    applyHeaderChanges(headers, entry.request);
    path = rewritePath(entry, path);
    if (entry.hostRewrite !== undefined) authority = entry.hostRewrite;
    timeoutMs = minTimeout(timeoutMs, entry.timeoutMs);
    idleTimeoutMs = minTimeout(idleTimeoutMs, entry.idleTimeoutMs);
    responseChanges.unshift(entry.response);
    const cluster = snapshot.clusters.get(match.cluster);
    if (!cluster) return local(503, ResponseFlag.noClusterFound, `cluster ${match.cluster} not found\n`, entry.name, match.cluster);
    const next = snapshot.internalListeners.get(match.cluster);
    if (next) {
      via.push(cluster);
      current = next;
      headers = { ...headers };
      continue;
    }
    return {
      kind: "forward",
      cluster,
      clusterName: match.cluster,
      routeName: entry.name,
      request: { method: request.method, authority, path, scheme: request.scheme, headers },
      entry,
      timeoutMs,
      // The route's idle timeout, else the downstream listener's stream_idle_timeout (Envoy's default 5 min).
      idleTimeoutMs: idleTimeoutMs || listener.streamIdleTimeoutMs,
      responseChanges,
      via,
    };
  }
  return local(508, ResponseFlag.noRoute, "too many internal hops\n");
}
