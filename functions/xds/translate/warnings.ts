// The translation's warnings: specs the API accepted that a part of the output cannot serve (the cases and their
// evidence: `acceptedUnservableSpecs` in functions/appmesh/spec-rules.ts). Each place that leaves something out
// says so here instead of dropping it silently; warnings travel with the resources they concern.
import type { UnservableSpecCode, UnservableSpecWarning } from "../../appmesh/index.js";
import type { GatewayRouteData, RouteData, VirtualGatewayData, VirtualNodeData } from "../../appmesh/model/types.generated.js";
import { compareStrings, findNodeListener, type MeshIndex } from "./mesh-index.js";

export type { UnservableSpecWarning } from "../../appmesh/index.js";

type WarnedResource = UnservableSpecWarning["resource"];

export const routeResource = (route: RouteData): WarnedResource => ({ kind: "route", name: route.routeName, parentName: route.virtualRouterName, arn: route.metadata.arn });
export const gatewayRouteResource = (route: GatewayRouteData): WarnedResource => ({
  kind: "gatewayRoute",
  name: route.gatewayRouteName,
  parentName: route.virtualGatewayName,
  arn: route.metadata.arn,
});
export const virtualGatewayResource = (gateway: VirtualGatewayData): WarnedResource => ({ kind: "virtualGateway", name: gateway.virtualGatewayName, arn: gateway.metadata.arn });
export const virtualNodeResource = (node: VirtualNodeData): WarnedResource => ({ kind: "virtualNode", name: node.virtualNodeName, arn: node.metadata.arn });

export function warning(code: UnservableSpecCode, resource: WarnedResource, field: string, message: string): UnservableSpecWarning {
  return { code, resource, field, message };
}

/** Why a weighted target resolves to no cluster (the same checks as `resolveTarget` in service-routes.ts, worded). */
export function unresolvedTargetReason(index: MeshIndex, nodeName: string, port: number | undefined): string {
  const node = index.virtualNodes.get(nodeName);
  if (!node) return `virtual node ${nodeName} does not exist`;
  const discovery = node.spec.serviceDiscovery;
  if (!discovery || (!discovery.dns && !discovery.awsCloudMap)) return `virtual node ${nodeName} has no service discovery, so there is no address to send to`;
  const listeners = node.spec.listeners ?? [];
  if (listeners.length === 0) return `virtual node ${nodeName} has no listener`;
  if (port === undefined && listeners.length > 1) return `virtual node ${nodeName} has ${listeners.length} listeners and the target names no port`;
  if (port !== undefined && !findNodeListener(node, port)) return `virtual node ${nodeName} does not listen on port ${port} (it listens on ${listeners.map((l) => l.portMapping.port).join(", ")})`;
  return `virtual node ${nodeName} cannot be reached`;
}

const warningKey = (w: UnservableSpecWarning) => `${w.resource.arn}\u0000${w.field}\u0000${w.code}\u0000${w.message}`;

/** Each warning once, in a stable order (by resource ARN, field, code): equal meshes give equal lists everywhere. */
export function sortWarnings(warnings: Iterable<UnservableSpecWarning>): UnservableSpecWarning[] {
  const unique = new Map<string, UnservableSpecWarning>();
  for (const w of warnings) unique.set(warningKey(w), w);
  return [...unique.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, w]) => w);
}
