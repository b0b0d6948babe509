// Clusters (docs/envoy-translation.md §4, §6, §13): the local app cluster behind each listener, an egress
// cluster per (target node, target listener), the AWS and allow-all passthrough clusters, the gateway self-redirect.
import { create } from "@bufbuild/protobuf";
import type {
  ClientPolicyTls,
  HealthCheckPolicy,
  IpPreference,
  Listener as AppMeshListener,
  OutlierDetection as AppMeshOutlierDetection,
  PortProtocol,
  VirtualGatewayClientPolicyTls,
  VirtualGatewayHealthCheckPolicy,
  VirtualNodeConnectionPool,
  VirtualGatewayConnectionPool,
} from "../../appmesh/model/types.generated.js";
import { Cluster_DiscoveryType, Cluster_DnsLookupFamily, Cluster_LbPolicy, ClusterSchema, type Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { OutlierDetectionSchema, type OutlierDetection } from "../../../proto/gen/envoy/config/cluster/v3/outlier_detection_pb.js";
import { HealthCheckSchema, type HealthCheck } from "../../../proto/gen/envoy/config/core/v3/health_check_pb.js";
import { CodecClientType } from "../../../proto/gen/envoy/type/v3/http_pb.js";
import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint_pb.js";
import {
  adsConfigSource,
  aggregateStatsMetadata,
  appMeshDurationMs,
  circuitBreakers,
  http2ProtocolOptions,
  loopbackAddress,
  ms,
  type ConnectionLimits,
} from "./common.js";
import { translateClusterLoadAssignment, translateSingleHostAssignment } from "./endpoints.js";
import { effectiveIpPreference, type MeshIndex } from "./mesh-index.js";
import { allowAllClusterName, amazonAwsClusterName, EGRESS_PORT } from "./names.js";
import type { ClusterRef } from "./service-routes.js";
import { translateUpstreamTlsSocket, type AcmMaterial, type SecretSink } from "./tls.js";
import type { LoadBalancingSpec } from "../../policies/index.js";
import { applyLoadBalancing, DEFAULT_ZONE_ATTRIBUTE } from "./policies/load-balancing.js";

/** Connect timeouts App Mesh used: 0.25 s to the local app, 1 s to anything remote (VGDUMP, envoyctl#2). */
const LOCAL_CONNECT_TIMEOUT_MS = 250;
const REMOTE_CONNECT_TIMEOUT_MS = 1000;

const needsHttp2 = (protocol: PortProtocol): boolean => protocol === "http2" || protocol === "grpc";

/** A listener's connection pool is destination-side: it caps the local cluster (or the gateway's self-redirect). */
export function connectionPoolLimits(pool: VirtualNodeConnectionPool | VirtualGatewayConnectionPool | undefined): ConnectionLimits {
  if (!pool) return {};
  if ("tcp" in pool && pool.tcp) return { maxConnections: pool.tcp.maxConnections };
  if (pool.http) return { maxConnections: pool.http.maxConnections, maxPendingRequests: pool.http.maxPendingRequests };
  if (pool.http2) return { maxRequests: pool.http2.maxRequests };
  if (pool.grpc) return { maxRequests: pool.grpc.maxRequests };
  return {};
}

/** The local application behind one listener: STATIC loopback at the listener port. */
export function translateIngressCluster(
  name: string,
  listener: { portMapping: { port: number; protocol: PortProtocol }; connectionPool?: VirtualNodeConnectionPool | VirtualGatewayConnectionPool },
  preference: IpPreference | undefined,
  targetPort = listener.portMapping.port,
): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.STATIC },
    connectTimeout: ms(LOCAL_CONNECT_TIMEOUT_MS),
    loadAssignment: translateSingleHostAssignment(name, loopbackAddress(preference), targetPort),
    circuitBreakers: circuitBreakers(connectionPoolLimits(listener.connectionPool)),
    typedExtensionProtocolOptions: needsHttp2(listener.portMapping.protocol) ? http2ProtocolOptions() : {},
  });
}

/** Gateway hop 1 → hop 2: the gateway's own egress listener on 15001. */
export function translateSelfRedirectCluster(
  name: string,
  listener: { portMapping: { port: number; protocol: PortProtocol }; connectionPool?: VirtualGatewayConnectionPool },
  preference: IpPreference | undefined,
): Cluster {
  return translateIngressCluster(name, listener, preference, EGRESS_PORT);
}

