// The per-snapshot translator: resources that many nodes share (a service's routes and virtual hosts, the egress
// cluster of a target) are built once per (mesh, revision) and reused by every node's translation.
import { create } from "@bufbuild/protobuf";
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import type { ClientPolicyTls, VirtualGatewayClientPolicyTls } from "../../appmesh/model/types.generated.js";
import { VirtualHostSchema, type Route, type VirtualHost } from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import type { Cluster, ClusterLoadAssignment, Listener, ResourceType, RouteConfiguration, Secret } from "../../envoy/index.js";
import { translateEgressCluster, type EgressClusterResult } from "./clusters.js";
import { compareStrings, createMeshIndex, type MeshIndex } from "./mesh-index.js";
import { translateServicePorts, type ClusterRef, type RouteOptions, type ServicePort } from "./service-routes.js";
import { createPolicyTranslation, type PolicyTranslation } from "./policies/policy-translation.js";
import type { AcmMaterial } from "./tls.js";
import { sortWarnings, type UnservableSpecWarning } from "./warnings.js";

/** Everything one Envoy (or proxyless client) receives. Each list is sorted by resource name. */
export interface NodeResources {
  listeners: Listener[];
  clusters: Cluster[];
  routes: RouteConfiguration[];
  endpoints: ClusterLoadAssignment[];
  secrets: Secret[];
  /** What the node's resources leave out although the API accepted it (sorted, each once); not sent to the proxy. */
  warnings: UnservableSpecWarning[];
}

/** Which xDS type each list of NodeResources holds. */
export const NODE_RESOURCE_LISTS: readonly (readonly [ResourceType, Exclude<keyof NodeResources, "warnings">])[] = [
  ["listener", "listeners"],
  ["cluster", "clusters"],
  ["route", "routes"],
  ["endpoint", "endpoints"],
  ["secret", "secrets"],
];

export interface TranslateOptions {
  /**
   * App Mesh's hidden default retry policy on routes without one. Default true; false reproduces meshes created
   * before 2020-07-29, which App Mesh never migrated.
   */
  defaultRetryPolicy?: boolean;
  /** PEM material for ACM certificate / CA ARNs referenced by listener TLS or client policies, beside the snapshot's own (`MeshSnapshot.tls`). */
  acm?: AcmMaterial;
}

export interface ResolvedOptions {
  routes: RouteOptions;
  acm: AcmMaterial;
}

export function resolveOptions(options: TranslateOptions = {}): ResolvedOptions {
  return { routes: { defaultRetryPolicy: options.defaultRetryPolicy ?? true }, acm: options.acm ?? {} };
}

/** Memoised shared pieces of one snapshot. Values are shared between nodes: callers must not mutate them. */
export interface SharedResources {
  readonly index: MeshIndex;
  readonly options: ResolvedOptions;
  servicePorts(virtualServiceName: string): readonly ServicePort[];
  /** What translating the service's ports left out (its provider router's routes and targets). */
  serviceWarnings(virtualServiceName: string): readonly UnservableSpecWarning[];
  /** The virtual host of a service port as seen by clients that reach it on `domainPort`. */
  virtualHost(servicePort: ServicePort, domainPort: number): VirtualHost;
  /** `callerZone`: the zone the calling Envoy reports (node.locality.zone), for loadBalancing policies that prefer it. */
  egressCluster(ref: ClusterRef, clientTls: ClientPolicyTls | VirtualGatewayClientPolicyTls | undefined, proxyless: boolean, callerZone?: string): EgressClusterResult;
  /** meshplane's policies of the snapshot in Envoy's terms. */
  readonly policies: PolicyTranslation;
  /** How many times each kind of shared piece was built (not fetched from the memo): for tests and benchmarks. */
  readonly builds: { servicePorts: number; virtualHosts: number; egressClusters: number };
}

function mergeAcmMaterial(held: AcmMaterial, given: AcmMaterial | undefined): AcmMaterial {
  return {
    certificates: { ...held.certificates, ...given?.certificates },
    certificateAuthorities: { ...held.certificateAuthorities, ...given?.certificateAuthorities },
    problems: [...(held.problems ?? []), ...(given?.problems ?? [])],
  };
}

function memoised<V>(cache: Map<string, V>, key: string, build: () => V): V {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = build();
  cache.set(key, value);
  return value;
}

