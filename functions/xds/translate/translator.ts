// The per-snapshot translator: resources that many nodes share (a service's routes and virtual hosts, the egress
// cluster of a target, a route configuration of the same virtual hosts) are built once per (mesh, revision) and reused
// by every node's translation; with a TranslationMemo they are also kept for later snapshots while what they are built
// from does not change, so a change re-builds only what it reaches.
import type { Message } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import type { ClientPolicyTls, VirtualGatewayClientPolicyTls } from "../../appmesh/model/types.generated.js";
import { VirtualHostSchema, type Route, type VirtualHost } from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import type { Cluster, ClusterLoadAssignment, Listener, ResourceType, RouteConfiguration, Secret } from "../../envoy/index.js";
import { RouteConfigurationSchema } from "../../../proto/gen/envoy/config/route/v3/route_pb.js";
import { translateEgressCluster, translatePassthroughCluster, type EgressClusterResult } from "./clusters.js";
import { createDependencyStamps, type DependencyStamps } from "./dependency-stamps.js";
import { objectId, StampedPieces } from "./translation-memo.js";
import { compareStrings, createMeshIndex, type MeshIndex } from "./mesh-index.js";
import { translateServicePorts, type ClusterRef, type RouteOptions, type ServicePort } from "./service-routes.js";
import { createPolicyTranslation, type PolicyTranslation } from "./policies/policy-translation.js";
import type { AcmMaterial } from "./tls.js";
import { sortWarnings, type UnservableSpecWarning } from "./warnings.js";

/** Rewritten copies of translated messages by variant (an Envoy version band, a REST subscription), then original. */
export type MessageCopies = Map<string, WeakMap<Message, Message>>;

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

/**
 * The pieces a translator keeps between the snapshots of one mesh (translation-memo.ts): pass the same memo to the
 * translator of each new snapshot, and pieces whose inputs did not change come back as the same objects.
 */
export interface TranslationMemo {
  /** A virtual service's ports with what translating them left out. */
  readonly servicePorts: StampedPieces<{ readonly ports: readonly ServicePort[]; readonly warnings: readonly UnservableSpecWarning[] }>;
  readonly virtualHosts: StampedPieces<VirtualHost>;
  readonly egressClusters: StampedPieces<EgressClusterResult>;
  readonly routeConfigurations: StampedPieces<RouteConfiguration>;
  readonly passthroughClusters: StampedPieces<Cluster>;
  /** A virtual node's ingress listener with what it names (its cluster, route configuration, secrets). */
  readonly ingressParts: StampedPieces<NodePart>;
  readonly egressListeners: StampedPieces<Listener>;
  readonly adapted: MessageCopies;
  /** Kept REST-subscription copies (config-sources.ts), by subscription then original message. */
  readonly subscribed: MessageCopies;
}

/** Resources one builder collected, with the listener they came with, to be added again to another node's builder. */
export interface NodePart {
  listener: Listener | undefined;
  resources: NodeResources;
}

export function createTranslationMemo(): TranslationMemo {
  return {
    servicePorts: new StampedPieces(),
    virtualHosts: new StampedPieces(),
    egressClusters: new StampedPieces(),
    routeConfigurations: new StampedPieces(),
    passthroughClusters: new StampedPieces(),
    ingressParts: new StampedPieces(),
    egressListeners: new StampedPieces(),
    adapted: new Map(),
    subscribed: new Map(),
  };
}

/** Memoised shared pieces of one snapshot. Values are shared between nodes: callers must not mutate them. */
export interface SharedResources {
  readonly index: MeshIndex;
  readonly options: ResolvedOptions;
  readonly stamps: DependencyStamps;
  readonly memo: TranslationMemo;
  servicePorts(virtualServiceName: string): readonly ServicePort[];
  /** What translating the service's ports left out (its provider router's routes and targets). */
  serviceWarnings(virtualServiceName: string): readonly UnservableSpecWarning[];
  /** The virtual host of a service port as seen by clients that reach it on `domainPort`. */
  virtualHost(servicePort: ServicePort, domainPort: number): VirtualHost;
  /**
   * Whether pieces are kept between snapshots and shared between nodes (the memo and the per-node parts built from
   * it): only in a mesh without policies. Policies' pieces carry no dependency stamps, so a mesh with any policy is
   * translated fresh for each snapshot, the way the policies' translation expects.
   */
  readonly keepsPieces: boolean;
  /** `callerZone`: the zone the calling Envoy reports (node.locality.zone), for loadBalancing policies that prefer it. */
  egressCluster(ref: ClusterRef, clientTls: ClientPolicyTls | VirtualGatewayClientPolicyTls | undefined, proxyless: boolean, callerZone?: string): EgressClusterResult;
  /** A route configuration of these very virtual hosts: every client with the same ones shares one object. */
  routeConfiguration(name: string, virtualHosts: readonly VirtualHost[]): RouteConfiguration;
  /** An ORIGINAL_DST passthrough cluster (`amazonaws`, `mesh-allow-all`), one object per name. */
  passthroughCluster(name: string): Cluster;
  /** meshplane's policies of the snapshot in Envoy's terms. */
  readonly policies: PolicyTranslation;
  /** How many times each kind of shared piece was built (not fetched from the memo): for tests and benchmarks. */
  readonly builds: { servicePorts: number; virtualHosts: number; egressClusters: number };
}

