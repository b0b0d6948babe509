// One cluster's upstream hosts: round robin over the healthy ones (Envoy's panic threshold of 50 % spreads load
// over all hosts when too few are healthy), outlier ejection on consecutive 5xx / connect failures, active HTTP,
// gRPC and TCP health checks, DNS resolution for STRICT_DNS clusters, the circuit-breaker counters, keep-alive
// agents (TLS ones for clusters with an UpstreamTlsContext) and HTTP/2 sessions.
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import type { ConnectionOptions, PeerCertificate } from "node:tls";
import type { UpstreamTlsConfig } from "../config/tls-config.js";
import type { MaterialReader } from "../tls-material.js";
import { lookup } from "node:dns/promises";
import type { ClusterConfig, EndpointConfig } from "../config/cluster-config.js";
import { runHealthCheck } from "./health-check.js";

export interface UpstreamHost {
  /** `address:port`, stable across config updates (health and ejection state carry over). */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  healthCheckPort: number | undefined;
  /** From EDS health status. */
  edsHealthy: boolean;
  /** Active health check verdict (true until a check fails). */
  activeHealthy: boolean;
  /** Epoch ms until which the host is ejected (0 = not ejected). */
  ejectedUntil: number;
  ejections: number;
  consecutive5xx: number;
  hcSuccesses: number;
  hcFailures: number;
  hcTimer: NodeJS.Timeout | null;
}

/** Counters the pool reports into (the gateway's metrics). */
export interface PoolEvents {
  ejected(cluster: string, host: string): void;
  healthCheck(cluster: string, ok: boolean): void;
  /** Reads TLS material (files, inline PEMs, Secrets over ADS). */
  readMaterial: MaterialReader;
}

const PANIC_THRESHOLD = 0.5;

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

export class UpstreamPool {
  #config: ClusterConfig;
  #hosts: UpstreamHost[] = [];
  #next = 0;
  #closed = false;
  #dnsTimer: NodeJS.Timeout | null = null;
  readonly #events: PoolEvents;
  /** Requests in flight (circuit breaker max_requests / max_connections + max_pending_requests). */
  active = 0;
  /** Retries in flight (circuit breaker max_retries). */
  activeRetries = 0;
  #agent: http.Agent;
  #agentKey: string;
  #tlsOptions: ConnectionOptions | undefined;
  #tlsError: string | undefined;
  readonly #sessions = new Map<string, http2.ClientHttp2Session>();

  constructor(config: ClusterConfig, events: PoolEvents) {
    this.#config = config;
    this.#events = events;
    this.#agentKey = "";
    this.#agent = this.#createAgent(config);
    this.update(config);
  }

  get config(): ClusterConfig {
    return this.#config;
  }

  /** Keep-alive agent for HTTP/1.1 attempts (an https.Agent when the cluster originates TLS). */
  get agent(): http.Agent {
    return this.#agent;
  }

  /** Why the cluster's TLS material cannot be used (a Secret not yet received, an unreadable file). */
  get tlsError(): string | undefined {
    return this.#tlsError;
  }

  /** TLS options for this cluster's connections; undefined for plaintext. */
  get tlsOptions(): ConnectionOptions | undefined {
    return this.#tlsOptions;
  }

  /** Identifies the agent's settings, TLS material included (a rotated Secret makes a new agent). */
  #settingsKey(config: ClusterConfig): string {
    const tls = config.tls && !("unsupported" in config.tls) ? config.tls : undefined;
    let material: unknown = null;
    if (tls) {
      try {
        material = upstreamTlsOptions(tls, this.#events.readMaterial);
      } catch (error) {
        material = String(error);
      }
    }
    return JSON.stringify([config.limits.maxConnections, tls ?? null, material]);
  }

