// The gateway's Prometheus metrics, named like Envoy's `/stats/prometheus` output where Envoy has the stat
// (envoy_cluster_upstream_rq, envoy_cluster_upstream_rq_time, envoy_control_plane_connected_state,
// envoy_listener_manager_lds_update_success, …) plus meshplane_gateway_requests_total by route, cluster and status.
// Recording allocates nothing (metric-families.ts): label values are strings the request already carries, status
// codes come from a table of their texts. Every family here is registered, so it is exported and merged across
// workers like the others; a new one only has to be made through `this.registry`. A gateway whose node id names an
// App Mesh virtual gateway or virtual node also exports the App Mesh metrics extension's series (appmesh-metrics.ts).
import { parseNodeId, type ResourceType } from "../../envoy/index.js";
import type { UpstreamObserver } from "../core/index.js";
import { AppMeshMetrics } from "./appmesh-metrics.js";
import { MetricRegistry, renderMetricStates, type CounterFamily, type MetricFamilyState } from "./metric-families.js";

/** "100" … "599" without String() per request. */
const STATUS_TEXT: readonly string[] = Array.from({ length: 600 }, (_, status) => String(status));
export const statusText = (status: number): string => STATUS_TEXT[status] ?? String(status);
const CLASS_TEXT: readonly string[] = ["0", "1", "2", "3", "4", "5"];
export const statusClassText = (status: number): string => CLASS_TEXT[Math.floor(status / 100)] ?? String(Math.floor(status / 100));

const CLUSTER = ["envoy_cluster_name"];

/** Every metric the gateway exports. */
export class GatewayMetrics {
  readonly registry = new MetricRegistry();
  readonly requests = this.registry.counter("meshplane_gateway_requests_total", "Downstream requests by listener, route, cluster, status and response flags.", ["listener", "route", "cluster", "status", "flags"]);
  readonly downstreamRq = this.registry.counter("envoy_http_downstream_rq_total", "Downstream requests by connection manager stat prefix.", ["envoy_http_conn_manager_prefix"]);
  readonly downstreamRqXx = this.registry.counter("envoy_http_downstream_rq_xx", "Downstream responses by code class.", ["envoy_http_conn_manager_prefix", "envoy_response_code_class"]);
  readonly upstreamRq = this.registry.counter("envoy_cluster_upstream_rq", "Upstream responses by cluster and code.", ["envoy_cluster_name", "envoy_response_code"]);
  readonly upstreamRqTotal = this.registry.counter("envoy_cluster_upstream_rq_total", "Upstream requests (attempts) by cluster.", CLUSTER);
  readonly upstreamRqRetry = this.registry.counter("envoy_cluster_upstream_rq_retry", "Retries by cluster.", CLUSTER);
  readonly upstreamRqTimeout = this.registry.counter("envoy_cluster_upstream_rq_timeout", "Upstream requests that timed out, by cluster.", CLUSTER);
  readonly upstreamCxConnectFail = this.registry.counter("envoy_cluster_upstream_cx_connect_fail", "Upstream connection failures by cluster.", CLUSTER);
  readonly upstreamRqPendingOverflow = this.registry.counter("envoy_cluster_upstream_rq_pending_overflow", "Requests refused by circuit breakers, by cluster.", CLUSTER);
  readonly outlierEjections = this.registry.counter("envoy_cluster_outlier_detection_ejections_enforced_total", "Outlier ejections by cluster.", CLUSTER);
  readonly healthCheckSuccess = this.registry.counter("envoy_cluster_health_check_success", "Active health checks passed, by cluster.", CLUSTER);
  readonly healthCheckFailure = this.registry.counter("envoy_cluster_health_check_failure", "Active health checks failed, by cluster.", CLUSTER);
  readonly upstreamRqTime = this.registry.histogram("envoy_cluster_upstream_rq_time", "Upstream request time until response headers (ms), by cluster.", CLUSTER);
  readonly connectedState = this.registry.gauge("envoy_control_plane_connected_state", "1 while the ADS stream to meshplane is up.");
  // Every worker applies every accepted update once, as the primary does: the same count everywhere (max).
  readonly updateSuccess = this.registry.counter("meshplane_gateway_xds_update_success", "Accepted xDS updates by type.", ["type"], "max");
  readonly updateRejected = this.registry.counter("meshplane_gateway_xds_update_rejected", "Rejected (NACKed) xDS updates by type.", ["type"], "max");
  /** Envoy's per-manager names for the same events. */
  readonly envoyUpdateSuccess: Partial<Record<ResourceType, CounterFamily>> = {
    listener: this.registry.counter("envoy_listener_manager_lds_update_success", "LDS updates accepted.", [], "max"),
    cluster: this.registry.counter("envoy_cluster_manager_cds_update_success", "CDS updates accepted.", [], "max"),
    route: this.registry.counter("envoy_http_rds_update_success", "RDS updates accepted, by route configuration.", [], "max"),
    endpoint: this.registry.counter("envoy_cluster_eds_update_success", "EDS updates accepted.", [], "max"),
  };
  readonly envoyUpdateRejected: Partial<Record<ResourceType, CounterFamily>> = {
    listener: this.registry.counter("envoy_listener_manager_lds_update_rejected", "LDS updates rejected.", [], "max"),
    cluster: this.registry.counter("envoy_cluster_manager_cds_update_rejected", "CDS updates rejected.", [], "max"),
    route: this.registry.counter("envoy_http_rds_update_rejected", "RDS updates rejected.", [], "max"),
    endpoint: this.registry.counter("envoy_cluster_eds_update_rejected", "EDS updates rejected.", [], "max"),
  };
  readonly membershipHealthy = this.registry.gauge("envoy_cluster_membership_healthy", "Healthy hosts by cluster.", CLUSTER);
  readonly membershipTotal = this.registry.gauge("envoy_cluster_membership_total", "Hosts by cluster.", CLUSTER);
  readonly ejectionsActive = this.registry.gauge("envoy_cluster_outlier_detection_ejections_active", "Hosts ejected now, by cluster.", CLUSTER);
  readonly activeRequests = this.registry.gauge("envoy_cluster_upstream_rq_active", "Requests in flight, by cluster.", CLUSTER, "sum");

