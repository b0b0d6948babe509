// The lint of a whole mesh: every warning the translation would give any of its virtual nodes and gateways, without
// building their listeners (the warnings come from the same code that leaves the cases out: service ports, egress
// port grouping, gateway placement). Pure, like the rest of the translation.
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import { createSharedResources, NodeResourcesBuilder, type TranslateOptions } from "./translator.js";
import { translateVirtualGateway } from "./virtual-gateway.js";
import { virtualNodeWarnings } from "./virtual-node.js";
import { sortWarnings, type UnservableSpecWarning } from "./warnings.js";

/**
 * @example
 * lintMesh(snapshot).map((w) => w.code) // ["RouteProtocolMismatch"] for an httpRoute on an http2 router
 */
export function lintMesh(snapshot: MeshSnapshot, options?: TranslateOptions): UnservableSpecWarning[] {
  const shared = createSharedResources(snapshot, options);
  const warnings: UnservableSpecWarning[] = [];
  // Every service, reached by a node or not: a route no client reaches yet still says what it would leave out.
  for (const name of shared.index.virtualServices.keys()) warnings.push(...shared.serviceWarnings(name));
  for (const node of shared.index.virtualNodes.values()) warnings.push(...virtualNodeWarnings(shared, node));
  for (const gateway of shared.index.virtualGateways.values()) {
    const out = new NodeResourcesBuilder();
    translateVirtualGateway(shared, gateway, out);
    warnings.push(...out.build().warnings);
  }
  return sortWarnings(warnings);
}
