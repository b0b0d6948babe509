// The seven App Mesh resource kinds as one descriptor table: the generic CRUD path reads everything
// kind-specific from here (names, parents, shapes, references, quotas).
import type { ResourceRef } from "../../db/store.js";
import type { AppMeshShapeName, AppMeshShapeTypes } from "./model/types.generated.js";
import type { QuotaName } from "./quotas.js";

export const resourceKinds = ["mesh", "virtualService", "virtualNode", "virtualRouter", "route", "virtualGateway", "gatewayRoute"] as const;
export type ResourceKind = (typeof resourceKinds)[number];

/** Kinds that are the parent of another kind besides the mesh. */
export type ParentKind = "virtualRouter" | "virtualGateway";

/**
 * What the generic path knows of a kind whatever its spec. The type parameters are the kind's own member names as
 * the model spells them; the generic operations state their inputs and outputs in these names, so that each kind's
 * Create…Input, …Data and …Ref is checked against its descriptor member for member (a wrong name does not compile).
 */
export interface KindNames<
  Kind extends ResourceKind = ResourceKind,
  NameMember extends string = string,
  ParentMember extends string = string,
  ListKey extends string = string,
> {
  kind: Kind;
  /** The kind as operation names spell it: `Create${label}`. */
  label: string;
  /** How messages name the kind: "Virtual node". */
  title: string;
  /** Member of the list output holding the refs; also the plural in `List${…}`. */
  listKey: ListKey;
  /** Input/output member naming the resource. */
  nameMember: NameMember;
  /** The resource's parent besides the mesh (routes live under a router, gateway routes under a gateway). */
  parent?: { kind: ParentKind; nameMember: ParentMember };
  /** The quota on how many may exist in their scope (account for meshes, else mesh or parent). */
  quota: QuotaName;
}

/** A kind with its spec: the model shape specs are validated against, and what a spec of that shape refers to. */
export interface KindDescriptor<
  Kind extends ResourceKind = ResourceKind,
  SpecShape extends AppMeshShapeName = AppMeshShapeName,
  NameMember extends string = string,
  ParentMember extends string = string,
  ListKey extends string = string,
> extends KindNames<Kind, NameMember, ParentMember, ListKey> {
  specShape: SpecShape;
  /** Other resources of the same mesh this spec names; each must exist, and blocks its deletion. */
  references(spec: AppMeshShapeTypes[SpecShape]): ResourceRef[];
}

/**
 * Keeps each descriptor's literal names as its type, and types `references` by its own spec shape. A kind without
 * a parent gets `never` as its parent member (NoInfer: the table's `satisfies` must not widen it to `string`).
 */
function describeKind<
  const Kind extends ResourceKind,
  const SpecShape extends AppMeshShapeName,
  const NameMember extends string,
  const ListKey extends string,
  const ParentMember extends string = never,
>(descriptor: KindDescriptor<Kind, SpecShape, NameMember, ParentMember, ListKey>): NoInfer<KindDescriptor<Kind, SpecShape, NameMember, ParentMember, ListKey>> {
  return descriptor;
}

const none = (): ResourceRef[] => [];

export const kindDescriptors = {
  mesh: describeKind({ kind: "mesh", label: "Mesh", title: "Mesh", listKey: "meshes", nameMember: "meshName", specShape: "MeshSpec", quota: "meshes", references: none }),
  virtualService: describeKind({
    kind: "virtualService",
    label: "VirtualService",
    title: "Virtual service",
    listKey: "virtualServices",
    nameMember: "virtualServiceName",
    specShape: "VirtualServiceSpec",
    quota: "virtualServicesPerMesh",
    references(spec) {
      const provider = spec.provider;
      if (provider?.virtualNode) return [{ toKind: "virtualNode", toName: provider.virtualNode.virtualNodeName }];
      if (provider?.virtualRouter) return [{ toKind: "virtualRouter", toName: provider.virtualRouter.virtualRouterName }];
      return [];
    },
  }),
  virtualNode: describeKind({
    kind: "virtualNode",
    label: "VirtualNode",
    title: "Virtual node",
    listKey: "virtualNodes",
    nameMember: "virtualNodeName",
    specShape: "VirtualNodeSpec",
    quota: "virtualNodesPerMesh",
    references: none,
  }),
  virtualRouter: describeKind({
    kind: "virtualRouter",
    label: "VirtualRouter",
    title: "Virtual router",
    listKey: "virtualRouters",
    nameMember: "virtualRouterName",
    specShape: "VirtualRouterSpec",
    quota: "virtualRoutersPerMesh",
    references: none,
  }),
  route: describeKind({
    kind: "route",
    label: "Route",
    title: "Route",
    listKey: "routes",
    nameMember: "routeName",
    parent: { kind: "virtualRouter", nameMember: "virtualRouterName" },
    specShape: "RouteSpec",
    quota: "routesPerVirtualRouter",
    references(spec) {
      const route = spec.httpRoute ?? spec.http2Route ?? spec.grpcRoute ?? spec.tcpRoute;
      const targets = route?.action.weightedTargets ?? [];
      return [...new Set(targets.map((target) => target.virtualNode))].map((toName) => ({ toKind: "virtualNode", toName }));
    },
  }),
  virtualGateway: describeKind({
    kind: "virtualGateway",
    label: "VirtualGateway",
    title: "Virtual gateway",
    listKey: "virtualGateways",
    nameMember: "virtualGatewayName",
    specShape: "VirtualGatewaySpec",
    quota: "virtualGatewaysPerMesh",
    references: none,
  }),
  gatewayRoute: describeKind({
    kind: "gatewayRoute",
    label: "GatewayRoute",
    title: "Gateway route",
    listKey: "gatewayRoutes",
    nameMember: "gatewayRouteName",
    parent: { kind: "virtualGateway", nameMember: "virtualGatewayName" },
    specShape: "GatewayRouteSpec",
    quota: "gatewayRoutesPerVirtualGateway",
    references(spec) {
      const route = spec.httpRoute ?? spec.http2Route ?? spec.grpcRoute;
      const name = route?.action.target.virtualService.virtualServiceName;
      return name === undefined ? [] : [{ toKind: "virtualService", toName: name }];
    },
  }),
} satisfies { [Kind in ResourceKind]: KindDescriptor<Kind> };

/** The model shape of each kind's spec ("MeshSpec", "VirtualNodeSpec", …). */
export type SpecShapeName = (typeof kindDescriptors)[ResourceKind]["specShape"];

/** A kind's spec type, e.g. `KindSpec<"route">` is RouteSpec. */
export type KindSpec<Kind extends ResourceKind> = AppMeshShapeTypes[(typeof kindDescriptors)[Kind]["specShape"]];
