// The primary's xDS fan-out for --workers: it checks an update as a worker would, ACKs or NACKs it once, hands
// accepted updates on as protobuf bytes that decode to equal messages, and replays the accepted state in
// make-before-break order for a worker that starts later.
import { equals } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { loadCore } from "../../../core-wasm/node.js";
import { ClusterSchema } from "../../../functions/envoy/index.js";
import { GatewayMetrics } from "../../../functions/gateway/node/metrics.js";
import { createXdsFanOut, decodeUpdate, type EncodedUpdate } from "../../../functions/gateway/node/xds-fan-out.js";
import { decodeResources, MakeListener, MakeRouteConfig, MakeStaticCluster } from "../envoy-fixtures.js";

describe("createXdsFanOut", () => {
  it("broadcasts accepted updates as bytes that decode to the same messages, and replays them clusters before listeners before routes", () => {
    const sent: EncodedUpdate[] = [];
    const metrics = new GatewayMetrics();
    const fanOut = createXdsFanOut({ core: loadCore(), metrics, broadcast: (update) => sent.push(update), broadcastConnection: () => {}, log: () => {} });
    const clusters = decodeResources("cluster", [MakeStaticCluster("a", [8080])]);
    expect(fanOut.apply("route", decodeResources("route", [MakeRouteConfig("rc", [{ match: { prefix: "/" }, route: { cluster: "a" } }])]), "r1")).toEqual({ ok: true });
    expect(fanOut.apply("listener", decodeResources("listener", [MakeListener("ingress", 10000, "rc")]), "l1")).toEqual({ ok: true });
    expect(fanOut.apply("cluster", clusters, "c1")).toEqual({ ok: true });
    expect(sent.map((update) => `${update.type}@${update.version}`)).toEqual(["route@r1", "listener@l1", "cluster@c1"]);
    const decoded = decodeUpdate(sent[2]!);
    expect(equals(ClusterSchema, decoded.get("a") as never, clusters.get("a") as never)).toBe(true);
    expect(fanOut.replay().map((update) => update.type)).toEqual(["cluster", "listener", "route"]);
    expect(fanOut.wantedNames().route).toEqual(new Set(["rc"]));
    expect(metrics.updateSuccess.get({ type: "route" })).toBe(1);
    fanOut.close();
  });

  it("NACKs what a worker would refuse, once, and sends the workers nothing", () => {
    const sent: EncodedUpdate[] = [];
    const metrics = new GatewayMetrics();
    const fanOut = createXdsFanOut({ core: loadCore(), metrics, broadcast: (update) => sent.push(update), broadcastConnection: () => {}, log: () => {} });
    const result = fanOut.apply("route", decodeResources("route", [MakeRouteConfig("rc", [{ match: { safeRegex: { regex: "(" } }, route: { cluster: "a" } }])]), "bad");
    expect(result.ok).toBe(false);
    expect(sent).toEqual([]);
    expect(fanOut.replay()).toEqual([]);
    expect(metrics.updateRejected.get({ type: "route" })).toBe(1);
    fanOut.close();
  });
});
