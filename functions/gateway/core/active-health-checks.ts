// The schedule and verdicts of a cluster's active health check (Envoy's health_checks): each host is probed every
// interval through the runtime's probe; healthy_threshold passes in a row make an unhealthy host healthy again,
// unhealthy_threshold failures make a healthy one unhealthy, and a host not yet confirmed fails on its first
// failed probe (Envoy starts hosts unhealthy until a check passes; here they take traffic from the start).
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/health_checking
import type { HealthCheckConfig } from "./config/cluster-config.js";
import type { UpstreamHost } from "./host-set.js";
import { unrefTimer } from "./timers.js";

interface HostProbe {
  successes: number;
  failures: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export type HealthProbe = (host: UpstreamHost, check: HealthCheckConfig) => Promise<boolean>;

export class ActiveHealthChecks {
  readonly #probe: HealthProbe | undefined;
  readonly #onResult: (healthy: boolean) => void;
  readonly #probes = new Map<UpstreamHost, HostProbe>();
  #check: HealthCheckConfig | undefined;
  #closed = false;

  /** `probe` undefined: the runtime cannot probe; hosts then stay healthy as far as active checks go. */
  constructor(probe: HealthProbe | undefined, onResult: (healthy: boolean) => void) {
    this.#probe = probe;
    this.#onResult = onResult;
  }

  /** Follows the cluster's current hosts and check: new hosts are probed at once, removed ones stop. */
  sync(hosts: readonly UpstreamHost[], check: HealthCheckConfig | undefined): void {
    this.#check = check;
    const current = new Set(hosts);
    for (const [host, probe] of this.#probes) {
      if (current.has(host) && check) continue;
      if (probe.timer) clearTimeout(probe.timer);
      this.#probes.delete(host);
    }
    for (const host of hosts) {
      if (!check || !this.#probe) {
        host.activeHealthy = true;
        continue;
      }
      if (this.#probes.has(host)) continue;
      const probe: HostProbe = { successes: 0, failures: 0, timer: null };
      this.#probes.set(host, probe);
      this.#schedule(host, probe, 0);
    }
  }

  #schedule(host: UpstreamHost, probe: HostProbe, delayMs: number): void {
    probe.timer = unrefTimer(
      setTimeout(async () => {
        const check = this.#check;
        if (this.#closed || !check || this.#probes.get(host) !== probe) return;
        const healthy = await this.#probe!(host, check);
        if (this.#closed || this.#probes.get(host) !== probe) return;
        this.#onResult(healthy);
        if (healthy) {
          probe.failures = 0;
          probe.successes++;
          if (!host.activeHealthy && probe.successes >= check.healthyThreshold) host.activeHealthy = true;
        } else {
          probe.successes = 0;
          probe.failures++;
          if (probe.failures >= check.unhealthyThreshold || probe.failures === 1) host.activeHealthy = false;
        }
        this.#schedule(host, probe, check.intervalMs);
      }, delayMs),
    );
  }

  close(): void {
    this.#closed = true;
    for (const probe of this.#probes.values()) if (probe.timer) clearTimeout(probe.timer);
    this.#probes.clear();
  }
}
