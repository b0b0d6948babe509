// The gateway's Prometheus metrics, named like Envoy's `/stats/prometheus` output where Envoy has the stat
// (envoy_cluster_upstream_rq, envoy_cluster_upstream_rq_time, envoy_control_plane_connected_state,
// envoy_listener_manager_lds_update_success, …) plus meshplane_gateway_requests_total by route, cluster and status.
import type { UpstreamObserver } from "../core/index.js";

type Labels = Readonly<Record<string, string>>;

const escapeValue = (value: string): string => (/[\\"\n]/.test(value) ? value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : value);

/** Label names in the order the caller wrote them: every call site of one metric passes them in one fixed order. */
function labelKey(labels: Labels): string {
  let key = "";
  for (const name in labels) key += `${key ? "," : ""}${name}="${escapeValue(labels[name]!)}"`;
  return key;
}

class Counter {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" = "counter",
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  set(labels: Labels, value: number): void {
    this.#values.set(labelKey(labels), value);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [key, value] of this.#values) lines.push(`${this.name}${key ? `{${key}}` : ""} ${value}`);
    return lines.join("\n");
  }
}

/** Envoy's histogram buckets (milliseconds). */
const BUCKETS_MS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

class Histogram {
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  observe(labels: Labels, valueMs: number): void {
    const key = labelKey(labels);
    let series = this.#series.get(key);
    if (!series) this.#series.set(key, (series = { counts: BUCKETS_MS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS_MS.length; i++) if (valueMs <= BUCKETS_MS[i]!) series.counts[i]!++;
    series.sum += valueMs;
    series.count++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, series] of this.#series) {
      const prefix = key ? `${key},` : "";
      BUCKETS_MS.forEach((bound, i) => lines.push(`${this.name}_bucket{${prefix}le="${bound}"} ${series.counts[i]}`));
      lines.push(`${this.name}_bucket{${prefix}le="+Inf"} ${series.count}`);
      lines.push(`${this.name}_sum${key ? `{${key}}` : ""} ${series.sum}`);
      lines.push(`${this.name}_count${key ? `{${key}}` : ""} ${series.count}`);
    }
    return lines.join("\n");
  }
}

/** Every metric the gateway exports. */
export class GatewayMetrics {
  readonly requests = new Counter("meshplane_gateway_requests_total", "Downstream requests by listener, route, cluster, status and response flags.");
  readonly downstreamRq = new Counter("envoy_http_downstream_rq_total", "Downstream requests by connection manager stat prefix.");
  readonly downstreamRqXx = new Counter("envoy_http_downstream_rq_xx", "Downstream responses by code class.");
  readonly upstreamRq = new Counter("envoy_cluster_upstream_rq", "Upstream responses by cluster and code.");
  readonly upstreamRqTotal = new Counter("envoy_cluster_upstream_rq_total", "Upstream requests (attempts) by cluster.");
  readonly upstreamRqRetry = new Counter("envoy_cluster_upstream_rq_retry", "Retries by cluster.");
  readonly upstreamRqTimeout = new Counter("envoy_cluster_upstream_rq_timeout", "Upstream requests that timed out, by cluster.");
  readonly upstreamCxConnectFail = new Counter("envoy_cluster_upstream_cx_connect_fail", "Upstream connection failures by cluster.");
  readonly upstreamRqPendingOverflow = new Counter("envoy_cluster_upstream_rq_pending_overflow", "Requests refused by circuit breakers, by cluster.");
  readonly outlierEjections = new Counter("envoy_cluster_outlier_detection_ejections_enforced_total", "Outlier ejections by cluster.");
  readonly healthCheckSuccess = new Counter("envoy_cluster_health_check_success", "Active health checks passed, by cluster.");
  readonly healthCheckFailure = new Counter("envoy_cluster_health_check_failure", "Active health checks failed, by cluster.");
  readonly upstreamRqTime = new Histogram("envoy_cluster_upstream_rq_time", "Upstream request time until response headers (ms), by cluster.");
  readonly connectedState = new Counter("envoy_control_plane_connected_state", "1 while the ADS stream to meshplane is up.", "gauge");
  readonly updateSuccess = new Counter("meshplane_gateway_xds_update_success", "Accepted xDS updates by type.");
  readonly updateRejected = new Counter("meshplane_gateway_xds_update_rejected", "Rejected (NACKed) xDS updates by type.");
  /** Envoy's per-manager names for the same events. */
  readonly envoyUpdateSuccess = {
    listener: new Counter("envoy_listener_manager_lds_update_success", "LDS updates accepted."),
    cluster: new Counter("envoy_cluster_manager_cds_update_success", "CDS updates accepted."),
    route: new Counter("envoy_http_rds_update_success", "RDS updates accepted, by route configuration."),
    endpoint: new Counter("envoy_cluster_eds_update_success", "EDS updates accepted."),
  };
  readonly envoyUpdateRejected = {
    listener: new Counter("envoy_listener_manager_lds_update_rejected", "LDS updates rejected."),
    cluster: new Counter("envoy_cluster_manager_cds_update_rejected", "CDS updates rejected."),
    route: new Counter("envoy_http_rds_update_rejected", "RDS updates rejected."),
    endpoint: new Counter("envoy_cluster_eds_update_rejected", "EDS updates rejected."),
  };
  readonly membershipHealthy = new Counter("envoy_cluster_membership_healthy", "Healthy hosts by cluster.", "gauge");
  readonly membershipTotal = new Counter("envoy_cluster_membership_total", "Hosts by cluster.", "gauge");
  readonly ejectionsActive = new Counter("envoy_cluster_outlier_detection_ejections_active", "Hosts ejected now, by cluster.", "gauge");
  readonly activeRequests = new Counter("envoy_cluster_upstream_rq_active", "Requests in flight, by cluster.", "gauge");

