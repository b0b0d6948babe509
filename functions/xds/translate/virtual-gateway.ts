// A virtual gateway's Envoy (docs/envoy-translation.md §13): two hops inside one Envoy. Hop 1: one ingress listener per
// gateway listener whose `self_redirect` virtual host applies gateway routes (matches, rewrites) and sends every
// request to the gateway's own egress listener on 15001. Hop 2: that listener routes by Host to the target virtual
// services exactly as a virtual node's egress would.
//
// docs/envoy-translation.md §13 — several listeners and HTTP/2 / gRPC: every listener redirects to the same egress port 15001 and one
// route configuration `rds_egress_http_15001`; the self-redirect cluster speaks HTTP/2 for http2/grpc listeners (so
// gRPC semantics survive the hop) and HTTP/1.1 for http ones; the egress HCM auto-detects the codec.
import { clone, create } from "@bufbuild/protobuf";
import type {
  GatewayRouteData,
  HttpGatewayRoute,
  GrpcGatewayRoute,
  VirtualGatewayData,
  VirtualGatewayListener,
  VirtualGatewayPortProtocol,
} from "../../appmesh/model/types.generated.js";
import { ListenerSchema, type Listener } from "../../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import { FilterChainSchema } from "../../../proto/gen/envoy/config/listener/v3/listener_components_pb.js";
import { RouteConfigurationSchema } from "../../../proto/gen/envoy/config/route/v3/route_pb.js";
import {
  RouteActionSchema,
  RouteSchema,
  VirtualHostSchema,
  type Route,
  type RouteAction,
  type RouteMatch,
  type VirtualHost,
} from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { HeaderValueOption_HeaderAppendAction, TrafficDirection } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { RegexMatcherSchema } from "../../../proto/gen/envoy/type/matcher/v3/regex_pb.js";
import { translateAccessLogs } from "./access-log.js";
import { translateSelfRedirectCluster } from "./clusters.js";
import { aggregateStatsMetadata, listenerBindAddress, ms } from "./common.js";
import { translateListenerFilterChains, translateListenerFilters } from "./listeners.js";
import { compareStrings } from "./mesh-index.js";
import {
  egressListenerName,
  egressRouteConfigName,
  EGRESS_PORT,
  ingressListenerName,
  ingressRouteConfigName,
  INGRESS_PORT,
  selfRedirectClusterName,
} from "./names.js";
import { translateHttpConnectionManager } from "./network-filters.js";
import { compareRouteOrder, grpcOrderKey, pathOrderKey, type RouteOrderKey } from "./route-order.js";
import { translateGrpcGatewayRouteMatch, translateHeaderMatcher, translateHttpGatewayRouteMatch } from "./route-match.js";
import type { ClusterRef, ServicePort } from "./service-routes.js";
import { translateConnectionManagerPolicies } from "./policies/connection-manager.js";
import { translateJwtAuthentication } from "./policies/jwt.js";
import type { NodeResourcesBuilder, SharedResources } from "./translator.js";
import { virtualGatewayAcmWarnings } from "./acm-warnings.js";
import { gatewayRouteResource, virtualGatewayResource, warning, type UnservableSpecWarning } from "./warnings.js";

/** Carries the target service across the hop when the Host header is left alone (hostname rewrite DISABLED; VGDUMP). */
export const VIRTUAL_SERVICE_HEADER = "x-app-mesh-virtual-service";
const DEFAULT_BACKEND = "default_backend";

/** Where hop 2 sends a gateway route's requests. */
interface EgressTarget {
  virtualServiceName: string;
  servicePort: ServicePort | undefined;
  /** Domain-matched virtual host (hostname rewrite on) or the `default_backend` header-matched routes (off). */
  rewriteHost: boolean;
}

type GatewayRouteMember = "httpRoute" | "http2Route" | "grpcRoute";
const memberProtocols: Record<GatewayRouteMember, VirtualGatewayPortProtocol> = { httpRoute: "http", http2Route: "http2", grpcRoute: "grpc" };
const gatewayRouteMember = (route: GatewayRouteData): GatewayRouteMember | undefined =>
  (Object.keys(memberProtocols) as GatewayRouteMember[]).find((member) => route.spec[member] !== undefined);

/**
 * The gateway listener port a gateway route sits on: the one `match.port` names, or the gateway's only listener,
 * of the route's protocol. Otherwise the route matches no request, and the warning says why.
 */
