// Metric families: series by label tree, their exported state, merging the states of several worker processes
// (sum or max by family) and the Prometheus text rendering.
import { describe, expect, it } from "vitest";
import { MetricRegistry, mergeMetricStates, renderMetricStates } from "../../../functions/gateway/node/metric-families.js";

function registryWith(requests: number, hosts: number, latencies: number[]) {
  const registry = new MetricRegistry();
  const counter = registry.counter("rq_total", "Requests.", ["cluster", "code"]);
  const gauge = registry.gauge("hosts", "Hosts.", ["cluster"]);
  const histogram = registry.histogram("rq_time", "Time.", ["cluster"]);
  counter.root.at("a").at("200").inc(requests);
  gauge.root.at("a").set(hosts);
  for (const ms of latencies) histogram.root.at("a").observe(ms);
  return registry;
}

describe("metric families", () => {
  it("renders counters, gauges and cumulative histogram buckets in the Prometheus text format", () => {
    const text = renderMetricStates(registryWith(3, 2, [0.2, 7, 7]).state());
    expect(text).toContain('# TYPE rq_total counter\nrq_total{cluster="a",code="200"} 3');
    expect(text).toContain('hosts{cluster="a"} 2');
    expect(text).toContain('rq_time_bucket{cluster="a",le="0.5"} 1');
    expect(text).toContain('rq_time_bucket{cluster="a",le="5"} 1');
    expect(text).toContain('rq_time_bucket{cluster="a",le="10"} 3');
    expect(text).toContain('rq_time_bucket{cluster="a",le="+Inf"} 3');
    expect(text).toContain('rq_time_sum{cluster="a"} 14.2');
  });

  it("sums counters and histograms across workers and keeps the largest value of a max gauge", () => {
    const merged = renderMetricStates(mergeMetricStates([registryWith(3, 2, [1]).state(), registryWith(4, 2, [100]).state()]));
    expect(merged).toContain('rq_total{cluster="a",code="200"} 7');
    expect(merged).toContain('hosts{cluster="a"} 2');
    expect(merged).toContain('rq_time_count{cluster="a"} 2');
    expect(merged).toContain('rq_time_bucket{cluster="a",le="100"} 2');
  });

  it("finds a series by its labels and counts one series kept by the caller without further lookups", () => {
    const registry = new MetricRegistry();
    const counter = registry.counter("x", "X.", ["type"]);
    const kept = counter.root.at("route");
    kept.inc();
    kept.inc();
    expect(counter.get({ type: "route" })).toBe(2);
    expect(counter.get({ type: "cluster" })).toBe(0);
    expect(counter.state().series).toEqual([[["route"], 2]]);
  });
});
