// What a virtual service looks like from a client: for each port it is reachable on, the Envoy routes (HTTP family)
// or TCP targets, and the egress clusters they name (docs/envoy-translation.md §5, §7). Shared by every client of the
// service, so the translator memoises it per (mesh, revision).
import { create } from "@bufbuild/protobuf";
import type {
  Listener as AppMeshListener,
  PortProtocol,
  RouteData,
  VirtualNodeData,
  VirtualRouterData,
  WeightedTarget,
} from "../../appmesh/model/types.generated.js";
import {
  RouteActionSchema,
  RouteSchema,
  WeightedClusterSchema,
  type Route,
  type RouteAction,
} from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { aggregateStatsMetadata, appMeshDurationMs, ms } from "./common.js";
import { compareStrings, findNodeListener, type MeshIndex } from "./mesh-index.js";
import { egressClusterName } from "./names.js";
import { compareRouteOrder, grpcOrderKey, pathOrderKey, type RouteOrderKey } from "./route-order.js";
import { translateGrpcRouteMatch, translateHttpRouteMatch } from "./route-match.js";
import { defaultRetryPolicy, translateRetryPolicy } from "./retry-policy.js";
import type { TcpProxyTarget } from "./network-filters.js";

/** App Mesh's per-request timeout when none is configured. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** App Mesh's TCP idle timeout when none is configured (the guide's 300 s; Envoy's own default would be 1 h). */
export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 300_000;

/** An egress cluster a client needs: one per (target node, target listener). */
export interface ClusterRef {
  readonly name: string;
  readonly node: VirtualNodeData;
  readonly listener: AppMeshListener;
}

export interface ServicePort {
  readonly virtualServiceName: string;
  readonly port: number;
  readonly protocol: PortProtocol;
  /** HTTP family: routes in first-match order (empty: the virtual host answers 404, as App Mesh did). */
  readonly routes: readonly Route[];
  /** TCP: the targets of the port's TCP route. */
  readonly tcpTargets: readonly TcpProxyTarget[];
  readonly tcpIdleTimeoutMs: number;
  /** Every cluster the routes or targets name, sorted by name. */
  readonly clusters: readonly ClusterRef[];
  /** Longest per-request timeout of the routes (0 = disabled); undefined without routes. The gateway's ingress hop copies it. */
  readonly requestTimeoutMs: number | undefined;
}

export interface RouteOptions {
  /** App Mesh's hidden default retry policy on routes without one (meshes created before 2020-07-29 lacked it). */
  defaultRetryPolicy: boolean;
}

/** A weighted target's cluster, or undefined when the node, its listener or its service discovery is missing. */
export function resolveTarget(index: MeshIndex, nodeName: string, port: number | undefined): ClusterRef | undefined {
  const node = index.virtualNodes.get(nodeName);
  if (!node || !node.spec.serviceDiscovery || (!node.spec.serviceDiscovery.dns && !node.spec.serviceDiscovery.awsCloudMap)) return undefined;
  const listener = findNodeListener(node, port);
  if (!listener) return undefined;
  return { name: egressClusterName(index.meshName, nodeName, listener.portMapping.protocol, listener.portMapping.port), node, listener };
}

function uniqueClusters(refs: readonly ClusterRef[]): ClusterRef[] {
  const byName = new Map(refs.map((ref) => [ref.name, ref]));
  return [...byName.values()].sort((a, b) => compareStrings(a.name, b.name));
}

/** Targets that resolve, merged per cluster (weights add up), in first-seen order. */
function resolveWeightedTargets(index: MeshIndex, targets: readonly WeightedTarget[]): { ref: ClusterRef; weight: number }[] {
  const merged = new Map<string, { ref: ClusterRef; weight: number }>();
  for (const target of targets) {
    const ref = resolveTarget(index, target.virtualNode, target.port);
    if (!ref) continue;
    const existing = merged.get(ref.name);
    if (existing) existing.weight += target.weight;
    else merged.set(ref.name, { ref, weight: target.weight });
  }
  return [...merged.values()];
}

function requestTimeout(perRequestMs: number | undefined): number {
  return perRequestMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
}

interface OrderedRoute {
  key: RouteOrderKey;
  route: Route;
  timeoutMs: number;
  refs: ClusterRef[];
}

