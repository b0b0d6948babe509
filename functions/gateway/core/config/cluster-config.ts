// What the gateway needs of an Envoy Cluster (+ its ClusterLoadAssignment): discovery type, endpoints, connect
// timeout, upstream protocol, circuit-breaker thresholds, outlier detection and the active health check. A cluster
// Envoy would refuse is refused here too (an Error naming the cluster and the field), so every runtime NACKs it.
import { durationMs, type Duration } from "@bufbuild/protobuf/wkt";
import { Cluster_DiscoveryType, Cluster_DnsLookupFamily, Cluster_LbPolicy, type Cluster } from "../../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { HealthStatus } from "../../../../proto/gen/envoy/config/core/v3/health_check_pb.js";
import type { ClusterLoadAssignment } from "../../../../proto/gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { aggregateStatsTags, type AggregateStatsTags } from "./aggregate-stats.js";
import { parseUpstreamTls, type UpstreamTlsConfig } from "./tls-config.js";

export const DISCOVERY_TYPES = ["STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST"] as const;
export type DiscoveryType = (typeof DISCOVERY_TYPES)[number];

const discoveryTypes: Record<Cluster_DiscoveryType, DiscoveryType> = {
  [Cluster_DiscoveryType.STATIC]: "STATIC",
  [Cluster_DiscoveryType.STRICT_DNS]: "STRICT_DNS",
  [Cluster_DiscoveryType.LOGICAL_DNS]: "LOGICAL_DNS",
  [Cluster_DiscoveryType.EDS]: "EDS",
  [Cluster_DiscoveryType.ORIGINAL_DST]: "ORIGINAL_DST",
};

/** One configured endpoint: an IP (STATIC, EDS) or a hostname to resolve (DNS clusters). */
export interface EndpointConfig {
  address: string;
  port: number;
  /** Health-check port when it differs. */
  healthCheckPort: number | undefined;
  /** EDS health status: UNHEALTHY / DRAINING / TIMEOUT hosts get no traffic. */
  healthy: boolean;
  /** Its locality's zone ("" when none), load-balancing weight (1 by default) and priority (0 first). */
  zone: string;
  localityWeight: number;
  priority: number;
}

export const LB_POLICIES = ["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV"] as const;
export type LbPolicyName = (typeof LB_POLICIES)[number];

/** The cluster's load balancer (Envoy's lb_policy and its options). */
export interface LoadBalancerConfig {
  policy: LbPolicyName;
  /** RING_HASH: Envoy's defaults are 1024 and 8M entries. */
  minimumRingSize: number;
  maximumRingSize: number;
  /** LEAST_REQUEST: hosts compared per pick (Envoy's default 2). */
  choiceCount: number;
  /** common_lb_config.locality_weighted_lb_config: localities are picked by their weights first. */
  localityWeighted: boolean;
}

export interface CircuitBreakerLimits {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
}

export interface OutlierConfig {
  consecutive5xx: number;
  intervalMs: number;
  baseEjectionMs: number;
  /** An ejection lasts base × ejections so far, at most this long (but never less than the base). */
  maxEjectionMs: number;
  maxEjectionPercent: number;
}

export interface HealthCheckConfig {
  /** http: GET path, 2xx; grpc: grpc.health.v1.Health/Check answers SERVING; tcp: the connection opens. */
  kind: "http" | "grpc" | "tcp";
  timeoutMs: number;
  intervalMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** Host header (http) or :authority (grpc). */
  host: string;
  path: string;
  /** grpc: the service name asked about ("" = the server as a whole). */
  serviceName: string;
}

export interface ClusterConfig {
  name: string;
  type: DiscoveryType;
  /** For EDS clusters: the ClusterLoadAssignment name to subscribe to. */
  edsServiceName: string | undefined;
  connectTimeoutMs: number;
  /** Upstream speaks HTTP/2 (prior knowledge), from HttpProtocolOptions. */
  http2: boolean;
  /** 0 = any family (happy eyeballs), 4 or 6. */
  dnsFamily: 0 | 4 | 6;
  dnsRefreshMs: number;
  limits: CircuitBreakerLimits;
  outlier: OutlierConfig | undefined;
  healthCheck: HealthCheckConfig | undefined;
  /** TLS origination; `unsupported` (SDS-socket material) is refused by the snapshot's validation (a NACK). */
  tls: UpstreamTlsConfig | { unsupported: string } | undefined;
  endpoints: EndpointConfig[];
  /** App Mesh's metrics extension tags (TargetVirtualNode), from the cluster's aggregate_stats metadata. */
  aggregateStats: AggregateStatsTags | undefined;
  lb: LoadBalancerConfig;
}