function placeGatewayRoute(route: GatewayRouteData, gateway: VirtualGatewayData): { port: number } | { warning: UnservableSpecWarning } | undefined {
  const member = gatewayRouteMember(route);
  if (!member) return undefined;
  const resource = gatewayRouteResource(route);
  const listeners = gateway.spec.listeners;
  const heard = listeners.map((l) => `${l.portMapping.port} (${l.portMapping.protocol})`).join(", ");
  const matchPort = route.spec[member]!.match.port;
  const listener = matchPort !== undefined ? listeners.find((l) => l.portMapping.port === matchPort) : listeners.length === 1 ? listeners[0] : undefined;
  if (!listener) {
    return matchPort !== undefined
      ? { warning: warning("GatewayRoutePortNotListened", resource, `spec.${member}.match.port`, `virtual gateway ${gateway.virtualGatewayName} listens on ${heard}, not on port ${matchPort}: the gateway route matches no request.`) }
      : { warning: warning("GatewayRoutePortMissing", resource, `spec.${member}.match.port`, `virtual gateway ${gateway.virtualGatewayName} listens on ${heard}, and a gateway route without a port match sits on none of them.`) };
  }
  const { port, protocol } = listener.portMapping;
  if (memberProtocols[member] !== protocol) {
    return {
      warning: warning(
        "GatewayRouteProtocolMismatch",
        resource,
        `spec.${member}`,
        `a ${member} is served only on ${memberProtocols[member]} listeners; virtual gateway ${gateway.virtualGatewayName} listens on ${port} with ${protocol}: the gateway route matches no request.`,
      ),
    };
  }
  return { port };
}

/** The service port a gateway route targets: the explicit `port`, or the service's only port; else unresolved (404). */
function targetServicePort(shared: SharedResources, route: HttpGatewayRoute | GrpcGatewayRoute): ServicePort | undefined {
  const { virtualService, port } = route.action.target;
  const ports = shared.servicePorts(virtualService.virtualServiceName);
  if (port !== undefined) return ports.find((p) => p.port === port);
  return ports.length === 1 ? ports[0] : undefined;
}

interface IngressRouteDraft {
  key: RouteOrderKey;
  sequence: number;
  route: Route;
  /** The gateway route it was made from (set once drafted), for the policies attached to it. */
  source?: GatewayRouteData;
}

/**
 * Default prefix rewrite replaces the matched prefix P by `/` (`/chapter/1` → `/1`, `/chapter1` → `/1`): for P
 * without a trailing slash that takes two routes, `P/` then `P` (Envoy's documented recipe; VGDUMP). An explicit
 * value V replaces P the same way (V gets a trailing slash on the `P/` route); DISABLED keeps the path.
 */
function prefixRewrites(prefix: string, route: HttpGatewayRoute): { prefix: string; rewrite: string }[] {
  const rewrite = route.action.rewrite?.prefix;
  if (rewrite?.value !== undefined) {
    const value = rewrite.value;
    if (prefix.endsWith("/")) return [{ prefix, rewrite: value }];
    return [
      { prefix: `${prefix}/`, rewrite: value.endsWith("/") ? value : `${value}/` },
      { prefix, rewrite: value },
    ];
  }
  if (rewrite?.defaultPrefix === "DISABLED") return [{ prefix, rewrite: prefix }];
  if (prefix.endsWith("/")) return [{ prefix, rewrite: "/" }];
  return [
    { prefix: `${prefix}/`, rewrite: "/" },
    { prefix, rewrite: "/" },
  ];
}

function ingressAction(clusterName: string, target: EgressTarget, hostLiteral: string): RouteAction {
  return create(RouteActionSchema, {
    clusterSpecifier: { case: "cluster", value: clusterName },
    hostRewriteSpecifier: target.rewriteHost ? { case: "hostRewriteLiteral", value: hostLiteral } : { case: undefined },
    // Hop 1 carries the target's request timeout so a long route on hop 2 is not cut short here (RM#376).
    timeout: target.servicePort?.requestTimeoutMs !== undefined ? ms(target.servicePort.requestTimeoutMs) : undefined,
  });
}

function ingressRoute(name: string, match: RouteMatch, action: RouteAction, target: EgressTarget): Route {
  return create(RouteSchema, {
    name,
    match,
    action: { case: "route", value: action },
    requestHeadersToAdd: target.rewriteHost
      ? []
      : [
          {
            header: { key: VIRTUAL_SERVICE_HEADER, value: target.virtualServiceName },
            appendAction: HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
          },
        ],
  });
}

