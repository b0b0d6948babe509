// What an import wants to exist: App Mesh resources in the API's own shapes (names, spec, tags), whichever
// format they were read from; and the order in which App Mesh lets them be created.
import { kindDescriptors, type AppMeshOperationName, type KindDescriptor, type ResourceKind } from "../appmesh/index.js";
import type { SourceLocation } from "./migrate-error.js";

export type { ResourceKind };

export interface Tag {
  key: string;
  value: string;
}

/** Names one App Mesh resource. */
export interface ResourceIdentity {
  kind: ResourceKind;
  meshName: string;
  /** The virtual router of a route, the virtual gateway of a gateway route; "" for the other kinds. */
  parentName: string;
  name: string;
}

export interface WantedResource extends ResourceIdentity {
  /** The spec as the API takes it (`CreateVirtualNode`'s `spec`). */
  spec: Record<string, unknown>;
  /** The tags it must carry; undefined when the input does not manage tags (they are then left as they are). */
  tags?: Tag[];
  /** `meshOwner` for the API calls, when the input names one (a mesh shared from another account). */
  meshOwner?: string;
  /** Where the input defines it. */
  source?: SourceLocation;
  /** Other wanted resources this one must be applied after (CloudFormation `DependsOn`, `Ref`, `Fn::GetAtt`). */
  dependsOn?: string[];
}

/** What is known of a resource that exists already (answers CloudFormation's `Fn::GetAtt X.Uid` and the like). */
export interface ExistingResource {
  arn: string;
  uid: string;
  meshOwner: string;
  resourceOwner: string;
}

/** Looks an existing resource up by identity; undefined when it does not exist (yet). */
export type ExistingLookup = (identity: ResourceIdentity) => ExistingResource | undefined;

/**
 * The order App Mesh requires: a mesh before everything in it; nodes, routers and gateways before the virtual
 * services whose provider they are; services before the gateway routes that target them, and nodes and routers
 * before routes. THE ORDER OF THESE TIERS MATTERS: creates run from low to high, deletes from high to low.
 */
export const applyTier: Record<ResourceKind, number> = {
  mesh: 0,
  virtualNode: 1,
  virtualRouter: 1,
  virtualGateway: 1,
  virtualService: 2,
  route: 3,
  gatewayRoute: 3,
};

/** A stable key for maps and sets: `virtualNode/apps//serviceA`. */
export function resourceKey(resource: ResourceIdentity): string {
  return `${resource.kind}/${resource.meshName}/${resource.parentName}/${resource.name}`;
}

/** How messages name a resource: "virtual node apps/serviceA", "route apps/router/route-a", "mesh apps". */
export function describeResource(resource: ResourceIdentity): string {
  const title = kindDescriptors[resource.kind].title.toLowerCase();
  if (resource.kind === "mesh") return `${title} ${resource.meshName}`;
  const parent = resource.parentName ? `${resource.parentName}/` : "";
  return `${title} ${resource.meshName}/${parent}${resource.name}`;
}

/** The members naming a resource in its kind's API inputs: `{ meshName, virtualRouterName, routeName }` (and `meshOwner`). */
export function apiNameMembers(identity: ResourceIdentity, meshOwner?: string): Record<string, string> {
  const descriptor = kindDescriptors[identity.kind];
  const members: Record<string, string> = { meshName: identity.meshName };
  if (descriptor.parent) members[descriptor.parent.nameMember] = identity.parentName;
  if (identity.kind !== "mesh") members[descriptor.nameMember] = identity.name;
  if (meshOwner !== undefined && identity.kind !== "mesh") members.meshOwner = meshOwner;
  return members;
}

/** The other resources of its mesh a resource's spec names (which must exist before it and may not be deleted while it does). */
export function referencesOf(resource: { kind: ResourceKind; meshName: string; spec: Record<string, unknown> }): ResourceIdentity[] {
  // The descriptor types `references` by the kind's own spec shape; a resource read from an input is checked
  // against that shape by the model's validation, not by the compiler.
  const descriptor: KindDescriptor = kindDescriptors[resource.kind];
  return descriptor.references(resource.spec as never).map((reference) => ({ kind: reference.toKind as ResourceKind, meshName: resource.meshName, parentName: "", name: reference.toName }));
}

/** Where a kind's `List` output holds its resources, and the member naming each: `{ listKey: "routes", nameMember: "routeName" }`. */
export function apiListMembers(kind: ResourceKind): { listKey: string; nameMember: string } {
  const { listKey, nameMember } = kindDescriptors[kind];
  return { listKey, nameMember };
}

/** The App Mesh operation of an action on a kind: `CreateVirtualNode`, `ListVirtualNodes` (the model's names). */
export function apiOperation(kind: ResourceKind, action: "create" | "describe" | "update" | "delete" | "list"): AppMeshOperationName {
  const { label, listKey } = kindDescriptors[kind];
  if (action === "list") return `List${listKey[0]!.toUpperCase()}${listKey.slice(1)}` as AppMeshOperationName;
  return `${action[0]!.toUpperCase()}${action.slice(1)}${label}` as AppMeshOperationName;
}

/** Orders resources as they are applied (tier, then mesh, parent and name), for stable plans and exports. */
export function compareForApply(a: ResourceIdentity, b: ResourceIdentity): number {
  return (
    applyTier[a.kind] - applyTier[b.kind] ||
    compareText(a.meshName, b.meshName) ||
    compareText(a.kind, b.kind) ||
    compareText(a.parentName, b.parentName) ||
    compareText(a.name, b.name)
  );
}

export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
