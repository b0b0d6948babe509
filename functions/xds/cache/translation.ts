// The cache's translation seam wired to meshplane's App Mesh translator (functions/xds/translate).
import { clone, create } from "@bufbuild/protobuf";
import { LocalitySchema } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import {
  envoyBandKey,
  envoyVersionOfNode,
  isNewestBand,
  parseNodeId,
  xdsSubscriptionKey,
  xdsSubscriptionOfNode,
  type NodeIdentity as AppMeshNodeIdentity,
  type XdsSubscription,
} from "../../envoy/index.js";
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from "../../envoy/index.js";
import { createMeshTranslator, lintMesh, type NodeResources, type TranslateOptions, type UnservableSpecWarning } from "../translate/index.js";
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import type { RouteData, VirtualNodeData } from "../../appmesh/model/types.generated.js";
import { tlsKey } from "./tls-key.js";
import { hashString } from "./hash.js";
import { backendReferences, createPolicyIndex, type AttachedPolicy } from "../../policies/index.js";
import { NodeIdError, type Node, type NodeRequest, type XdsTranslation } from "./types.js";

function parse(node: Node): AppMeshNodeIdentity {
  const identity = parseNodeId(node.id);
  if ("error" in identity) throw new NodeIdError(identity.error);
  return identity;
}

function subscriptionOf(node: Node): XdsSubscription {
  const subscription = xdsSubscriptionOfNode(node);
  if ("error" in subscription) throw new NodeIdError(subscription.error);
  return subscription;
}

// gRPC's xDS client rejects a ClusterLoadAssignment whose localities are unset ("endpoints[0].locality unset");
// Envoy does not care. Until translation emits a locality itself, proxyless clients get a copy with an empty one.
// Copies are memoised per original so nodes sharing an assignment still share (and pack once) the copy.
const withLocality = new WeakMap<ClusterLoadAssignment, ClusterLoadAssignment>();
function proxylessAssignment(assignment: ClusterLoadAssignment): ClusterLoadAssignment {
  if (assignment.endpoints.every((endpoints) => endpoints.locality)) return assignment;
  let copy = withLocality.get(assignment);
  if (!copy) {
    copy = clone(ClusterLoadAssignmentSchema, assignment);
    for (const endpoints of copy.endpoints) endpoints.locality ??= create(LocalitySchema);
    withLocality.set(assignment, copy);
  }
  return copy;
}

export function appMeshTranslation(options?: TranslateOptions): XdsTranslation {
  return {
    identify(node) {
      const identity = parse(node);
      // Envoys of different version bands or subscriptions receive different resources: they must not share a cache entry.
      const version = envoyVersionOfNode(node);
      const band = isNewestBand(version) ? "" : `@envoy-${envoyBandKey(version)}`;
      // A loadBalancing policy may prefer the caller's zone: Envoys of one node in different zones differ then.
      const zone = node.locality?.zone ? `@zone-${node.locality.zone}` : "";
      return { meshName: identity.meshName, key: `${identity.kind}/${identity.name}${band}${zone}${xdsSubscriptionKey(subscriptionOf(node))}` };
    },
    forSnapshot(snapshot) {
      const translator = createMeshTranslator(snapshot, options);
      let lint: readonly UnservableSpecWarning[] | undefined;
      return {
        lint: () => (lint ??= lintMesh(snapshot, options)),
        translate(node, request) {
          const envoyVersion = envoyVersionOfNode(node);
          const zone = node.locality?.zone ? { zone: node.locality.zone } : {};
          const xdsSubscription = subscriptionOf(node);
          if (!request.apiListeners || request.apiListeners.length === 0) return translator.translateNode(parse(node), { envoyVersion, xdsSubscription, ...zone });
          const resources: NodeResources = translator.translateNode(parse(node), { apiListeners: request.apiListeners, envoyVersion, xdsSubscription, ...zone });
          return { ...resources, endpoints: resources.endpoints.map(proxylessAssignment) };
        },
        exists: (node) => translator.nodeExists(parse(node)),
        fingerprint: dependencyFingerprint(snapshot),
      };
    },
  };
}

/**
 * A resource's identity and version as App Mesh tracks them: every update bumps `metadata.version` (the API's
 * contract), a delete and re-create changes `uid`; the status covers deletion in progress.
 */
function stamp(resource: { metadata: { uid: string; version: number }; status: { status?: string } } | undefined): string {
  return resource ? `${resource.metadata.uid}@${resource.metadata.version}/${resource.status.status ?? ""}` : "-";
}

type RouteSpecs = RouteData["spec"];
function routeTargets(spec: RouteSpecs): string[] {
  const actions = [spec.httpRoute?.action, spec.http2Route?.action, spec.grpcRoute?.action, spec.tcpRoute?.action];
  return actions.flatMap((action) => action?.weightedTargets.map((target) => target.virtualNode) ?? []);
}

/**
 * What a virtual node's translation can read, summarised: the mesh, the node, and transitively each backend virtual
 * service, its provider (a node, or a router with its routes and their target nodes) and the registered endpoints of
 * every node reached; with the policies attached to each of those (and to the mesh), and the backends those policies
 * send to. Equal fingerprints ⇒ equal translation, so the cache skips re-translating nodes a change cannot affect.
 * Virtual gateways (few, and reaching far) fingerprint the whole snapshot.
 */
