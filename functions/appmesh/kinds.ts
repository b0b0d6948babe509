// The seven App Mesh resource kinds as one descriptor table: the generic CRUD path reads everything
// kind-specific from here (names, parents, shapes, references, quotas).
import type { ResourceRef } from "../../db/store.js";
import type { QuotaName } from "./quotas.js";

export const resourceKinds = ["mesh", "virtualService", "virtualNode", "virtualRouter", "route", "virtualGateway", "gatewayRoute"] as const;
export type ResourceKind = (typeof resourceKinds)[number];

export interface KindDescriptor {
  kind: ResourceKind;
  /** The kind as operation names spell it: `Create${label}`. */
  label: string;
  /** How messages name the kind: "Virtual node". */
  title: string;
  /** Member of the list output holding the refs; also the plural in `List${…}`. */
  listKey: string;
  /** Input/output member naming the resource. */
  nameMember: string;
  /** The resource's parent besides the mesh (routes live under a router, gateway routes under a gateway). */
  parent?: { kind: "virtualRouter" | "virtualGateway"; nameMember: string };
  specShape: string;
  /** The quota on how many may exist in their scope (account for meshes, else mesh or parent). */
  quota: QuotaName;
  /** Other resources of the same mesh this spec names; each must exist, and blocks its deletion. */
  references(spec: any): ResourceRef[];
}

const none = (): ResourceRef[] => [];

export const kindDescriptors: Record<ResourceKind, KindDescriptor> = {
  mesh: { kind: "mesh", label: "Mesh", title: "Mesh", listKey: "meshes", nameMember: "meshName", specShape: "MeshSpec", quota: "meshes", references: none },
  virtualService: {
    kind: "virtualService",
    label: "VirtualService",
    title: "Virtual service",
    listKey: "virtualServices",
    nameMember: "virtualServiceName",
    specShape: "VirtualServiceSpec",
    quota: "virtualServicesPerMesh",
    references(spec) {
      const provider = spec?.provider;
      if (provider?.virtualNode) return [{ toKind: "virtualNode", toName: provider.virtualNode.virtualNodeName }];
      if (provider?.virtualRouter) return [{ toKind: "virtualRouter", toName: provider.virtualRouter.virtualRouterName }];
      return [];
    },
  },
  virtualNode: {
    kind: "virtualNode",
    label: "VirtualNode",
    title: "Virtual node",
    listKey: "virtualNodes",
    nameMember: "virtualNodeName",
    specShape: "VirtualNodeSpec",
    quota: "virtualNodesPerMesh",
    references: none,
  },
  virtualRouter: {
    kind: "virtualRouter",
    label: "VirtualRouter",
    title: "Virtual router",
    listKey: "virtualRouters",
    nameMember: "virtualRouterName",
    specShape: "VirtualRouterSpec",
    quota: "virtualRoutersPerMesh",
    references: none,
  },
  route: {
    kind: "route",
    label: "Route",
    title: "Route",
    listKey: "routes",
    nameMember: "routeName",
    parent: { kind: "virtualRouter", nameMember: "virtualRouterName" },
    specShape: "RouteSpec",
    quota: "routesPerVirtualRouter",
    references(spec) {
      const route = spec?.httpRoute ?? spec?.http2Route ?? spec?.grpcRoute ?? spec?.tcpRoute;
      const targets: Array<{ virtualNode: string }> = route?.action?.weightedTargets ?? [];
      return [...new Set(targets.map((target) => target.virtualNode))].map((toName) => ({ toKind: "virtualNode", toName }));
    },
  },
  virtualGateway: {
    kind: "virtualGateway",
    label: "VirtualGateway",
    title: "Virtual gateway",
    listKey: "virtualGateways",
    nameMember: "virtualGatewayName",
    specShape: "VirtualGatewaySpec",
    quota: "virtualGatewaysPerMesh",
    references: none,
  },
  gatewayRoute: {
    kind: "gatewayRoute",
    label: "GatewayRoute",
    title: "Gateway route",
    listKey: "gatewayRoutes",
    nameMember: "gatewayRouteName",
    parent: { kind: "virtualGateway", nameMember: "virtualGatewayName" },
    specShape: "GatewayRouteSpec",
    quota: "gatewayRoutesPerVirtualGateway",
    references(spec) {
      const route = spec?.httpRoute ?? spec?.http2Route ?? spec?.grpcRoute;
      const name: string | undefined = route?.action?.target?.virtualService?.virtualServiceName;
      return name === undefined ? [] : [{ toKind: "virtualService", toName: name }];
    },
  },
};
