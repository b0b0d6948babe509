// The gateway reads App Mesh's metrics extension dimensions from the xDS resources meshplane translates: the
// aggregate_stats metadata of listeners, clusters and routes (docs/envoy-translation.md §18).
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { loadCore } from "../../../../core-wasm/node.js";
import { MetadataSchema } from "../../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { aggregateStatsTags, statsTargetOf } from "../../../../functions/gateway/core/config/aggregate-stats.js";
import { parseClusterConfig } from "../../../../functions/gateway/core/config/cluster-config.js";
import { parseListenerConfig } from "../../../../functions/gateway/core/config/listener-config.js";
import { compileRouteConfig } from "../../../../functions/gateway/core/config/route-entries.js";
import { createMeshTranslator } from "../../../../functions/xds/translate/index.js";
import { MakeBlueGreenSnapshot, MakeRoute, MESH } from "../../../xds/translate/fixtures.js";

const snapshot = MakeBlueGreenSnapshot([
  MakeRoute("svc", "split", { httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "blue", weight: 75 }, { virtualNode: "green", weight: 25 }] } } }),
]);
const resources = createMeshTranslator(snapshot).translateNode({ meshName: MESH, kind: "virtualNode", name: "client" });

describe("aggregateStatsTags", () => {
  it("reads the tags of listeners (none, but present), egress clusters (TargetVirtualNode) and egress routes (TargetVirtualService)", () => {
    for (const listener of resources.listeners) expect(parseListenerConfig(listener).aggregateStats).toEqual({});
    const blue = parseClusterConfig(resources.clusters.find((c) => c.name === "cds_egress_app_blue_http_80")!, undefined);
    expect(blue.aggregateStats).toEqual({ TargetVirtualNode: "blue" });
    const compiled = compileRouteConfig(resources.routes.find((r) => r.name === "rds_egress_http_80")!, loadCore());
    const split = compiled.routes.find((entry) => entry.forward && entry.aggregateStats?.TargetVirtualService !== undefined)!;
    expect(split.aggregateStats).toEqual({ TargetVirtualService: "svc.app.local" });
    expect(statsTargetOf(split.aggregateStats, blue.aggregateStats)).toEqual({ targetVirtualService: "svc.app.local", targetVirtualNode: "blue" });
    compiled.table.dispose();
  });

  it("tells untagged resources (undefined) from tagged ones whose config is not the extension's JSON (no tags, no error)", () => {
    expect(aggregateStatsTags(undefined)).toBeUndefined();
    expect(aggregateStatsTags(create(MetadataSchema, { filterMetadata: { "envoy.lb": { canary: true } } }))).toBeUndefined();
    for (const config of ["not json", 7, '{"tags":"x"}', '{"tags":[{"key":1,"value":"a"},null]}']) {
      expect(aggregateStatsTags(create(MetadataSchema, { filterMetadata: { "aws.appmesh.aggregate_stats": { config } } }))).toEqual({});
    }
  });

  it("gives a target no App Mesh dimensions when neither its route nor its cluster is tagged", () => {
    const local = parseClusterConfig(resources.clusters.find((c) => c.metadata === undefined && c.name.startsWith("cds_ingress"))!, undefined);
    const compiled = compileRouteConfig(resources.routes.find((r) => r.name.startsWith("rds_ingress"))!, loadCore());
    expect(compiled.routes.every((entry) => entry.aggregateStats === undefined)).toBe(true);
    expect(statsTargetOf(compiled.routes[0]!.aggregateStats, local.aggregateStats)).toBeUndefined();
    compiled.table.dispose();
  });
});
