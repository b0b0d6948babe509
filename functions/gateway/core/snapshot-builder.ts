// From xDS resources to the GatewaySnapshot requests run on, the same on every runtime. An update of one type is
// parsed (listeners, clusters with their endpoints), compiled (route configurations into core-wasm) and checked
// together with everything else accepted (snapshot-validation.ts); only then is it accepted and a new snapshot
// published. A refused update changes nothing and comes back as the NACK's reason.
import type { Core, RouteTable } from "../../../core-wasm/index.js";
import type { Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import type { ClusterLoadAssignment } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint_pb.js";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import type { RouteConfiguration } from "../../../proto/gen/envoy/config/route/v3/route_pb.js";
import type { Secret } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import type { ResourceType } from "../../envoy/index.js";
import type { XdsResources, XdsUpdateResult } from "../xds-client/types.js";
import { parseClusterConfig, type ClusterConfig } from "./config/cluster-config.js";
import { parseListenerConfig, type ListenerConfig } from "./config/listener-config.js";
import { compileRouteConfig, type CompiledRouteConfig } from "./config/route-entries.js";
import { secretNamesOf } from "./config/tls-config.js";
import { planRoutes, type RoutePlan } from "./route-plan.js";
import { emptySnapshot, findInternalListener, type GatewaySnapshot } from "./snapshot.js";
import { isWarm, validateSnapshot } from "./snapshot-validation.js";
import { UpstreamCluster } from "./upstream-cluster.js";
import { noUpstreamObserver, type UpstreamObserver, type UpstreamTransport } from "./upstream-transport.js";

export interface SnapshotBuilderOptions {
  core: Core;
  /** The runtime's way to reach hosts; the builder's clusters use it for DNS, health checks and connection pools. */
  transport: UpstreamTransport;
  observer?: UpstreamObserver;
  /** Epoch milliseconds for outlier ejection; Date.now by default. */
  now?: () => number;
  /**
   * Receives the route tables a new snapshot no longer uses. Default: disposed at once, which is right where
   * matching is synchronous and no request holds a table past its arrival (the Worker).
   */
  retireTables?: (tables: RouteTable[]) => void;
}

/** RDS, EDS and SDS names the accepted listeners and clusters refer to. */
export interface WantedNames {
  route: ReadonlySet<string>;
  endpoint: ReadonlySet<string>;
  secret: ReadonlySet<string>;
}

export interface SnapshotBuilder {
  /** The snapshot new requests use. Replaced whole on every accepted update; never mutated. */
  snapshot(): GatewaySnapshot;
  /** Checks the complete set of `type` (state of the world) with everything else accepted; publishes it or says why not. */
  apply(type: ResourceType, resources: XdsResources): XdsUpdateResult;
  /** Names to subscribe to, from the accepted resources (warming listeners included). */
  wantedNames(): WantedNames;
  /** Accepted resources by type, for config dumps (route configurations as JSON, secrets by name only). */
  accepted(): ReadonlyMap<ResourceType, XdsResources>;
  /** Accepted Secrets (TLS material received over ADS). */
  secrets(): ReadonlyMap<string, Secret>;
  /** Stops every cluster's schedules (health checks, DNS) and releases their connections. */
  close(): void;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Parses every resource, collecting each one's problem instead of stopping at the first. */
function parseAll<In, Out>(resources: ReadonlyMap<string, In>, parse: (resource: In, name: string) => Out, problems: string[]): Map<string, Out> {
  const parsed = new Map<string, Out>();
  for (const [name, resource] of resources) {
    try {
      parsed.set(name, parse(resource, name));
    } catch (error) {
      problems.push(messageOf(error));
    }
  }
  return parsed;
}

class Builder implements SnapshotBuilder {
  readonly #options: SnapshotBuilderOptions;
  readonly #observer: UpstreamObserver;
  #listeners = new Map<string, Listener>();
  #listenerConfigs = new Map<string, ListenerConfig>();
  #clusters = new Map<string, Cluster>();
  #clusterConfigs = new Map<string, ClusterConfig>();
  #assignments = new Map<string, ClusterLoadAssignment>();
  #secrets = new Map<string, Secret>();
  #routes = new Map<string, CompiledRouteConfig>();
  readonly #upstreams = new Map<string, UpstreamCluster>();
  #snapshot: GatewaySnapshot = emptySnapshot;

  constructor(options: SnapshotBuilderOptions) {
    this.#options = options;
    this.#observer = options.observer ?? noUpstreamObserver;
  }

  snapshot(): GatewaySnapshot {
    return this.#snapshot;
  }

  secrets(): ReadonlyMap<string, Secret> {
    return this.#secrets;
  }

  #parseClusters(clusters: ReadonlyMap<string, Cluster>, assignments: ReadonlyMap<string, ClusterLoadAssignment>, problems: string[]): Map<string, ClusterConfig> {
    return parseAll(clusters, (cluster, name) => parseClusterConfig(cluster, assignments.get(cluster.edsClusterConfig?.serviceName || name)), problems);
  }

  apply(type: ResourceType, resources: XdsResources): XdsUpdateResult {
    const problems: string[] = [];
    let listeners = this.#listenerConfigs;
    let clusters = this.#clusterConfigs;
    let routes = this.#routes;
    const fresh: CompiledRouteConfig[] = [];
    switch (type) {
      case "listener":
        listeners = parseAll(resources as Map<string, Listener>, (listener) => parseListenerConfig(listener), problems);
        break;
      case "cluster":
        clusters = this.#parseClusters(resources as Map<string, Cluster>, this.#assignments, problems);
        break;
      case "endpoint":
        clusters = this.#parseClusters(this.#clusters, resources as Map<string, ClusterLoadAssignment>, problems);
        break;
      case "route":
        routes = this.#compileRoutes(resources as Map<string, RouteConfiguration>, fresh, problems);
        break;
      case "secret":
        break;
      default:
        return { ok: true };
    }
    if (problems.length === 0) problems.push(...validateSnapshot({ listeners, clusters, routes }));
    if (problems.length > 0) {
      for (const compiled of fresh) compiled.table.dispose();
      return { ok: false, message: problems.join("; ") };
    }
    if (type === "listener") this.#listeners = resources as Map<string, Listener>;
    if (type === "cluster") this.#clusters = resources as Map<string, Cluster>;
    if (type === "endpoint") this.#assignments = resources as Map<string, ClusterLoadAssignment>;
    if (type === "secret") this.#secrets = resources as Map<string, Secret>;
    this.#listenerConfigs = listeners;
    this.#clusterConfigs = clusters;
    const kept = new Set(routes.values());
    const retired = [...this.#routes.values()].filter((old) => !kept.has(old)).map((old) => old.table);
    this.#routes = routes;
    this.#publish();
    if (retired.length > 0) (this.#options.retireTables ?? ((tables) => tables.forEach((table) => table.dispose())))(retired);
    return { ok: true };
  }

  /** Compiles what changed (an unchanged configuration keeps its table); `fresh` collects the new tables. */
  #compileRoutes(configs: ReadonlyMap<string, RouteConfiguration>, fresh: CompiledRouteConfig[], problems: string[]): Map<string, CompiledRouteConfig> {
    return parseAll(
      configs,
      (config, name) => {
        const compiled = compileRouteConfig(config, this.#options.core);
        const previous = this.#routes.get(name);
        if (previous && previous.source === compiled.source) {
          compiled.table.dispose();
          return previous;
        }
        fresh.push(compiled);
        return compiled;
      },
      problems,
    );
  }

  #publish(): void {
    const previous = this.#snapshot;
    const listeners = new Map<string, ListenerConfig>();
    for (const [name, listener] of this.#listenerConfigs) {
      // A listener whose route configurations have not all arrived warms; its previous version serves meanwhile.
      if (isWarm(listener, this.#routes)) listeners.set(name, listener);
      else {
        const serving = previous.listeners.get(name);
        if (serving) listeners.set(name, serving);
      }
    }
    const clusters = new Map<string, UpstreamCluster>();
    const internal = new Map<string, ListenerConfig>();
    for (const [name, config] of this.#clusterConfigs) {
      let cluster = this.#upstreams.get(name);
      if (cluster) cluster.update(config);
      else {
        cluster = new UpstreamCluster(config, { transport: this.#options.transport, observer: this.#observer, ...(this.#options.now ? { now: this.#options.now } : {}) });
        this.#upstreams.set(name, cluster);
      }
      clusters.set(name, cluster);
      const target = findInternalListener(config, listeners);
      if (target) internal.set(name, target);
    }
    for (const [name, cluster] of this.#upstreams) {
      if (clusters.has(name)) continue;
      cluster.close();
      this.#upstreams.delete(name);
    }
    const plans = new Map<string, readonly RoutePlan[]>();
    for (const [name, compiled] of this.#routes) plans.set(name, planRoutes(compiled, clusters, internal));
    this.#snapshot = { generation: previous.generation + 1, listeners, routes: new Map(this.#routes), clusters, internalListeners: internal, plans };
  }

  wantedNames(): WantedNames {
    const route = new Set<string>();
    const secret = new Set<string>();
    for (const listener of this.#listenerConfigs.values()) {
      for (const chain of listener.httpChains) route.add(chain.routeConfigName);
      const context = listener.tls?.context;
      if (context && !("unsupported" in context)) for (const name of secretNamesOf([context.certificateChain, context.privateKey, context.trustedCa])) secret.add(name);
    }
    const endpoint = new Set<string>();
    for (const config of this.#clusterConfigs.values()) {
      if (config.edsServiceName) endpoint.add(config.edsServiceName);
      const tls = config.tls;
      if (tls && !("unsupported" in tls)) for (const name of secretNamesOf([tls.certificateChain, tls.privateKey, tls.trustedCa])) secret.add(name);
    }
    return { route, endpoint, secret };
  }

  accepted(): ReadonlyMap<ResourceType, XdsResources> {
    return new Map<ResourceType, XdsResources>([
      ["listener", new Map(this.#listeners)],
      ["cluster", new Map(this.#clusters)],
      ["route", new Map([...this.#routes].map(([name, compiled]) => [name, JSON.parse(compiled.source) as unknown]))],
      ["endpoint", new Map(this.#assignments)],
      // Secret contents stay out of dumps: names only.
      ["secret", new Map([...this.#secrets.keys()].map((name) => [name, { name }]))],
    ]);
  }

  close(): void {
    for (const cluster of this.#upstreams.values()) cluster.close();
    this.#upstreams.clear();
  }
}

/**
 * @example
 * const builder = createSnapshotBuilder({ core: loadCore(), transport });
 * builder.apply("cluster", clusters); // { ok: true } → builder.snapshot() has them
 */
export function createSnapshotBuilder(options: SnapshotBuilderOptions): SnapshotBuilder {
  return new Builder(options);
}
