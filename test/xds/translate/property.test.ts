// Property: for any valid mesh (specs generated within the App Mesh model's constraints, then passed through the
// domain's own validation exactly as the API would store them), every node's translation is accepted by Envoy's
// validate rules and the cross-resource rules, is deterministic, and sharing does not change the result.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { typeVersion } from "../../../functions/xds/config-dump.js";
import type { NodeResources } from "../../../functions/xds/translate/index.js";
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { resourceSchemas, type ResourceType } from "../../../functions/envoy/index.js";
import { roundTripThroughProtoLoader } from "./helpers/proto-loader-roundtrip.js";
import { createMeshTranslator, translateNode } from "../../../functions/xds/translate/index.js";
import { validateNodeResources } from "../../../functions/xds/translate/validate-envoy.js";
import { MESH } from "./fixtures.js";
import { buildSnapshot, meshArb, SERVICES, validationStats } from "./helpers/mesh-arbitrary.js";

/** Content hashes of the binary encodings: equal iff the resources are byte-identical. */
const versionsOf = (r: NodeResources) => [
  typeVersion("listener", r.listeners),
  typeVersion("cluster", r.clusters),
  typeVersion("route", r.routes),
  typeVersion("endpoint", r.endpoints),
  typeVersion("secret", r.secrets),
];

const resourceLists = (r: NodeResources): [ResourceType, Message[]][] => [
  ["listener", r.listeners],
  ["cluster", r.clusters],
  ["route", r.routes],
  ["endpoint", r.endpoints],
  ["secret", r.secrets],
];

describe("translation of random valid meshes", () => {
  it("produces, for every node, resources Envoy would accept — deterministically and identically (warnings too) with or without sharing", () => {
    let nodesChecked = 0;
    let meshIndex = 0;
    let roundTripped = 0;
    const runs = Number(process.env.MESHPLANE_PROPERTY_RUNS ?? 1000);
    fc.assert(
      fc.property(meshArb, (sample) => {
        meshIndex++;
        const snapshot = buildSnapshot(sample);
        const translator = createMeshTranslator(snapshot);
        const identities = [
          ...snapshot.virtualNodes.map((n) => ({ meshName: MESH, kind: "virtualNode" as const, name: n.virtualNodeName })),
          ...snapshot.virtualGateways.map((g) => ({ meshName: MESH, kind: "virtualGateway" as const, name: g.virtualGatewayName })),
        ];
        for (const node of identities) {
          // Each node as a sidecar, and (virtual nodes) as a proxyless gRPC client asking for every service.
          const requests = node.kind === "virtualNode" ? [{ apiListeners: [] }, { apiListeners: SERVICES }] : [{ apiListeners: [] }];
          for (const request of requests) {
            const resources = translator.translateNode(node, request);
            const violations = validateNodeResources(resources);
            if (violations.length > 0) throw new Error(`${node.kind} ${node.name}: ${JSON.stringify(violations.slice(0, 5), null, 1)}`);
            // A sample of the sets also goes through Envoy's own .proto files (costly, so one mesh in 25).
            if (meshIndex % 25 === 0) {
              for (const [type, list] of resourceLists(resources)) {
                for (const message of list) {
                  const { decoded, expected } = roundTripThroughProtoLoader(resourceSchemas[type] as DescMessage, message);
                  expect(decoded).toEqual(expected);
                  roundTripped++;
                }
              }
            }
            const alone = translateNode(snapshot, node, request);
            expect(versionsOf(alone)).toEqual(versionsOf(resources));
            // Shared pieces carry their warnings: a node reports the same ones with or without sharing.
            expect(resources.warnings).toEqual(alone.warnings);
          }
          nodesChecked++;
        }
      }),
      { numRuns: runs, seed: Number(process.env.MESHPLANE_PROPERTY_SEED ?? 20261122) },
    );
    console.info(`property: ${meshIndex} meshes, ${nodesChecked} nodes translated, ${roundTripped} resources round-tripped; domain validation accepted ${validationStats.accepted} specs, rejected ${validationStats.rejected}; ${JSON.stringify(validationStats.reasons)}`);
    // The generator must mostly produce valid specs, or the property would test little.
    expect(validationStats.accepted).toBeGreaterThan(validationStats.rejected * 3);
    expect(nodesChecked).toBeGreaterThan(runs * 3);
    expect(roundTripped).toBeGreaterThan(runs);
  }, 240_000);
});
