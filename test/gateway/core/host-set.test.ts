// The gateway core's host selection and outlier ejection: round robin over usable hosts, Envoy's 50 % panic
// threshold, previous-host avoidance, consecutive-5xx ejection for base × n (capped), max_ejection_percent.
// A test clock drives ejection expiry, so nothing here waits.
import { describe, expect, it } from "vitest";
import { HostSet, type EndpointConfig, type OutlierConfig, type UpstreamHost } from "../../../functions/gateway/core/index.js";

const MakeEndpoint = (port: number, healthy = true): EndpointConfig => ({ address: "10.0.0.1", port, healthCheckPort: undefined, healthy, zone: "", localityWeight: 1, priority: 0 });
const MakeOutlier = (overrides: Partial<OutlierConfig> = {}): OutlierConfig => ({ consecutive5xx: 2, intervalMs: 1000, baseEjectionMs: 30_000, maxEjectionMs: 300_000, maxEjectionPercent: 100, ...overrides });

/** A host set over ports `ports`, with a clock the test moves. */
function MakeHostSet(ports: number[], outlier?: OutlierConfig) {
  const clock = { now: 1_000_000 };
  const ejected: string[] = [];
  const hosts = new HostSet({ now: () => clock.now, onEjected: (host) => ejected.push(host.key) });
  hosts.setEndpoints(ports.map((port) => MakeEndpoint(port)));
  hosts.outlier = outlier;
  return { hosts, clock, ejected, host: (port: number) => hosts.all.find((host) => host.port === port)! };
}

const picks = (hosts: HostSet, count: number, exclude?: ReadonlySet<string>, attempts?: number) => Array.from({ length: count }, () => hosts.pick(exclude, attempts)?.port);
const fail = (hosts: HostSet, host: UpstreamHost, times: number) => Array.from({ length: times }, () => hosts.recordOutcome(host, true));

describe("HostSet", () => {
  it("picks round robin and has no host when the cluster has none", () => {
    const { hosts } = MakeHostSet([1, 2, 3]);
    expect(picks(hosts, 6)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(new HostSet().pick(undefined)).toBeUndefined();
  });

  it("skips hosts EDS marks unhealthy", () => {
    const hosts = new HostSet();
    hosts.setEndpoints([MakeEndpoint(1), MakeEndpoint(2, false), MakeEndpoint(3)]);
    expect(picks(hosts, 4)).toEqual([1, 3, 1, 3]);
    expect(hosts.healthyCount).toBe(2);
  });

  it("spreads over all hosts in panic mode, when fewer than half are usable", () => {
    const hosts = new HostSet();
    hosts.setEndpoints([MakeEndpoint(1), MakeEndpoint(2, false), MakeEndpoint(3, false)]);
    expect(new Set(picks(hosts, 3))).toEqual(new Set([1, 2, 3]));
  });

  it("avoids previous hosts: the next host in turn, else any host not tried, else a tried one when all were", () => {
    const { hosts } = MakeHostSet([1, 2, 3]);
    hosts.pick(undefined); // the round robin now points at 2
    expect(hosts.pick(new Set(["10.0.0.1:1"]), 5)?.port).toBe(2);
    expect(hosts.pick(new Set(["10.0.0.1:3"]), 1)?.port).toBe(1);
    expect(picks(hosts, 5, new Set(["10.0.0.1:1", "10.0.0.1:2"]), 1)).toEqual([3, 3, 3, 3, 3]);
    expect(hosts.pick(new Set(["10.0.0.1:1", "10.0.0.1:2", "10.0.0.1:3"]), 5)).toBeDefined();
  });

  it("ejects a host after consecutive_5xx failures in a row; a success in between resets the count", () => {
    const { hosts, ejected, host } = MakeHostSet([1, 2, 3], MakeOutlier({ consecutive5xx: 3 }));
    fail(hosts, host(1), 2);
    hosts.recordOutcome(host(1), false);
    expect(fail(hosts, host(1), 2)).toEqual([false, false]);
    expect(ejected).toEqual([]);
    expect(fail(hosts, host(1), 1)).toEqual([true]);
    expect(ejected).toEqual(["10.0.0.1:1"]);
    expect(hosts.ejectedCount).toBe(1);
    expect(new Set(picks(hosts, 4))).toEqual(new Set([2, 3]));
  });

  it("brings an ejected host back after base_ejection_time × ejections, capped by max_ejection_time", () => {
    const { hosts, clock, host } = MakeHostSet([1, 2, 3], MakeOutlier({ baseEjectionMs: 30_000, maxEjectionMs: 50_000 }));
    fail(hosts, host(1), 2);
    clock.now += 29_999;
    expect(picks(hosts, 6)).not.toContain(1);
    clock.now += 1;
    expect(picks(hosts, 3)).toContain(1);
    fail(hosts, host(1), 2);
    expect(host(1).ejectedUntil - clock.now).toBe(50_000);
  });

  it("ejects no more than max_ejection_percent of the hosts, but always at least one", () => {
    const { hosts, host } = MakeHostSet([1, 2, 3, 4], MakeOutlier({ maxEjectionPercent: 10 }));
    expect(fail(hosts, host(1), 2)).toEqual([false, true]);
    expect(fail(hosts, host(2), 2)).toEqual([false, false]);
    expect(hosts.ejectedCount).toBe(1);
  });

  it("ejects nothing without outlier detection", () => {
    const { hosts, host } = MakeHostSet([1, 2]);
    expect(fail(hosts, host(1), 10).some(Boolean)).toBe(false);
  });

  it("keeps a staying host's ejection and health state across endpoint updates", () => {
    const { hosts, host } = MakeHostSet([1, 2, 3], MakeOutlier());
    fail(hosts, host(1), 2);
    const ejectedUntil = host(1).ejectedUntil;
    const left = hosts.setEndpoints([MakeEndpoint(1), MakeEndpoint(3), MakeEndpoint(4)]);
    expect(left.map((gone) => gone.port)).toEqual([2]);
    expect(hosts.all.map((h) => h.port)).toEqual([1, 3, 4]);
    expect(host(1).ejectedUntil).toBe(ejectedUntil);
  });
});
