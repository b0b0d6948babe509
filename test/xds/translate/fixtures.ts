// Fixture builders producing valid App Mesh Describe* shapes (what the API returns), so tests read like the guide.
import type { EndpointInstance, MeshSnapshot } from "../../../functions/appmesh/snapshot.js";
import type {
  GatewayRouteData,
  GatewayRouteSpec,
  MeshData,
  MeshSpec,
  ResourceMetadata,
  RouteData,
  RouteSpec,
  VirtualGatewayData,
  VirtualGatewaySpec,
  VirtualNodeData,
  VirtualNodeSpec,
  VirtualRouterData,
  VirtualRouterSpec,
  VirtualServiceData,
  VirtualServiceSpec,
} from "../../../functions/appmesh/model/types.generated.js";

export const MESH = "app";
const ACCOUNT = "111122223333";

function metadata(path: string): ResourceMetadata {
  return {
    arn: `arn:aws:appmesh:us-east-1:${ACCOUNT}:mesh/${path}`,
    createdAt: 1_700_000_000,
    lastUpdatedAt: 1_700_000_000,
    meshOwner: ACCOUNT,
    resourceOwner: ACCOUNT,
    uid: `uid-${path}`,
    version: 1,
  };
}

export function MakeMesh(spec: MeshSpec = {}, meshName = MESH): MeshData {
  return { meshName, metadata: metadata(meshName), spec, status: { status: "ACTIVE" } };
}

export function MakeVirtualNode(virtualNodeName: string, spec: VirtualNodeSpec, meshName = MESH): VirtualNodeData {
  return { meshName, virtualNodeName, metadata: metadata(`${meshName}/virtualNode/${virtualNodeName}`), spec, status: { status: "ACTIVE" } };
}

export function MakeVirtualService(virtualServiceName: string, spec: VirtualServiceSpec, meshName = MESH): VirtualServiceData {
  return { meshName, virtualServiceName, metadata: metadata(`${meshName}/virtualService/${virtualServiceName}`), spec, status: { status: "ACTIVE" } };
}

export function MakeVirtualRouter(virtualRouterName: string, spec: VirtualRouterSpec, meshName = MESH): VirtualRouterData {
  return { meshName, virtualRouterName, metadata: metadata(`${meshName}/virtualRouter/${virtualRouterName}`), spec, status: { status: "ACTIVE" } };
}

export function MakeRoute(virtualRouterName: string, routeName: string, spec: RouteSpec, meshName = MESH): RouteData {
  return {
    meshName,
    virtualRouterName,
    routeName,
    metadata: metadata(`${meshName}/virtualRouter/${virtualRouterName}/route/${routeName}`),
    spec,
    status: { status: "ACTIVE" },
  };
}

export function MakeVirtualGateway(virtualGatewayName: string, spec: VirtualGatewaySpec, meshName = MESH): VirtualGatewayData {
  return { meshName, virtualGatewayName, metadata: metadata(`${meshName}/virtualGateway/${virtualGatewayName}`), spec, status: { status: "ACTIVE" } };
}

export function MakeGatewayRoute(virtualGatewayName: string, gatewayRouteName: string, spec: GatewayRouteSpec, meshName = MESH): GatewayRouteData {
  return {
    meshName,
    virtualGatewayName,
    gatewayRouteName,
    metadata: metadata(`${meshName}/virtualGateway/${virtualGatewayName}/gatewayRoute/${gatewayRouteName}`),
    spec,
    status: { status: "ACTIVE" },
  };
}

export function MakeEndpoint(namespaceName: string, serviceName: string, instanceId: string, address: string, port: number, attributes: Record<string, string> = {}, health: EndpointInstance["health"] = "HEALTHY"): EndpointInstance {
  return { namespaceName, serviceName, instanceId, address, port, attributes, health };
}

/** A DNS-discovered node with one listener, the most common shape in the guide. */
export function MakeDnsNode(name: string, port: number, protocol: "http" | "http2" | "grpc" | "tcp", extra: Partial<VirtualNodeSpec> = {}): VirtualNodeData {
  return MakeVirtualNode(name, {
    listeners: [{ portMapping: { port, protocol } }],
    serviceDiscovery: { dns: { hostname: `${name}.${MESH}.local` } },
    ...extra,
  });
}

export function MakeSnapshot(parts: Partial<Omit<MeshSnapshot, "mesh" | "revision">> & { mesh?: MeshData; revision?: number }): MeshSnapshot {
  return {
    mesh: parts.mesh ?? MakeMesh({ egressFilter: { type: "DROP_ALL" } }),
    revision: parts.revision ?? 1,
    virtualServices: parts.virtualServices ?? [],
    virtualNodes: parts.virtualNodes ?? [],
    virtualRouters: parts.virtualRouters ?? [],
    routes: parts.routes ?? [],
    virtualGateways: parts.virtualGateways ?? [],
    gatewayRoutes: parts.gatewayRoutes ?? [],
    endpoints: parts.endpoints ?? [],
  };
}

/**
 * The guide's weighted-routing shape: node `client` backs onto svc.app.local, served by router `svc` (port 80) whose
 * `routes` send to nodes `blue` and `green`.
 */
export function MakeBlueGreenSnapshot(routes: RouteData[]): MeshSnapshot {
  return MakeSnapshot({
    virtualNodes: [
      MakeDnsNode("client", 8080, "http", { backends: [{ virtualService: { virtualServiceName: "svc.app.local" } }] }),
      MakeDnsNode("blue", 80, "http"),
      MakeDnsNode("green", 80, "http"),
    ],
    virtualServices: [MakeVirtualService("svc.app.local", { provider: { virtualRouter: { virtualRouterName: "svc" } } })],
    virtualRouters: [MakeVirtualRouter("svc", { listeners: [{ portMapping: { port: 80, protocol: "http" } }] })],
    routes,
  });
}