const durationOr = (duration: Duration | undefined, fallback: number): number => (duration ? durationMs(duration) : fallback);

const ENVOY_DEFAULT_LIMITS: CircuitBreakerLimits = { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 };

function dnsFamily(family: Cluster_DnsLookupFamily): 0 | 4 | 6 {
  if (family === Cluster_DnsLookupFamily.V4_ONLY) return 4;
  if (family === Cluster_DnsLookupFamily.V6_ONLY) return 6;
  return 0;
}

export function endpointsOf(assignment: ClusterLoadAssignment | undefined): EndpointConfig[] {
  const endpoints: EndpointConfig[] = [];
  for (const locality of assignment?.endpoints ?? []) {
    const zone = locality.locality?.zone ?? "";
    const localityWeight = locality.loadBalancingWeight ?? 1;
    for (const lb of locality.lbEndpoints) {
      if (lb.hostIdentifier.case !== "endpoint") continue;
      const address = lb.hostIdentifier.value.address?.address;
      if (address?.case !== "socketAddress" || address.value.portSpecifier.case !== "portValue") continue;
      const healthCheckPort = lb.hostIdentifier.value.healthCheckConfig?.portValue;
      endpoints.push({
        address: address.value.address,
        port: address.value.portSpecifier.value,
        healthCheckPort: healthCheckPort ? healthCheckPort : undefined,
        healthy: ![HealthStatus.UNHEALTHY, HealthStatus.DRAINING, HealthStatus.TIMEOUT].includes(lb.healthStatus),
        zone,
        localityWeight,
        priority: locality.priority,
      });
    }
  }
  return endpoints;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:.]+$/i;

/** Whether `address` is an IP literal (Envoy's STATIC and EDS hosts must be). */
export function isIpAddress(address: string): boolean {
  return IPV4.test(address) || (address.includes(":") && IPV6.test(address) && (address.match(/::/g) ?? []).length <= 1);
}

const positive = (duration: Duration | undefined): boolean => duration === undefined || durationMs(duration) > 0;

/** The rules Envoy refuses a Cluster by (its protoc-gen-validate rules and cluster manager checks) that this gateway relies on. */
function clusterProblems(cluster: Cluster, type: DiscoveryType, endpoints: readonly EndpointConfig[]): string[] {
  const problems: string[] = [];
  if (cluster.name === "") problems.push("name must not be empty");
  if (!positive(cluster.connectTimeout)) problems.push("connect_timeout must be greater than 0s");
  if ((type === "STATIC" || type === "EDS") && endpoints.some((endpoint) => !isIpAddress(endpoint.address))) {
    const bad = endpoints.find((endpoint) => !isIpAddress(endpoint.address))!;
    problems.push(`malformed IP address: ${bad.address} (a ${type} cluster needs IP endpoints; a hostname needs STRICT_DNS or LOGICAL_DNS)`);
  }
  if (endpoints.some((endpoint) => endpoint.port > 65535)) problems.push("endpoint port_value must be at most 65535");
  if (type === "LOGICAL_DNS" && endpoints.length !== 1) problems.push(`LOGICAL_DNS clusters must have exactly one host, this one has ${endpoints.length}`);
  const outlier = cluster.outlierDetection;
  if (outlier && (outlier.maxEjectionPercent ?? 0) > 100) problems.push("outlier_detection.max_ejection_percent must be at most 100");
  if (outlier && !positive(outlier.baseEjectionTime)) problems.push("outlier_detection.base_ejection_time must be greater than 0s");
  if (outlier && !positive(outlier.interval)) problems.push("outlier_detection.interval must be greater than 0s");
  for (const check of cluster.healthChecks) {
    if (!check.timeout || durationMs(check.timeout) <= 0) problems.push("health_checks.timeout is required and must be greater than 0s");
    if (!check.interval || durationMs(check.interval) <= 0) problems.push("health_checks.interval is required and must be greater than 0s");
    if (check.healthyThreshold === undefined || check.unhealthyThreshold === undefined) problems.push("health_checks.healthy_threshold and unhealthy_threshold are required");
  }
  return problems;
}

const lbPolicies: Partial<Record<Cluster_LbPolicy, LbPolicyName>> = {
  [Cluster_LbPolicy.ROUND_ROBIN]: "ROUND_ROBIN",
  [Cluster_LbPolicy.LEAST_REQUEST]: "LEAST_REQUEST",
  [Cluster_LbPolicy.RANDOM]: "RANDOM",
  [Cluster_LbPolicy.RING_HASH]: "RING_HASH",
  [Cluster_LbPolicy.MAGLEV]: "MAGLEV",
};