function dependencyFingerprint(snapshot: MeshSnapshot): (node: Node, request: NodeRequest) => string {
  const nodes = new Map(snapshot.virtualNodes.map((vn) => [vn.virtualNodeName, vn]));
  const services = new Map(snapshot.virtualServices.map((vs) => [vs.virtualServiceName, vs]));
  const routers = new Map(snapshot.virtualRouters.map((vr) => [vr.virtualRouterName, vr]));
  const routesByRouter = new Map<string, RouteData[]>();
  for (const route of snapshot.routes) routesByRouter.set(route.virtualRouterName, [...(routesByRouter.get(route.virtualRouterName) ?? []), route]);
  const endpointsByService = new Map<string, string[]>();
  for (const e of snapshot.endpoints) {
    const key = `${e.namespaceName}/${e.serviceName}`;
    endpointsByService.set(key, [...(endpointsByService.get(key) ?? []), `${e.instanceId}|${e.address}|${e.ipv6 ?? ""}|${e.port}|${e.health}|${JSON.stringify(e.attributes)}`]);
  }
  const tls = hashString(tlsKey(snapshot));
  const whole = `${snapshot.revision}|${hashString(JSON.stringify(snapshot.endpoints))}|${tls}`;
  const serviceParts = new Map<string, string>();
  const nodeParts = new Map<string, string>();
  const policies = createPolicyIndex(snapshot);
  /** Policies attached to a place, with what their backends' translation reads; `visiting` breaks cycles of backends. */
  const visiting = new Set<string>();
  const policyParts = (attached: readonly AttachedPolicy[]): string[] =>
    attached.flatMap((policy) => [
      `p:${policy.name}=${policy.uid}@${policy.version}`,
      ...backendReferences({ [policy.type]: policy.spec }).map((ref) => (ref.toKind === "virtualNode" ? nodePart(ref.toName) : servicePart(ref.toName))),
    ]);

  const nodePart = (name: string): string => {
    const memo = nodeParts.get(name);
    if (memo !== undefined) return memo;
    const vn: VirtualNodeData | undefined = nodes.get(name);
    const cloudMap = vn?.spec.serviceDiscovery?.awsCloudMap;
    const endpoints = cloudMap ? (endpointsByService.get(`${cloudMap.namespaceName}/${cloudMap.serviceName}`) ?? []).sort().join(",") : "";
    if (visiting.has(`n:${name}`)) return `n:${name}`;
    visiting.add(`n:${name}`);
    const attached = policyParts(policies.attachedTo({ kind: "virtualNode", name }));
    visiting.delete(`n:${name}`);
    const part = `n:${name}=${stamp(vn)}[${endpoints.length > 64 ? hashString(endpoints) : endpoints}]${attached.length > 0 ? `{${hashString(attached.join(";"))}}` : ""}`;
    nodeParts.set(name, part);
    return part;
  };
  const servicePart = (name: string): string => {
    const memo = serviceParts.get(name);
    if (memo !== undefined) return memo;
    if (visiting.has(`s:${name}`)) return `s:${name}`;
    visiting.add(`s:${name}`);
    const vs = services.get(name);
    const parts = [`s:${name}=${stamp(vs)}`];
    const provider = vs?.spec.provider;
    if (provider?.virtualNode) parts.push(nodePart(provider.virtualNode.virtualNodeName));
    if (provider?.virtualRouter) {
      const routerName = provider.virtualRouter.virtualRouterName;
      parts.push(`r:${routerName}=${stamp(routers.get(routerName))}`);
      const routes = [...(routesByRouter.get(routerName) ?? [])].sort((a, b) => (a.routeName < b.routeName ? -1 : 1));
      for (const route of routes) {
        parts.push(`rt:${route.routeName}=${stamp(route)}`, ...policyParts(policies.attachedTo({ kind: "route", parentName: routerName, name: route.routeName })));
        for (const target of routeTargets(route.spec)) parts.push(nodePart(target));
      }
    }
    visiting.delete(`s:${name}`);
    const part = hashString(parts.join(";"));
    serviceParts.set(name, part);
    return part;
  };

  let meshPolicyParts: string[] | undefined;
  const meshPolicies = (): string[] => (meshPolicyParts ??= policyParts(policies.attachedTo({ kind: "mesh", name: snapshot.mesh.meshName })));

  return (node, request) => {
    const identity = parse(node);
    if (identity.kind !== "virtualNode") return `gateway:${whole}`;
    const vn = nodes.get(identity.name);
    const parts = [`mesh=${stamp(snapshot.mesh)}`, ...meshPolicies(), nodePart(identity.name), `api=${(request.apiListeners ?? []).join(",")}`, `tls=${tls}`];
    for (const backend of vn?.spec.backends ?? []) if (backend.virtualService) parts.push(servicePart(backend.virtualService.virtualServiceName));
    return hashString(parts.join("\n"));
  };
}