  /** The App Mesh extension's envoy_appmesh_* families; undefined when the node id is not an App Mesh one. */
  readonly appMesh: AppMeshMetrics | undefined;

  /** Refreshes gauges that are read from live state just before exporting. */
  beforeRender: () => void = () => {};

  /** `nodeId` gives the App Mesh dimensions Mesh and VirtualGateway/VirtualNode; every worker must get the same. */
  constructor(nodeId?: string) {
    this.connectedState.root.set(0);
    const node = nodeId === undefined ? undefined : parseNodeId(nodeId);
    this.appMesh = node && !("error" in node) ? new AppMeshMetrics(this.registry, node) : undefined;
  }

  /** Counts an xDS update under the gateway's and Envoy's names. */
  countUpdate(type: ResourceType, accepted: boolean): void {
    (accepted ? this.updateSuccess : this.updateRejected).root.at(type).inc();
    (accepted ? this.envoyUpdateSuccess : this.envoyUpdateRejected)[type]?.root.inc();
  }

  /** Every family's state, for rendering here or merging with other workers'. */
  state(): MetricFamilyState[] {
    this.beforeRender();
    this.appMesh?.refresh();
    return this.registry.state();
  }

  render(): string {
    return renderMetricStates(this.state());
  }
}

/** The core's upstream events counted under Envoy's cluster stat names, allocation-free. */
export function createUpstreamObserver(metrics: GatewayMetrics): UpstreamObserver {
  return {
    attemptStarted: (name) => metrics.upstreamRqTotal.root.at(name).inc(),
    responseReceived(name, status, upstreamMs) {
      metrics.upstreamRq.root.at(name).at(statusText(status)).inc();
      metrics.upstreamRqTime.root.at(name).observe(upstreamMs);
    },
    attemptFailed(name, failure) {
      if (failure === "connect-failure") metrics.upstreamCxConnectFail.root.at(name).inc();
      else if (failure === "timeout") metrics.upstreamRqTimeout.root.at(name).inc();
    },
    retried: (name) => metrics.upstreamRqRetry.root.at(name).inc(),
    routeTimedOut: (name) => metrics.upstreamRqTimeout.root.at(name).inc(),
    overflowed: (name) => metrics.upstreamRqPendingOverflow.root.at(name).inc(),
    hostEjected: (name) => metrics.outlierEjections.root.at(name).inc(),
    healthChecked: (name, healthy) => (healthy ? metrics.healthCheckSuccess : metrics.healthCheckFailure).root.at(name).inc(),
  };
}