const dnsLookupFamilies: Record<IpPreference, Cluster_DnsLookupFamily> = {
  IPv6_PREFERRED: Cluster_DnsLookupFamily.AUTO,
  IPv4_PREFERRED: Cluster_DnsLookupFamily.V4_PREFERRED,
  IPv6_ONLY: Cluster_DnsLookupFamily.V6_ONLY,
  IPv4_ONLY: Cluster_DnsLookupFamily.V4_ONLY,
};

export function translateHealthCheck(policy: HealthCheckPolicy | VirtualGatewayHealthCheckPolicy, serviceHost: string, port: number): HealthCheck {
  const common = {
    timeout: ms(policy.timeoutMillis),
    interval: ms(policy.intervalMillis),
    healthyThreshold: policy.healthyThreshold,
    unhealthyThreshold: policy.unhealthyThreshold,
  };
  const host = `${serviceHost}:${policy.port ?? port}`;
  switch (policy.protocol) {
    case "http":
    case "http2":
      return create(HealthCheckSchema, {
        ...common,
        healthChecker: {
          case: "httpHealthCheck",
          value: { host, path: policy.path ?? "/", codecClientType: policy.protocol === "http2" ? CodecClientType.HTTP2 : CodecClientType.HTTP1 },
        },
      });
    case "grpc":
      return create(HealthCheckSchema, { ...common, healthChecker: { case: "grpcHealthCheck", value: { authority: host } } });
    case "tcp":
      return create(HealthCheckSchema, { ...common, healthChecker: { case: "tcpHealthCheck", value: {} } });
  }
}

export function translateOutlierDetection(policy: AppMeshOutlierDetection): OutlierDetection {
  return create(OutlierDetectionSchema, {
    consecutive5xx: policy.maxServerErrors,
    interval: ms(appMeshDurationMs(policy.interval) ?? 10_000),
    baseEjectionTime: ms(appMeshDurationMs(policy.baseEjectionDuration) ?? 30_000),
    maxEjectionPercent: policy.maxEjectionPercent,
  });
}

/** The name a target's server certificate must carry when the client lists no SANs (docs/envoy-translation.md §10). */
export function serviceDiscoveryName(ref: ClusterRef): string | undefined {
  const discovery = ref.node.spec.serviceDiscovery;
  if (discovery?.dns) return discovery.dns.hostname;
  if (discovery?.awsCloudMap) return `${discovery.awsCloudMap.serviceName}.${discovery.awsCloudMap.namespaceName}`;
  return undefined;
}

/** A client policy applies to a target port when enforced (default) and its `ports` are empty or list the port. */
export function clientPolicyApplies(policy: ClientPolicyTls | VirtualGatewayClientPolicyTls | undefined, port: number): boolean {
  if (!policy || policy.enforce === false) return false;
  return !policy.ports || policy.ports.length === 0 || policy.ports.includes(port);
}

export interface EgressClusterOptions {
  clientTls: ClientPolicyTls | VirtualGatewayClientPolicyTls | undefined;
  acm: AcmMaterial;
  /** Proxyless gRPC clients: no transport socket or active health checks, STRICT_DNS becomes LOGICAL_DNS. */
  proxyless: boolean;
  /** The target's loadBalancing policy (meshplane's policies); not for proxyless clients. */
  loadBalancing?: LoadBalancingSpec;
  /** The caller's zone, for a loadBalancing policy that prefers it. */
  callerZone?: string;
}

export interface EgressClusterResult {
  cluster: Cluster;
  /** Only for EDS clusters (registry-backed targets). */
  assignment: ClusterLoadAssignment | undefined;
  secrets: SecretSink;
}

/**
 * Client-side cluster of one target listener: discovery from the target's service discovery, IP family from the
 * target's preference, health checks and outlier detection from the target listener, TLS from the client policy or,
 * when none applies but the target listener speaks TLS, plain TLS origination without validation (App Mesh's default).
 *
 * docs/envoy-translation.md §10: with no applicable client policy the client still originates TLS to a STRICT/PERMISSIVE target whatever
 * its certificate source (file, SDS or ACM), without validating the server (meshplane cannot know the CA an SDS or
 * ACM certificate chains to). No SNI, as App Mesh (envoyctl#2).
 */
