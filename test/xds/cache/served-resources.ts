// What the cache serves a node and what a fresh translation gives it, both as (name, bytes) per xDS type, and the
// mesh the cache tests change: twenty clients of one service routed to two of them.
import { toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { MeshSnapshot } from "../../../functions/appmesh/snapshot.js";
import { resourceSchemas } from "../../../functions/envoy/index.js";
import type { NodeSnapshot } from "../../../functions/xds/cache/types.js";
import type { NodeResources } from "../../../functions/xds/translate/index.js";
import { NODE_RESOURCE_LISTS } from "../../../functions/xds/translate/translator.js";
import { MakeDnsNode, MakeMesh, MakeRoute, MakeSnapshot, MakeVirtualRouter, MakeVirtualService } from "../translate/fixtures.js";

/** A node's resources as (name, bytes) per type, from the cache's snapshot. */
export function served(snapshot: NodeSnapshot) {
  return Object.fromEntries(NODE_RESOURCE_LISTS.map(([type]) => [type, [...snapshot.types[type].resources.values()].map((r) => [r.name, Buffer.from(r.any.value).toString("base64")])]));
}

/** The same from a fresh translator of a whole read. */
export function fresh(resources: NodeResources) {
  const name = (message: Message) => (message as unknown as { name?: string; clusterName?: string }).name ?? (message as unknown as { clusterName: string }).clusterName;
  return Object.fromEntries(
    NODE_RESOURCE_LISTS.map(([type, list]) => [
      type,
      resources[list].map((m: Message) => [name(m), Buffer.from(toBinary(resourceSchemas[type] as DescMessage, m as never)).toString("base64")]).sort(([a], [b]) => (a! < b! ? -1 : 1)),
    ]),
  );
}

export const routedClients = Array.from({ length: 20 }, (_, i) => MakeDnsNode(`n${i}`, 8080, "http", { backends: [{ virtualService: { virtualServiceName: "svc.local" } }] }));

/** Every client calls svc.local, routed by weight to n0 and n1. */
export function routedMesh(meshName: string, weight: number): MeshSnapshot {
  return MakeSnapshot({
    mesh: MakeMesh({}, meshName),
    virtualNodes: routedClients,
    virtualRouters: [MakeVirtualRouter("r", { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] })],
    routes: [MakeRoute("r", "split", { httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "n0", weight }, { virtualNode: "n1", weight: 100 - weight }] } } })],
    virtualServices: [MakeVirtualService("svc.local", { provider: { virtualRouter: { virtualRouterName: "r" } } })],
  });
}
