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
import { routeResource, unresolvedTargetReason, warning, type UnservableSpecWarning } from "./warnings.js";

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

/** What meshplane's policies do to the routes of a service (implemented by policies/policy-translation.ts). */
export interface RoutePolicyHooks {
  /** Applies a router route's policies and its targets' load balancing; returns clusters the route now also needs. */
  decorateRouterRoute(route: Route, data: RouteData, targets: readonly ClusterRef[]): ClusterRef[];
  /** Applies the provider node's load balancing to a node-provided service's route. */
  decorateProviderRoute(route: Route, target: ClusterRef): void;
}

export interface RouteOptions {
  /** App Mesh's hidden default retry policy on routes without one (meshes created before 2020-07-29 lacked it). */
  defaultRetryPolicy: boolean;
  /** meshplane's policies of the mesh; none when absent. */
  policies?: RoutePolicyHooks;
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

/** Where the warnings of one route go, and what they are about. */
interface RouteWarnings {
  route: RouteData;
  /** The route's member (`httpRoute`, …): warnings name fields under `spec.<member>`. */
  member: RouteMember;
  warnings: UnservableSpecWarning[];
}

/** Targets that resolve, merged per cluster (weights add up), in first-seen order; each one that does not is reported. */
function resolveWeightedTargets(index: MeshIndex, targets: readonly WeightedTarget[], report: RouteWarnings): { ref: ClusterRef; weight: number }[] {
  const merged = new Map<string, { ref: ClusterRef; weight: number }>();
  for (const [position, target] of targets.entries()) {
    const ref = resolveTarget(index, target.virtualNode, target.port);
    if (!ref) {
      report.warnings.push(
        warning("TargetUnresolved", routeResource(report.route), `spec.${report.member}.action.weightedTargets[${position}]`, `${unresolvedTargetReason(index, target.virtualNode, target.port)}: the target gets no traffic.`),
      );
      continue;
    }
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

type RouteMember = "httpRoute" | "http2Route" | "grpcRoute" | "tcpRoute";
const memberProtocols: Record<RouteMember, PortProtocol> = { httpRoute: "http", http2Route: "http2", grpcRoute: "grpc", tcpRoute: "tcp" };
const protocolMembers: Record<PortProtocol, RouteMember> = { http: "httpRoute", http2: "http2Route", grpc: "grpcRoute", tcp: "tcpRoute" };

const routeMember = (route: RouteData): RouteMember | undefined => (Object.keys(memberProtocols) as RouteMember[]).find((member) => route.spec[member] !== undefined);

/**
 * The router listener a route sits on: the one `match.port` names, or the router's only listener; the route must be
 * of that listener's protocol. Otherwise the route matches no request, and the warning says why.
 */
function placeRoute(route: RouteData, router: VirtualRouterData): { port: number } | { warning: UnservableSpecWarning } | undefined {
  const member = routeMember(route);
  if (!member) return undefined;
  const resource = routeResource(route);
  const listeners = router.spec.listeners ?? [];
  const heard = listeners.map((l) => `${l.portMapping.port} (${l.portMapping.protocol})`).join(", ");
  const matchPort = route.spec[member]!.match?.port;
  let listener: (typeof listeners)[number] | undefined;
  if (matchPort !== undefined) {
    listener = listeners.find((l) => l.portMapping.port === matchPort);
    if (!listener) {
      const where = listeners.length === 0 ? "has no listener" : `listens on ${heard}`;
      return { warning: warning("RoutePortNotListened", resource, `spec.${member}.match.port`, `virtual router ${router.virtualRouterName} ${where}, not on port ${matchPort}: the route matches no request.`) };
    }
  } else if (listeners.length === 1) {
    listener = listeners[0]!;
  } else {
    const message =
      listeners.length === 0
        ? `virtual router ${router.virtualRouterName} has no listener: the route matches no request.`
        : `virtual router ${router.virtualRouterName} listens on ${heard}, and a route without a port match sits on none of them: the route matches no request.`;
    return { warning: warning(listeners.length === 0 ? "RoutePortNotListened" : "RoutePortMissing", resource, `spec.${member}.match.port`, message) };
  }
  const { port, protocol } = listener.portMapping;
  if (memberProtocols[member] !== protocol) {
    return {
      warning: warning(
        "RouteProtocolMismatch",
        resource,
        `spec.${member}`,
        `a ${member} is served only on ${memberProtocols[member]} listeners; virtual router ${router.virtualRouterName} listens on ${port} with ${protocol}: the route matches no request (a ${protocolMembers[protocol]} would).`,
      ),
    };
  }
  return { port };
}

/**
 * One App Mesh route → one Envoy route (HTTP, HTTP/2, gRPC). Targets that cannot be resolved are dropped; a route with
 * no remaining target is dropped. So is a route whose weights add up to 0: no Envoy accepts one (before 1.24
 * total_weight must be ≥ 1 and equal the sum, from 1.24 the sum must be above 0; version-bands.ts `weightSum`), and
 * App Mesh, which sent total_weight = the sum (VGDUMP), would have had the whole RouteConfiguration NACKed, as it
 * did for TCP weights of 0 until it dropped them (RM#204). Its requests fall through to the next route, on Envoy and
 * on the gateway alike. Weight-0 targets beside others stay (App Mesh kept them: VGDUMP).
 */
function translateRouterRoute(index: MeshIndex, serviceName: string, route: RouteData, options: RouteOptions, warnings: UnservableSpecWarning[]): OrderedRoute | undefined {
  const spec = route.spec;
  const http = spec.httpRoute ?? spec.http2Route;
  const grpc = spec.grpcRoute;
  const action = http?.action ?? grpc?.action;
  const member = routeMember(route);
  if (!action || !member) return undefined;
  const targets = resolveWeightedTargets(index, action.weightedTargets, { route, member, warnings });
  if (targets.length === 0) {
    warnings.push(warning("RouteWithoutTargets", routeResource(route), `spec.${member}.action.weightedTargets`, "no target of the route resolves: the route is left out and its requests fall through to the next route."));
    return undefined;
  }
  if (targets.reduce((sum, t) => sum + t.weight, 0) === 0) {
    warnings.push(
      warning("RouteWeightsZero", routeResource(route), `spec.${member}.action.weightedTargets`, "the weights of the route's targets add up to 0, which Envoy refuses: the route is left out and its requests fall through to the next route."),
    );
    return undefined;
  }
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
  const envoyRoute = create(RouteSchema, { name: route.routeName, match, action: { case: "route", value: routeAction }, metadata: targetServiceMetadata(serviceName) });
  const refs = targets.map((t) => t.ref);
  const extra = options.policies?.decorateRouterRoute(envoyRoute, route, refs) ?? [];
  return { key, timeoutMs, refs: [...refs, ...extra], route: envoyRoute };
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
  const route = create(RouteSchema, {
    name: "default",
    match: { pathSpecifier: { case: "prefix", value: "/" } },
    action: { case: "route", value: action },
    metadata: targetServiceMetadata(serviceName),
  });
  options.policies?.decorateProviderRoute(route, ref);
  return route;
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

function routerServicePorts(index: MeshIndex, serviceName: string, routerName: string, options: RouteOptions, warnings: UnservableSpecWarning[]): ServicePort[] {
  const router = index.virtualRouters.get(routerName);
  if (!router) return [];
  const byPort = new Map<number, RouteData[]>();
  for (const route of index.routesByRouter.get(routerName) ?? []) {
    const placed = placeRoute(route, router);
    if (!placed) continue;
    if ("warning" in placed) warnings.push(placed.warning);
    else byPort.set(placed.port, [...(byPort.get(placed.port) ?? []), route]);
  }
  return [...(router.spec.listeners ?? [])]
    .sort((a, b) => a.portMapping.port - b.portMapping.port)
    .map((listener): ServicePort => {
      const { port, protocol } = listener.portMapping;
      const mine = byPort.get(port) ?? [];
      if (protocol === "tcp") {
        // L4 has nothing to match on: the first TCP route (by the route order) is the port's route.
        const [first, ...shadowed] = [...mine].sort((a, b) => compareRouteOrder(pathOrderKey(a.spec.priority, a.routeName, {}), pathOrderKey(b.spec.priority, b.routeName, {})));
        for (const route of shadowed) {
          warnings.push(warning("TcpRouteShadowed", routeResource(route), "spec.tcpRoute", `route ${first!.routeName} comes first on port ${port} of virtual router ${routerName}, and TCP has nothing else to match on: this route gets no traffic.`));
        }
        const targets = first?.spec.tcpRoute ? resolveWeightedTargets(index, first.spec.tcpRoute.action.weightedTargets, { route: first, member: "tcpRoute", warnings }).filter((t) => t.weight > 0) : [];
        if (first && targets.length === 0) {
          warnings.push(warning("RouteWithoutTargets", routeResource(first), "spec.tcpRoute.action.weightedTargets", `no target of the route resolves with a weight above 0: port ${port} of virtual router ${routerName} refuses its connections.`));
        }
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
        .map((r) => translateRouterRoute(index, serviceName, r, options, warnings))
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
 * App Mesh did (VGDUMP). What the routes of the provider router cannot serve is added to `warnings`.
 */
export function translateServicePorts(index: MeshIndex, serviceName: string, options: RouteOptions, warnings: UnservableSpecWarning[] = []): ServicePort[] {
  const provider = index.virtualServices.get(serviceName)?.spec.provider;
  if (provider?.virtualNode) return nodeServicePorts(index, serviceName, provider.virtualNode.virtualNodeName, options);
  if (provider?.virtualRouter) return routerServicePorts(index, serviceName, provider.virtualRouter.virtualRouterName, options, warnings);
  return [];
}