function translateHttpGatewayRoute(route: GatewayRouteData, http: HttpGatewayRoute, clusterName: string, target: EgressTarget, hostLiteral: string): IngressRouteDraft[] {
  const { match } = http;
  const name = route.gatewayRouteName;
  const priority = route.spec.priority;
  const action = () => ingressAction(clusterName, target, hostLiteral);
  if (match.path?.exact !== undefined || match.path?.regex !== undefined) {
    const routeAction = action();
    const exactRewrite = http.action.rewrite?.path?.exact;
    if (exactRewrite !== undefined && match.path.exact !== undefined) routeAction.prefixRewrite = exactRewrite;
    if (exactRewrite !== undefined && match.path.regex !== undefined)
      routeAction.regexRewrite = { $typeName: "envoy.type.matcher.v3.RegexMatchAndSubstitute", pattern: create(RegexMatcherSchema, { regex: "^.*$" }), substitution: exactRewrite };
    const specifier: RouteMatch["pathSpecifier"] =
      match.path.exact !== undefined ? { case: "path", value: match.path.exact } : { case: "safeRegex", value: create(RegexMatcherSchema, { regex: match.path.regex! }) };
    return [{ key: pathOrderKey(priority, name, match), sequence: 0, route: ingressRoute(name, translateHttpGatewayRouteMatch(match, specifier), routeAction, target) }];
  }
  return prefixRewrites(match.prefix ?? "/", http).map(({ prefix, rewrite }, sequence) => {
    const routeAction = action();
    routeAction.prefixRewrite = rewrite;
    return {
      key: pathOrderKey(priority, name, { prefix }),
      sequence,
      route: ingressRoute(name, translateHttpGatewayRouteMatch(match, { case: "prefix", value: prefix }), routeAction, target),
    };
  });
}

function translateGrpcGatewayRoute(route: GatewayRouteData, grpc: GrpcGatewayRoute, clusterName: string, target: EgressTarget, hostLiteral: string): IngressRouteDraft[] {
  const key = grpcOrderKey(route.spec.priority, route.gatewayRouteName, grpc.match);
  return [{ key, sequence: 0, route: ingressRoute(route.gatewayRouteName, translateGrpcGatewayRouteMatch(grpc.match), ingressAction(clusterName, target, hostLiteral), target) }];
}

/** Hop 2 for hostname-disabled targets: the service's routes, additionally matched on the carried header. */
function defaultBackendRoutes(target: EgressTarget): Route[] {
  return (target.servicePort?.routes ?? []).map((route) => {
    const copy = clone(RouteSchema, route);
    copy.match?.headers.push(translateHeaderMatcher(VIRTUAL_SERVICE_HEADER, { exact: target.virtualServiceName }, false));
    copy.responseHeadersToRemove = [VIRTUAL_SERVICE_HEADER];
    return copy;
  });
}

/** Per gateway: the egress virtual hosts hop 1 can reach, keyed so one service targeted on two ports stays apart. */
class EgressPlan {
  readonly #hosts = new Map<string, { literal: string; target: EgressTarget }>();
  readonly #primaryPort = new Map<string, number | undefined>();
  readonly #disabled: EgressTarget[] = [];
  readonly #disabledKeys = new Set<string>();

