// The gateway core's snapshot building and validation: an update is checked whole with everything accepted before
// it is published, a refused one changes nothing and says why (the NACK's message, the same on Node and in the
// Worker), and listeners warm until their route configurations arrive. Real core-wasm; the Worker's fetch
// transport (it opens nothing until a request is forwarded).
import type { JsonValue } from "@bufbuild/protobuf";
import { beforeEach, describe, expect, it } from "vitest";
import { loadCore } from "../../../core-wasm/node.js";
import type { ResourceType } from "../../../functions/envoy/index.js";
import { createSnapshotBuilder, type SnapshotBuilder } from "../../../functions/gateway/core/index.js";
import { createWorkerUpstreamTransport } from "../../../functions/gateway/worker/upstream-transport.js";
import { decodeResources, MakeListener, MakeRouteConfig, MakeStaticCluster } from "../envoy-fixtures.js";

const core = loadCore();
const toA = (prefix = "/"): JsonValue => ({ match: { prefix }, route: { cluster: "a" } });

describe("createSnapshotBuilder", () => {
  let builder: SnapshotBuilder;
  const apply = (type: ResourceType, resources: object[]) => builder.apply(type, decodeResources(type, resources));
  /** The NACK message of an update expected to be refused, after checking it left the snapshot as it was. */
  const refused = (type: ResourceType, resources: object[]): string => {
    const before = builder.snapshot();
    const result = apply(type, resources);
    expect(builder.snapshot()).toBe(before);
    if (result.ok) throw new Error(`${type} update was accepted`);
    return result.message;
  };

  beforeEach(() => {
    builder = createSnapshotBuilder({ core, transport: createWorkerUpstreamTransport() });
    expect(apply("cluster", [MakeStaticCluster("a", [8001])])).toEqual({ ok: true });
    expect(apply("listener", [MakeListener("ingress", 8080, "rc")])).toEqual({ ok: true });
    expect(apply("route", [MakeRouteConfig("rc", [toA()])])).toEqual({ ok: true });
    return () => builder.close();
  });

  it("publishes each accepted update as a new snapshot", () => {
    const snapshot = builder.snapshot();
    expect([...snapshot.clusters.keys()]).toEqual(["a"]);
    expect([...snapshot.listeners.keys()]).toEqual(["ingress"]);
    expect([...snapshot.routes.keys()]).toEqual(["rc"]);
    expect(apply("cluster", [MakeStaticCluster("a", [8001]), MakeStaticCluster("b", [8002])])).toEqual({ ok: true });
    expect(builder.snapshot().generation).toBe(snapshot.generation + 1);
    expect(builder.snapshot().clusters.get("a")).toBe(snapshot.clusters.get("a"));
  });

  it("refuses a STATIC cluster with a hostname endpoint, as Envoy does (malformed IP address)", () => {
    expect(refused("cluster", [MakeStaticCluster("a", [8001]), MakeStaticCluster("named", [8003], {}, "localhost")])).toMatch(/^cluster named: malformed IP address: localhost/);
    expect([...builder.snapshot().clusters.keys()]).toEqual(["a"]);
  });

  it("refuses cluster fields Envoy refuses, naming every problem in one message", () => {
    const message = refused("cluster", [
      MakeStaticCluster("a", [8001], { connectTimeout: "0s" }),
      { name: "dns", type: "LOGICAL_DNS", connectTimeout: "1s", loadAssignment: { clusterName: "dns", endpoints: [{ lbEndpoints: [1, 2].map((n) => ({ endpoint: { address: { socketAddress: { address: `h${n}.local`, portValue: 80 } } } })) }] } },
      MakeStaticCluster("checked", [8004], { healthChecks: [{ timeout: "1s", tcpHealthCheck: {}, healthyThreshold: 1, unhealthyThreshold: 1 }] }),
      MakeStaticCluster("ejecting", [8005], { outlierDetection: { maxEjectionPercent: 150 } }),
    ]);
    expect(message).toMatch(/cluster a: connect_timeout must be greater than 0s/);
    expect(message).toMatch(/cluster dns: LOGICAL_DNS clusters must have exactly one host, this one has 2/);
    expect(message).toMatch(/cluster checked: health_checks\.interval is required/);
    expect(message).toMatch(/cluster ejecting: outlier_detection\.max_ejection_percent must be at most 100/);
  });

  it("refuses an EDS update whose endpoints are not IP addresses", () => {
    expect(apply("cluster", [MakeStaticCluster("a", [8001]), { name: "eds", type: "EDS", connectTimeout: "1s", edsClusterConfig: { edsConfig: { ads: {} } } }])).toEqual({ ok: true });
    const assignment = { clusterName: "eds", endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: "svc.local", portValue: 80 } } } }] }] };
    expect(refused("endpoint", [assignment])).toMatch(/cluster eds: malformed IP address: svc\.local/);
    expect(apply("endpoint", [{ ...assignment, endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: "10.1.2.3", portValue: 80 } } } }] }] }])).toEqual({ ok: true });
    expect(builder.snapshot().clusters.get("eds")?.hosts.map((host) => host.key)).toEqual(["10.1.2.3:80"]);
  });

  it("refuses a route configuration with validate_clusters that names a cluster not present, and takes it without", () => {
    expect(refused("route", [MakeRouteConfig("rc", [toA("/a"), { match: { prefix: "/" }, route: { cluster: "missing" } }], { validateClusters: true })])).toBe(
      "route configuration rc: cluster missing does not exist (validate_clusters is set)",
    );
    expect(apply("route", [MakeRouteConfig("rc", [toA("/a"), { match: { prefix: "/" }, route: { cluster: "missing" } }])])).toEqual({ ok: true });
  });

  it("refuses a route configuration Envoy refuses: a bad retry back-off, a domain on two virtual hosts, a regex core-wasm cannot compile", () => {
    const retry = { retryOn: "5xx", retryBackOff: { baseInterval: "1s", maxInterval: "0.1s" } };
    expect(refused("route", [MakeRouteConfig("rc", [{ match: { prefix: "/" }, route: { cluster: "a", retryPolicy: retry } }])])).toMatch(/max_interval must be greater than or equal to the base_interval/);
    const twice = { name: "rc", virtualHosts: [{ name: "one", domains: ["a.local"], routes: [toA()] }, { name: "two", domains: ["A.local"], routes: [toA()] }] };
    expect(refused("route", [twice])).toMatch(/domain "A.local" is used by two virtual hosts/);
    expect(refused("route", [MakeRouteConfig("rc", [{ match: { safeRegex: { regex: "(unclosed" } }, route: { cluster: "a" } }])])).toMatch(/regex/i);
    expect(builder.snapshot().routes.get("rc")?.table.spec.routes[0]?.path.value).toBe("/");
  });

  it("refuses two listeners on one address", () => {
    expect(refused("listener", [MakeListener("ingress", 8080, "rc"), MakeListener("again", 8080, "rc")])).toBe("listener again: address 0.0.0.0:8080 is already used by listener ingress");
  });

  it("refuses a listener without filter chains", () => {
    expect(refused("listener", [{ name: "bare", address: { socketAddress: { address: "0.0.0.0", portValue: 9090 } } }])).toBe("listener bare: no filter chains specified");
  });

  it("warms a listener until its route configuration arrives, serving the previous version meanwhile", () => {
    const serving = builder.snapshot().listeners.get("ingress")!;
    expect(apply("listener", [MakeListener("ingress", 8080, "rc2"), MakeListener("extra", 8081, "rc3")])).toEqual({ ok: true });
    expect(builder.snapshot().listeners.get("ingress")).toBe(serving);
    expect(builder.snapshot().listeners.has("extra")).toBe(false);
    expect(builder.wantedNames().route).toEqual(new Set(["rc2", "rc3"]));
    expect(apply("route", [MakeRouteConfig("rc2", [toA()]), MakeRouteConfig("rc3", [toA()])])).toEqual({ ok: true });
    expect(builder.snapshot().listeners.get("ingress")?.routeConfigName).toBe("rc2");
    expect(builder.snapshot().listeners.has("extra")).toBe(true);
  });

  it("asks for the EDS assignments and Secrets the accepted clusters and listeners name", () => {
    const sds = {
      name: "envoy.transport_sockets.tls",
      typedConfig: {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        commonTlsContext: { validationContextSdsSecretConfig: { name: "ca", sdsConfig: { ads: {} } } },
      },
    };
    expect(apply("cluster", [{ name: "eds", type: "EDS", connectTimeout: "1s", edsClusterConfig: { serviceName: "eds-service", edsConfig: { ads: {} } } }, MakeStaticCluster("tls", [8443], { transportSocket: sds })])).toEqual({ ok: true });
    expect(builder.wantedNames()).toEqual({ route: new Set(["rc"]), endpoint: new Set(["eds-service"]), secret: new Set(["ca"]) });
  });
});
