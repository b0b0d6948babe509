// A cluster's hosts for the Worker build: round robin, previous-host avoidance, and passive outlier ejection
// (consecutive failures) within one isolate. No active health checks or DNS resolution: fetch resolves names.
import type { ClusterConfig, EndpointConfig } from "../config/cluster-config.js";

export interface FetchHost {
  readonly key: string;
  /** `http://address:port` */
  readonly origin: string;
  consecutive5xx: number;
  ejectedUntil: number;
  ejections: number;
}

const PANIC_THRESHOLD = 0.5;

const origin = (endpoint: EndpointConfig): string => `http://${endpoint.address.includes(":") ? `[${endpoint.address}]` : endpoint.address}:${endpoint.port}`;

export class FetchPool {
  #config: ClusterConfig;
  #hosts: FetchHost[] = [];
  #next = 0;

  constructor(config: ClusterConfig) {
    this.#config = config;
    this.update(config);
  }

  get config(): ClusterConfig {
    return this.#config;
  }

  update(config: ClusterConfig): void {
    this.#config = config;
    const previous = new Map(this.#hosts.map((host) => [host.key, host]));
    this.#hosts = config.endpoints
      .filter((endpoint) => endpoint.healthy)
      .map((endpoint) => {
        const key = `${endpoint.address}:${endpoint.port}`;
        return previous.get(key) ?? { key, origin: origin(endpoint), consecutive5xx: 0, ejectedUntil: 0, ejections: 0 };
      });
  }

  pick(exclude: ReadonlySet<string>): FetchHost | undefined {
    if (this.#hosts.length === 0) return undefined;
    const now = Date.now();
    let usable = this.#hosts.filter((host) => host.ejectedUntil <= now);
    if (usable.length < this.#hosts.length * PANIC_THRESHOLD) usable = this.#hosts;
    for (let attempt = 0; attempt < usable.length; attempt++) {
      const host = usable[this.#next++ % usable.length]!;
      if (!exclude.has(host.key)) return host;
    }
    return usable[this.#next++ % usable.length];
  }

  recordOutcome(host: FetchHost, failed: boolean): void {
    if (!failed) {
      host.consecutive5xx = 0;
      return;
    }
    host.consecutive5xx++;
    const outlier = this.#config.outlier;
    if (!outlier || host.consecutive5xx < outlier.consecutive5xx) return;
    const now = Date.now();
    const ejected = this.#hosts.filter((h) => h.ejectedUntil > now).length;
    if (ejected >= Math.max(1, Math.floor((this.#hosts.length * outlier.maxEjectionPercent) / 100))) return;
    host.ejections++;
    host.ejectedUntil = now + outlier.baseEjectionMs * host.ejections;
    host.consecutive5xx = 0;
  }
}