  /** Refreshes gauges that are read from live state just before rendering. */
  beforeRender: () => void = () => {};

  constructor() {
    this.connectedState.set({}, 0);
  }

  render(): string {
    this.beforeRender();
    const all = [
      this.requests,
      this.downstreamRq,
      this.downstreamRqXx,
      this.upstreamRq,
      this.upstreamRqTotal,
      this.upstreamRqRetry,
      this.upstreamRqTimeout,
      this.upstreamCxConnectFail,
      this.upstreamRqPendingOverflow,
      this.outlierEjections,
      this.healthCheckSuccess,
      this.healthCheckFailure,
      this.upstreamRqTime,
      this.connectedState,
      this.updateSuccess,
      this.updateRejected,
      ...Object.values(this.envoyUpdateSuccess),
      ...Object.values(this.envoyUpdateRejected),
      this.membershipHealthy,
      this.membershipTotal,
      this.ejectionsActive,
      this.activeRequests,
    ];
    return `${all.map((metric) => metric.render()).join("\n")}\n`;
  }
}

/** The core's upstream events counted under Envoy's cluster stat names. */
export function createUpstreamObserver(metrics: GatewayMetrics): UpstreamObserver {
  const cluster = (name: string) => ({ envoy_cluster_name: name });
  return {
    attemptStarted: (name) => metrics.upstreamRqTotal.inc(cluster(name)),
    responseReceived(name, status, upstreamMs) {
      metrics.upstreamRq.inc({ envoy_cluster_name: name, envoy_response_code: String(status) });
      metrics.upstreamRqTime.observe(cluster(name), upstreamMs);
    },
    attemptFailed(name, failure) {
      if (failure === "connect-failure") metrics.upstreamCxConnectFail.inc(cluster(name));
      else if (failure === "timeout") metrics.upstreamRqTimeout.inc(cluster(name));
    },
    retried: (name) => metrics.upstreamRqRetry.inc(cluster(name)),
    routeTimedOut: (name) => metrics.upstreamRqTimeout.inc(cluster(name)),
    overflowed: (name) => metrics.upstreamRqPendingOverflow.inc(cluster(name)),
    hostEjected: (name) => metrics.outlierEjections.inc(cluster(name)),
    healthChecked: (name, healthy) => (healthy ? metrics.healthCheckSuccess : metrics.healthCheckFailure).inc(cluster(name)),
  };
}
