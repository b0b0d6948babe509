// The read model the Envoy side consumes: everything of one mesh at one revision, in the exact shapes the
// App Mesh API returns from Describe* (so translation sees what users see), plus registered endpoints.
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

/** One registered instance of a service in meshplane's endpoint registry (meshplane's stand-in for Cloud Map). */
export interface EndpointInstance {
  /** Cloud Map-style namespace, matched against `awsCloudMap.namespaceName` of a virtual node. */
  namespaceName: string;
  /** Cloud Map-style service, matched against `awsCloudMap.serviceName`. */
  serviceName: string;
  /** Unique within (namespace, service). */
  instanceId: string;
  /** IPv4 or IPv6 literal. */
  address: string;
  port: number;
  /** Matched against a virtual node's `awsCloudMap.attributes` filters (every filter must be equal). */
  attributes: Record<string, string>;
  health: "HEALTHY" | "UNHEALTHY" | "UNKNOWN";
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
  /** Registered endpoints of every namespace/service that a virtual node of this mesh discovers through `awsCloudMap`. */
  endpoints: EndpointInstance[];
  /** meshplane's policies of the mesh (functions/policies), in creation order; absent means none. */
  policies?: StoredPolicy[];
}
