// The series of App Mesh's metrics extension (APPMESH_METRIC_EXTENSION_VERSION=1 on App Mesh's Envoy image; the
// App Mesh user guide's "Metrics extension for App Mesh"), under the names Envoy's /stats/prometheus gives them:
// `envoy.appmesh.RequestCount` becomes envoy_appmesh_RequestCount{Mesh="…",VirtualGateway="…"}, as the App Mesh
// agent's stats filter (`envoy_appmesh_` prefix) and the CloudWatch agent's relabelling expect. Dashboards and
// alarms built on an App Mesh image keep working on this gateway.
//
// Mesh and VirtualNode/VirtualGateway come from the gateway's node id; TargetVirtualService and TargetVirtualNode
// from the aggregate_stats metadata of the route and cluster that served the request (core/config/aggregate-stats.ts).
// Only listeners carrying that metadata count, as the extension counts only what App Mesh tagged. A virtual
// gateway's request is counted once, on the listener it arrived on (its in-process hop to the egress listener is
// not a second request).
import type net from "node:net";
import type { NodeIdentity } from "../../envoy/index.js";
import type { ListenerConfig, StatsTarget } from "../core/index.js";
import type { CounterFamily, HistogramFamily, HistogramSeries, MetricRegistry, Series } from "./metric-families.js";
import type { RequestObserver } from "./request-observer.js";

const PREFIX = "envoy_appmesh_";

export class AppMeshMetrics implements RequestObserver {
  readonly requestCount: CounterFamily;
  readonly grpcRequestCount: CounterFamily;
  readonly newConnectionCount: CounterFamily;
  readonly activeConnectionCount: CounterFamily;
  readonly processedBytes: CounterFamily;
  readonly requestCountPerTarget: CounterFamily;
  /** HTTPCode_Target_2XX_Count … 5XX_Count by status class (index 2 … 5). */
  readonly httpCodeTarget: readonly (CounterFamily | undefined)[];
  readonly targetResponseTime: HistogramFamily;
  // The series of this node (Mesh, VirtualGateway|VirtualNode), looked up once.
  readonly #requests: Series;
  readonly #grpcRequests: Series;
  readonly #newConnections: Series;
  readonly #activeConnections: Series;
  readonly #processed: Series;
  readonly #perTarget: Series;
  readonly #byCode: readonly (Series | undefined)[];
  readonly #responseTime: HistogramSeries;
  /** Downstream sockets open now, and the bytes of those already closed (ProcessedBytes is both). */
  readonly #live = new Set<net.Socket>();
  #closedBytes = 0;

  constructor(registry: MetricRegistry, node: NodeIdentity) {
    const inbound = ["Mesh", node.kind === "virtualGateway" ? "VirtualGateway" : "VirtualNode"];
    const outbound = [...inbound, "TargetVirtualService", "TargetVirtualNode"];
    this.activeConnectionCount = registry.gauge(`${PREFIX}ActiveConnectionCount`, "Active downstream TCP connections.", inbound, "sum");
    this.newConnectionCount = registry.counter(`${PREFIX}NewConnectionCount`, "Downstream TCP connections accepted.", inbound);
    this.processedBytes = registry.counter(`${PREFIX}ProcessedBytes`, "TCP bytes sent to and received from downstream clients.", inbound);
    this.requestCount = registry.counter(`${PREFIX}RequestCount`, "Downstream HTTP requests processed (gRPC included).", inbound);
    this.grpcRequestCount = registry.counter(`${PREFIX}GrpcRequestCount`, "Downstream gRPC requests processed.", inbound);
    this.requestCountPerTarget = registry.counter(`${PREFIX}RequestCountPerTarget`, "Requests sent to a target upstream.", outbound);
    this.httpCodeTarget = [undefined, undefined, ...[2, 3, 4, 5].map((c) => registry.counter(`${PREFIX}HTTPCode_Target_${c}XX_Count`, `Requests to a target answered ${c}xx by it.`, outbound))];
    this.targetResponseTime = registry.histogram(`${PREFIX}TargetResponseTime`, "Time from a request to a target until its full response (ms).", outbound);
    const self = (family: CounterFamily) => family.root.at(node.meshName).at(node.name);
    this.#requests = self(this.requestCount);
    this.#grpcRequests = self(this.grpcRequestCount);
    this.#newConnections = self(this.newConnectionCount);
    this.#perTarget = self(this.requestCountPerTarget);
    this.#byCode = this.httpCodeTarget.map((family) => family && self(family));
    this.#responseTime = this.targetResponseTime.root.at(node.meshName).at(node.name);
    this.#activeConnections = self(this.activeConnectionCount);
    this.#processed = self(this.processedBytes);
  }

  connectionAccepted(listener: ListenerConfig, socket: net.Socket): void {
    if (listener.aggregateStats === undefined) return;
    this.#newConnections.inc();
    this.#live.add(socket);
    socket.once("close", () => {
      this.#live.delete(socket);
      this.#closedBytes += socket.bytesRead + socket.bytesWritten;
    });
  }

  requestCompleted(listener: ListenerConfig, target: StatsTarget | undefined, status: number, fromTarget: boolean, grpc: boolean, elapsedMs: number): void {
    if (listener.aggregateStats === undefined) return;
    this.#requests.inc();
    if (grpc) this.#grpcRequests.inc();
    if (target === undefined) return;
    this.#perTarget.at(target.targetVirtualService).at(target.targetVirtualNode).inc();
    if (!fromTarget) return;
    this.#byCode[Math.floor(status / 100)]?.at(target.targetVirtualService).at(target.targetVirtualNode).inc();
    this.#responseTime.at(target.targetVirtualService).at(target.targetVirtualNode).observe(elapsedMs);
  }

  /** Sets the values read from live sockets; called before the series are exported. */
  refresh(): void {
    let bytes = this.#closedBytes;
    for (const socket of this.#live) bytes += socket.bytesRead + socket.bytesWritten;
    this.#activeConnections.set(this.#live.size);
    this.#processed.set(bytes);
  }
}
