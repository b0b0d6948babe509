// One cluster's hosts and the two things the router asks of them: which host takes the next attempt (round robin
// over the usable ones, Envoy's 50 % panic threshold, previous-host avoidance on retries) and what a failed
// attempt does to a host (outlier detection: consecutive 5xx, ejection for base_ejection_time × ejections, capped
// by max_ejection_time and max_ejection_percent).
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/panic_threshold
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier
import type { EndpointConfig, OutlierConfig } from "./config/cluster-config.js";

export interface UpstreamHost {
  /** `address:port`, stable across config updates: health and ejection state carry over. */
  readonly key: string;
  /** An IP, or a name the runtime resolves when it connects (LOGICAL_DNS, and DNS clusters where fetch resolves). */
  readonly address: string;
  readonly port: number;
  /** Where active health checks go when it differs from `port`. */
  healthCheckPort: number | undefined;
  /** From the EDS health status; written only by HostSet.setEndpoints. */
  edsHealthy: boolean;
  /** The active health check's verdict (true while the cluster has none); written only by the health checker. */
  activeHealthy: boolean;
  /** Epoch ms until which outlier detection ejects the host; 0 = not ejected. */
  ejectedUntil: number;
  /** How often the host has been ejected (the next ejection lasts that many base ejection times more). */
  ejections: number;
  /** Failed attempts in a row (5xx responses, connect failures, resets, timeouts). */
  consecutive5xx: number;
}

/** Envoy's healthy_panic_threshold default: below 50 % usable hosts, load goes to all hosts. */
const PANIC_THRESHOLD = 0.5;

export interface HostSetOptions {
  /** Epoch milliseconds (tests pass their own clock). */
  now?: () => number;
  /** Called when outlier detection ejects a host. */
  onEjected?: (host: UpstreamHost) => void;
}

export class HostSet {
  #hosts: UpstreamHost[] = [];
  #next = 0;
  #outlier: OutlierConfig | undefined;
  readonly #now: () => number;
  readonly #onEjected: (host: UpstreamHost) => void;

  constructor(options: HostSetOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#onEjected = options.onEjected ?? (() => {});
  }

  get all(): readonly UpstreamHost[] {
    return this.#hosts;
  }

  /** The cluster's outlier_detection (undefined: no ejection). */
  set outlier(outlier: OutlierConfig | undefined) {
    this.#outlier = outlier;
  }

  /** Replaces the endpoints; hosts that stay (same address:port) keep their health and ejection state. Returns the hosts that left. */
  setEndpoints(endpoints: readonly EndpointConfig[]): UpstreamHost[] {
    const previous = new Map(this.#hosts.map((host) => [host.key, host]));
    const hosts: UpstreamHost[] = [];
    const seen = new Set<string>();
    for (const endpoint of endpoints) {
      const key = `${endpoint.address}:${endpoint.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const host = previous.get(key) ?? {
        key,
        address: endpoint.address,
        port: endpoint.port,
        healthCheckPort: undefined,
        edsHealthy: true,
        activeHealthy: true,
        ejectedUntil: 0,
        ejections: 0,
        consecutive5xx: 0,
      };
      previous.delete(key);
      host.healthCheckPort = endpoint.healthCheckPort;
      host.edsHealthy = endpoint.healthy;
      hosts.push(host);
    }
    this.#hosts = hosts;
    return [...previous.values()];
  }

  #usable(host: UpstreamHost, now: number): boolean {
    if (host.ejectedUntil !== 0 && host.ejectedUntil <= now) host.ejectedUntil = 0;
    return host.edsHealthy && host.activeHealthy && host.ejectedUntil === 0;
  }

  /**
   * Round robin over the usable hosts (all hosts in panic mode), skipping `exclude` (previous_hosts) for up to
   * `attempts` selections, then any host not in `exclude`; undefined when the cluster has no hosts at all.
   */
  pick(exclude: ReadonlySet<string> | undefined, attempts = 1): UpstreamHost | undefined {
    const hosts = this.#hosts;
    if (hosts.length === 0) return undefined;
    const now = this.#now();
    let usable = hosts.filter((host) => this.#usable(host, now));
    if (usable.length < hosts.length * PANIC_THRESHOLD) usable = hosts;
    let chosen: UpstreamHost | undefined;
    for (let attempt = 0; attempt < Math.max(1, attempts); attempt++) {
      chosen = usable[this.#next++ % usable.length]!;
      if (!exclude?.has(chosen.key)) return chosen;
    }
    return usable.find((host) => !exclude?.has(host.key)) ?? chosen;
  }

  /**
   * Outlier detection after an attempt: a failure (5xx, connect failure, reset, timeout) counts toward
   * consecutive_5xx, anything else resets the count. Returns whether the host was ejected now.
   */
  recordOutcome(host: UpstreamHost, failed: boolean): boolean {
    if (!failed) {
      host.consecutive5xx = 0;
      return false;
    }
    host.consecutive5xx++;
    const outlier = this.#outlier;
    const now = this.#now();
    if (!outlier || host.consecutive5xx < outlier.consecutive5xx || host.ejectedUntil > now) return false;
    // max_ejection_percent, but Envoy always allows ejecting at least one host.
    const allowed = Math.max(1, Math.floor((this.#hosts.length * outlier.maxEjectionPercent) / 100));
    if (this.ejectedCount >= allowed) return false;
    host.ejections++;
    host.ejectedUntil = now + Math.min(outlier.baseEjectionMs * host.ejections, Math.max(outlier.baseEjectionMs, outlier.maxEjectionMs));
    host.consecutive5xx = 0;
    this.#onEjected(host);
    return true;
  }

  get ejectedCount(): number {
    const now = this.#now();
    let count = 0;
    for (const host of this.#hosts) if (host.ejectedUntil > now) count++;
    return count;
  }

  get healthyCount(): number {
    const now = this.#now();
    let count = 0;
    for (const host of this.#hosts) if (this.#usable(host, now)) count++;
    return count;
  }
}
