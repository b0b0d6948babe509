// The cache's dependency fingerprint for a mesh translated fresh, one with policies or ACM TLS material (translation.ts
// uses dependency stamps for the others): policies' pieces carry no stamps, so this one names every policy attached to
// what a node's translation reads, and the backends those policies send to, plus the mesh's ACM material. Its
// fingerprints begin with "policies:", so a node never keeps a translation across a mesh gaining or losing its policies.
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import type { RouteData, VirtualNodeData } from "../../appmesh/model/types.generated.js";
import { backendReferences, createPolicyIndex, type AttachedPolicy } from "../../policies/index.js";
import type { NodeIdentity } from "../../envoy/index.js";
import { hashString } from "./hash.js";
import { tlsKey } from "./tls-key.js";
import type { Node, NodeRequest } from "./types.js";

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
export function policyAwareFingerprint(snapshot: MeshSnapshot, parse: (node: Node) => NodeIdentity): (node: Node, request: NodeRequest) => string {
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
    if (identity.kind !== "virtualNode") return `policies:gateway:${whole}`;
    const vn = nodes.get(identity.name);
    const parts = [`mesh=${stamp(snapshot.mesh)}`, ...meshPolicies(), nodePart(identity.name), `api=${(request.apiListeners ?? []).join(",")}`, `tls=${tls}`];
    for (const backend of vn?.spec.backends ?? []) if (backend.virtualService) parts.push(servicePart(backend.virtualService.virtualServiceName));
    return `policies:${hashString(parts.join("\n"))}`;
  };
}
