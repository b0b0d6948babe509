// Builds the MeshSnapshot the xDS side translates: one consistent read of a mesh, rendered in the API's
// Describe shapes, plus the registered endpoints its awsCloudMap virtual nodes discover.
import type { ResourceRow, Store } from "../../db/store.js";
import { kindDescriptors, type ResourceKind } from "./kinds.js";
import type { MeshData } from "./model/types.generated.js";
import { toInstance } from "./endpoint-registry.js";
import { toResourceData } from "./render.js";
import type { EndpointInstance, MeshSnapshot } from "./snapshot.js";

const snapshotLists = {
  virtualService: "virtualServices",
  virtualNode: "virtualNodes",
  virtualRouter: "virtualRouters",
  route: "routes",
  virtualGateway: "virtualGateways",
  gatewayRoute: "gatewayRoutes",
} as const satisfies Record<Exclude<ResourceKind, "mesh">, keyof MeshSnapshot>;

/** The mesh's snapshot at its current revision, or null when the mesh does not exist. */
export async function loadMeshSnapshot(store: Store, meshName: string): Promise<MeshSnapshot | null> {
  const { revision, rows } = await store.readMesh(meshName);
  const meshRow = rows.find((row) => row.kind === "mesh");
  if (!meshRow) return null;
  const snapshot: MeshSnapshot = {
    mesh: toResourceData(kindDescriptors.mesh, meshRow) as unknown as MeshData,
    revision,
    virtualServices: [],
    virtualNodes: [],
    virtualRouters: [],
    routes: [],
    virtualGateways: [],
    gatewayRoutes: [],
    endpoints: [],
  };
  for (const row of rows) {
    if (row.kind === "mesh") continue;
    const list = snapshotLists[row.kind as keyof typeof snapshotLists];
    if (list) (snapshot[list] as unknown[]).push(toResourceData(kindDescriptors[row.kind as ResourceKind], row));
  }
  snapshot.endpoints = await loadDiscoveredEndpoints(store, rows);
  return snapshot;
}

async function loadDiscoveredEndpoints(store: Store, rows: ResourceRow[]): Promise<EndpointInstance[]> {
  const services = new Map<string, { namespaceName: string; serviceName: string }>();
  for (const row of rows) {
    const cloudMap = row.kind === "virtualNode" ? (row.spec as { serviceDiscovery?: { awsCloudMap?: { namespaceName: string; serviceName: string } } }).serviceDiscovery?.awsCloudMap : undefined;
    if (cloudMap) services.set(`${cloudMap.namespaceName}\u0000${cloudMap.serviceName}`, cloudMap);
  }
  const endpoints: EndpointInstance[] = [];
  for (const service of services.values()) {
    for (const row of await store.listEndpoints(service)) endpoints.push(toInstance(row));
  }
  return endpoints;
}
