// The read model the Envoy side consumes: everything of one mesh at one revision, in the exact shapes the
// App Mesh API returns from Describe* (so translation sees what users see), plus the Cloud Map instances its
// virtual nodes discover.
import type {
  GatewayRouteData,
  MeshData,
  RouteData,
  VirtualGatewayData,
  VirtualNodeData,
  VirtualRouterData,
  VirtualServiceData,
} from "./model/types.generated.js";

/**
 * A meshplane policy of the mesh as stored: its `document` (targetRef and spec) passed the policy model's validation
 * when it was written; functions/policies reads it.
 */
export interface StoredPolicy {
  name: string;
  uid: string;
  arn: string;
  version: number;
  document: unknown;
}

/** One instance of a Cloud Map service (functions/aws/servicediscovery), as App Mesh's EDS reads it. */
export interface EndpointInstance {
  /** The Cloud Map namespace, matched against `awsCloudMap.namespaceName` of a virtual node. */
  namespaceName: string;
  /** The Cloud Map service, matched against `awsCloudMap.serviceName`. */
  serviceName: string;
  /** Unique within (namespace, service). */
  instanceId: string;
  /** AWS_INSTANCE_IPV4 when the instance has one, else AWS_INSTANCE_IPV6. */
  address: string;
  /** AWS_INSTANCE_IPV6 when the instance has both addresses (IP preference picks one per instance). */
  ipv6?: string;
  /** AWS_INSTANCE_PORT (0 when none). Envoys dial the target listener's port, not this one (docs/aws-services.md). */
  port: number;
  /** All the instance's attributes, matched against a virtual node's `awsCloudMap.attributes` filters (every filter must be equal). */
  attributes: Record<string, string>;
  /** A custom health check's state, or UNKNOWN for services without one. UNHEALTHY instances never reach a snapshot. */
  health: "HEALTHY" | "UNHEALTHY" | "UNKNOWN";
}

/**
 * The TLS material a mesh's specs name in ACM and ACM Private CA, as meshplane's stand-ins hold it: certificate chains
 * and keys by certificate ARN, CA certificates by CA ARN, and a sentence for each ARN that cannot be served.
 */
export interface MeshTlsMaterial {
  certificates: Readonly<Record<string, { certificateChain: string; privateKey: string }>>;
  certificateAuthorities: Readonly<Record<string, string>>;
  problems: readonly string[];
}

/**
 * Every resource of one mesh at one revision. Lists are in creation order. Immutable once built:
 * consumers may cache anything derived from it by `(meshName, revision)`.
 *
 * @example
 * { mesh: {meshName: "app", spec: {egressFilter: {type: "DROP_ALL"}}, …}, revision: 12,
 *   virtualNodes: [{virtualNodeName: "serviceB", spec: {listeners: [{portMapping: {port: 80, protocol: "http"}}], …}, …}],
 *   …, endpoints: [] }
 */
export interface MeshSnapshot {
  mesh: MeshData;
  /** The mesh's revision: bumped by every committed write to the mesh or to anything in it. */
  revision: number;
  virtualServices: VirtualServiceData[];
  virtualNodes: VirtualNodeData[];
  virtualRouters: VirtualRouterData[];
  routes: RouteData[];
  virtualGateways: VirtualGatewayData[];
  gatewayRoutes: GatewayRouteData[];
  /** The instances, healthy or without health checks, of every Cloud Map service a virtual node of this mesh discovers through `awsCloudMap`. */
  endpoints: EndpointInstance[];
  /** Present when the mesh's TLS names ACM certificates or Private CAs (`acm` certificates and trusts). */
  tls?: MeshTlsMaterial;
  /** meshplane's policies of the mesh (functions/policies), in creation order; absent means none. */
  policies?: StoredPolicy[];
}
