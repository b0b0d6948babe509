// Builds the MeshSnapshot the xDS side translates: one consistent read of a mesh, rendered in the API's
// Describe shapes, plus the registered endpoints its awsCloudMap virtual nodes discover and the mesh's policies.
import type { ResourceRow, Store } from "../../db/store.js";
import { kindDescriptors, type ResourceKind } from "./kinds.js";
import { toInstance } from "./endpoint-registry.js";
import type { VirtualNodeData } from "./model/types.generated.js";
import { toResourceData } from "./render.js";
import type { EndpointInstance, MeshSnapshot } from "./snapshot.js";

/** Adds a row to the snapshot's list of its kind, rendered in that kind's Describe shape. */
const addRow: { [Kind in Exclude<ResourceKind, "mesh">]: (snapshot: MeshSnapshot, row: ResourceRow) => void } = {
  virtualService: (snapshot, row) => snapshot.virtualServices.push(toResourceData(kindDescriptors.virtualService, row)),
  virtualNode: (snapshot, row) => snapshot.virtualNodes.push(toResourceData(kindDescriptors.virtualNode, row)),
  virtualRouter: (snapshot, row) => snapshot.virtualRouters.push(toResourceData(kindDescriptors.virtualRouter, row)),
  route: (snapshot, row) => snapshot.routes.push(toResourceData(kindDescriptors.route, row)),
  virtualGateway: (snapshot, row) => snapshot.virtualGateways.push(toResourceData(kindDescriptors.virtualGateway, row)),
  gatewayRoute: (snapshot, row) => snapshot.gatewayRoutes.push(toResourceData(kindDescriptors.gatewayRoute, row)),
};

/** The kind meshplane's policies are stored under (functions/policies writes them; translation reads them from here). */
export const POLICY_KIND = "policy";

const hasSnapshotList = (kind: string): kind is keyof typeof addRow => Object.hasOwn(addRow, kind);

/** The mesh's snapshot at its current revision, or null when the mesh does not exist. */
export async function loadMeshSnapshot(store: Store, meshName: string): Promise<MeshSnapshot | null> {
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
    if (hasSnapshotList(row.kind)) addRow[row.kind](snapshot, row);
    else if (row.kind === POLICY_KIND) snapshot.policies!.push({ name: row.name, uid: row.uid, arn: row.arn, version: row.version, document: row.spec });
  }
  snapshot.endpoints = await loadDiscoveredEndpoints(store, snapshot.virtualNodes);
  return snapshot;
}

async function loadDiscoveredEndpoints(store: Store, virtualNodes: VirtualNodeData[]): Promise<EndpointInstance[]> {
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
