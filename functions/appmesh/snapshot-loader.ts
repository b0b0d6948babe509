// Builds the MeshSnapshot the xDS side translates: one consistent read of a mesh, rendered in the API's
// Describe shapes, plus the registered endpoints its awsCloudMap virtual nodes discover and the mesh's policies.
import type { ResourceRow, Store } from "../../db/store.js";
import { kindDescriptors, type ResourceKind } from "./kinds.js";
import { toInstance } from "./endpoint-registry.js";
import type { VirtualNodeData } from "./model/types.generated.js";
import { toResourceData } from "./render.js";
import type { EndpointInstance, MeshSnapshot } from "./snapshot.js";

/** The kinds a snapshot lists (all but the mesh), each with the name of its list. */
export const snapshotLists = {
  virtualService: "virtualServices",
  virtualNode: "virtualNodes",
  virtualRouter: "virtualRouters",
  route: "routes",
  virtualGateway: "virtualGateways",
  gatewayRoute: "gatewayRoutes",
} as const satisfies { [Kind in Exclude<ResourceKind, "mesh">]: keyof MeshSnapshot };

export type ListedKind = keyof typeof snapshotLists;
export const isListedKind = (kind: string): kind is ListedKind => Object.hasOwn(snapshotLists, kind);

/**
 * The store's creation order (`seq`) of every item a loaded snapshot lists: snapshots are immutable, and an update
 * (snapshot-updates.ts) places changed items back in creation order without reading the rest of the mesh again.
 */
export const creationOrder = new WeakMap<object, number>();

/** What a snapshot lists for each kind: the kind's Describe shape. */
export type SnapshotItem<Kind extends ListedKind = ListedKind> = MeshSnapshot[(typeof snapshotLists)[Kind]][number];

const renderers: { [Kind in ListedKind]: (row: ResourceRow) => SnapshotItem<Kind> } = {
  virtualService: (row) => toResourceData(kindDescriptors.virtualService, row),
  virtualNode: (row) => toResourceData(kindDescriptors.virtualNode, row),
  virtualRouter: (row) => toResourceData(kindDescriptors.virtualRouter, row),
  route: (row) => toResourceData(kindDescriptors.route, row),
  virtualGateway: (row) => toResourceData(kindDescriptors.virtualGateway, row),
  gatewayRoute: (row) => toResourceData(kindDescriptors.gatewayRoute, row),
};

/** A row in its kind's Describe shape, remembered with its creation order. */
export function renderRow<Kind extends ListedKind>(kind: Kind, row: ResourceRow): SnapshotItem<Kind> {
  const item = renderers[kind](row);
  creationOrder.set(item, row.seq);
  return item;
}

/** The kind meshplane's policies are stored under (functions/policies writes them; translation reads them from here). */
export const POLICY_KIND = "policy";

/** The mesh's snapshot at its current revision, or null when the mesh does not exist. */
export async function loadMeshSnapshot(store: Pick<Store, "readMesh" | "listEndpoints">, meshName: string): Promise<MeshSnapshot | null> {
  const { revision, rows } = await store.readMesh(meshName);
  const meshRow = rows.find((row) => row.kind === "mesh");
  if (!meshRow) return null;
  const snapshot: MeshSnapshot = {
    mesh: toResourceData(kindDescriptors.mesh, meshRow),
    revision,
    virtualServices: [],
    virtualNodes: [],
    virtualRouters: [],
    routes: [],
    virtualGateways: [],
    gatewayRoutes: [],
    endpoints: [],
    policies: [],
  };
  for (const row of rows) {
    if (isListedKind(row.kind)) (snapshot[snapshotLists[row.kind]] as unknown[]).push(renderRow(row.kind, row));
    else if (row.kind === POLICY_KIND) snapshot.policies!.push({ name: row.name, uid: row.uid, arn: row.arn, version: row.version, document: row.spec });
  }
  snapshot.endpoints = await loadDiscoveredEndpoints(store, snapshot.virtualNodes);
  return snapshot;
}

/** The registered endpoints of every namespace/service one of `virtualNodes` discovers through `awsCloudMap`. */
export async function loadDiscoveredEndpoints(store: Pick<Store, "listEndpoints">, virtualNodes: VirtualNodeData[]): Promise<EndpointInstance[]> {
  const services = new Map<string, { namespaceName: string; serviceName: string }>();
  for (const node of virtualNodes) {
    const cloudMap = node.spec.serviceDiscovery?.awsCloudMap;
    if (cloudMap) services.set(`${cloudMap.namespaceName}\u0000${cloudMap.serviceName}`, cloudMap);
  }
  const endpoints: EndpointInstance[] = [];
  for (const service of services.values()) {
    for (const row of await store.listEndpoints(service)) endpoints.push(toInstance(row));
  }
  return endpoints;
}
