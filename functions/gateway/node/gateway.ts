// The gateway runtime on Node: the ADS client's subscriber. The core's SnapshotBuilder validates and compiles each
// update into a new GatewaySnapshot and publishes it atomically; this keeps one listening socket per served
// Listener, terminates TLS on them, and reaches upstreams through the Node UpstreamTransport (sockets).
import type { Socket } from "node:net";
import { createSecureContext } from "node:tls";
import type { Core, RouteTable } from "../../../core-wasm/index.js";
import type { ResourceType } from "../../envoy/index.js";
import { createSnapshotBuilder, unrefTimer, type GatewaySnapshot, type ListenerConfig, type SnapshotBuilder, type UpstreamObserver, type WantedNames } from "../core/index.js";
import type { XdsResources, XdsSubscriber, XdsUpdateResult } from "../xds-client/types.js";
import { AccessLogWriter } from "./access-log.js";
import { FilterState } from "../core/filters/index.js";
import { createNodeSideCalls } from "./side-calls.js";
import { handleRequest, handleUpgrade, type RequestContext } from "./handle-request.js";
import { http1ServerFromEnvironment, startListenerServer, startTcpListenerServer, type Http1ServerKind, type ListenerCredentials, type ListenerServer, type ListenerTlsSettings } from "./listener-server.js";
import { createUpstreamObserver, GatewayMetrics } from "./metrics.js";
import { noRequestObserver } from "./request-observer.js";
import { handleTcpConnection } from "./tcp-proxy.js";
import { createMaterialReader, type MaterialReader } from "./tls-material.js";
import { createNodeUpstreamTransport, type NodeUpstreamTransport } from "./upstream-transport.js";

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
  /** Envoy node id (`mesh/<mesh>/virtualGateway/<name>`): names the App Mesh metrics' Mesh and VirtualGateway/VirtualNode. */
  nodeId?: string;
  metrics?: GatewayMetrics;
  log?: (message: string) => void;
  /** What serves downstream HTTP/1.1: the gateway's own server, or node:http. Default: GATEWAY_HTTP1_SERVER, else the gateway's. */
  http1Server?: Http1ServerKind;
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
  /** Whether a listener is bound and every route configuration the bound listeners name has arrived. */
  ready(): boolean;
  wantedNames(): WantedNames;
  close(): Promise<void>;
}

/** Route tables a snapshot retired stay this long: an upgrade or a TCP connection may still hold a decision. */
const RETIRED_TABLE_GRACE_MS = 30_000;