/** ORIGINAL_DST clusters (CLUSTER_PROVIDED) pick by destination, which the gateway treats as round robin over its hosts. */
function parseLoadBalancer(cluster: Cluster): LoadBalancerConfig {
  const config = cluster.lbConfig;
  return {
    policy: lbPolicies[cluster.lbPolicy] ?? "ROUND_ROBIN",
    minimumRingSize: config.case === "ringHashLbConfig" ? Number(config.value.minimumRingSize ?? 1024n) : 1024,
    maximumRingSize: config.case === "ringHashLbConfig" ? Number(config.value.maximumRingSize ?? 8_388_608n) : 8_388_608,
    choiceCount: config.case === "leastRequestLbConfig" ? (config.value.choiceCount ?? 2) : 2,
    localityWeighted: cluster.commonLbConfig?.localityConfigSpecifier.case === "localityWeightedLbConfig",
  };
}

/**
 * `assignment` is the EDS ClusterLoadAssignment for EDS clusters (undefined until it arrives). Throws when Envoy
 * would refuse the cluster.
 */
export function parseClusterConfig(cluster: Cluster, assignment: ClusterLoadAssignment | undefined): ClusterConfig {
  const type = cluster.clusterDiscoveryType.case === "type" ? (discoveryTypes[cluster.clusterDiscoveryType.value] ?? "STATIC") : "STATIC";
  const endpoints = endpointsOf(type === "EDS" ? assignment : cluster.loadAssignment);
  const problems = clusterProblems(cluster, type, endpoints);
  if (problems.length > 0) throw new Error(`cluster ${cluster.name || "(unnamed)"}: ${problems.join("; ")}`);
  const thresholds = cluster.circuitBreakers?.thresholds.find((t) => t.priority === 0);
  const outlier = cluster.outlierDetection;
  const check = cluster.healthChecks.find((c) => ["httpHealthCheck", "grpcHealthCheck", "tcpHealthCheck"].includes(c.healthChecker.case ?? ""));
  const checker = check?.healthChecker;
  const protocolOptions = cluster.typedExtensionProtocolOptions["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
  return {
    name: cluster.name,
    type,
    edsServiceName: type === "EDS" ? cluster.edsClusterConfig?.serviceName || cluster.name : undefined,
    connectTimeoutMs: durationOr(cluster.connectTimeout, 5_000),
    // The packed HttpProtocolOptions meshplane emits only ever selects HTTP/2 (http2ProtocolOptions()).
    http2: protocolOptions !== undefined,
    dnsFamily: dnsFamily(cluster.dnsLookupFamily),
    dnsRefreshMs: durationOr(cluster.dnsRefreshRate, 5_000),
    limits: {
      maxConnections: thresholds?.maxConnections ?? ENVOY_DEFAULT_LIMITS.maxConnections,
      maxPendingRequests: thresholds?.maxPendingRequests ?? ENVOY_DEFAULT_LIMITS.maxPendingRequests,
      maxRequests: thresholds?.maxRequests ?? ENVOY_DEFAULT_LIMITS.maxRequests,
      maxRetries: thresholds?.maxRetries ?? ENVOY_DEFAULT_LIMITS.maxRetries,
    },
    outlier: outlier
      ? {
          consecutive5xx: outlier.consecutive5xx ?? 5,
          intervalMs: durationOr(outlier.interval, 10_000),
          baseEjectionMs: durationOr(outlier.baseEjectionTime, 30_000),
          maxEjectionMs: durationOr(outlier.maxEjectionTime, 300_000),
          maxEjectionPercent: outlier.maxEjectionPercent ?? 10,
        }
      : undefined,
    healthCheck:
      check && checker
        ? {
            kind: checker.case === "grpcHealthCheck" ? "grpc" : checker.case === "tcpHealthCheck" ? "tcp" : "http",
            timeoutMs: durationOr(check.timeout, 2_000),
            intervalMs: durationOr(check.interval, 5_000),
            healthyThreshold: check.healthyThreshold ?? 1,
            unhealthyThreshold: check.unhealthyThreshold ?? 1,
            host: checker.case === "httpHealthCheck" ? checker.value.host : checker.case === "grpcHealthCheck" ? checker.value.authority : "",
            path: checker.case === "httpHealthCheck" ? checker.value.path || "/" : "",
            serviceName: checker.case === "grpcHealthCheck" ? checker.value.serviceName : "",
          }
        : undefined,
    tls: cluster.transportSocket ? parseUpstreamTls(cluster.transportSocket) : undefined,
    endpoints,
    aggregateStats: aggregateStatsTags(cluster.metadata),
    lb: parseLoadBalancer(cluster),
  };
}
