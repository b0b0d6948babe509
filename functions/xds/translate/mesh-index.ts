// Lookup tables over one MeshSnapshot, built once per snapshot: translation asks "which node is called X",
// "which routes belong to router R" thousands of times per mesh.
import type { EndpointInstance, MeshSnapshot } from "../../appmesh/snapshot.js";
import type {
  GatewayRouteData,
  IpPreference,
  Listener as AppMeshListener,
  PortProtocol,
  RouteData,
  VirtualGatewayData,
  VirtualNodeData,
  VirtualRouterData,
  VirtualServiceData,
} from "../../appmesh/model/types.generated.js";

export interface MeshIndex {
  readonly snapshot: MeshSnapshot;
  readonly meshName: string;
  readonly virtualNodes: ReadonlyMap<string, VirtualNodeData>;
  readonly virtualServices: ReadonlyMap<string, VirtualServiceData>;
  readonly virtualRouters: ReadonlyMap<string, VirtualRouterData>;
  readonly virtualGateways: ReadonlyMap<string, VirtualGatewayData>;
  /** Routes of each router, sorted by route name (the translation orders them by priority later). */
  readonly routesByRouter: ReadonlyMap<string, readonly RouteData[]>;
  /** Gateway routes of each gateway, sorted by name. */
  readonly gatewayRoutesByGateway: ReadonlyMap<string, readonly GatewayRouteData[]>;
  /** Registered instances by `namespace/service`, sorted by instance id. */
  readonly endpointsByService: ReadonlyMap<string, readonly EndpointInstance[]>;
}

const byName = <T>(items: readonly T[], name: (item: T) => string): Map<string, T> =>
  new Map([...items].sort((a, b) => compareStrings(name(a), name(b))).map((item) => [name(item), item]));

/** Code-unit order, independent of the locale, so output is byte-identical everywhere. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function groupSorted<T>(items: readonly T[], key: (item: T) => string, sortKey: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item)) ?? [];
    list.push(item);
    groups.set(key(item), list);
  }
  for (const list of groups.values()) list.sort((a, b) => compareStrings(sortKey(a), sortKey(b)));
  return groups;
}

export const serviceKey = (namespaceName: string, serviceName: string): string => `${namespaceName}/${serviceName}`;

// Deleted/inactive resources are not part of the live mesh.
const isLive = (item: { status: { status?: string } }): boolean => item.status.status === undefined || item.status.status === "ACTIVE";

export function createMeshIndex(snapshot: MeshSnapshot): MeshIndex {
  return {
    snapshot,
    meshName: snapshot.mesh.meshName,
    virtualNodes: byName(snapshot.virtualNodes.filter(isLive), (n) => n.virtualNodeName),
    virtualServices: byName(snapshot.virtualServices.filter(isLive), (s) => s.virtualServiceName),
    virtualRouters: byName(snapshot.virtualRouters.filter(isLive), (r) => r.virtualRouterName),
    virtualGateways: byName(snapshot.virtualGateways.filter(isLive), (g) => g.virtualGatewayName),
    routesByRouter: groupSorted(snapshot.routes.filter(isLive), (r) => r.virtualRouterName, (r) => r.routeName),
    gatewayRoutesByGateway: groupSorted(
      snapshot.gatewayRoutes.filter(isLive),
      (r) => r.virtualGatewayName,
      (r) => r.gatewayRouteName,
    ),
    endpointsByService: groupSorted(snapshot.endpoints, (e) => serviceKey(e.namespaceName, e.serviceName), (e) => e.instanceId),
  };
}

/** A virtual node's IP preference: its own service discovery's, else the mesh's (docs/envoy-translation.md §12). */
export function effectiveIpPreference(index: MeshIndex, node: VirtualNodeData | undefined): IpPreference | undefined {
  const discovery = node?.spec.serviceDiscovery;
  return discovery?.dns?.ipPreference ?? discovery?.awsCloudMap?.ipPreference ?? index.snapshot.mesh.spec.serviceDiscovery?.ipPreference;
}

/** A node listener addressed by port; without a port only a node with exactly one listener resolves. */
export function findNodeListener(node: VirtualNodeData, port: number | undefined): AppMeshListener | undefined {
  const listeners = node.spec.listeners ?? [];
  if (port === undefined) return listeners.length === 1 ? listeners[0] : undefined;
  return listeners.find((l) => l.portMapping.port === port);
}

export const isHttpFamily = (protocol: PortProtocol): boolean => protocol !== "tcp";
