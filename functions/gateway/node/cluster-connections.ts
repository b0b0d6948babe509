// One cluster's connections on Node: an HTTP/1.1 connection pool per host (http1-client/: keep-alive, TLS when the
// cluster originates it), one HTTP/2 session per host for clusters that speak HTTP/2, and the TLS client options of its
// UpstreamTlsContext (SNI, client certificate, trusted CA, exact SAN matching). A change of settings, TLS material
// included (a rotated Secret), makes new ones; the old ones finish what they carry.
import http2 from "node:http2";
import type { ConnectionOptions, PeerCertificate } from "node:tls";
import type { ClusterConfig, UpstreamHost, UpstreamTlsConfig } from "../core/index.js";
import { Http1Pool } from "./http1-client/index.js";
import { Http2Connection } from "./http2-attempt.js";
import { hasSubjectAltName } from "./peer-certificate.js";
import type { MaterialReader } from "./tls-material.js";

/** Node TLS client options for an UpstreamTlsContext: SNI, client certificate, CA and exact SAN matching. */
export function upstreamTlsOptions(config: UpstreamTlsConfig, readRef: MaterialReader): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: config.trustedCa !== undefined };
  if (config.sni) options.servername = config.sni;
  if (config.trustedCa) options.ca = readRef(config.trustedCa);
  if (config.certificateChain && config.privateKey) {
    options.cert = readRef(config.certificateChain);
    options.key = readRef(config.privateKey);
  }
  if (config.trustedCa) {
    const wanted = config.subjectAltNames;
    // Envoy checks SANs instead of the hostname (it dials IPs and service-discovery names alike).
    options.checkServerIdentity = (_host: string, certificate: PeerCertificate) =>
      hasSubjectAltName(certificate, wanted) ? undefined : new Error(`server certificate has none of the SANs ${wanted.join(", ")}`);
  }
  return options;
}

/** Connections of replaced settings linger this long for requests still using them. */
const RETIRE_AFTER_MS = 60_000;
/** Idle upstream keep-alive connections close after this (lower when the upstream's Keep-Alive header says so). */
const KEEP_ALIVE_MS = 60_000;
/** Envoy's default max_connections is 1,024 per cluster; a pool never holds more than this many per host. */
const MAX_POOL_CONNECTIONS = 4096;

const bracketed = (address: string): string => (address.includes(":") ? `[${address}]` : address);

export class ClusterConnections {
  readonly #readMaterial: MaterialReader;
  #config: ClusterConfig;
  #settings = "";
  #tlsOptions: ConnectionOptions | undefined;
  #tlsError: string | undefined;
  #pools = new Map<string, Http1Pool>();
  #sessions = new Map<string, Http2Connection>();

  constructor(config: ClusterConfig, readMaterial: MaterialReader) {
    this.#config = config;
    this.#readMaterial = readMaterial;
    this.#applySettings(config);
  }

  get config(): ClusterConfig {
    return this.#config;
  }

  /** Whether connections originate TLS. */
  get secure(): boolean {
    return this.#tlsOptions !== undefined;
  }

  /** Why the cluster's TLS material cannot be used (a Secret not yet received, an unreadable file). */
  get tlsError(): string | undefined {
    return this.#tlsError;
  }

  #tls(config: ClusterConfig): UpstreamTlsConfig | undefined {
    return config.tls && !("unsupported" in config.tls) ? config.tls : undefined;
  }

  /** Identifies the connection settings, TLS material included. */
  #settingsOf(config: ClusterConfig): string {
    const tls = this.#tls(config);
    let material: unknown = null;
    if (tls) {
      try {
        material = upstreamTlsOptions(tls, this.#readMaterial);
      } catch (error) {
        material = String(error);
      }
    }
    return JSON.stringify([config.limits.maxConnections, config.connectTimeoutMs, config.dnsFamily, config.http2, tls ?? null, material]);
  }

  #applySettings(config: ClusterConfig): void {
    const tls = this.#tls(config);
    this.#settings = this.#settingsOf(config);
    this.#tlsError = undefined;
    this.#tlsOptions = undefined;
    if (!tls) return;
    try {
      this.#tlsOptions = upstreamTlsOptions(tls, this.#readMaterial);
    } catch (error) {
      this.#tlsError = error instanceof Error ? error.message : String(error);
    }
  }

  /** Follows a config change: new settings get new pools and sessions; the old ones finish their requests. */
  update(config: ClusterConfig): void {
    this.#config = config;
    if (this.#settingsOf(config) === this.#settings) return;
    this.#retire();
    this.#applySettings(config);
  }

  /** The HTTP/1.1 pool to `host`, made on first use. */
  pool(host: UpstreamHost): Http1Pool {
    const existing = this.#pools.get(host.key);
    if (existing) return existing;
    const config = this.#config;
    const family = config.dnsFamily;
    const tls = this.#tlsOptions;
    const socket = {
      host: host.address,
      port: host.port,
      ...(family !== 0 ? { family } : {}),
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: KEEP_ALIVE_MS,
      ...(tls ? { ...tls, ALPNProtocols: ["http/1.1"] } : {}),
    };
    const pool = new Http1Pool({
      socket,
      tls: tls !== undefined,
      // At least one: a max_connections of 0 would leave every request waiting (undici's pool read 0 as no limit).
      maxConnections: Math.max(1, Math.min(config.limits.maxConnections, MAX_POOL_CONNECTIONS)),
      keepAliveMs: KEEP_ALIVE_MS,
      // Route, per-try and idle timeouts are the core's (upstream-exchange.ts).
      connectTimeoutMs: config.connectTimeoutMs,
    });
    this.#pools.set(host.key, pool);
    return pool;
  }

  /** The HTTP/2 connection to `host` (prior knowledge; TLS when the cluster originates it), opened on first use and dropped when it ends. */
  http2Connection(host: UpstreamHost): Http2Connection {
    const existing = this.#sessions.get(host.key);
    if (existing?.usable) return existing;
    const family = this.#config.dnsFamily;
    const scheme = this.#tlsOptions ? "https" : "http";
    const options = { ...(family !== 0 ? { family } : {}), ...(this.#tlsOptions ?? {}) } as http2.SecureClientSessionOptions;
    const session = http2.connect(`${scheme}://${bracketed(host.address)}:${host.port}`, options);
    const connection = new Http2Connection(session, this.#config.connectTimeoutMs);
    const forget = () => {
      if (this.#sessions.get(host.key) === connection) this.#sessions.delete(host.key);
    };
    session.on("error", forget);
    session.on("close", forget);
    session.on("goaway", forget);
    session.unref();
    this.#sessions.set(host.key, connection);
    return connection;
  }

  /** Pools and sessions of the settings just replaced finish their requests; their idle connections go later. */
  #retire(): void {
    const pools = [...this.#pools.values()];
    const sessions = [...this.#sessions.values()];
    this.#pools = new Map();
    this.#sessions = new Map();
    for (const pool of pools) pool.close();
    for (const { session } of sessions) session.close();
    setTimeout(() => {
      for (const pool of pools) pool.destroy();
    }, RETIRE_AFTER_MS).unref();
  }

  /** The cluster left: in-flight requests finish on their connections; idle ones go. */
  close(): void {
    this.#retire();
  }
}
