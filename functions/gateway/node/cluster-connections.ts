// One cluster's connections on Node: a keep-alive agent for HTTP/1.1 (an https.Agent when the cluster originates
// TLS), one HTTP/2 session per host for clusters that speak HTTP/2, and the TLS client options of its
// UpstreamTlsContext (SNI, client certificate, trusted CA, exact SAN matching). A change of settings, TLS material
// included (a rotated Secret), makes new ones; the old ones finish what they carry.
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import type { ConnectionOptions, PeerCertificate } from "node:tls";
import type { ClusterConfig, UpstreamHost, UpstreamTlsConfig } from "../core/index.js";
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
    options.checkServerIdentity = (_host: string, certificate: PeerCertificate) => {
      if (wanted.length === 0) return undefined;
      const names = (certificate.subjectaltname ?? "").split(/,\s*/).map((entry) => entry.replace(/^(DNS|URI|IP Address):/, ""));
      return wanted.some((name) => names.includes(name)) ? undefined : new Error(`server certificate has none of the SANs ${wanted.join(", ")}`);
    };
  }
  return options;
}

/** Idle keep-alive sockets and sessions of replaced settings linger this long for requests still using them. */
const RETIRE_AFTER_MS = 60_000;

export class ClusterConnections {
  readonly #readMaterial: MaterialReader;
  #config: ClusterConfig;
  #agent: http.Agent;
  #settings = "";
  #tlsOptions: ConnectionOptions | undefined;
  #tlsError: string | undefined;
  readonly #sessions = new Map<string, http2.ClientHttp2Session>();

  constructor(config: ClusterConfig, readMaterial: MaterialReader) {
    this.#config = config;
    this.#readMaterial = readMaterial;
    this.#agent = this.#createAgent(config);
  }

  get config(): ClusterConfig {
    return this.#config;
  }

  /** Keep-alive agent for HTTP/1.1 attempts. */
  get agent(): http.Agent {
    return this.#agent;
  }

  /** TLS options for this cluster's connections; undefined for plaintext. */
  get tlsOptions(): ConnectionOptions | undefined {
    return this.#tlsOptions;
  }

  /** Why the cluster's TLS material cannot be used (a Secret not yet received, an unreadable file). */
  get tlsError(): string | undefined {
    return this.#tlsError;
  }

  #tls(config: ClusterConfig): UpstreamTlsConfig | undefined {
    return config.tls && !("unsupported" in config.tls) ? config.tls : undefined;
  }

  /** Identifies the agent's settings, TLS material included. */
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
    return JSON.stringify([config.limits.maxConnections, tls ?? null, material]);
  }

  #createAgent(config: ClusterConfig): http.Agent {
    const tls = this.#tls(config);
    this.#settings = this.#settingsOf(config);
    this.#tlsError = undefined;
    this.#tlsOptions = undefined;
    if (tls) {
      try {
        this.#tlsOptions = upstreamTlsOptions(tls, this.#readMaterial);
      } catch (error) {
        this.#tlsError = error instanceof Error ? error.message : String(error);
      }
    }
    const common = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: Math.min(config.limits.maxConnections, 4096), maxFreeSockets: 256, scheduling: "lifo" as const };
    return this.#tlsOptions ? new https.Agent({ ...common, ...this.#tlsOptions }) : new http.Agent(common);
  }

  /** Follows a config change: new settings get a new agent and new sessions. */
  update(config: ClusterConfig): void {
    this.#config = config;
    if (this.#settingsOf(config) === this.#settings) return;
    const old = this.#agent;
    setTimeout(() => old.destroy(), RETIRE_AFTER_MS).unref();
    this.#agent = this.#createAgent(config);
    for (const session of this.#sessions.values()) session.close();
    this.#sessions.clear();
  }

  /** The HTTP/2 session to `host` (prior knowledge; TLS when the cluster originates it), opened on first use and dropped when it ends. */
  http2Session(host: UpstreamHost): http2.ClientHttp2Session {
    const existing = this.#sessions.get(host.key);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const address = host.address.includes(":") ? `[${host.address}]` : host.address;
    const family = this.#config.dnsFamily;
    const scheme = this.#tlsOptions ? "https" : "http";
    const options = { ...(family !== 0 ? { family } : {}), ...(this.#tlsOptions ?? {}) } as http2.SecureClientSessionOptions;
    const session = http2.connect(`${scheme}://${address}:${host.port}`, options);
    const forget = () => {
      if (this.#sessions.get(host.key) === session) this.#sessions.delete(host.key);
    };
    session.on("error", forget);
    session.on("close", forget);
    session.on("goaway", forget);
    session.unref();
    this.#sessions.set(host.key, session);
    return session;
  }

  /** The cluster left: in-flight requests finish on their sockets; idle keep-alive sockets and sessions go later. */
  close(): void {
    setTimeout(() => {
      this.#agent.destroy();
      for (const session of this.#sessions.values()) session.close();
    }, RETIRE_AFTER_MS).unref();
  }
}
