// "Would this Envoy release accept it, and read it as meant?" Resources are walked field by field (packed payloads
// included) against the version table (functions/envoy/version-bands.ts): no field newer than the node's Envoy, no
// older form that release deprecated, every field its protos still require, and the weighted-cluster rules of
// that release.
import type { DescMessage, Message } from "@bufbuild/protobuf";
import type { WeightedCluster } from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { ENVOY_FEATURE_NAMES, ENVOY_FEATURES, resourceSchemas, supports, type EnvoyVersion } from "../../envoy/index.js";
import { usedNames, walkMessage } from "./message-walk.js";
import type { EnvoyViolation } from "./pgv-rules.js";
import { NODE_RESOURCE_LISTS, type NodeResources } from "./translator.js";

/** Envoy's default total weight before 1.24, when total_weight is unset. */
const DEFAULT_TOTAL_WEIGHT = 100;

function checkWeights(weighted: WeightedCluster, version: EnvoyVersion | undefined, report: (rule: string, message: string) => void): void {
  const sum = weighted.clusters.reduce((total, cluster) => total + (cluster.weight ?? 0), 0);
  if (supports(version, "weightSum")) {
    if (sum === 0) report("version.weight_sum", "the weights add up to 0");
    return;
  }
  const total = weighted.totalWeight ?? DEFAULT_TOTAL_WEIGHT;
  if (total < 1) report("version.total_weight", `total_weight ${total} must be ≥ 1`);
  if (sum !== total) report("version.total_weight", `the weights add up to ${sum}, not total_weight ${total}`);
}

/** Violations of one message tree against the table for `version` (undefined: the newest Envoy). */
export function validateMessageForEnvoyVersion(schema: DescMessage, message: Message, where: string, version: EnvoyVersion | undefined): EnvoyViolation[] {
  const out: EnvoyViolation[] = [];
  const lacking = ENVOY_FEATURE_NAMES.filter((name) => !supports(version, name));
  const having = ENVOY_FEATURE_NAMES.filter((name) => supports(version, name));
  walkMessage(schema, message, (visited, path) => {
    const report = (rule: string, text: string) => out.push({ path: `${where}${path}`, rule, message: text });
    const names = new Set(usedNames(visited));
    for (const feature of lacking) {
      const row = ENVOY_FEATURES[feature];
      if ("introduces" in row && names.has(row.introduces)) report("version.too_new", `${row.introduces} needs Envoy ≥ ${row.since}`);
      if ("requiredBefore" in row) {
        const [type, field] = [row.requiredBefore.slice(0, row.requiredBefore.lastIndexOf(".")), row.requiredBefore];
        if (visited.desc.typeName === type && !names.has(field)) report("version.required", `${field} is required before Envoy ${row.since}`);
      }
    }
    for (const feature of having) {
      for (const older of ENVOY_FEATURES[feature].replaces) if (names.has(older)) report("version.deprecated", `${older} is deprecated from Envoy ${ENVOY_FEATURES[feature].since}`);
    }
    if (visited.desc.typeName === "envoy.config.route.v3.WeightedCluster") checkWeights(visited.message as WeightedCluster, version, report);
  });
  return out;
}

const resourceName = (message: Message): string => {
  const named = message as unknown as { name?: string; clusterName?: string };
  return named.name ?? named.clusterName ?? "";
};

/** Every resource of a node against the table for its Envoy. */
export function validateForEnvoyVersion(resources: NodeResources, version: EnvoyVersion | undefined): EnvoyViolation[] {
  return NODE_RESOURCE_LISTS.flatMap(([type, list]) =>
    (resources[list] as Message[]).flatMap((message) => validateMessageForEnvoyVersion(resourceSchemas[type] as DescMessage, message, `${type} ${resourceName(message)}:`, version)),
  );
}