/** Does this route sit on this router listener? `match.port` picks the listener; without it only a one-listener router matches. */
function routeListensOn(route: RouteData, router: VirtualRouterData, port: number): boolean {
  const spec = route.spec;
  const matchPort = spec.httpRoute?.match.port ?? spec.http2Route?.match.port ?? spec.grpcRoute?.match.port ?? spec.tcpRoute?.match?.port;
  if (matchPort !== undefined) return matchPort === port;
  return (router.spec.listeners ?? []).length === 1;
}

const routeProtocol = (route: RouteData): PortProtocol | undefined =>
  route.spec.httpRoute ? "http" : route.spec.http2Route ? "http2" : route.spec.grpcRoute ? "grpc" : route.spec.tcpRoute ? "tcp" : undefined;

/**
 * One App Mesh route → one Envoy route (HTTP, HTTP/2, gRPC). Targets that cannot be resolved are dropped; a route with
 * no remaining target is dropped. So is a route whose weights add up to 0: no Envoy accepts one (before 1.24
 * total_weight must be ≥ 1 and equal the sum, from 1.24 the sum must be above 0; version-bands.ts `weightSum`), and
 * App Mesh, which sent total_weight = the sum (VGDUMP), would have had the whole RouteConfiguration NACKed, as it
 * did for TCP weights of 0 until it dropped them (RM#204). Its requests fall through to the next route, on Envoy and
 * on the gateway alike. Weight-0 targets beside others stay (App Mesh kept them: VGDUMP).
 */
function translateRouterRoute(index: MeshIndex, serviceName: string, route: RouteData, options: RouteOptions): OrderedRoute | undefined {
  const spec = route.spec;
  const http = spec.httpRoute ?? spec.http2Route;
  const grpc = spec.grpcRoute;
  const action = http?.action ?? grpc?.action;
  if (!action) return undefined;
  const targets = resolveWeightedTargets(index, action.weightedTargets);
  if (targets.length === 0 || targets.reduce((sum, t) => sum + t.weight, 0) === 0) return undefined;
  const timeout = http?.timeout ?? grpc?.timeout;
  const timeoutMs = requestTimeout(appMeshDurationMs(timeout?.perRequest));
  const idleMs = appMeshDurationMs(timeout?.idle);
  const retry = http?.retryPolicy ?? grpc?.retryPolicy;
  // docs/envoy-translation.md §9: gRPC routes get the same RouteAction `timeout` / `idle_timeout` as HTTP ones and no `max_stream_duration`:
  // App Mesh showed no grpc-timeout handling, and honouring client deadlines would change its observable behaviour.
  const routeAction = create(RouteActionSchema, {
    clusterSpecifier: {
      case: "weightedClusters",
      value: create(WeightedClusterSchema, { clusters: targets.map((t) => ({ name: t.ref.name, weight: t.weight })) }),
    },
    timeout: ms(timeoutMs),
    idleTimeout: idleMs !== undefined ? ms(idleMs) : undefined,
    retryPolicy: retry ? translateRetryPolicy(retry) : options.defaultRetryPolicy ? defaultRetryPolicy() : undefined,
  });
  const match = http ? translateHttpRouteMatch(http.match) : translateGrpcRouteMatch(grpc!.match);
  const key = http ? pathOrderKey(spec.priority, route.routeName, http.match) : grpcOrderKey(spec.priority, route.routeName, grpc!.match);
  return {
    key,
    timeoutMs,
    refs: targets.map((t) => t.ref),
    route: create(RouteSchema, { name: route.routeName, match, action: { case: "route", value: routeAction }, metadata: targetServiceMetadata(serviceName) }),
  };
}

/** Every egress route names the virtual service it serves, for the image's metrics extension (VGDUMP). */
const targetServiceMetadata = (serviceName: string) => aggregateStatsMetadata([{ key: "TargetVirtualService", value: serviceName }]);

/** A virtual node provider gets one catch-all route with App Mesh's fixed defaults (users cannot change them: RM#443). */
function nodeProviderRoute(serviceName: string, ref: ClusterRef, options: RouteOptions): Route {
  const action: RouteAction = create(RouteActionSchema, {
    clusterSpecifier: { case: "cluster", value: ref.name },
    timeout: ms(DEFAULT_REQUEST_TIMEOUT_MS),
    retryPolicy: options.defaultRetryPolicy ? defaultRetryPolicy() : undefined,
  });
  return create(RouteSchema, {
    name: "default",
    match: { pathSpecifier: { case: "prefix", value: "/" } },
    action: { case: "route", value: action },
    metadata: targetServiceMetadata(serviceName),
  });
}

