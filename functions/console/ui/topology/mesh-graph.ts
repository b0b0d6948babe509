// A mesh as a directed graph, in the direction traffic flows: virtual gateways → gateway routes → virtual services →
// virtual routers → routes → (weighted) virtual nodes → the virtual services they call (backends). Pure: the
// described resources in, nodes and edges out.
import type { MeshContents, ResourceData } from "../api/appmesh.js";
import { resourcePath } from "../resources.js";

export const graphKinds = ["virtualGateway", "gatewayRoute", "virtualService", "virtualRouter", "route", "virtualNode"] as const;
export type GraphKind = (typeof graphKinds)[number];

export interface GraphNode {
  id: string;
  kind: GraphKind;
  name: string;
  /** Console path of the resource's page; absent for a name that is referenced but does not exist. */
  path?: string;
  /** The resource's ARN (what policies target); absent like `path`. */
  arn?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** provider: service → router/node; route: router → route, gateway → gateway route; target: route → node (weighted); backend: node → service. */
  kind: "provider" | "route" | "target" | "backend";
  /** Weighted targets: the weight and its share of the route's total. */
  weight?: { value: number; percent: number };
}

export interface MeshGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const routeTypes = ["httpRoute", "http2Route", "grpcRoute", "tcpRoute"] as const;

const idOf = (kind: GraphKind, name: string, parent?: string) => `${kind}:${parent === undefined ? name : `${parent}/${name}`}`;

export function createMeshGraph(mesh: MeshContents): MeshGraph {
  const meshName = mesh.mesh.meshName;
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const add = (kind: GraphKind, data: ResourceData, name: string, parentName?: string): string => {
    const id = idOf(kind, name, parentName);
    if (!nodes.has(id)) nodes.set(id, { id, kind, name, arn: data.metadata.arn, path: resourcePath({ kind, meshName, name, ...(parentName !== undefined ? { parentName } : {}) }) });
    return id;
  };
  /** A referenced resource that may not exist: drawn without a link until it does. */
  const reference = (kind: GraphKind, name: string): string => {
    const id = idOf(kind, name);
    if (!nodes.has(id)) nodes.set(id, { id, kind, name });
    return id;
  };
  const nameOf = (data: ResourceData, member: string) => data[member] as string;

  for (const gateway of mesh.virtualGateways) add("virtualGateway", gateway, nameOf(gateway, "virtualGatewayName"));
  for (const service of mesh.virtualServices) add("virtualService", service, nameOf(service, "virtualServiceName"));
  for (const router of mesh.virtualRouters) add("virtualRouter", router, nameOf(router, "virtualRouterName"));
  for (const node of mesh.virtualNodes) add("virtualNode", node, nameOf(node, "virtualNodeName"));

  for (const gatewayRoute of mesh.gatewayRoutes) {
    const gateway = nameOf(gatewayRoute, "virtualGatewayName");
    const id = add("gatewayRoute", gatewayRoute, nameOf(gatewayRoute, "gatewayRouteName"), gateway);
    edges.push({ from: reference("virtualGateway", gateway), to: id, kind: "route" });
    const spec = gatewayRoute.spec as Record<string, { action?: { target?: { virtualService?: { virtualServiceName?: string } } } } | undefined>;
    const target = ["httpRoute", "http2Route", "grpcRoute"].map((type) => spec[type]?.action?.target?.virtualService?.virtualServiceName).find(Boolean);
    if (target) edges.push({ from: id, to: reference("virtualService", target), kind: "provider" });
  }
  for (const service of mesh.virtualServices) {
    const provider = (service.spec as { provider?: { virtualRouter?: { virtualRouterName: string }; virtualNode?: { virtualNodeName: string } } }).provider;
    const from = idOf("virtualService", nameOf(service, "virtualServiceName"));
    if (provider?.virtualRouter) edges.push({ from, to: reference("virtualRouter", provider.virtualRouter.virtualRouterName), kind: "provider" });
    if (provider?.virtualNode) edges.push({ from, to: reference("virtualNode", provider.virtualNode.virtualNodeName), kind: "provider" });
  }
  for (const route of mesh.routes) {
    const router = nameOf(route, "virtualRouterName");
    const id = add("route", route, nameOf(route, "routeName"), router);
    edges.push({ from: reference("virtualRouter", router), to: id, kind: "route" });
    const spec = route.spec as Record<string, { action?: { weightedTargets?: Array<{ virtualNode: string; weight: number }> } } | undefined>;
    const targets = routeTypes.map((type) => spec[type]?.action?.weightedTargets).find(Array.isArray) ?? [];
    const total = targets.reduce((sum, target) => sum + target.weight, 0);
    for (const target of targets) {
      const percent = total === 0 ? 0 : Math.round((target.weight / total) * 1000) / 10;
      edges.push({ from: id, to: reference("virtualNode", target.virtualNode), kind: "target", weight: { value: target.weight, percent } });
    }
  }
  for (const node of mesh.virtualNodes) {
    const from = idOf("virtualNode", nameOf(node, "virtualNodeName"));
    const backends = ((node.spec as { backends?: Array<{ virtualService?: { virtualServiceName: string } }> }).backends ?? []).map((backend) => backend.virtualService?.virtualServiceName);
    for (const name of backends) if (name) edges.push({ from, to: reference("virtualService", name), kind: "backend" });
  }
  return { nodes: [...nodes.values()], edges };
}