export function translateEgressCluster(index: MeshIndex, ref: ClusterRef, options: EgressClusterOptions): EgressClusterResult {
  const { node, listener } = ref;
  const { port, protocol } = listener.portMapping;
  const discovery = node.spec.serviceDiscovery;
  const preference = effectiveIpPreference(index, node);
  const secrets: SecretSink = new Map();
  const cluster = create(ClusterSchema, {
    name: ref.name,
    connectTimeout: ms(REMOTE_CONNECT_TIMEOUT_MS),
    circuitBreakers: circuitBreakers(),
    metadata: aggregateStatsMetadata([{ key: "TargetVirtualNode", value: node.virtualNodeName }]),
    typedExtensionProtocolOptions: needsHttp2(protocol) ? http2ProtocolOptions() : {},
  });
  let assignment: ClusterLoadAssignment | undefined;
  if (discovery?.dns) {
    const strict = discovery.dns.responseType === "ENDPOINTS" && !options.proxyless;
    cluster.clusterDiscoveryType = { case: "type", value: strict ? Cluster_DiscoveryType.STRICT_DNS : Cluster_DiscoveryType.LOGICAL_DNS };
    cluster.dnsLookupFamily = preference ? dnsLookupFamilies[preference] : Cluster_DnsLookupFamily.AUTO;
    cluster.loadAssignment = translateSingleHostAssignment(ref.name, discovery.dns.hostname, port, listener.healthCheck?.port);
  } else if (discovery?.awsCloudMap) {
    cluster.clusterDiscoveryType = { case: "type", value: Cluster_DiscoveryType.EDS };
    cluster.edsClusterConfig = { $typeName: "envoy.config.cluster.v3.Cluster.EdsClusterConfig", edsConfig: adsConfigSource(), serviceName: "" };
    cluster.ignoreHealthOnHostRemoval = true;
    const locality = options.loadBalancing?.locality && !options.proxyless ? options.loadBalancing.locality : undefined;
    assignment = translateClusterLoadAssignment(
      index,
      ref.name,
      discovery.awsCloudMap,
      port,
      preference,
      listener.healthCheck?.port,
      locality && {
        zoneAttribute: locality.zoneAttribute ?? DEFAULT_ZONE_ATTRIBUTE,
        weights: new Map((locality.zoneWeights ?? []).map((weight) => [weight.zone, weight.weight])),
        preferZone: locality.preferLocalZone ? options.callerZone : undefined,
      },
    );
  }
  const sdName = serviceDiscoveryName(ref);
  if (listener.healthCheck && !options.proxyless) cluster.healthChecks = [translateHealthCheck(listener.healthCheck, sdName ?? ref.name, port)];
  if (listener.outlierDetection) cluster.outlierDetection = translateOutlierDetection(listener.outlierDetection);
  if (options.loadBalancing && !options.proxyless) applyLoadBalancing(cluster, options.loadBalancing);
  if (!options.proxyless) {
    const policy = clientPolicyApplies(options.clientTls, port) ? options.clientTls : undefined;
    const serverTls = listenerSpeaksTls(listener);
    if (policy || serverTls) cluster.transportSocket = translateUpstreamTlsSocket(policy, sdName, options.acm, secrets);
  }
  return { cluster, assignment, secrets };
}

const listenerSpeaksTls = (listener: AppMeshListener): boolean => listener.tls !== undefined && listener.tls.mode !== "DISABLED";

/**
 * docs/envoy-translation.md §6: the `amazonaws` and `mesh-allow-all` passthrough clusters are ORIGINAL_DST (connect to where the app was
 * going), CLUSTER_PROVIDED load balancing, 1 s connect timeout.
 */
export function translatePassthroughCluster(name: string): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.ORIGINAL_DST },
    lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED,
    connectTimeout: ms(REMOTE_CONNECT_TIMEOUT_MS),
    circuitBreakers: circuitBreakers(),
  });
}

export const translateAmazonAwsCluster = (mesh: string): Cluster => translatePassthroughCluster(amazonAwsClusterName(mesh));
export const translateAllowAllCluster = (mesh: string): Cluster => translatePassthroughCluster(allowAllClusterName(mesh));
