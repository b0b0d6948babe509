// Golden snapshots of the guide's scenarios (reviewed by hand against docs/envoy-translation.md), and for every resource
// they produce: Envoy's own protos decode it identically (proto-loader) and Envoy's validation rules accept it.
import { describe, expect, it } from "vitest";
import type { DescMessage } from "@bufbuild/protobuf";
import { configDumpFromResources } from "../../../functions/xds/config-dump.js";
import { resourceSchemas, type ResourceType } from "../../../functions/envoy/index.js";
import { createMeshTranslator } from "../../../functions/xds/translate/index.js";
import { validateNodeResources } from "../../../functions/xds/translate/validate-envoy.js";
import { roundTripThroughProtoLoader } from "./helpers/proto-loader-roundtrip.js";
import { scenarios } from "./helpers/scenarios.js";

const TYPES: [ResourceType, "listeners" | "clusters" | "routes" | "endpoints" | "secrets"][] = [
  ["listener", "listeners"],
  ["cluster", "clusters"],
  ["route", "routes"],
  ["endpoint", "endpoints"],
  ["secret", "secrets"],
];

describe.each(scenarios)("scenario $name", (scenario) => {
  const translator = createMeshTranslator(scenario.snapshot, scenario.options);
  const results = scenario.nodes.map((node) => ({ node, resources: translator.translateNode(node, { apiListeners: scenario.apiListeners ?? [] }) }));

  it("matches the reviewed golden config dump", async () => {
    const dump = Object.fromEntries(results.map(({ node, resources }) => [`mesh/${node.meshName}/${node.kind}/${node.name}`, configDumpFromResources(resources)]));
    await expect(JSON.stringify(dump, null, 2) + "\n").toMatchFileSnapshot(`__golden__/${scenario.name}.json`);
  });

  it("is accepted by Envoy's validation rules and cross-resource rules", () => {
    for (const { resources } of results) expect(validateNodeResources(resources)).toEqual([]);
  });

  it("round-trips every resource through Envoy's .proto files loaded by proto-loader", () => {
    for (const { resources } of results) {
      for (const [type, key] of TYPES) {
        for (const message of resources[key]) {
          const { decoded, expected } = roundTripThroughProtoLoader(resourceSchemas[type] as DescMessage, message);
          expect(decoded).toEqual(expected);
        }
      }
    }
  });

  it("is byte-identical when translated again from scratch", () => {
    const again = createMeshTranslator(structuredClone(scenario.snapshot), scenario.options);
    for (const { node, resources } of results) {
      expect(configDumpFromResources(again.translateNode(node, { apiListeners: scenario.apiListeners ?? [] }))).toEqual(configDumpFromResources(resources));
    }
  });
});
