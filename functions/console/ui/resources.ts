// Where each kind of resource lives in the console's URLs, and the words the pages use for it.
import { kindDescriptors, type ResourceKind } from "./api/appmesh.js";
import { lowerFirst } from "./model/labels.js";
import { pathOf } from "./router.js";

/** Mesh-level collections by URL segment. */
export const meshCollections = {
  "virtual-services": "virtualService",
  "virtual-nodes": "virtualNode",
  "virtual-routers": "virtualRouter",
  "virtual-gateways": "virtualGateway",
} as const satisfies Record<string, ResourceKind>;

/** Collections under a router or a gateway. */
export const childCollections = { routes: "route", "gateway-routes": "gatewayRoute" } as const satisfies Record<string, ResourceKind>;

export type MeshCollection = keyof typeof meshCollections;
export type ChildCollection = keyof typeof childCollections;

const segmentOf: Record<Exclude<ResourceKind, "mesh">, string> = {
  virtualService: "virtual-services",
  virtualNode: "virtual-nodes",
  virtualRouter: "virtual-routers",
  virtualGateway: "virtual-gateways",
  route: "routes",
  gatewayRoute: "gateway-routes",
};

/** A resource (or, without a name, its collection) by its place in the mesh. */
export interface ResourceAddress {
  kind: ResourceKind;
  meshName: string;
  /** The router of a route, the gateway of a gateway route. */
  parentName?: string;
  name?: string;
}

/** `/meshes/apps/virtual-routers/serviceB/routes/serviceB`, and so on. */
export function resourcePath(address: ResourceAddress, ...more: string[]): string {
  if (address.kind === "mesh") return pathOf("meshes", ...(address.name ? [address.name] : []), ...more);
  const descriptor = kindDescriptors[address.kind];
  const parent = descriptor.parent ? [segmentOf[descriptor.parent.kind], address.parentName ?? ""] : [];
  return pathOf("meshes", address.meshName, ...parent, segmentOf[address.kind], ...(address.name ? [address.name] : []), ...more);
}

/** The members naming the resource and its scope, as App Mesh operations take them. */
export function operationKey(address: ResourceAddress): Record<string, string> {
  const descriptor = kindDescriptors[address.kind];
  const key: Record<string, string> = { meshName: address.meshName };
  if (descriptor.parent && address.parentName) key[descriptor.parent.nameMember] = address.parentName;
  if (address.name) key[descriptor.nameMember] = address.name;
  return key;
}

export const titleOf = (kind: ResourceKind): string => kindDescriptors[kind].title;
/** "Virtual nodes", "Gateway routes". */
export const pluralTitleOf = (kind: ResourceKind): string => (kind === "mesh" ? "Meshes" : `${kindDescriptors[kind].title}s`);
/** "virtual node", for sentences and button names ("Create virtual node"). */
export const nounOf = (kind: ResourceKind): string => lowerFirst(kindDescriptors[kind].title);
