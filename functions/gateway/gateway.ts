// The gateway runtime on Node: receives xDS resources (it is the ADS client's subscriber), validates and compiles
// them into a new GatewaySnapshot (core-wasm route tables, upstream pools), publishes it atomically, and keeps one
// listening socket per served Listener.
import type { Core } from "../../core-wasm/index.js";
import type { Cluster } from "../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import type { ClusterLoadAssignment } from "../../proto/gen/envoy/config/endpoint/v3/endpoint_pb.js";
import type { Listener } from "../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import type { RouteConfiguration } from "../../proto/gen/envoy/config/route/v3/route_pb.js";
import type { ResourceType } from "../envoy/index.js";
import { parseClusterConfig } from "./config/cluster-config.js";
import { parseListenerConfig, type ListenerConfig } from "./config/listener-config.js";
import { compileRouteConfig, type CompiledRouteConfig } from "./config/route-entries.js";
import { createSecureContext, type SecureContext } from "node:tls";
import type { Secret } from "../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import { secretNamesOf } from "./config/tls-config.js";
import { createMaterialReader, type MaterialReader } from "./tls-material.js";
import { startListenerServer, startTcpListenerServer, type ListenerServer, type ListenerTlsSettings } from "./listener-server.js";
import { handleTcpConnection } from "./proxy/tcp-proxy.js";
import { GatewayMetrics } from "./metrics.js";
import { AccessLogWriter } from "./proxy/access-log.js";
import { handleRequest, handleUpgrade, type RequestContext } from "./proxy/handle-request.js";
import { emptySnapshot, findInternalListener, type GatewaySnapshot } from "./snapshot.js";
import { UpstreamPool } from "./upstream/pool.js";
import type { XdsResources, XdsSubscriber, XdsUpdateResult } from "./xds-client/types.js";

export interface GatewayOptions {
  core: Core;
  /** Address listeners bind (the Listener resources give the ports). Default 127.0.0.1. */
  bindHost?: string;
  /**
   * Also bind OUTBOUND listeners (a virtual node's egress on 15001, for apps that send to it). A virtual gateway
   * reaches its egress listener in-process, so by default only INBOUND (and unspecified) listeners get sockets.
   */
  bindOutbound?: boolean;
  /** Listener name → port to bind instead of the resource's port (tests, several gateways on one host). */
  portOverrides?: Readonly<Record<string, number>>;
  metrics?: GatewayMetrics;
  log?: (message: string) => void;
}

export interface Gateway extends XdsSubscriber {
  readonly metrics: GatewayMetrics;
  /** The snapshot new requests use. */
  snapshot(): GatewaySnapshot;
  /** Listener name → bound port. */
  boundPorts(): ReadonlyMap<string, number>;
  /** Accepted resources by type (for /config_dump). */
  accepted(): ReadonlyMap<ResourceType, XdsResources>;
  /** The version of each type last accepted. */
  versions(): ReadonlyMap<ResourceType, string>;
  /** Resolves once a listener is bound and every route configuration it names has arrived. */
  ready(): boolean;
  close(): Promise<void>;
}

