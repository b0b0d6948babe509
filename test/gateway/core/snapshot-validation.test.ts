// The gateway core's whole-snapshot checks (functions/gateway/core/snapshot-validation.ts) through the snapshot
// builder, which runs them on every update: what this gateway cannot serve is refused with the reason (the NACK's
// message on Node and in the Worker), and the previous snapshot stays. Real core-wasm.
import { beforeEach, describe, expect, it } from "vitest";
import { loadCore } from "../../../core-wasm/node.js";
import type { ResourceType } from "../../../functions/envoy/index.js";
import { createSnapshotBuilder, type SnapshotBuilder } from "../../../functions/gateway/core/index.js";
import { createWorkerUpstreamTransport } from "../../../functions/gateway/worker/upstream-transport.js";
import { decodeResources, MakeListener, MakeRouteConfig, MakeSdsSocketTlsCluster, MakeSdsSocketTlsListener, MakeStaticCluster } from "../envoy-fixtures.js";

const core = loadCore();

describe("validateSnapshot", () => {
  let builder: SnapshotBuilder;
  const apply = (type: ResourceType, resources: object[]) => builder.apply(type, decodeResources(type, resources));
  beforeEach(() => {
    builder = createSnapshotBuilder({ core, transport: createWorkerUpstreamTransport() });
    expect(apply("cluster", [MakeStaticCluster("a", [8001])])).toEqual({ ok: true });
    expect(apply("route", [MakeRouteConfig("rc", [{ match: { prefix: "/" }, route: { cluster: "a" } }])])).toEqual({ ok: true });
    expect(apply("listener", [MakeListener("plain", 8080, "rc")])).toEqual({ ok: true });
    return () => builder.close();
  });

  it("refuses a listener whose TLS certificate comes from an SDS socket, naming the listener and why, and keeps the listeners it had", () => {
    const before = builder.snapshot();
    const result = apply("listener", [MakeListener("plain", 8080, "rc"), MakeSdsSocketTlsListener("spire", 8443, "rc")]);
    expect(result).toEqual({ ok: false, message: "listener spire: this gateway cannot terminate its TLS: certificates from an SDS socket are not served by this gateway" });
    expect(builder.snapshot()).toBe(before);
    expect([...builder.snapshot().listeners.keys()]).toEqual(["plain"]);
  });

  it("refuses a cluster whose client certificate comes from an SDS socket, naming the cluster and why", () => {
    const result = apply("cluster", [MakeStaticCluster("a", [8001]), MakeSdsSocketTlsCluster("spire", [8002])]);
    expect(result).toEqual({ ok: false, message: "cluster spire: this gateway cannot originate its TLS: client certificates from an SDS socket are not served by this gateway" });
    expect([...builder.snapshot().clusters.keys()]).toEqual(["a"]);
  });
});