class NodeGateway implements Gateway {
  readonly metrics: GatewayMetrics;
  readonly #options: GatewayOptions;
  readonly #log: (message: string) => void;
  readonly #builder: SnapshotBuilder;
  readonly #readMaterial: MaterialReader;
  readonly #transport: NodeUpstreamTransport;
  readonly #observer: UpstreamObserver;
  readonly #servers = new Map<string, { port: number; server: Promise<ListenerServer | null> }>();
  readonly #context: RequestContext;
  readonly #versions = new Map<ResourceType, string>();
  /** Secure contexts by the JSON of their TLS config (files are read when the config first appears). */
  readonly #listenerCredentials = new Map<string, ListenerCredentials | undefined>();
  #closed = false;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.metrics = options.metrics ?? new GatewayMetrics(options.nodeId);
    this.#log = options.log ?? (() => {});
    this.#readMaterial = createMaterialReader(() => this.#builder.secrets());
    this.#transport = createNodeUpstreamTransport(this.#readMaterial);
    this.#observer = createUpstreamObserver(this.metrics);
    this.#builder = createSnapshotBuilder({
      core: options.core,
      transport: this.#transport,
      observer: this.#observer,
      retireTables: (tables: RouteTable[]) => unrefTimer(setTimeout(() => tables.forEach((table) => table.dispose()), RETIRED_TABLE_GRACE_MS)),
    });
    this.#context = {
      snapshot: () => this.#builder.snapshot(),
      metrics: this.metrics,
      observer: this.#observer,
      requests: this.metrics.appMesh ?? noRequestObserver,
      transport: this.#transport,
      accessLog: new AccessLogWriter(),
      filterState: new FilterState(),
      sideCalls: createNodeSideCalls(),
    };
    this.metrics.beforeRender = () => {
      for (const [name, cluster] of this.#builder.snapshot().clusters) {
        this.metrics.membershipTotal.root.at(name).set(cluster.hosts.length);
        this.metrics.membershipHealthy.root.at(name).set(cluster.healthyCount);
        this.metrics.ejectionsActive.root.at(name).set(cluster.ejectedCount);
        this.metrics.activeRequests.root.at(name).set(cluster.active);
      }
    };
  }

  snapshot(): GatewaySnapshot {
    return this.#builder.snapshot();
  }

  boundPorts(): ReadonlyMap<string, number> {
    return new Map([...this.#servers].map(([name, { port }]) => [name, port]));
  }

  accepted(): ReadonlyMap<ResourceType, XdsResources> {
    return this.#builder.accepted();
  }

  versions(): ReadonlyMap<ResourceType, string> {
    return this.#versions;
  }

  ready(): boolean {
    const snapshot = this.#builder.snapshot();
    if (this.#servers.size === 0) return false;
    for (const name of this.#servers.keys()) {
      const listener = snapshot.listeners.get(name);
      if (listener?.httpChains.some((chain) => !snapshot.routes.has(chain.routeConfigName))) return false;
    }
    return true;
  }

  wantedNames(): WantedNames {
    return this.#builder.wantedNames();
  }

  onConnection(connected: boolean): void {
    this.metrics.connectedState.root.set(connected ? 1 : 0);
    this.#log(connected ? "xds: connected" : "xds: disconnected; serving the last accepted config");
  }

  apply(type: ResourceType, resources: XdsResources, version: string): XdsUpdateResult {
    const result = this.#builder.apply(type, resources);
    this.metrics.countUpdate(type, result.ok);
    if (result.ok) {
      this.#versions.set(type, version);
      if (type === "secret") this.#listenerCredentials.clear();
      this.#reconcileServers(this.#builder.snapshot().listeners);
    }
    return result;
  }

  #tlsSettings(name: string): ListenerTlsSettings | undefined {
    const tls = this.#builder.snapshot().listeners.get(name)?.tls;
    if (!tls) return undefined;
    if ("unsupported" in tls.context) return { mode: tls.mode, credentials: undefined, requireClientCertificate: false, clientSubjectAltNames: [] };
    const context = tls.context;
    const key = JSON.stringify(context);
    if (!this.#listenerCredentials.has(key)) {
      const read = this.#readMaterial;
      try {
        const credentials: ListenerCredentials = { cert: read(context.certificateChain), key: read(context.privateKey), ...(context.trustedCa ? { ca: read(context.trustedCa) } : {}) };
        createSecureContext(credentials); // refuses unusable material here, once, rather than on every handshake
        this.#listenerCredentials.set(key, credentials);
      } catch (error) {
        this.#log(`listener ${name}: TLS material unusable: ${error instanceof Error ? error.message : String(error)}`);
        this.#listenerCredentials.set(key, undefined);
      }
    }
    return { mode: tls.mode, credentials: this.#listenerCredentials.get(key), requireClientCertificate: context.requireClientCertificate, clientSubjectAltNames: context.subjectAltNames };
  }

  #shouldBind(listener: ListenerConfig): boolean {
    if (listener.routeConfigName === undefined && listener.tcpProxy === undefined) return false;
    return listener.direction !== "OUTBOUND" || this.#options.bindOutbound === true;
  }

  /** A TCP proxy socket for listeners with only tcp_proxy chains, else the HTTP/1.1 + h2c (+ TLS) one. */
  #startServer(host: string, port: number, listener: ListenerConfig): Promise<ListenerServer> {
    const name = listener.name;
    const accepted = (socket: Socket) => {
      const current = this.#builder.snapshot().listeners.get(name);
      if (current) this.#context.requests.connectionAccepted(current, socket);
    };
    if (listener.tcpProxy && listener.routeConfigName === undefined) {
      return startTcpListenerServer(host, port, (socket) => {
        accepted(socket);
        const snapshot = this.#builder.snapshot();
        const proxy = snapshot.listeners.get(name)?.tcpProxy;
        if (proxy) handleTcpConnection(snapshot, proxy, this.#options.core, this.metrics, socket);
        else socket.destroy();
      });
    }
    return startListenerServer(
      host,
      port,
      (request, response) => handleRequest(this.#context, listener, request, response),
      (request, socket, head) => handleUpgrade(this.#context, listener, request, socket, head),
      () => this.#tlsSettings(name),
      accepted,
      { http1Server: this.#options.http1Server ?? http1ServerFromEnvironment() },
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
    this.#builder.close();
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
