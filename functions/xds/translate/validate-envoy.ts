// "Would Envoy accept it?" without an Envoy binary: every message is checked against the protoc-gen-validate rules of
// Envoy's own protos (pgv-rules.ts), then the set against the cross-resource rules that commonly cause NACKs.
// Reusable by the ADS server before it publishes a snapshot.
import { create, toBinary, type Message, type Registry } from "@bufbuild/protobuf";
import { anyUnpack, type Any } from "@bufbuild/protobuf/wkt";
import { Cluster_DiscoveryType, type Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { FilterChainMatchSchema } from "../../../proto/gen/envoy/config/listener/v3/listener_components_pb.js";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import { HttpConnectionManagerSchema, type HttpConnectionManager } from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { TcpProxySchema, type TcpProxy } from "../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js";
import type { TransportSocket } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { SdsSecretConfig } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import {
  DownstreamTlsContextSchema,
  UpstreamTlsContextSchema,
  type CommonTlsContext,
} from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";
import { envoyRegistry, resourceSchemas, type EnvoyVersion, type ResourceType } from "../../envoy/index.js";
import { validateEnvoyMessage, type EnvoyViolation } from "./pgv-rules.js";
import type { NodeResources } from "./translator.js";
import { validateForEnvoyVersion } from "./validate-version.js";

export { validateEnvoyMessage, type EnvoyViolation } from "./pgv-rules.js";
export { validateForEnvoyVersion, validateMessageForEnvoyVersion } from "./validate-version.js";

const unpackHcm = (any: Any | undefined): HttpConnectionManager | undefined => (any ? anyUnpack(any, HttpConnectionManagerSchema) : undefined);
const unpackTcpProxy = (any: Any | undefined): TcpProxy | undefined => (any ? anyUnpack(any, TcpProxySchema) : undefined);

/** Secrets a transport socket expects over ADS (SDS from the unix-socket cluster is the user's business). */
function adsSecretNames(socket: TransportSocket | undefined): string[] {
  const any = socket?.configType.case === "typedConfig" ? socket.configType.value : undefined;
  if (!any) return [];
  const common: CommonTlsContext | undefined =
    anyUnpack(any, DownstreamTlsContextSchema)?.commonTlsContext ?? anyUnpack(any, UpstreamTlsContextSchema)?.commonTlsContext;
  if (!common) return [];
  const configs: (SdsSecretConfig | undefined)[] = [...common.tlsCertificateSdsSecretConfigs];
  const validation = common.validationContextType;
  if (validation.case === "validationContextSdsSecretConfig") configs.push(validation.value);
  if (validation.case === "combinedValidationContext") configs.push(validation.value.validationContextSdsSecretConfig);
  return configs.filter((c) => c?.sdsConfig?.configSourceSpecifier.case === "ads").map((c) => c!.name);
}

/** Route config names (RDS) and clusters (tcp_proxy) a listener refers to. */
function listenerReferences(listener: Listener): { routeConfigs: string[]; clusters: string[]; secrets: string[] } {
  const routeConfigs: string[] = [];
  const clusters: string[] = [];
  const visitHcm = (any: Any | undefined) => {
    const hcm = unpackHcm(any);
    if (hcm?.routeSpecifier.case === "rds") routeConfigs.push(hcm.routeSpecifier.value.routeConfigName);
  };
  const chains = [...listener.filterChains, ...(listener.defaultFilterChain ? [listener.defaultFilterChain] : [])];
  for (const chain of chains) {
    for (const filter of chain.filters) {
      const any = filter.configType.case === "typedConfig" ? filter.configType.value : undefined;
      visitHcm(any);
      const tcp = unpackTcpProxy(any);
      if (tcp?.clusterSpecifier.case === "cluster") clusters.push(tcp.clusterSpecifier.value);
      if (tcp?.clusterSpecifier.case === "weightedClusters") clusters.push(...tcp.clusterSpecifier.value.clusters.map((c) => c.name));
    }
  }
  visitHcm(listener.apiListener?.apiListener);
  return { routeConfigs, clusters, secrets: chains.flatMap((chain) => adsSecretNames(chain.transportSocket)) };
}

function endpointCount(cluster: Cluster): number {
  return (cluster.loadAssignment?.endpoints ?? []).reduce((n, locality) => n + locality.lbEndpoints.length, 0);
}

/**
 * Envoy's cross-field rules that commonly cause NACKs, plus referential consistency of one node's resource set
 * (go-control-plane's `Consistent()`): every RDS name, cluster and EDS assignment referenced exists.
 */
export function validateCrossResourceRules(resources: NodeResources): EnvoyViolation[] {
  const out: EnvoyViolation[] = [];
  const names = (type: ResourceType, list: { name?: string; clusterName?: string }[]) => {
    const seen = new Set<string>();
    for (const item of list) {
      const name = item.name ?? item.clusterName ?? "";
      if (seen.has(name)) out.push({ path: `${type} ${name}`, rule: "cross.unique_name", message: `duplicate ${type} name` });
      seen.add(name);
    }
    return seen;
  };
  names("listener", resources.listeners);
  const clusters = names("cluster", resources.clusters);
  const routeConfigs = names("route", resources.routes);
  const assignments = names("endpoint", resources.endpoints);
  const secrets = names("secret", resources.secrets);
  // An SDS secret expected over ADS but never sent leaves the listener or cluster warming forever.
  const missingSecret = (where: string, name: string) => out.push({ path: where, rule: "cross.secret_exists", message: `SDS secret ${name} is not in the set` });

  for (const listener of resources.listeners) {
    const where = `listener ${listener.name}`;
    if (!listener.apiListener && listener.filterChains.length === 0 && !listener.defaultFilterChain)
      out.push({ path: where, rule: "cross.listener_has_chains", message: "a listener needs at least one filter chain" });
    const matches = new Set<string>();
    const chainNames = new Set<string>();
    for (const chain of listener.filterChains) {
      if (chain.name !== "" && chainNames.has(chain.name)) out.push({ path: `${where}: ${chain.name}`, rule: "cross.unique_filter_chain_name", message: "duplicate filter chain name" });
      chainNames.add(chain.name);
      const key = toBinary(FilterChainMatchSchema, chain.filterChainMatch ?? create(FilterChainMatchSchema)).join(",");
      if (matches.has(key)) out.push({ path: `${where}: ${chain.name}`, rule: "cross.unique_filter_chain_match", message: "multiple filter chains with the same matching rules" });
      matches.add(key);
    }
    const refs = listenerReferences(listener);
    for (const name of refs.routeConfigs) if (!routeConfigs.has(name)) out.push({ path: where, rule: "cross.route_config_exists", message: `RDS ${name} is not in the set` });
    for (const name of refs.clusters) if (!clusters.has(name)) out.push({ path: where, rule: "cross.cluster_exists", message: `cluster ${name} is not in the set` });
    for (const name of refs.secrets) if (!secrets.has(name)) missingSecret(where, name);
  }

  for (const config of resources.routes) {
    const where = `route ${config.name}`;
    const domains = new Set<string>();
    const hostNames = new Set<string>();
    for (const host of config.virtualHosts) {
      if (hostNames.has(host.name)) out.push({ path: `${where}: ${host.name}`, rule: "cross.unique_virtual_host_name", message: "duplicate virtual host name" });
      hostNames.add(host.name);
      for (const domain of host.domains) {
        if (domains.has(domain)) out.push({ path: `${where}: ${host.name}`, rule: "cross.unique_domain", message: `duplicate domain ${domain}` });
        domains.add(domain);
      }
      for (const route of host.routes) {
        if (route.action.case !== "route") continue;
        const spec = route.action.value.clusterSpecifier;
        const named = spec.case === "cluster" ? [spec.value] : spec.case === "weightedClusters" ? spec.value.clusters.map((c) => c.name) : [];
        for (const name of named) if (!clusters.has(name)) out.push({ path: `${where}: ${host.name}/${route.name}`, rule: "cross.cluster_exists", message: `cluster ${name} is not in the set` });
        if (spec.case === "weightedClusters" && spec.value.clusters.reduce((sum, c) => sum + (c.weight ?? 0), 0) === 0)
          out.push({ path: `${where}: ${host.name}/${route.name}`, rule: "cross.weighted_clusters_total", message: "weights add up to 0" });
      }
    }
  }

  for (const cluster of resources.clusters) {
    const where = `cluster ${cluster.name}`;
    for (const name of adsSecretNames(cluster.transportSocket)) if (!secrets.has(name)) missingSecret(where, name);
    const type = cluster.clusterDiscoveryType.case === "type" ? cluster.clusterDiscoveryType.value : undefined;
    if (type === Cluster_DiscoveryType.LOGICAL_DNS && endpointCount(cluster) !== 1)
      out.push({ path: where, rule: "cross.logical_dns_single_endpoint", message: `LOGICAL_DNS needs exactly one endpoint, has ${endpointCount(cluster)}` });
    if ((type === Cluster_DiscoveryType.STATIC || type === Cluster_DiscoveryType.STRICT_DNS) && endpointCount(cluster) === 0)
      out.push({ path: where, rule: "cross.static_endpoints", message: "STATIC / STRICT_DNS clusters need inline endpoints" });
    if (type === Cluster_DiscoveryType.EDS && !assignments.has(cluster.edsClusterConfig?.serviceName || cluster.name))
      out.push({ path: where, rule: "cross.eds_assignment_exists", message: "no ClusterLoadAssignment for this EDS cluster" });
  }
  return out;
}

/** Field rules on every resource plus the cross-resource rules: empty means Envoy would accept the set. */
export function validateNodeResources(resources: NodeResources, registry: Registry = envoyRegistry): EnvoyViolation[] {
  const out: EnvoyViolation[] = [];
  const each = <T extends Message>(type: ResourceType, list: T[], name: (item: T) => string) => {
    for (const item of list) out.push(...validateEnvoyMessage(resourceSchemas[type], item, `${type} ${name(item)}:`, registry));
  };
  each("listener", resources.listeners, (l) => l.name);
  each("cluster", resources.clusters, (c) => c.name);
  each("route", resources.routes, (r) => r.name);
  each("endpoint", resources.endpoints, (e) => e.clusterName);
  each("secret", resources.secrets, (s) => s.name);
  out.push(...validateCrossResourceRules(resources));
  return out;
}

/** `validateNodeResources` plus the version table: what a node on that Envoy release would accept (undefined: newest). */
export function validateNodeResourcesForEnvoy(resources: NodeResources, version: EnvoyVersion | undefined): EnvoyViolation[] {
  return [...validateNodeResources(resources), ...validateForEnvoyVersion(resources, version)];
}
