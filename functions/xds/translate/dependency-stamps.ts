// What each piece of a translation is made from, as short strings: equal stamps in two snapshots ⇒ the piece
// translates identically in both. A resource is stamped by App Mesh's own bookkeeping (every update bumps
// `metadata.version`, a delete and re-create changes `uid`, the status covers deletion in progress); a virtual service
// transitively by its provider (a node, or a router with its routes and their target nodes); a node by itself and the
// registered endpoints it discovers. The cache compares node fingerprints built from these to skip nodes a change
// cannot reach, and the translator keys the pieces it keeps between snapshots by them (translation-memo.ts).
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import type { RouteData, VirtualNodeData } from "../../appmesh/model/types.generated.js";
import { hashString } from "../cache/hash.js";

export interface DependencyStamps {
  /** The mesh resource itself (egress filter, IP preference): every piece depends on it. */
  readonly mesh: string;
  /** A virtual node and the endpoints it discovers through the registry; "-" for a node that does not exist. */
  node(name: string): string;
  /** A virtual service with everything its clients' routes and clusters are built from. */
  service(name: string): string;
  /** The whole snapshot (virtual gateways reach far: they are stamped by everything). */
  readonly whole: string;
}

type Stamped = { metadata: { uid: string; version: number }; status: { status?: string } };

function stamp(resource: Stamped | undefined): string {
  return resource ? `${resource.metadata.uid}@${resource.metadata.version}/${resource.status.status ?? ""}` : "-";
}

function routeTargets(spec: RouteData["spec"]): string[] {
  const actions = [spec.httpRoute?.action, spec.http2Route?.action, spec.grpcRoute?.action, spec.tcpRoute?.action];
  return actions.flatMap((action) => action?.weightedTargets.map((target) => target.virtualNode) ?? []);
}

/** Stamps for one snapshot; each is computed once, on first use. */
export function createDependencyStamps(snapshot: MeshSnapshot): DependencyStamps {
  const nodes = new Map(snapshot.virtualNodes.map((vn) => [vn.virtualNodeName, vn]));
  const services = new Map(snapshot.virtualServices.map((vs) => [vs.virtualServiceName, vs]));
  const routers = new Map(snapshot.virtualRouters.map((vr) => [vr.virtualRouterName, vr]));
  const routesByRouter = new Map<string, RouteData[]>();
  for (const route of snapshot.routes) {
    const list = routesByRouter.get(route.virtualRouterName);
    if (list) list.push(route);
    else routesByRouter.set(route.virtualRouterName, [route]);
  }
  const endpointsByService = new Map<string, string[]>();
  for (const e of snapshot.endpoints) {
    const key = `${e.namespaceName}/${e.serviceName}`;
    const entry = `${e.instanceId}|${e.address}|${e.ipv6 ?? ""}|${e.port}|${e.health}|${JSON.stringify(e.attributes)}`;
    const list = endpointsByService.get(key);
    if (list) list.push(entry);
    else endpointsByService.set(key, [entry]);
  }
  const nodeStamps = new Map<string, string>();
  const serviceStamps = new Map<string, string>();
  let whole: string | undefined;

  const node = (name: string): string => {
    const memo = nodeStamps.get(name);
    if (memo !== undefined) return memo;
    const vn: VirtualNodeData | undefined = nodes.get(name);
    const cloudMap = vn?.spec.serviceDiscovery?.awsCloudMap;
    const endpoints = cloudMap ? [...(endpointsByService.get(`${cloudMap.namespaceName}/${cloudMap.serviceName}`) ?? [])].sort().join(",") : "";
    const value = `n:${name}=${stamp(vn)}[${endpoints.length > 64 ? hashString(endpoints) : endpoints}]`;
    nodeStamps.set(name, value);
    return value;
  };

  const service = (name: string): string => {
    const memo = serviceStamps.get(name);
    if (memo !== undefined) return memo;
    const vs = services.get(name);
    const parts = [`s:${name}=${stamp(vs)}`];
    const provider = vs?.spec.provider;
    if (provider?.virtualNode) parts.push(node(provider.virtualNode.virtualNodeName));
    if (provider?.virtualRouter) {
      const routerName = provider.virtualRouter.virtualRouterName;
      parts.push(`r:${routerName}=${stamp(routers.get(routerName))}`);
      const routes = [...(routesByRouter.get(routerName) ?? [])].sort((a, b) => (a.routeName < b.routeName ? -1 : 1));
      for (const route of routes) {
        parts.push(`rt:${route.routeName}=${stamp(route)}`);
        for (const target of routeTargets(route.spec)) parts.push(node(target));
      }
    }
    const value = hashString(parts.join(";"));
    serviceStamps.set(name, value);
    return value;
  };

  return {
    mesh: `mesh=${stamp(snapshot.mesh)}`,
    node,
    service,
    get whole() {
      whole ??= `${snapshot.revision}|${hashString(JSON.stringify(snapshot.endpoints))}`;
      return whole;
    },
  };
}
