// A REST-polling node's resources: every golden scenario translated for a REST subscription passes Envoy's rules,
// names no ADS config source anywhere (packed payloads included), and differs from the ADS output only in config
// sources; ADS nodes get byte-identical output whether or not they say so.
import { describe, expect, it } from "vitest";
import { toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { ADS_SUBSCRIPTION, resourceSchemas, type XdsSubscription } from "../../../functions/envoy/index.js";
import { createMeshTranslator, walkMessage, type NodeResources } from "../../../functions/xds/translate/index.js";
import { NODE_RESOURCE_LISTS } from "../../../functions/xds/translate/translator.js";
import { SDS_CLUSTER } from "../../../functions/xds/translate/names.js";
import { validateNodeResources } from "../../../functions/xds/translate/validate-envoy.js";
import { ApiConfigSource_ApiType, ApiVersion, type ConfigSource } from "../../../proto/gen/envoy/config/core/v3/config_source_pb.js";
import { scenarios } from "./helpers/scenarios.js";

const REST: XdsSubscription = { apiType: "REST", cluster: "cp.example.com", refreshDelayMs: 2000, requestTimeoutMs: 1500 };

function configSources(resources: NodeResources): { path: string; source: ConfigSource }[] {
  const found: { path: string; source: ConfigSource }[] = [];
  for (const [type, list] of NODE_RESOURCE_LISTS) {
    for (const message of resources[list] as Message[]) {
      walkMessage(resourceSchemas[type] as DescMessage, message, (visited, path) => {
        if (visited.desc.typeName === "envoy.config.core.v3.ConfigSource") found.push({ path: `${type}${path}`, source: visited.message as ConfigSource });
      });
    }
  }
  return found;
}

const encoded = (resources: NodeResources): string[] =>
  NODE_RESOURCE_LISTS.flatMap(([type, list]) => (resources[list] as Message[]).map((m) => Buffer.from(toBinary(resourceSchemas[type] as DescMessage, m)).toString("base64")));

describe("adaptToSubscription (through createMeshTranslator)", () => {
  it.each(scenarios.map((s) => [s.name, s] as const))("%s: a REST node gets REST config sources only, Envoy's rules pass", (_, scenario) => {
    const translator = createMeshTranslator(scenario.snapshot, scenario.options);
    for (const node of scenario.nodes) {
      const request = { apiListeners: scenario.apiListeners };
      const ads = translator.translateNode(node, request);
      const rest = translator.translateNode(node, { ...request, xdsSubscription: REST });
      expect(validateNodeResources(rest)).toEqual([]);
      const adsSources = configSources(ads);
      const restSources = configSources(rest);
      expect(restSources.map((s) => s.path)).toEqual(adsSources.map((s) => s.path));
      for (const [index, { path, source }] of restSources.entries()) {
        const before = adsSources[index]!.source;
        const specifier = source.configSourceSpecifier;
        expect(specifier.case, path).toBe("apiConfigSource");
        if (specifier.case !== "apiConfigSource") continue;
        if (before.configSourceSpecifier.case === "ads") {
          expect(specifier.value).toMatchObject({ apiType: ApiConfigSource_ApiType.REST, transportApiVersion: ApiVersion.V3, clusterNames: ["cp.example.com"] });
          expect([specifier.value.refreshDelay?.seconds, specifier.value.requestTimeout?.nanos]).toEqual([2n, 500_000_000]);
          expect(source.resourceApiVersion).toBe(ApiVersion.V3);
        } else {
          // User-managed SDS stays on its gRPC unix-socket cluster.
          expect(specifier.value.grpcServices[0]?.targetSpecifier).toMatchObject({ case: "envoyGrpc", value: { clusterName: SDS_CLUSTER } });
        }
      }
      // Same resources, same names: only the config sources moved.
      for (const [, list] of NODE_RESOURCE_LISTS) expect(rest[list].map((m) => ("name" in m ? m.name : m.clusterName))).toEqual(ads[list].map((m) => ("name" in m ? m.name : m.clusterName)));
    }
  });

  it("rewrites RDS, EDS and SDS references alike (the scenarios use all three)", () => {
    const paths = scenarios.flatMap((scenario) => {
      const translator = createMeshTranslator(scenario.snapshot, scenario.options);
      return scenario.nodes.flatMap((node) => configSources(translator.translateNode(node, { apiListeners: scenario.apiListeners, xdsSubscription: REST })));
    });
    const rest = paths.filter(({ source }) => source.configSourceSpecifier.case === "apiConfigSource" && source.configSourceSpecifier.value.apiType === ApiConfigSource_ApiType.REST);
    expect(rest.some(({ path }) => path.includes(".rds.config_source"))).toBe(true);
    expect(rest.some(({ path }) => path.includes(".eds_cluster_config.eds_config"))).toBe(true);
    expect(rest.some(({ path }) => path.includes(".sds_config"))).toBe(true);
  });

  it("serves ADS nodes byte-identical output whether they say ADS or nothing, and whatever REST nodes were served before", () => {
    for (const scenario of scenarios) {
      const translator = createMeshTranslator(scenario.snapshot, scenario.options);
      const fresh = createMeshTranslator(scenario.snapshot, scenario.options);
      for (const node of scenario.nodes) {
        const plain = translator.translateNode(node, { apiListeners: scenario.apiListeners });
        const said = translator.translateNode(node, { apiListeners: scenario.apiListeners, xdsSubscription: ADS_SUBSCRIPTION });
        expect(encoded(said)).toEqual(encoded(plain));
        // And a REST node translated first on the same translator does not disturb the ADS output.
        fresh.translateNode(node, { apiListeners: scenario.apiListeners, xdsSubscription: REST });
        expect(encoded(fresh.translateNode(node, { apiListeners: scenario.apiListeners }))).toEqual(encoded(plain));
        expect(configSources(plain).every(({ source }) => source.configSourceSpecifier.case !== "apiConfigSource" || source.configSourceSpecifier.value.apiType === ApiConfigSource_ApiType.GRPC)).toBe(true);
      }
    }
  });
});