function nodeServicePorts(index: MeshIndex, serviceName: string, nodeName: string, options: RouteOptions): ServicePort[] {
  const node = index.virtualNodes.get(nodeName);
  if (!node) return [];
  return [...(node.spec.listeners ?? [])]
    .sort((a, b) => a.portMapping.port - b.portMapping.port)
    .map((listener): ServicePort => {
      const { port, protocol } = listener.portMapping;
      const ref = resolveTarget(index, nodeName, port);
      const refs = ref ? [ref] : [];
      return {
        virtualServiceName: serviceName,
        port,
        protocol,
        routes: ref && protocol !== "tcp" ? [nodeProviderRoute(serviceName, ref, options)] : [],
        tcpTargets: ref && protocol === "tcp" ? [{ cluster: ref.name, weight: 1 }] : [],
        tcpIdleTimeoutMs: DEFAULT_TCP_IDLE_TIMEOUT_MS,
        clusters: refs,
        requestTimeoutMs: ref && protocol !== "tcp" ? DEFAULT_REQUEST_TIMEOUT_MS : undefined,
      };
    });
}

function routerServicePorts(index: MeshIndex, serviceName: string, routerName: string, options: RouteOptions): ServicePort[] {
  const router = index.virtualRouters.get(routerName);
  if (!router) return [];
  const routes = index.routesByRouter.get(routerName) ?? [];
  return [...(router.spec.listeners ?? [])]
    .sort((a, b) => a.portMapping.port - b.portMapping.port)
    .map((listener): ServicePort => {
      const { port, protocol } = listener.portMapping;
      const mine = routes.filter((r) => routeProtocol(r) === protocol && routeListensOn(r, router, port));
      if (protocol === "tcp") {
        // L4 has nothing to match on: the first TCP route (by the route order) is the port's route.
        const first = [...mine].sort((a, b) => compareRouteOrder(pathOrderKey(a.spec.priority, a.routeName, {}), pathOrderKey(b.spec.priority, b.routeName, {})))[0];
        const targets = first?.spec.tcpRoute ? resolveWeightedTargets(index, first.spec.tcpRoute.action.weightedTargets).filter((t) => t.weight > 0) : [];
        return {
          virtualServiceName: serviceName,
          port,
          protocol,
          routes: [],
          tcpTargets: targets.map((t) => ({ cluster: t.ref.name, weight: t.weight })),
          tcpIdleTimeoutMs: appMeshDurationMs(first?.spec.tcpRoute?.timeout?.idle) ?? DEFAULT_TCP_IDLE_TIMEOUT_MS,
          clusters: uniqueClusters(targets.map((t) => t.ref)),
          requestTimeoutMs: undefined,
        };
      }
      const ordered = mine
        .map((r) => translateRouterRoute(index, serviceName, r, options))
        .filter((r): r is OrderedRoute => r !== undefined)
        .sort((a, b) => compareRouteOrder(a.key, b.key));
      const timeouts = ordered.map((r) => r.timeoutMs);
      return {
        virtualServiceName: serviceName,
        port,
        protocol,
        routes: ordered.map((r) => r.route),
        tcpTargets: [],
        tcpIdleTimeoutMs: DEFAULT_TCP_IDLE_TIMEOUT_MS,
        clusters: uniqueClusters(ordered.flatMap((r) => r.refs)),
        requestTimeoutMs: timeouts.length === 0 ? undefined : timeouts.includes(0) ? 0 : Math.max(...timeouts),
      };
    });
}

/**
 * Every port a virtual service is reachable on, sorted by port.
 * docs/envoy-translation.md §5: a service that does not exist, has no provider or whose provider is missing has no port, so a client gets
 * no chain and no virtual host for it (nothing to attach them to). A router listener without (resolvable) routes
 * still yields its port: the client gets the chain and an empty virtual host, i.e. Envoy answers 404 `NR`, as
 * App Mesh did (VGDUMP).
 */
export function translateServicePorts(index: MeshIndex, serviceName: string, options: RouteOptions): ServicePort[] {
  const provider = index.virtualServices.get(serviceName)?.spec.provider;
  if (provider?.virtualNode) return nodeServicePorts(index, serviceName, provider.virtualNode.virtualNodeName, options);
  if (provider?.virtualRouter) return routerServicePorts(index, serviceName, provider.virtualRouter.virtualRouterName, options);
  return [];
}