/** Whether the snapshot has any of meshplane's policies: then nothing is kept between its snapshots (keepsPieces). */
export const hasPolicies = (snapshot: MeshSnapshot): boolean => (snapshot.policies?.length ?? 0) > 0;

/**
 * Whether pieces may be kept between the mesh's snapshots: not with policies (pieces are not stamped for what they
 * read), nor with ACM material (a renewed certificate moves no revision a stamp could see).
 */
export const keepsTranslationPieces = (snapshot: MeshSnapshot): boolean => !hasPolicies(snapshot) && snapshot.tls === undefined;

function mergeAcmMaterial(held: AcmMaterial, given: AcmMaterial | undefined): AcmMaterial {
  return {
    certificates: { ...held.certificates, ...given?.certificates },
    certificateAuthorities: { ...held.certificateAuthorities, ...given?.certificateAuthorities },
    problems: [...(held.problems ?? []), ...(given?.problems ?? [])],
  };
}

/**
 * The shared pieces of one snapshot. With a `memo` carried over from the mesh's previous snapshots, pieces whose
 * stamps did not move are the previous objects; without one, everything is built for this snapshot alone. A mesh with
 * policies or ACM material must not be given a memo (keepsTranslationPieces).
 */
export function createSharedResources(snapshot: MeshSnapshot, options: TranslateOptions = {}, carried?: TranslationMemo): SharedResources {
  const keepsPieces = keepsTranslationPieces(snapshot);
  if (!keepsPieces && carried) throw new Error(`mesh ${snapshot.mesh.meshName} has policies or ACM material: its translation must not reuse kept pieces`);
  const memo = carried ?? createTranslationMemo();
  const index = createMeshIndex(snapshot);
  const policies = createPolicyTranslation(snapshot, index);
  // The ACM material meshplane's stand-ins hold for this mesh, beside any the caller passes.
  const resolved = resolveOptions(snapshot.tls ? { ...options, acm: mergeAcmMaterial(snapshot.tls, options.acm) } : options);
  const stamps = createDependencyStamps(snapshot);
  for (const pieces of [memo.servicePorts, memo.virtualHosts, memo.egressClusters, memo.routeConfigurations, memo.passthroughClusters, memo.ingressParts, memo.egressListeners]) {
    pieces.nextGeneration();
  }
  const routeOptions: RouteOptions = { ...resolved.routes, policies };
  // A service's warnings come from the same translation as its ports, so they are kept (and reused) with them.
  const service = (name: string) =>
    memo.servicePorts.get(name, `${stamps.mesh};${stamps.service(name)}`, () => {
      builds.servicePorts++;
      const warnings: UnservableSpecWarning[] = [];
      return { ports: translateServicePorts(index, name, routeOptions, warnings), warnings };
    });
  const builds = { servicePorts: 0, virtualHosts: 0, egressClusters: 0 };
  return {
    index,
    options: resolved,
    stamps,
    memo,
    builds,
    servicePorts: (name) => service(name).ports,
    serviceWarnings: (name) => service(name).warnings,
    virtualHost: (servicePort, domainPort) =>
      memo.virtualHosts.get(`${servicePort.virtualServiceName}\u0000${servicePort.port}\u0000${domainPort}`, String(objectId(servicePort)), () => {
        builds.virtualHosts++;
        return translateServiceVirtualHost(servicePort.virtualServiceName, domainPort, servicePort.routes);
      }),
    keepsPieces,
    policies,
    egressCluster: (ref, clientTls, proxyless, callerZone) => {
      const loadBalancing = policies.loadBalancing(ref.node.virtualNodeName);
      // Only a policy that prefers the caller's zone makes the cluster depend on who calls.
      const zone = loadBalancing?.locality?.preferLocalZone ? callerZone : undefined;
      const key = `${ref.name}\u0000${proxyless}\u0000${clientTls ? JSON.stringify(clientTls) : ""}\u0000${zone ?? ""}`;
      return memo.egressClusters.get(key, `${stamps.mesh};${stamps.node(ref.node.virtualNodeName)}`, () => {
        builds.egressClusters++;
        return translateEgressCluster(index, ref, { clientTls, acm: resolved.acm, proxyless, ...(loadBalancing ? { loadBalancing } : {}), ...(zone !== undefined ? { callerZone: zone } : {}) });
      });
    },
    routeConfiguration: (name, virtualHosts) =>
      keepsPieces
        ? memo.routeConfigurations.get(`${name}\u0000${virtualHosts.map(objectId).join(",")}`, "", () => create(RouteConfigurationSchema, { name, virtualHosts: [...virtualHosts] }))
        : create(RouteConfigurationSchema, { name, virtualHosts: [...virtualHosts] }),
    passthroughCluster: (name) => memo.passthroughClusters.get(name, "", () => translatePassthroughCluster(name)),
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
  /** Adds what another builder collected (a memoised NodePart), its warnings included. */
  add(resources: NodeResources): void {
    resources.listeners.forEach((listener) => this.listener(listener));
    resources.clusters.forEach((cluster) => this.cluster(cluster));
    resources.routes.forEach((route) => this.route(route));
    for (const assignment of resources.endpoints) if (!this.#endpoints.has(assignment.clusterName)) this.#endpoints.set(assignment.clusterName, assignment);
    for (const secret of resources.secrets) if (!this.secrets.has(secret.name)) this.secrets.set(secret.name, secret);
    this.warn(resources.warnings);
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
