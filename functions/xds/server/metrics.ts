// Prometheus metrics of the xDS side, rendered in the text exposition format (version 0.0.4). A few counters,
// gauges and histograms do not justify a client library (Workers-safe). The stream and fetch counters are fed as an
// XdsObserver; translation figures by the cache's `onTranslate`.
import { Code, type ConnectError } from "@connectrpc/connect";
import type { DiscoveryRequest, DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { SentResponse, StreamAck, StreamInfo, StreamNack, XdsObserver } from "./observer.js";

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}

/** A series' key: label names and values as they are, escaped only when rendered (inc runs once per response and ACK). */
function seriesKey(labels: Labels): string {
  let key = "";
  for (const name in labels) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

class Counter {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    this.series(labels).value += by;
  }
  /** The series of `labels`, to be counted on directly (`series(labels).value++`) where `inc` runs per stream and push. */
  series(labels: Labels): { labels: Labels; value: number } {
    const key = seriesKey(labels);
    let entry = this.values.get(key);
    if (!entry) this.values.set(key, (entry = { labels, value: 0 }));
    return entry;
  }
  get(labels: Labels = {}): number {
    return this.values.get(seriesKey(labels))?.value ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join("\n");
  }
}

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket{le="${bound}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** What the metrics read live at render time. */
export interface XdsGauges {
  connectedProxies: number;
  cachedNodes: number;
  meshes: number;
  /** Age of the oldest change observed but not installed in a watched mesh (0 when every mesh is current). */
  oldestPendingChangeSeconds: number;
  /** Translation warnings per mesh the cache holds, by code. */
  lintWarnings: ReadonlyArray<{ meshName: string; code: string; count: number }>;
}

/** The control plane's xDS metrics. Durations are in seconds, as Prometheus conventions ask. */
export class XdsMetrics implements XdsObserver {
  readonly pushes = new Counter("meshplane_xds_pushes_total", "DiscoveryResponses sent, by type URL and protocol (sotw, delta, rest).");
  readonly nacks = new Counter("meshplane_xds_nacks_total", "Responses rejected by a proxy, by type URL.");
  readonly acks = new Counter("meshplane_xds_acks_total", "Responses acknowledged by a proxy, by type URL.");
  readonly streams = new Counter("meshplane_xds_streams_total", "ADS streams opened, by protocol.");
  readonly streamErrors = new Counter("meshplane_xds_stream_errors_total", "ADS streams closed with an error, by gRPC code.");
  readonly pushLatency = new Histogram(
    "meshplane_xds_push_latency_seconds",
    "From the cache observing a store change to the DiscoveryResponse being handed to the stream.",
    latencyBuckets,
  );
  readonly translation = new Histogram("meshplane_xds_translation_seconds", "Re-translating the watched nodes of one mesh after a change.", latencyBuckets);
  readonly translatedNodes = new Counter("meshplane_xds_translated_nodes_total", "Node translations run.");
  readonly reloadErrors = new Counter("meshplane_xds_reload_errors_total", "Mesh loads from the store that failed (each is retried with back-off; the previous snapshot stays in force).");
  /** Live gauge sources, read at render time (set by whoever owns the streams and the cache). */
  gauges: () => XdsGauges = () => ({ connectedProxies: 0, cachedNodes: 0, meshes: 0, oldestPendingChangeSeconds: 0, lintWarnings: [] });

  onStreamOpen(stream: StreamInfo): void {
    this.streams.inc({ protocol: stream.protocol });
  }
  onStreamNode(): void {}
  onStreamRequest(): void {}
  onStreamResponse(stream: StreamInfo, response: SentResponse): void {
    this.#pushSeries(response.typeUrl, stream.protocol).value++;
    if (response.changedAt !== null) this.pushLatency.observe((performance.now() - response.changedAt) / 1000);
  }
  onStreamAck(_stream: StreamInfo, ack: StreamAck): void {
    let series = this.#ackSeries.get(ack.typeUrl);
    if (!series) this.#ackSeries.set(ack.typeUrl, (series = this.acks.series({ type_url: ack.typeUrl })));
    series.value++;
  }

  /** Series of `pushes` by protocol, then type URL: a push storm counts one response per stream. */
  readonly #pushes = new Map<string, Map<string, { value: number }>>();
  readonly #ackSeries = new Map<string, { value: number }>();
  #pushSeries(typeUrl: string, protocol: string): { value: number } {
    let byType = this.#pushes.get(protocol);
    if (!byType) this.#pushes.set(protocol, (byType = new Map()));
    let series = byType.get(typeUrl);
    if (!series) byType.set(typeUrl, (series = this.pushes.series({ type_url: typeUrl, protocol })));
    return series;
  }
  onStreamNack(_stream: StreamInfo, nack: StreamNack): void {
    this.nacks.inc({ type_url: nack.typeUrl });
  }
  onStreamClosed(_stream: StreamInfo, error: ConnectError | null): void {
    if (error) this.streamErrors.inc({ code: Code[error.code] ?? String(error.code) });
  }
  onFetchRequest(): void {}
  onFetchResponse(_request: DiscoveryRequest, response: DiscoveryResponse): void {
    this.#pushSeries(response.typeUrl, "rest").value++;
  }

  render(): string {
    const g = this.gauges();
    const gauge = (name: string, help: string, value: number) => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}`;
    return (
      [
        gauge("meshplane_xds_connected_proxies", "Open ADS streams.", g.connectedProxies),
        gauge("meshplane_xds_cached_nodes", "Nodes whose resources the cache keeps up to date.", g.cachedNodes),
        gauge("meshplane_xds_cached_meshes", "Meshes the cache holds a snapshot of.", g.meshes),
        gauge(
          "meshplane_xds_oldest_pending_change_age_seconds",
          "Seconds since the oldest change not yet installed in a watched mesh was observed (0: every mesh is current).",
          g.oldestPendingChangeSeconds,
        ),
        [
          "# HELP meshplane_xds_lint_warnings Specs the API accepted that the translation cannot serve (GET /v1/xds/lint), per mesh and warning code.",
          "# TYPE meshplane_xds_lint_warnings gauge",
          ...g.lintWarnings.map(({ meshName, code, count }) => `meshplane_xds_lint_warnings${labelText({ mesh: meshName, code })} ${count}`),
        ].join("\n"),
        this.reloadErrors.render(),
        this.streams.render(),
        this.streamErrors.render(),
        this.pushes.render(),
        this.acks.render(),
        this.nacks.render(),
        this.pushLatency.render(),
        this.translation.render(),
        this.translatedNodes.render(),
      ].join("\n") + "\n"
    );
  }
}