class NodeGateway implements Gateway {
  readonly metrics: GatewayMetrics;
  readonly #options: GatewayOptions;
  readonly #log: (message: string) => void;
  #snapshot: GatewaySnapshot = emptySnapshot;
  #listeners = new Map<string, Listener>();
  #clusters = new Map<string, Cluster>();
  #assignments = new Map<string, ClusterLoadAssignment>();
  #secrets = new Map<string, Secret>();
  readonly #readMaterial: MaterialReader = createMaterialReader(() => this.#secrets);
  #routes = new Map<string, CompiledRouteConfig>();
  readonly #pools = new Map<string, UpstreamPool>();
  readonly #servers = new Map<string, { port: number; server: Promise<ListenerServer | null> }>();
  readonly #context: RequestContext;
  readonly #versions = new Map<ResourceType, string>();
  /** Secure contexts by the JSON of their TLS config (files are read when the config first appears). */
  readonly #secureContexts = new Map<string, SecureContext | undefined>();
  #closed = false;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.metrics = options.metrics ?? new GatewayMetrics();
    this.#log = options.log ?? (() => {});
    this.#context = { snapshot: () => this.#snapshot, metrics: this.metrics, accessLog: new AccessLogWriter() };
    this.metrics.beforeRender = () => {
      for (const [name, pool] of this.#pools) {
        const labels = { envoy_cluster_name: name };
        this.metrics.membershipTotal.set(labels, pool.hosts.length);
        this.metrics.membershipHealthy.set(labels, pool.healthyCount);
        this.metrics.ejectionsActive.set(labels, pool.ejectedCount);
        this.metrics.activeRequests.set(labels, pool.active);
      }
    };
  }

  snapshot(): GatewaySnapshot {
    return this.#snapshot;
  }

  boundPorts(): ReadonlyMap<string, number> {
    return new Map([...this.#servers].map(([name, { port }]) => [name, port]));
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

  versions(): ReadonlyMap<ResourceType, string> {
    return this.#versions;
  }

  ready(): boolean {
    const snapshot = this.#snapshot;
    if (this.#servers.size === 0) return false;
    for (const name of this.#servers.keys()) {
      const listener = snapshot.listeners.get(name);
      if (listener?.httpChains.some((chain) => !snapshot.routes.has(chain.routeConfigName))) return false;
    }
    return true;
  }

  wantedNames(): { route: ReadonlySet<string>; endpoint: ReadonlySet<string>; secret: ReadonlySet<string> } {
    const secret = new Set<string>();
    for (const listener of this.#snapshot.listeners.values()) {
      const context = listener.tls?.context;
      if (context && !("unsupported" in context)) secretNamesOf([context.certificateChain, context.privateKey, context.trustedCa]).forEach((name) => secret.add(name));
    }
    for (const pool of this.#pools.values()) {
      const tls = pool.config.tls;
      if (tls && !("unsupported" in tls)) secretNamesOf([tls.certificateChain, tls.privateKey, tls.trustedCa]).forEach((name) => secret.add(name));
    }
    const route = new Set<string>();
    for (const listener of this.#snapshot.listeners.values()) for (const chain of listener.httpChains) route.add(chain.routeConfigName);
    const endpoint = new Set<string>();
    for (const pool of this.#pools.values()) if (pool.config.edsServiceName) endpoint.add(pool.config.edsServiceName);
    return { route, endpoint, secret };
  }

  onConnection(connected: boolean): void {
    this.metrics.connectedState.set({}, connected ? 1 : 0);
    this.#log(connected ? "xds: connected" : "xds: disconnected; serving the last accepted config");
  }

  apply(type: ResourceType, resources: XdsResources, version: string): XdsUpdateResult {
    const result = this.#apply(type, resources);
    if (result.ok) {
      this.#versions.set(type, version);
      this.metrics.updateSuccess.inc({ type });
      if (type in this.metrics.envoyUpdateSuccess) this.metrics.envoyUpdateSuccess[type as keyof GatewayMetrics["envoyUpdateSuccess"]].inc();
    } else {
      this.metrics.updateRejected.inc({ type });
      if (type in this.metrics.envoyUpdateRejected) this.metrics.envoyUpdateRejected[type as keyof GatewayMetrics["envoyUpdateRejected"]].inc();
    }
    return result;
  }

  #apply(type: ResourceType, resources: XdsResources): XdsUpdateResult {
    try {
      switch (type) {
        case "listener": {
          const listeners = resources as Map<string, Listener>;
          for (const listener of listeners.values()) parseListenerConfig(listener);
          this.#listeners = listeners;
          break;
        }
        case "cluster": {
          const clusters = resources as Map<string, Cluster>;
          for (const cluster of clusters.values()) parseClusterConfig(cluster, undefined);
          this.#clusters = clusters;
          break;
        }
        case "endpoint":
          this.#assignments = resources as Map<string, ClusterLoadAssignment>;
          break;
        case "secret":
          this.#secrets = resources as Map<string, Secret>;
          this.#secureContexts.clear();
          break;
        case "route": {
          const compiled = this.#compileRoutes(resources as Map<string, RouteConfiguration>);
          if (!compiled.ok) return compiled;
          break;
        }
        default:
          return { ok: true };
      }
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    this.#publish();
    return { ok: true };
  }

  /** Compiles what changed; on any failure nothing is replaced (the whole update is NACKed). */
  #compileRoutes(configs: Map<string, RouteConfiguration>): XdsUpdateResult {
    const next = new Map<string, CompiledRouteConfig>();
    const fresh: CompiledRouteConfig[] = [];
    try {
      for (const [name, config] of configs) {
        const compiled = compileRouteConfig(config, this.#options.core);
        const previous = this.#routes.get(name);
        if (previous && previous.source === compiled.source) {
          compiled.table.dispose();
          next.set(name, previous);
        } else {
          fresh.push(compiled);
          next.set(name, compiled);
        }
      }
    } catch (error) {
      for (const compiled of fresh) compiled.table.dispose();
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    const retired = [...this.#routes.values()].filter((old) => ![...next.values()].includes(old));
    this.#routes = next;
    // Requests match synchronously on arrival, but keep retired tables a while for anything still holding them.
    if (retired.length > 0) setTimeout(() => retired.forEach((old) => old.table.dispose()), 30_000).unref();
    return { ok: true };
  }

  #publish(): void {
    const listeners = new Map<string, ListenerConfig>();
    for (const [name, listener] of this.#listeners) listeners.set(name, parseListenerConfig(listener));
    const pools = new Map<string, UpstreamPool>();
    const internal = new Map<string, ListenerConfig>();
    for (const [name, cluster] of this.#clusters) {
      const edsName = cluster.edsClusterConfig?.serviceName || name;
      const config = parseClusterConfig(cluster, this.#assignments.get(edsName));
      let pool = this.#pools.get(name);
      if (pool) pool.update(config);
      else {
        pool = new UpstreamPool(config, {
          ejected: (clusterName) => this.metrics.outlierEjections.inc({ envoy_cluster_name: clusterName }),
          healthCheck: (clusterName, ok) => (ok ? this.metrics.healthCheckSuccess : this.metrics.healthCheckFailure).inc({ envoy_cluster_name: clusterName }),
          readMaterial: this.#readMaterial,
        });
        this.#pools.set(name, pool);
      }
      pools.set(name, pool);
      const target = findInternalListener(config, listeners);
      if (target) internal.set(name, target);
    }
    for (const [name, pool] of this.#pools) {
      if (pools.has(name)) continue;
      pool.close();
      this.#pools.delete(name);
    }
    this.#snapshot = { generation: this.#snapshot.generation + 1, listeners, routes: new Map(this.#routes), clusters: pools, internalListeners: internal };
    this.#reconcileServers(listeners);
  }

  #tlsSettings(name: string): ListenerTlsSettings | undefined {
    const tls = this.#snapshot.listeners.get(name)?.tls;
    if (!tls) return undefined;
    if ("unsupported" in tls.context) return { mode: tls.mode, secureContext: undefined, requireClientCertificate: false };
    const context = tls.context;
    const key = JSON.stringify(context);
    if (!this.#secureContexts.has(key)) {
      const read = this.#readMaterial;
      try {
        this.#secureContexts.set(
          key,
          createSecureContext({ cert: read(context.certificateChain), key: read(context.privateKey), ...(context.trustedCa ? { ca: read(context.trustedCa) } : {}) }),
        );
      } catch (error) {
        this.#log(`listener ${name}: TLS material unusable: ${error instanceof Error ? error.message : String(error)}`);
        this.#secureContexts.set(key, undefined);
      }
    }
    return { mode: tls.mode, secureContext: this.#secureContexts.get(key), requireClientCertificate: context.requireClientCertificate };
  }

  #shouldBind(listener: ListenerConfig): boolean {
    if (listener.routeConfigName === undefined && listener.tcpProxy === undefined) return false;
    return listener.direction !== "OUTBOUND" || this.#options.bindOutbound === true;
  }

  /** A TCP proxy socket for listeners with only tcp_proxy chains, else the HTTP/1.1 + h2c (+ TLS) one. */
  #startServer(host: string, port: number, listener: ListenerConfig): Promise<ListenerServer> {
    const name = listener.name;
    if (listener.tcpProxy && listener.routeConfigName === undefined) {
      return startTcpListenerServer(host, port, (socket) => {
        const proxy = this.#snapshot.listeners.get(name)?.tcpProxy;
        if (proxy) handleTcpConnection(this.#snapshot, proxy, this.#options.core, this.metrics, socket);
        else socket.destroy();
      });
    }
    return startListenerServer(
      host,
      port,
      (request, response) => handleRequest(this.#context, listener, request, response),
      (request, socket, head) => handleUpgrade(this.#context, listener, request, socket, head),
      () => this.#tlsSettings(name),
    );
  }

  #reconcileServers(listeners: ReadonlyMap<string, ListenerConfig>): void {
    if (this.#closed) return;
    const host = this.#options.bindHost ?? "127.0.0.1";
    for (const [name, entry] of this.#servers) {
      const listener = listeners.get(name);
      const port = listener ? (this.#options.portOverrides?.[name] ?? listener.port) : -1;
      if (listener && this.#shouldBind(listener) && port === entry.port) continue;
      this.#servers.delete(name);
      void entry.server.then((server) => server?.close());
      this.#log(`listener ${name}: closed`);
    }
    for (const listener of listeners.values()) {
      if (this.#servers.has(listener.name) || !this.#shouldBind(listener)) continue;
      const port = this.#options.portOverrides?.[listener.name] ?? listener.port;
      const entry = { port, server: Promise.resolve<ListenerServer | null>(null) };
      entry.server = this.#startServer(host, port, listener).then(
        (server) => {
          entry.port = server.port;
          this.#log(`listener ${listener.name}: listening on ${host}:${server.port}`);
          return server;
        },
        (error: unknown) => {
          this.#log(`listener ${listener.name}: cannot bind ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`);
          return null;
        },
      );
      this.#servers.set(listener.name, entry);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const servers = [...this.#servers.values()];
    this.#servers.clear();
    await Promise.all(servers.map(async (entry) => (await entry.server)?.close()));
    for (const pool of this.#pools.values()) pool.close();
    this.#context.accessLog.close();
  }
}

/**
 * @example
 * const gateway = createGateway({ core: loadCore() });
 * const ads = startAdsClient({ address: "127.0.0.1:18000", nodeId: "mesh/app/virtualGateway/gw" }, gateway);
 */
export function createGateway(options: GatewayOptions): Gateway {
  return new NodeGateway(options);
}
