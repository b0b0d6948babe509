// A virtual node's Envoy (docs/envoy-translation.md §4, §5): one ingress listener with a chain per App Mesh listener port,
// one egress listener with a chain per backend port plus the AWS and (ALLOW_ALL) passthrough chains, and the
// route configurations and clusters they name.
import { create } from "@bufbuild/protobuf";
import type {
  ClientPolicyTls,
  IpPreference,
  Listener as AppMeshListener,
  PortProtocol,
  VirtualNodeData,
} from "../../appmesh/model/types.generated.js";
import { ListenerSchema, type Listener } from "../../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import { FilterChainSchema, type FilterChain } from "../../../proto/gen/envoy/config/listener/v3/listener_components_pb.js";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route_pb.js";
import { RouteSchema, VirtualHostSchema, type VirtualHost } from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { TrafficDirection } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { AccessLog } from "../../../proto/gen/envoy/config/accesslog/v3/accesslog_pb.js";
import { translateAccessLogs } from "./access-log.js";
import { translateIngressCluster } from "./clusters.js";
import { aggregateStatsMetadata, appMeshDurationMs, listenerBindAddress, ms } from "./common.js";
import { translateListenerFilterChains, translateListenerFilters } from "./listeners.js";
import { compareStrings, effectiveIpPreference, isHttpFamily } from "./mesh-index.js";
import {
  allowAllClusterName,
  amazonAwsClusterName,
  egressListenerName,
  egressRouteConfigName,
  EGRESS_PORT,
  ingressClusterName,
  ingressListenerName,
  ingressRouteConfigName,
  INGRESS_PORT,
} from "./names.js";
import { translateHttpConnectionManager, translateTcpProxy, noConnectionManagerPolicies, type ConnectionManagerPolicies } from "./network-filters.js";
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_TCP_IDLE_TIMEOUT_MS, type ClusterRef, type ServicePort } from "./service-routes.js";
import { translateConnectionManagerPolicies } from "./policies/connection-manager.js";
import { translateJwtAuthentication } from "./policies/jwt.js";
import { NodeResourcesBuilder, type SharedResources } from "./translator.js";
import { virtualNodeAcmWarnings } from "./acm-warnings.js";
import { virtualNodeResource, warning, type UnservableSpecWarning } from "./warnings.js";

const listenerTimeouts = (listener: AppMeshListener) => {
  const t = listener.timeout;
  const http = t?.http ?? t?.http2 ?? t?.grpc;
  return { perRequestMs: appMeshDurationMs(http?.perRequest), idleMs: appMeshDurationMs(http?.idle ?? t?.tcp?.idle) };
};

/**
 * docs/envoy-translation.md §4: the ingress route configuration of one listener is a single catch-all virtual host `ingress` (domains `*`)
 * routing everything to the local app, with the listener's request timeout (15 s default, 0 disables) and idle
 * timeout. No retries: the calling side's route already retries (retrying twice multiplies attempts).
 */
