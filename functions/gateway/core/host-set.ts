// One cluster's hosts and the two things the router asks of them: which host takes the next attempt (the priority
// and locality first, by health and weight; then the usable hosts there, all of them under Envoy's 50 % panic
// threshold; then the cluster's load balancer, load-balancer.ts, with previous-host avoidance on retries) and what a
// failed attempt does to a host (outlier detection: consecutive 5xx, ejection for base_ejection_time × ejections,
// capped by max_ejection_time and max_ejection_percent).
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/panic_threshold
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/priority
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/locality_weight
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier
import type { EndpointConfig, LoadBalancerConfig, OutlierConfig } from "./config/cluster-config.js";
import { LoadBalancer } from "./load-balancer.js";

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
  /** Its locality (zone, weight) and priority, from the endpoint. */
  zone: string;
  localityWeight: number;
  priority: number;
  /** Attempts in flight to it (least request); counted by the exchange. */
  activeRequests: number;
}

/** Envoy's overprovisioning factor: a priority keeps all the load until fewer than 1/1.4 of its hosts are healthy. */
const OVERPROVISIONING = 1.4;

const ROUND_ROBIN: LoadBalancerConfig = { policy: "ROUND_ROBIN", minimumRingSize: 1024, maximumRingSize: 8_388_608, choiceCount: 2, localityWeighted: false };

/** Envoy's healthy_panic_threshold default: below 50 % usable hosts, load goes to all hosts. */
const PANIC_THRESHOLD = 0.5;

export interface HostSetOptions {
  /** Epoch milliseconds (tests pass their own clock). */
  now?: () => number;
  /** Called when outlier detection ejects a host. */
  onEjected?: (host: UpstreamHost) => void;
  /** [0, 1) for random picks and priority and locality choices; Math.random by default. */
  random?: () => number;
}

const anyHost = (): boolean => true;

export class HostSet {
  #hosts: UpstreamHost[] = [];
  /** The hosts' distinct priorities, ascending (kept with the hosts: most clusters have one, and a pick then skips priority load). */
  #priorities: readonly number[] = [];
  #outlier: OutlierConfig | undefined;
  readonly #balancer: LoadBalancer;
  #lbConfig: LoadBalancerConfig = ROUND_ROBIN;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #onEjected: (host: UpstreamHost) => void;

  constructor(options: HostSetOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#onEjected = options.onEjected ?? (() => {});
    this.#random = options.random ?? Math.random;
    this.#balancer = new LoadBalancer(ROUND_ROBIN, this.#random);
  }

  /** The cluster's load balancer (lb_policy and its options). */
  set loadBalancer(config: LoadBalancerConfig) {
    this.#lbConfig = config;
    this.#balancer.config = config;
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
        zone: endpoint.zone,
        localityWeight: endpoint.localityWeight,
        priority: endpoint.priority,
        activeRequests: 0,
      };
      previous.delete(key);
      host.healthCheckPort = endpoint.healthCheckPort;
      host.edsHealthy = endpoint.healthy;
      host.zone = endpoint.zone;
      host.localityWeight = endpoint.localityWeight;
      host.priority = endpoint.priority;
      hosts.push(host);
    }
    this.#hosts = hosts;
    this.#priorities = [...new Set(hosts.map((host) => host.priority))].sort((a, b) => a - b);
    return [...previous.values()];
  }

  #usable(host: UpstreamHost, now: number): boolean {
    if (host.ejectedUntil !== 0 && host.ejectedUntil <= now) host.ejectedUntil = 0;
    return host.edsHealthy && host.activeHealthy && host.ejectedUntil === 0;
  }

  /** A weighted random choice among `weights` (all ≥ 0); the last index when they are all 0. */
  #weighted(weights: readonly number[]): number {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let point = this.#random() * total;
    for (let i = 0; i < weights.length; i++) {
      point -= weights[i]!;
      if (point < 0) return i;
    }
    return weights.length - 1;
  }

  /**
   * The hosts this pick chooses among: a priority by Envoy's priority load (a priority takes all the load while at
   * least 1/1.4 of its hosts are usable, and spills the rest to the next), a locality by weight × usable share when
   * the cluster weighs localities, then the usable hosts there (all of them below 50 % usable: panic).
   */
  #pool(now: number): UpstreamHost[] {
    const hosts = this.#hosts;
    const priorities = this.#priorities;
    let level = hosts;
    if (priorities.length > 1) {
      const groups = priorities.map((priority) => hosts.filter((host) => host.priority === priority));
      let remaining = 1;
      const loads = groups.map((group) => {
        const health = Math.min(1, (group.filter((host) => this.#usable(host, now)).length / group.length) * OVERPROVISIONING);
        const load = Math.min(remaining, health);
        remaining -= load;
        return load;
      });
      level = loads.every((load) => load === 0) ? groups[0]! : groups[this.#weighted(loads)]!;
    }
    if (this.#lbConfig.localityWeighted) {
      const zones = [...new Set(level.map((host) => host.zone))];
      if (zones.length > 1) {
        const byZone = zones.map((zone) => level.filter((host) => host.zone === zone));
        const weights = byZone.map((group) => group[0]!.localityWeight * (group.filter((host) => this.#usable(host, now)).length / group.length));
        if (weights.some((weight) => weight > 0)) level = byZone[this.#weighted(weights)]!;
      }
    }
    // Counted first, so that the common case (every host usable) allocates nothing.
    let usableCount = 0;
    for (let i = 0; i < level.length; i++) if (this.#usable(level[i]!, now)) usableCount++;
    if (usableCount === level.length || usableCount < level.length * PANIC_THRESHOLD) return level;
    return level.filter((host) => this.#usable(host, now));
  }

  /**
   * The host for the next attempt, skipping `exclude` (previous_hosts) for up to `attempts` selections, then any
   * host not in `exclude`; `hash` is the request's hash for RING_HASH and MAGLEV. Undefined when the cluster has no
   * hosts at all.
   */
  pick(exclude: ReadonlySet<string> | undefined, attempts = 1, hash?: number): UpstreamHost | undefined {
    if (this.#hosts.length === 0) return undefined;
    const now = this.#now();
    const pool = this.#pool(now);
    // Only consistent hashing asks whether a host off the pool may take the request.
    const usable = this.#balancer.hashing && hash !== undefined ? (host: UpstreamHost) => this.#usable(host, now) || pool.includes(host) : anyHost;
    return this.#balancer.pick(pool, this.#hosts, usable, exclude, attempts, hash);
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