export function createSharedResources(snapshot: MeshSnapshot, options: TranslateOptions = {}): SharedResources {
  const index = createMeshIndex(snapshot);
  const policies = createPolicyTranslation(snapshot, index);
  // The ACM material meshplane's stand-ins hold for this mesh, beside any the caller passes.
  const resolved = resolveOptions(snapshot.tls ? { ...options, acm: mergeAcmMaterial(snapshot.tls, options.acm) } : options);
  const routeOptions: RouteOptions = { ...resolved.routes, policies };
  const services = new Map<string, { ports: readonly ServicePort[]; warnings: readonly UnservableSpecWarning[] }>();
  const service = (name: string) =>
    memoised(services, name, () => {
      builds.servicePorts++;
      const warnings: UnservableSpecWarning[] = [];
      return { ports: translateServicePorts(index, name, routeOptions, warnings), warnings };
    });
  const hosts = new Map<string, VirtualHost>();
  const clusters = new Map<string, EgressClusterResult>();
  const builds = { servicePorts: 0, virtualHosts: 0, egressClusters: 0 };
  return {
    index,
    options: resolved,
    builds,
    servicePorts: (name) => service(name).ports,
    serviceWarnings: (name) => service(name).warnings,
    virtualHost: (servicePort, domainPort) =>
      memoised(hosts, `${servicePort.virtualServiceName}\u0000${servicePort.port}\u0000${domainPort}`, () => {
        builds.virtualHosts++;
        return translateServiceVirtualHost(servicePort.virtualServiceName, domainPort, servicePort.routes);
      }),
    policies,
    egressCluster: (ref, clientTls, proxyless, callerZone) => {
      const loadBalancing = policies.loadBalancing(ref.node.virtualNodeName);
      // Only a policy that prefers the caller's zone makes the cluster depend on who calls.
      const zone = loadBalancing?.locality?.preferLocalZone ? callerZone : undefined;
      return memoised(clusters, `${ref.name}\u0000${proxyless}\u0000${clientTls ? JSON.stringify(clientTls) : ""}\u0000${zone ?? ""}`, () => {
        builds.egressClusters++;
        return translateEgressCluster(index, ref, { clientTls, acm: resolved.acm, proxyless, ...(loadBalancing ? { loadBalancing } : {}), ...(zone !== undefined ? { callerZone: zone } : {}) });
      });
    },
  };
}

/** Clients address a virtual service by its name, with or without the port (RM#346, VGDUMP). */
export function translateServiceVirtualHost(virtualServiceName: string, domainPort: number, routes: readonly Route[]): VirtualHost {
  return create(VirtualHostSchema, {
    name: virtualServiceName,
    domains: [virtualServiceName, `${virtualServiceName}:${domainPort}`],
    routes: [...routes],
  });
}

/** Collects one node's resources; duplicates by name keep the first; output sorted by name for stable hashing. */
export class NodeResourcesBuilder {
  /** The zone the node's Envoy reports (node.locality.zone); undefined when it names none. */
  readonly zone: string | undefined;

  constructor(zone?: string) {
    this.zone = zone;
  }

  readonly #listeners = new Map<string, Listener>();
  readonly #clusters = new Map<string, Cluster>();
  readonly #routes = new Map<string, RouteConfiguration>();
  readonly #endpoints = new Map<string, ClusterLoadAssignment>();
  readonly secrets = new Map<string, Secret>();
  readonly #warnings: UnservableSpecWarning[] = [];

  listener(listener: Listener): void {
    if (!this.#listeners.has(listener.name)) this.#listeners.set(listener.name, listener);
  }
  cluster(cluster: Cluster): void {
    if (!this.#clusters.has(cluster.name)) this.#clusters.set(cluster.name, cluster);
  }
  route(route: RouteConfiguration): void {
    if (!this.#routes.has(route.name)) this.#routes.set(route.name, route);
  }
  egressCluster(result: EgressClusterResult): void {
    if (this.#clusters.has(result.cluster.name)) return;
    this.#clusters.set(result.cluster.name, result.cluster);
    if (result.assignment) this.#endpoints.set(result.assignment.clusterName, result.assignment);
    for (const [name, secret] of result.secrets) if (!this.secrets.has(name)) this.secrets.set(name, secret);
  }
  hasCluster(name: string): boolean {
    return this.#clusters.has(name);
  }
  warn(warnings: Iterable<UnservableSpecWarning>): void {
    this.#warnings.push(...warnings);
  }

  build(): NodeResources {
    const sorted = <T>(map: Map<string, T>): T[] => [...map.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, v]) => v);
    return {
      listeners: sorted(this.#listeners),
      clusters: sorted(this.#clusters),
      routes: sorted(this.#routes),
      endpoints: sorted(this.#endpoints),
      secrets: sorted(this.secrets),
      warnings: sortWarnings(this.#warnings),
    };
  }
}
