// One cluster as the gateway runs it: its parsed config, its hosts (selection and outlier ejection: HostSet), the
// circuit-breaker counters, STRICT_DNS re-resolution and the active health-check schedule. It lives across
// snapshots: a config update changes it in place, so host state and in-flight counts carry over.
import type { ClusterConfig, EndpointConfig } from "./config/cluster-config.js";
import { ActiveHealthChecks } from "./active-health-checks.js";
import { HostSet, type UpstreamHost } from "./host-set.js";
import { unrefTimer } from "./timers.js";
import type { UpstreamObserver, UpstreamTransport } from "./upstream-transport.js";

export interface UpstreamClusterDependencies {
  transport: UpstreamTransport;
  observer: UpstreamObserver;
  /** Epoch milliseconds; Date.now by default. */
  now?: () => number;
}

export class UpstreamCluster {
  #config: ClusterConfig;
  readonly #hosts: HostSet;
  readonly #healthChecks: ActiveHealthChecks;
  readonly #transport: UpstreamTransport;
  #dnsTimer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  /** Requests in flight: circuit breakers max_requests and max_connections + max_pending_requests. Counted by the exchange. */
  active = 0;
  /** Retries in flight: circuit breaker max_retries. Counted by the exchange. */
  activeRetries = 0;

  constructor(config: ClusterConfig, dependencies: UpstreamClusterDependencies) {
    this.#config = config;
    this.#transport = dependencies.transport;
    const { observer } = dependencies;
    this.#hosts = new HostSet({ ...(dependencies.now ? { now: dependencies.now } : {}), onEjected: (host) => observer.hostEjected(this.#config.name, host.key) });
    const probe = dependencies.transport.checkHealth;
    this.#healthChecks = new ActiveHealthChecks(probe ? (host, check) => probe(host, check) : undefined, (healthy) => observer.healthChecked(this.#config.name, healthy));
    this.update(config);
  }

  get name(): string {
    return this.#config.name;
  }

  get config(): ClusterConfig {
    return this.#config;
  }

  get hosts(): readonly UpstreamHost[] {
    return this.#hosts.all;
  }

  get healthyCount(): number {
    return this.#hosts.healthyCount;
  }

  get ejectedCount(): number {
    return this.#hosts.ejectedCount;
  }

  /** Applies a new Cluster (and ClusterLoadAssignment); hosts that stay keep their health and ejection state. */
  update(config: ClusterConfig): void {
    this.#config = config;
    this.#hosts.outlier = config.outlier;
    this.#hosts.loadBalancer = config.lb;
    this.#transport.clusterChanged(this, false);
    if (this.#dnsTimer) clearTimeout(this.#dnsTimer);
    this.#dnsTimer = null;
    if (config.type === "STRICT_DNS" && this.#transport.resolve) void this.#resolve(this.#transport.resolve);
    else this.#setEndpoints(config.endpoints);
  }

  /** Re-resolves every hostname each dns_refresh_rate; a failed lookup keeps that name's previous addresses, as Envoy does. */
  async #resolve(resolve: NonNullable<UpstreamTransport["resolve"]>): Promise<void> {
    const config = this.#config;
    const resolved: EndpointConfig[] = [];
    for (const endpoint of config.endpoints) {
      try {
        for (const address of await resolve(endpoint.address, config.dnsFamily)) resolved.push({ ...endpoint, address });
      } catch {
        resolved.push(...this.#hosts.all.filter((host) => host.port === endpoint.port).map((host) => ({ ...endpoint, address: host.address })));
      }
    }
    if (this.#closed || config !== this.#config) return;
    this.#setEndpoints(resolved);
    this.#dnsTimer = unrefTimer(setTimeout(() => void this.#resolve(resolve), config.dnsRefreshMs));
  }

  #setEndpoints(endpoints: readonly EndpointConfig[]): void {
    this.#hosts.setEndpoints(endpoints);
    this.#healthChecks.sync(this.#hosts.all, this.#config.healthCheck);
  }

  /** See HostSet.pick. */
  pick(exclude: ReadonlySet<string> | undefined, attempts = 1, hash?: number): UpstreamHost | undefined {
    return this.#hosts.pick(exclude, attempts, hash);
  }

  /** See HostSet.recordOutcome. */
  recordOutcome(host: UpstreamHost, failed: boolean): void {
    this.#hosts.recordOutcome(host, failed);
  }

  /** Whether circuit breakers refuse one more request (max_requests, or max_connections + max_pending_requests). */
  get overflowing(): boolean {
    const limits = this.#config.limits;
    return this.active >= limits.maxRequests || this.active >= limits.maxConnections + limits.maxPendingRequests;
  }

  /** The cluster left the config: schedules stop; in-flight requests finish on their connections. */
  close(): void {
    this.#closed = true;
    if (this.#dnsTimer) clearTimeout(this.#dnsTimer);
    this.#healthChecks.close();
    this.#transport.clusterChanged(this, true);
  }
}
