// Builds the MeshSnapshot the xDS side translates: one consistent read of a mesh, rendered in the API's
// Describe shapes, plus the Cloud Map instances its awsCloudMap virtual nodes discover and the mesh's policies.
import type { EndpointRow, ResourceRow, Store } from "../../db/store.js";
import { kindDescriptors, type ResourceKind } from "./kinds.js";
import type { VirtualNodeData } from "./model/types.generated.js";
import { toResourceData } from "./render.js";
import type { EndpointInstance, MeshSnapshot, MeshTlsMaterial } from "./snapshot.js";

/** ARNs a mesh's TLS names: ACM certificates (listener `certificate.acm`) and Private CAs (`trust.acm`). */
export interface AcmReferences {
  certificates: string[];
  authorities: string[];
}

export interface SnapshotLoadOptions {
  /** Reads the material of the ACM and Private CA ARNs the mesh names (functions/aws's stand-ins). */
  tlsMaterial?: (references: AcmReferences) => Promise<MeshTlsMaterial>;
}

/** Every `acm` member of the specs, wherever App Mesh allows one (listener TLS, client policies, backend defaults). */
export function acmReferencesOf(specs: readonly unknown[]): AcmReferences {
  const certificates = new Set<string>();
  const authorities = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== "object" || value === null) return;
    for (const [key, member] of Object.entries(value)) {
      if (key === "acm" && typeof member === "object" && member !== null) {
        const acm = member as { certificateArn?: unknown; certificateAuthorityArns?: unknown };
        if (typeof acm.certificateArn === "string") certificates.add(acm.certificateArn);
        if (Array.isArray(acm.certificateAuthorityArns)) for (const arn of acm.certificateAuthorityArns) if (typeof arn === "string") authorities.add(arn);
      } else visit(member);
    }
  };
  specs.forEach(visit);
  return { certificates: [...certificates].sort(), authorities: [...authorities].sort() };
}

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
export async function loadMeshSnapshot(store: Pick<Store, "readMesh" | "listEndpoints">, meshName: string, options: SnapshotLoadOptions = {}): Promise<MeshSnapshot | null> {
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
  const references = acmReferencesOf([...snapshot.virtualNodes, ...snapshot.virtualGateways].map((resource) => resource.spec));
  if (references.certificates.length + references.authorities.length > 0) {
    const unknown = [...references.certificates.map((arn) => `ACM certificate ${arn}`), ...references.authorities.map((arn) => `Private CA ${arn}`)];
    snapshot.tls = options.tlsMaterial
      ? await options.tlsMaterial(references)
      : { certificates: {}, certificateAuthorities: {}, problems: unknown.map((what) => `${what}: no ACM is configured to serve it`) };
  }
  return snapshot;
}

/**
 * A Cloud Map instance as App Mesh's EDS used it: its AWS_INSTANCE_IPV4 and AWS_INSTANCE_IPV6 addresses, unless a
 * custom health check reports it UNHEALTHY (App Mesh served only healthy instances); undefined when it has no address.
 */
export function toEndpointInstance(row: EndpointRow): EndpointInstance | undefined {
  const ipv4 = row.attributes.AWS_INSTANCE_IPV4;
  const ipv6 = row.attributes.AWS_INSTANCE_IPV6;
  const address = ipv4 ?? ipv6;
  if (address === undefined || row.health === "UNHEALTHY") return undefined;
  const health = row.health === "HEALTHY" ? "HEALTHY" : "UNKNOWN";
  return {
    namespaceName: row.namespaceName,
    serviceName: row.serviceName,
    instanceId: row.instanceId,
    address,
    ...(ipv4 !== undefined && ipv6 !== undefined ? { ipv6 } : {}),
    port: row.port,
    attributes: row.attributes,
    health,
  };
}

/** The Cloud Map instances of every namespace/service one of `virtualNodes` discovers through `awsCloudMap`. */
export async function loadDiscoveredEndpoints(store: Pick<Store, "listEndpoints">, virtualNodes: VirtualNodeData[]): Promise<EndpointInstance[]> {
  const services = new Map<string, { namespaceName: string; serviceName: string }>();
  for (const node of virtualNodes) {
    const cloudMap = node.spec.serviceDiscovery?.awsCloudMap;
    if (cloudMap) services.set(`${cloudMap.namespaceName}\u0000${cloudMap.serviceName}`, cloudMap);
  }
  const endpoints: EndpointInstance[] = [];
  for (const service of services.values()) {
    for (const row of await store.listEndpoints(service)) {
      const instance = toEndpointInstance(row);
      if (instance) endpoints.push(instance);
    }
  }
  return endpoints;
}
