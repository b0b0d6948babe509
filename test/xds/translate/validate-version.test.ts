import { describe, expect, it } from "vitest";
import { clone } from "@bufbuild/protobuf";
import { parseEnvoyVersion, RouteConfigurationSchema } from "../../../functions/envoy/index.js";
import { createMeshTranslator, type NodeResources } from "../../../functions/xds/translate/index.js";
import { validateForEnvoyVersion, validateNodeResourcesForEnvoy } from "../../../functions/xds/translate/validate-envoy.js";
import type { WeightedCluster } from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { MakeBlueGreenSnapshot, MakeRoute, MESH } from "./fixtures.js";

const ENVOY_1_20 = parseEnvoyVersion("1.20.0")!;
const ENVOY_1_24 = parseEnvoyVersion("1.24.0")!;

/** One route per weight list on prefixes /w0, /w1, … (a router listener per route keeps them apart). */
const WEIGHTS: number[][] = [[1], [1, 1], [99], [60, 40], [100, 1], [0, 0]];

const snapshot = MakeBlueGreenSnapshot(
  WEIGHTS.map((weights, i) =>
    MakeRoute("svc", `w${i}`, {
      httpRoute: {
        match: { prefix: `/w${i}` },
        action: { weightedTargets: weights.map((weight, t) => ({ virtualNode: t === 0 ? "blue" : "green", weight })) },
      },
    }),
  ),
);

const weightedOf = (resources: NodeResources): Map<string, WeightedCluster> => {
  const found = new Map<string, WeightedCluster>();
  for (const route of resources.routes.find((r) => r.name === "rds_egress_http_80")!.virtualHosts[0]!.routes) {
    if (route.action.case === "route" && route.action.value.clusterSpecifier.case === "weightedClusters") found.set(route.name, route.action.value.clusterSpecifier.value);
  }
  return found;
};

describe("validateForEnvoyVersion", () => {
  const resources = createMeshTranslator(snapshot).translateNode({ meshName: MESH, kind: "virtualNode", name: "client" }, { envoyVersion: ENVOY_1_20 });

  it("finds Envoy 1.20 accepting routes whose weights add up to 1, 2, 99, 100 and 101, each with total_weight equal to the sum", () => {
    expect(validateNodeResourcesForEnvoy(resources, ENVOY_1_20)).toEqual([]);
    const weighted = weightedOf(resources);
    for (const [i, weights] of WEIGHTS.entries()) {
      const sum = weights.reduce((a, b) => a + b, 0);
      if (sum === 0) continue;
      expect(weighted.get(`w${i}`)?.totalWeight, `w${i}`).toBe(sum);
    }
  });

  it("leaves out the route whose weights add up to 0, which no Envoy accepts, keeping the others", () => {
    const weighted = weightedOf(resources);
    expect(weighted.has("w5")).toBe(false);
    expect([...weighted.keys()].sort()).toEqual(["w0", "w1", "w2", "w3", "w4"]);
  });

  it("reports weights that do not add up to total_weight (100 when unset) before 1.24, and a zero sum from 1.24", () => {
    const config = clone(RouteConfigurationSchema, resources.routes.find((r) => r.name === "rds_egress_http_80")!);
    const weighted = [...weightedOf({ ...resources, routes: [config] }).values()];
    weighted[0]!.totalWeight = undefined; // weights [1] against Envoy's default 100
    weighted[1]!.totalWeight = 0;
    const broken = { ...resources, routes: [config] };
    const rules = validateForEnvoyVersion(broken, ENVOY_1_20).map((v) => `${v.rule}: ${v.message}`);
    expect(rules).toContain("version.total_weight: the weights add up to 1, not total_weight 100");
    expect(rules).toContain("version.total_weight: total_weight 0 must be ≥ 1");
    for (const cluster of weighted[2]!.clusters) cluster.weight = 0;
    weighted[2]!.totalWeight = undefined;
    const modern = validateForEnvoyVersion(broken, ENVOY_1_24).map((v) => v.rule);
    expect(modern).toContain("version.weight_sum");
    expect(modern).toContain("version.deprecated");
  });
});