export function translateIngressRouteConfig(listener: AppMeshListener, clusterName: string): RouteConfiguration {
  const { port, protocol } = listener.portMapping;
  const { perRequestMs, idleMs } = listenerTimeouts(listener);
  return create(RouteConfigurationSchema, {
    name: ingressRouteConfigName(protocol, port),
    virtualHosts: [
      create(VirtualHostSchema, {
        name: "ingress",
        domains: ["*"],
        routes: [
          create(RouteSchema, {
            match: { pathSpecifier: { case: "prefix", value: "/" } },
            action: {
              case: "route",
              value: {
                clusterSpecifier: { case: "cluster", value: clusterName },
                timeout: ms(perRequestMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
                idleTimeout: idleMs !== undefined ? ms(idleMs) : undefined,
              },
            },
          }),
        ],
      }),
    ],
  });
}

/** `lds_ingress_0.0.0.0_15000`; stat prefix `ingress`, or `ingress.<proto>.<port>` per chain when there are several listeners. */
export function translateIngressListener(
  shared: SharedResources,
  node: VirtualNodeData,
  preference: IpPreference | undefined,
  out: NodeResourcesBuilder,
): Listener | undefined {
  const listeners = [...(node.spec.listeners ?? [])].sort((a, b) => a.portMapping.port - b.portMapping.port);
  if (listeners.length === 0) return undefined;
  const mesh = shared.index.meshName;
  const accessLog = translateAccessLogs(node.spec.logging);
  const chains: FilterChain[] = [];
  const seenPorts = new Set<number>();
  const policies = shared.policies.listener({ kind: "virtualNode", name: node.virtualNodeName });
  const policyClusters: ClusterRef[] = [...policies.clusters];
  for (const listener of listeners) {
    const { port, protocol } = listener.portMapping;
    if (seenPorts.has(port)) continue;
    seenPorts.add(port);
    const statPrefix = listeners.length === 1 ? "ingress" : `ingress.${protocol}.${port}`;
    const clusterName = ingressClusterName(mesh, node.virtualNodeName, protocol, port);
    out.cluster(translateIngressCluster(clusterName, listener, preference));
    let filter;
    if (isHttpFamily(protocol)) {
      const routeConfig = translateIngressRouteConfig(listener, clusterName);
      for (const route of routeConfig.virtualHosts[0]!.routes) shared.policies.decorateListenerRoute(route, policies);
      out.route(routeConfig);
      const jwt = translateJwtAuthentication(shared.index, policies.jwt, [], policyClusters);
      filter = translateHttpConnectionManager(statPrefix, ingressRouteConfigName(protocol, port), accessLog, translateConnectionManagerPolicies(shared.policies, policies, [routeConfig], jwt));
    } else {
      const idleMs = listenerTimeouts(listener).idleMs ?? DEFAULT_TCP_IDLE_TIMEOUT_MS;
      filter = translateTcpProxy(statPrefix, [{ cluster: clusterName, weight: 1 }], ms(idleMs), accessLog);
    }
    chains.push(...translateListenerFilterChains(`ingress_${protocol}_${port}`, port, [filter], listener.tls, shared.options.acm, out.secrets));
  }
  const clientTls = node.spec.backendDefaults?.clientPolicy?.tls;
  for (const ref of policyClusters) out.egressCluster(shared.egressCluster(ref, clientTls, false, out.zone));
  return create(ListenerSchema, {
    name: ingressListenerName(),
    address: listenerBindAddress(INGRESS_PORT, preference),
    filterChains: chains,
    metadata: aggregateStatsMetadata([]),
    listenerFilters: translateListenerFilters(chains, { originalDst: true }),
    trafficDirection: TrafficDirection.INBOUND,
  });
}

/** A backend service port together with the client policy of the backend that brought it in. */
interface EgressDestination {
  servicePort: ServicePort;
  clientTls: ClientPolicyTls | undefined;
  /** Position of the backend in `spec.backends`. */
  backend: number;
}

/**
 * Backend service ports grouped by egress port. Conflicts on one port (RM#175, RM#195) are settled by a fixed rule:
 * the first service by name decides the port's protocol; services of another protocol family (TCP vs HTTP family)
 * are left out of that port, and a TCP port carries only the first service (L4 cannot tell them apart).
 */
export function groupEgressPorts(
  destinations: readonly EgressDestination[],
  onLeftOut: (destination: EgressDestination, kept: EgressDestination) => void = () => {},
): Map<number, { protocol: PortProtocol; members: EgressDestination[] }> {
  const groups = new Map<number, { protocol: PortProtocol; members: EgressDestination[] }>();
  const ordered = [...destinations].sort(
    (a, b) => a.servicePort.port - b.servicePort.port || compareStrings(a.servicePort.virtualServiceName, b.servicePort.virtualServiceName),
  );
  for (const destination of ordered) {
    const { port, protocol } = destination.servicePort;
    const group = groups.get(port);
    if (!group) groups.set(port, { protocol, members: [destination] });
    else if (isHttpFamily(group.protocol) && isHttpFamily(protocol)) group.members.push(destination);
    else onLeftOut(destination, group.members[0]!);
  }
  return groups;
}

function backendDestinations(shared: SharedResources, node: VirtualNodeData): EgressDestination[] {
  const seen = new Set<string>();
  const destinations: EgressDestination[] = [];
  for (const [backend, { virtualService: service }] of (node.spec.backends ?? []).entries()) {
    if (!service || seen.has(service.virtualServiceName)) continue;
    seen.add(service.virtualServiceName);
    const clientTls = service.clientPolicy?.tls ?? node.spec.backendDefaults?.clientPolicy?.tls;
    for (const servicePort of shared.servicePorts(service.virtualServiceName)) destinations.push({ servicePort, clientTls, backend });
  }
  return destinations;
}

function portConflict(node: VirtualNodeData, left: EgressDestination, kept: EgressDestination): UnservableSpecWarning {
  const { port, protocol, virtualServiceName } = left.servicePort;
  return warning(
    "BackendPortConflict",
    virtualNodeResource(node),
    `spec.backends[${left.backend}]`,
    `backend ${virtualServiceName} is reachable on port ${port} (${protocol}), which backend ${kept.servicePort.virtualServiceName} (${kept.servicePort.protocol}) already takes; one egress port carries one TCP service or HTTP-family services only: ${virtualServiceName} is not reachable on ${port}.`,
  );
}

/**
 * What a virtual node's translation leaves out: its backends' services' warnings and the backends that lose their
 * egress port to another. The same checks `translateVirtualNode` reports (for a lint of the whole mesh).
 */
export function virtualNodeWarnings(shared: SharedResources, node: VirtualNodeData): UnservableSpecWarning[] {
  const warnings = (node.spec.backends ?? []).flatMap((backend) => (backend.virtualService ? shared.serviceWarnings(backend.virtualService.virtualServiceName) : []));
  warnings.push(...virtualNodeAcmWarnings(node, shared.options.acm));
  groupEgressPorts(backendDestinations(shared, node), (left, kept) => warnings.push(portConflict(node, left, kept)));
  return warnings;
}

function egressPassthroughChains(mesh: string, allowAll: boolean, claimedPorts: ReadonlySet<number>, accessLog: AccessLog[]): FilterChain[] {
  const chains = [
    create(FilterChainSchema, {
      name: "egress_amazonaws",
      filterChainMatch: { destinationPort: 443, serverNames: ["*.amazonaws.com"] },
      filters: [translateTcpProxy("egress", [{ cluster: amazonAwsClusterName(mesh), weight: 1 }], undefined, accessLog)],
    }),
  ];
  // Without this chain, ALLOW_ALL TLS on 443 to non-AWS hosts would have no match (the SNI chain is more specific).
  if (allowAll && !claimedPorts.has(443)) {
    chains.push(
      create(FilterChainSchema, {
        name: "egress_allow_all_443",
        filterChainMatch: { destinationPort: 443 },
        filters: [translateTcpProxy("egress", [{ cluster: allowAllClusterName(mesh), weight: 1 }], undefined, accessLog)],
      }),
    );
  }
  return chains;
}

/**
 * Under ALLOW_ALL App Mesh ended every egress route configuration with this catch-all (envoyctl#2): an HTTP request
 * on a backend's port to a host that is not a backend passes through to where the application was going.
 */
function allowAllVirtualHost(mesh: string): VirtualHost {
  return create(VirtualHostSchema, {
    name: "mesh_allow_all",
    domains: ["*"],
    routes: [
      create(RouteSchema, {
        match: { pathSpecifier: { case: "prefix", value: "/" } },
        action: { case: "route", value: { clusterSpecifier: { case: "cluster", value: allowAllClusterName(mesh) } } },
      }),
    ],
  });
}

/**
 * The policies of an egress connection manager read only the snapshot's policies and the route configuration, which
 * every client of the same backends shares: worked out once per snapshot and configuration, not once per node.
 */
const egressManagers = new WeakMap<SharedResources["policies"], WeakMap<RouteConfiguration, ConnectionManagerPolicies>>();
function egressConnectionManagerPolicies(shared: SharedResources, routeConfig: RouteConfiguration): ConnectionManagerPolicies {
  let byConfig = egressManagers.get(shared.policies);
  if (!byConfig) egressManagers.set(shared.policies, (byConfig = new WeakMap()));
  let policies = byConfig.get(routeConfig);
  if (!policies) byConfig.set(routeConfig, (policies = translateConnectionManagerPolicies(shared.policies, undefined, [routeConfig])));
  return policies;
}

/** What one egress chain is made of; equal chains ⇒ equal listeners, whichever node they belong to. */
type EgressChain =
  | { kind: "http"; port: number; protocol: PortProtocol; routeConfigName: string; managerPolicies: ConnectionManagerPolicies }
  | { kind: "tcp"; port: number; servicePort: ServicePort };

/**
 * `lds_egress_0.0.0.0_15001`. DROP_ALL has no catch-all, so Envoy closes unmatched connections; ALLOW_ALL passes
 * them through via `default_filter_chain`, and HTTP to unknown hosts on a backend's port through `mesh_allow_all`.
 * The clusters and route configurations go to `out`; the listener itself is shared by every node whose chains,
 * logging and IP preference are the same (it names route configurations, it does not contain them).
 */
export function translateEgressListener(
  shared: SharedResources,
  node: VirtualNodeData,
  preference: IpPreference | undefined,
  out: NodeResourcesBuilder,
): Listener {
  const mesh = shared.index.meshName;
  const allowAll = shared.index.snapshot.mesh.spec.egressFilter?.type === "ALLOW_ALL";
  const chains: EgressChain[] = [];
  // The warnings go to `out` on every translation, outside the kept listener: a node that shares another's listener
  // still reports what its own backends leave out.
  for (const backend of node.spec.backends ?? []) if (backend.virtualService) out.warn(shared.serviceWarnings(backend.virtualService.virtualServiceName));
  for (const [port, group] of groupEgressPorts(backendDestinations(shared, node), (left, kept) => out.warn([portConflict(node, left, kept)]))) {
    const members = group.members;
    for (const { servicePort, clientTls } of members) {
      for (const ref of servicePort.clusters) out.egressCluster(shared.egressCluster(ref, clientTls, false, out.zone));
    }
    if (isHttpFamily(group.protocol)) {
      const routeConfigName = egressRouteConfigName(group.protocol, port);
      const virtualHosts = members.map((m) => shared.virtualHost(m.servicePort, port));
      if (allowAll) virtualHosts.push(shared.keepsPieces ? shared.memo.virtualHosts.get(`${mesh}\u0000mesh_allow_all`, "", () => allowAllVirtualHost(mesh)) : allowAllVirtualHost(mesh));
      const routeConfig = shared.routeConfiguration(routeConfigName, virtualHosts);
      out.route(routeConfig);
      const managerPolicies = egressConnectionManagerPolicies(shared, routeConfig);
      chains.push({ kind: "http", port, protocol: group.protocol, routeConfigName, managerPolicies });
    } else {
      const servicePort = members[0]!.servicePort;
      if (servicePort.tcpTargets.length === 0) continue;
      chains.push({ kind: "tcp", port, servicePort });
    }
  }
  out.cluster(shared.passthroughCluster(amazonAwsClusterName(mesh)));
  if (allowAll) out.cluster(shared.passthroughCluster(allowAllClusterName(mesh)));
  const signature = [
    mesh,
    allowAll,
    preference ?? "",
    JSON.stringify(node.spec.logging ?? null),
    ...chains.map((chain) =>
      chain.kind === "http" ? `h${chain.port}/${chain.protocol}` : `t${chain.port}/${chain.servicePort.tcpIdleTimeoutMs}/${JSON.stringify(chain.servicePort.tcpTargets)}`,
    ),
  ].join("\u0000");
  // The signature leaves the policies out: a kept listener exists only in a mesh without them (keepsPieces).
  const build = () => buildEgressListener(mesh, node, preference, allowAll, chains);
  const keep = shared.keepsPieces && chains.every((chain) => chain.kind === "tcp" || chain.managerPolicies === noConnectionManagerPolicies);
  return keep ? shared.memo.egressListeners.get(signature, "", build) : build();
}

function buildEgressListener(mesh: string, node: VirtualNodeData, preference: IpPreference | undefined, allowAll: boolean, egressChains: readonly EgressChain[]): Listener {
  const accessLog = translateAccessLogs(node.spec.logging);
  const chains: FilterChain[] = egressChains.map((chain) =>
    chain.kind === "http"
      ? create(FilterChainSchema, {
          name: `egress_${chain.protocol}_${chain.port}`,
          filterChainMatch: { destinationPort: chain.port },
          filters: [translateHttpConnectionManager("egress", chain.routeConfigName, accessLog, chain.managerPolicies)],
        })
      : create(FilterChainSchema, {
          name: `egress_tcp_${chain.port}`,
          filterChainMatch: { destinationPort: chain.port },
          filters: [translateTcpProxy("egress", chain.servicePort.tcpTargets, ms(chain.servicePort.tcpIdleTimeoutMs), accessLog)],
        }),
  );
  chains.push(...egressPassthroughChains(mesh, allowAll, new Set(egressChains.map((chain) => chain.port)), accessLog));
  return create(ListenerSchema, {
    name: egressListenerName(),
    address: listenerBindAddress(EGRESS_PORT, preference),
    filterChains: chains,
    defaultFilterChain: allowAll
      ? create(FilterChainSchema, { name: "egress_allow_all", filters: [translateTcpProxy("egress", [{ cluster: allowAllClusterName(mesh), weight: 1 }], undefined, accessLog)] })
      : undefined,
    metadata: aggregateStatsMetadata([]),
    listenerFilters: translateListenerFilters(chains, { originalDst: true }),
    // Server-first protocols (MySQL, SMTP) would stall on tls_inspector waiting for a ClientHello (guide's MySQL note).
    continueOnListenerFiltersTimeout: true,
    trafficDirection: TrafficDirection.OUTBOUND,
  });
}

export function translateVirtualNode(shared: SharedResources, node: VirtualNodeData, out: NodeResourcesBuilder): void {
  const preference = effectiveIpPreference(shared.index, node);
  out.warn(virtualNodeAcmWarnings(node, shared.options.acm));
  if (!shared.keepsPieces) {
    // With policies the ingress side also reads them (and the caller's zone), with ACM material its certificates:
    // built for this node each time.
    const listener = translateIngressListener(shared, node, preference, out);
    if (listener) out.listener(listener);
    out.listener(translateEgressListener(shared, node, preference, out));
    return;
  }
  // The ingress side depends on the node and the mesh only: kept between snapshots while neither changes.
  const ingress = shared.memo.ingressParts.get(node.virtualNodeName, `${shared.stamps.mesh};${shared.stamps.node(node.virtualNodeName)}`, () => {
    const part = new NodeResourcesBuilder();
    const listener = translateIngressListener(shared, node, preference, part);
    return { listener, resources: part.build() };
  });
  out.add(ingress.resources);
  if (ingress.listener) out.listener(ingress.listener);
  out.listener(translateEgressListener(shared, node, preference, out));
}