  #createAgent(config: ClusterConfig): http.Agent {
    const tls = config.tls && !("unsupported" in config.tls) ? config.tls : undefined;
    this.#agentKey = this.#settingsKey(config);
    this.#tlsError = undefined;
    this.#tlsOptions = undefined;
    if (tls) {
      try {
        this.#tlsOptions = upstreamTlsOptions(tls, this.#events.readMaterial);
      } catch (error) {
        this.#tlsError = error instanceof Error ? error.message : String(error);
      }
    }
    const common = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: Math.min(config.limits.maxConnections, 4096), maxFreeSockets: 256, scheduling: "lifo" as const };
    return this.#tlsOptions ? new https.Agent({ ...common, ...this.#tlsOptions }) : new http.Agent(common);
  }

  get hosts(): readonly UpstreamHost[] {
    return this.#hosts;
  }

  /** Applies a new Cluster/ClusterLoadAssignment; hosts that stay keep their health and ejection state. */
  update(config: ClusterConfig): void {
    this.#config = config;
    if (this.#settingsKey(config) !== this.#agentKey) {
      const old = this.#agent;
      setTimeout(() => old.destroy(), 60_000).unref();
      this.#agent = this.#createAgent(config);
      for (const session of this.#sessions.values()) session.close();
      this.#sessions.clear();
    }
    if (this.#dnsTimer) clearTimeout(this.#dnsTimer);
    this.#dnsTimer = null;
    if (config.type === "STRICT_DNS") {
      void this.#resolve();
      return;
    }
    this.#setHosts(config.endpoints);
  }

  async #resolve(): Promise<void> {
    const resolved: EndpointConfig[] = [];
    for (const endpoint of this.#config.endpoints) {
      try {
        const addresses = await lookup(endpoint.address, { all: true, family: this.#config.dnsFamily });
        for (const { address } of addresses) resolved.push({ ...endpoint, address });
      } catch {
        // Keep the previous resolution for this name (Envoy keeps hosts on DNS failure).
        resolved.push(...this.#hosts.filter((h) => h.port === endpoint.port).map((h) => ({ ...endpoint, address: h.address })));
      }
    }
    if (this.#closed) return;
    this.#setHosts(resolved);
    this.#dnsTimer = setTimeout(() => void this.#resolve(), this.#config.dnsRefreshMs);
    this.#dnsTimer.unref();
  }

  #setHosts(endpoints: readonly EndpointConfig[]): void {
    const previous = new Map(this.#hosts.map((host) => [host.key, host]));
    const hosts: UpstreamHost[] = [];
    for (const endpoint of endpoints) {
      const key = `${endpoint.address}:${endpoint.port}`;
      if (hosts.some((h) => h.key === key)) continue;
      const kept = previous.get(key);
      previous.delete(key);
      const host: UpstreamHost = kept ?? {
        key,
        address: endpoint.address,
        port: endpoint.port,
        healthCheckPort: undefined,
        edsHealthy: true,
        activeHealthy: true,
        ejectedUntil: 0,
        ejections: 0,
        consecutive5xx: 0,
        hcSuccesses: 0,
        hcFailures: 0,
        hcTimer: null,
      };
      host.healthCheckPort = endpoint.healthCheckPort;
      host.edsHealthy = endpoint.healthy;
      hosts.push(host);
    }
    for (const gone of previous.values()) if (gone.hcTimer) clearTimeout(gone.hcTimer);
    this.#hosts = hosts;
    for (const host of hosts) this.#scheduleHealthCheck(host, host.hcTimer === null ? 0 : -1);
  }

  #scheduleHealthCheck(host: UpstreamHost, delayMs: number): void {
    const check = this.#config.healthCheck;
    if (!check) {
      if (host.hcTimer) clearTimeout(host.hcTimer);
      host.hcTimer = null;
      host.activeHealthy = true;
      return;
    }
    if (delayMs < 0) return;
    host.hcTimer = setTimeout(async () => {
      if (this.#closed || !this.#hosts.includes(host)) return;
      const ok = await runHealthCheck(host.address, host.healthCheckPort ?? host.port, check);
      this.#events.healthCheck(this.#config.name, ok);
      if (ok) {
        host.hcFailures = 0;
        host.hcSuccesses++;
        if (!host.activeHealthy && host.hcSuccesses >= check.healthyThreshold) host.activeHealthy = true;
      } else {
        host.hcSuccesses = 0;
        host.hcFailures++;
        // A host not yet confirmed healthy fails on its first failed check (Envoy starts hosts as unhealthy).
        if (host.hcFailures >= check.unhealthyThreshold || host.hcFailures === 1) host.activeHealthy = false;
      }
      this.#scheduleHealthCheck(host, check.intervalMs);
    }, delayMs);
    host.hcTimer.unref();
  }

  #usable(host: UpstreamHost, now: number): boolean {
    if (host.ejectedUntil !== 0 && host.ejectedUntil <= now) host.ejectedUntil = 0;
    return host.edsHealthy && host.activeHealthy && host.ejectedUntil === 0;
  }

  /**
   * Round robin over usable hosts (all hosts in panic mode), skipping `exclude` (previous_hosts) for up to
   * `attempts` selections; undefined when the cluster has no hosts at all.
   */
  pick(exclude: ReadonlySet<string> | undefined, attempts = 1): UpstreamHost | undefined {
    const hosts = this.#hosts;
    if (hosts.length === 0) return undefined;
    const now = Date.now();
    let usable = hosts.filter((host) => this.#usable(host, now));
    if (usable.length < hosts.length * PANIC_THRESHOLD) usable = hosts;
    let chosen: UpstreamHost | undefined;
    for (let attempt = 0; attempt < Math.max(1, attempts); attempt++) {
      chosen = usable[this.#next++ % usable.length]!;
      if (!exclude?.has(chosen.key)) return chosen;
    }
    const fresh = usable.find((host) => !exclude?.has(host.key));
    return fresh ?? chosen;
  }

  /** Outlier detection: a 5xx or a connection failure counts toward consecutive_5xx; anything else resets it. */
  recordOutcome(host: UpstreamHost, failed: boolean): void {
    if (!failed) {
      host.consecutive5xx = 0;
      return;
    }
    host.consecutive5xx++;
    const outlier = this.#config.outlier;
    if (!outlier || host.consecutive5xx < outlier.consecutive5xx || host.ejectedUntil > Date.now()) return;
    const now = Date.now();
    const ejected = this.#hosts.filter((h) => h.ejectedUntil > now).length;
    // max_ejection_percent, but Envoy always allows ejecting at least one host.
    const allowed = Math.max(1, Math.floor((this.#hosts.length * outlier.maxEjectionPercent) / 100));
    if (ejected >= allowed) return;
    host.ejections++;
    host.ejectedUntil = now + outlier.baseEjectionMs * host.ejections;
    host.consecutive5xx = 0;
    this.#events.ejected(this.#config.name, host.key);
  }

  /** The HTTP/2 session to `host` (prior knowledge, cleartext), opened on first use and dropped when it ends. */
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

  get ejectedCount(): number {
    const now = Date.now();
    return this.#hosts.filter((h) => h.ejectedUntil > now).length;
  }

  get healthyCount(): number {
    const now = Date.now();
    return this.#hosts.filter((h) => this.#usable(h, now)).length;
  }

  close(): void {
    this.#closed = true;
    if (this.#dnsTimer) clearTimeout(this.#dnsTimer);
    for (const host of this.#hosts) if (host.hcTimer) clearTimeout(host.hcTimer);
    // Let in-flight requests finish on their sockets; idle keep-alive sockets go now.
    setTimeout(() => {
      this.#agent.destroy();
      for (const session of this.#sessions.values()) session.close();
    }, 60_000).unref();
  }
}