  /** Registers a target; returns the Host literal hop 1 rewrites to. */
  add(target: EgressTarget): string {
    const name = target.virtualServiceName;
    const port = target.servicePort?.port;
    if (!target.rewriteHost) {
      const key = `${name}\u0000${port}`;
      if (!this.#disabledKeys.has(key)) {
        this.#disabledKeys.add(key);
        this.#disabled.push(target);
      }
      return name;
    }
    if (!this.#primaryPort.has(name)) this.#primaryPort.set(name, port);
    const literal = this.#primaryPort.get(name) === port ? name : `${name}:${port}`;
    if (!this.#hosts.has(literal)) this.#hosts.set(literal, { literal, target });
    return literal;
  }

  targets(): EgressTarget[] {
    return [...[...this.#hosts.values()].map((h) => h.target), ...this.#disabled];
  }

  /** Sorted by name with `default_backend` among them, as App Mesh listed them (VGDUMP); Envoy matches by domain, not order. */
  virtualHosts(shared: SharedResources): VirtualHost[] {
    const hosts = [...this.#hosts.values()]
      .map(({ literal, target }) => {
        const routes = target.servicePort?.routes ?? [];
        if (literal === target.virtualServiceName) {
          return target.servicePort
            ? shared.virtualHost(target.servicePort, EGRESS_PORT)
            : create(VirtualHostSchema, { name: literal, domains: [literal, `${literal}:${EGRESS_PORT}`] });
        }
        return create(VirtualHostSchema, { name: literal, domains: [literal], routes: [...routes] });
      });
    if (this.#disabled.length > 0) {
      hosts.push(create(VirtualHostSchema, { name: DEFAULT_BACKEND, domains: ["*"], routes: this.#disabled.flatMap(defaultBackendRoutes) }));
    }
    return hosts.sort((a, b) => compareStrings(a.name, b.name));
  }
}

function translateGatewayIngress(
  shared: SharedResources,
  gateway: VirtualGatewayData,
  listener: VirtualGatewayListener,
  routes: readonly GatewayRouteData[],
  plan: EgressPlan,
  out: NodeResourcesBuilder,
): Listener {
  const mesh = shared.index.meshName;
  const { port, protocol } = listener.portMapping;
  const preference = shared.index.snapshot.mesh.spec.serviceDiscovery?.ipPreference;
  const clusterName = selfRedirectClusterName(mesh, gateway.virtualGatewayName, protocol, port, gateway.spec.listeners.length);
  out.cluster(translateSelfRedirectCluster(clusterName, listener, preference));
  const drafts: IngressRouteDraft[] = [];
  const policies = shared.policies.listener({ kind: "virtualGateway", name: gateway.virtualGatewayName });
  const policyClusters: ClusterRef[] = [...policies.clusters];
  for (const route of routes) {
    const member = gatewayRouteMember(route);
    const spec = member && route.spec[member];
    if (!spec) continue;
    const serviceName = spec.action.target.virtualService.virtualServiceName;
    if (!shared.index.virtualServices.has(serviceName)) {
      out.warn([warning("GatewayRouteTargetUnresolved", gatewayRouteResource(route), `spec.${member}.action.target.virtualService`, `virtual service ${serviceName} does not exist: the gateway route is left out.`)]);
      continue;
    }
    const target: EgressTarget = {
      virtualServiceName: serviceName,
      servicePort: targetServicePort(shared, spec),
      rewriteHost: spec.action.rewrite?.hostname?.defaultTargetHostname !== "DISABLED",
    };
    out.warn(shared.serviceWarnings(serviceName));
    if (!target.servicePort) {
      const ports = shared.servicePorts(serviceName).map((p) => p.port);
      const wanted = spec.action.target.port;
      const why =
        ports.length === 0
          ? `virtual service ${serviceName} has no port (no provider, or a provider without listeners)`
          : wanted !== undefined
            ? `virtual service ${serviceName} is not reachable on port ${wanted} (its ports: ${ports.join(", ")})`
            : `virtual service ${serviceName} has ${ports.length} ports and the target names none`;
      out.warn([warning("GatewayRouteTargetUnresolved", gatewayRouteResource(route), `spec.${member}.action.target`, `${why}: requests the gateway route matches get 404.`)]);
    }
    const literal = plan.add(target);
    const drafted = route.spec.grpcRoute
      ? translateGrpcGatewayRoute(route, route.spec.grpcRoute, clusterName, target, literal)
      : translateHttpGatewayRoute(route, (route.spec.httpRoute ?? route.spec.http2Route)!, clusterName, target, literal);
    for (const draft of drafted) {
      draft.source = route;
      policyClusters.push(...shared.policies.decorateGatewayRoute(draft.route, route, policies));
    }
    drafts.push(...drafted);
  }
  drafts.sort((a, b) => compareRouteOrder(a.key, b.key) || a.sequence - b.sequence);
  const routeConfigName = ingressRouteConfigName(protocol, port);
  const routeConfig = create(RouteConfigurationSchema, {
    name: routeConfigName,
    virtualHosts: [create(VirtualHostSchema, { name: "self_redirect", domains: ["*"], routes: drafts.map((d) => d.route) })],
  });
  out.route(routeConfig);
  const accessLog = translateAccessLogs(gateway.spec.logging);
  const jwtRoutes = drafts.map((draft) => ({ match: draft.route.match!, policy: shared.policies.index.atGatewayRoute(gateway.virtualGatewayName, draft.source!.gatewayRouteName, "jwt") }));
  const jwt = translateJwtAuthentication(shared.index, policies.jwt, jwtRoutes, policyClusters);
  const filter = translateHttpConnectionManager("ingress", routeConfigName, accessLog, translateConnectionManagerPolicies(shared.policies, policies, [routeConfig], jwt));
  const clientTls = gateway.spec.backendDefaults?.clientPolicy?.tls;
  for (const ref of policyClusters) out.egressCluster(shared.egressCluster(ref, clientTls, false, out.zone));
  const chains = translateListenerFilterChains(`ingress_${protocol}_${port}`, port, [filter], listener.tls, shared.options.acm, out.secrets);
  return create(ListenerSchema, {
    name: ingressListenerName(port),
    address: listenerBindAddress(port, preference),
    filterChains: chains,
    metadata: aggregateStatsMetadata([]),
    listenerFilters: translateListenerFilters(chains, { originalDst: false }),
    trafficDirection: TrafficDirection.INBOUND,
  });
}

/** Gateway listener ports Envoy itself owns are skipped: 15001 is hop 2, 15000 the sidecar ingress convention. */
const RESERVED_PORTS = new Set([INGRESS_PORT, EGRESS_PORT]);

export function translateVirtualGateway(shared: SharedResources, gateway: VirtualGatewayData, out: NodeResourcesBuilder): void {
  out.warn(virtualGatewayAcmWarnings(gateway, shared.options.acm));
  const plan = new EgressPlan();
  const seen = new Set<number>();
  const byPort = new Map<number, GatewayRouteData[]>();
  for (const route of shared.index.gatewayRoutesByGateway.get(gateway.virtualGatewayName) ?? []) {
    const placed = placeGatewayRoute(route, gateway);
    if (!placed) continue;
    if ("warning" in placed) out.warn([placed.warning]);
    else byPort.set(placed.port, [...(byPort.get(placed.port) ?? []), route]);
  }
  const listeners = [...gateway.spec.listeners].sort((a, b) => a.portMapping.port - b.portMapping.port);
  for (const listener of listeners) {
    const { port } = listener.portMapping;
    if (RESERVED_PORTS.has(port)) {
      const index = gateway.spec.listeners.indexOf(listener);
      out.warn([
        warning(
          "GatewayListenerReservedPort",
          virtualGatewayResource(gateway),
          `spec.listeners[${index}].portMapping.port`,
          `port ${port} is the gateway Envoy's own (${port === EGRESS_PORT ? "its egress hop" : "the sidecar ingress convention"}): the listener is left out, with the ${byPort.get(port)?.length ?? 0} gateway routes on it.`,
        ),
      ]);
      continue;
    }
    if (seen.has(port)) continue;
    seen.add(port);
    out.listener(translateGatewayIngress(shared, gateway, listener, byPort.get(port) ?? [], plan, out));
  }
  const clientTls = gateway.spec.backendDefaults?.clientPolicy?.tls;
  for (const target of plan.targets()) {
    for (const ref of target.servicePort?.clusters ?? []) out.egressCluster(shared.egressCluster(ref, clientTls, false, out.zone));
  }
  const routeConfigName = egressRouteConfigName("http", EGRESS_PORT);
  const egressRoutes = create(RouteConfigurationSchema, { name: routeConfigName, virtualHosts: plan.virtualHosts(shared) });
  out.route(egressRoutes);
  const preference = shared.index.snapshot.mesh.spec.serviceDiscovery?.ipPreference;
  const chains = [
    create(FilterChainSchema, {
      name: `egress_http_${EGRESS_PORT}`,
      filterChainMatch: { destinationPort: EGRESS_PORT },
      filters: [translateHttpConnectionManager("egress", routeConfigName, translateAccessLogs(gateway.spec.logging), translateConnectionManagerPolicies(shared.policies, undefined, [egressRoutes]))],
    }),
  ];
  out.listener(
    create(ListenerSchema, {
      name: egressListenerName(),
      address: listenerBindAddress(EGRESS_PORT, preference),
      filterChains: chains,
      metadata: aggregateStatsMetadata([]),
      // Hop 2 only ever receives hop 1's plaintext HTTP: no chain needs tls_inspector.
      listenerFilters: translateListenerFilters(chains, { originalDst: false }),
      trafficDirection: TrafficDirection.OUTBOUND,
    }),
  );
}
