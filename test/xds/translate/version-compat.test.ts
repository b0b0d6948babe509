// Version-aware translation, band by band (Envoy 1.15, 1.20, 1.24, 1.34): every golden scenario plus a mesh that
// uses every row of the version table is translated for each release, checked against Envoy's rules for that
// release, and walked message by message against the table.
import { describe, expect, it } from "vitest";
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { configDumpFromResources } from "../../../functions/xds/config-dump.js";
import {
  ENVOY_FEATURE_NAMES,
  ENVOY_FEATURES,
  formatEnvoyVersion,
  parseEnvoyVersion,
  resourceSchemas,
  supports,
  type EnvoyVersion,
  type NodeIdentity,
} from "../../../functions/envoy/index.js";
import { createMeshTranslator, usedNames, walkMessage, type NodeResources } from "../../../functions/xds/translate/index.js";
import { NODE_RESOURCE_LISTS } from "../../../functions/xds/translate/translator.js";
import { validateForEnvoyVersion, validateNodeResourcesForEnvoy } from "../../../functions/xds/translate/validate-envoy.js";
import { HttpConnectionManagerSchema } from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { FileAccessLogSchema } from "../../../proto/gen/envoy/extensions/access_loggers/file/v3/file_pb.js";
import { UpstreamTlsContextSchema } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";
import { Cluster_DnsLookupFamily } from "../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { HeaderValueOption_HeaderAppendAction } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { MakeDnsNode, MakeGatewayRoute, MakeMesh, MakeRoute, MakeSnapshot, MakeVirtualGateway, MakeVirtualNode, MakeVirtualRouter, MakeVirtualService, MESH } from "./fixtures.js";
import { scenarios } from "./helpers/scenarios.js";

const BANDS = ["1.15.0", "1.20.0", "1.24.0", "1.34.13"].map((text) => parseEnvoyVersion(text)!);

/** Every name the resources use (types, fields, enum values), by walking each message, packed payloads included. */
function namesUsed(resources: NodeResources): Set<string> {
  const names = new Set<string>();
  for (const [type, list] of NODE_RESOURCE_LISTS) {
    for (const message of resources[list] as Message[]) walkMessage(resourceSchemas[type] as DescMessage, message, (visited) => usedNames(visited).forEach((n) => names.add(n)));
  }
  return names;
}

/** Names the table forbids for a release: newer fields it lacks, and older forms it deprecated. */
function forbiddenFor(version: EnvoyVersion): Set<string> {
  const forbidden = new Set<string>();
  for (const name of ENVOY_FEATURE_NAMES) {
    const row = ENVOY_FEATURES[name];
    if (!supports(version, name) && "introduces" in row) forbidden.add(row.introduces);
    if (supports(version, name)) row.replaces.forEach((older) => forbidden.add(older));
  }
  return forbidden;
}

const vn = (name: string): NodeIdentity => ({ meshName: MESH, kind: "virtualNode", name });
const vg = (name: string): NodeIdentity => ({ meshName: MESH, kind: "virtualGateway", name });

/** A mesh that exercises every row of the table (ALLOW_ALL, HTTP/2 + TLS + SANs, IPv4_PREFERRED, header matchers, text access log, weights summing to 101, a hostname-disabled gateway route). */
const sensitive = MakeSnapshot({
  mesh: MakeMesh({ egressFilter: { type: "ALLOW_ALL" } }),
  virtualNodes: [
    MakeDnsNode("client", 8080, "http", {
      backends: [{ virtualService: { virtualServiceName: "api.app.local" } }],
      logging: { accessLog: { file: { path: "/dev/stdout", format: { text: "%REQ(:METHOD)% %RESPONSE_CODE%" } } } },
      backendDefaults: {
        clientPolicy: {
          tls: { validation: { trust: { file: { certificateChain: "/certs/ca.pem" } }, subjectAlternativeNames: { match: { exact: ["spiffe://app.local/api", "api.app.local"] } } } },
        },
      },
    }),
    MakeVirtualNode("api", {
      listeners: [{ portMapping: { port: 8443, protocol: "http2" }, tls: { mode: "STRICT", certificate: { file: { certificateChain: "/certs/api.pem", privateKey: "/certs/api.key" } } } }],
      serviceDiscovery: { dns: { hostname: "api.app.local", ipPreference: "IPv4_PREFERRED" } },
    }),
    MakeDnsNode("api-canary", 8443, "http2"),
  ],
  virtualServices: [MakeVirtualService("api.app.local", { provider: { virtualRouter: { virtualRouterName: "api" } } })],
  virtualRouters: [MakeVirtualRouter("api", { listeners: [{ portMapping: { port: 8443, protocol: "http2" } }] })],
  routes: [
    MakeRoute("api", "by-header", {
      http2Route: {
        match: {
          prefix: "/",
          headers: [
            { name: "x-tenant", match: { prefix: "blue" } },
            { name: "x-region", match: { suffix: "-1" } },
            { name: "x-build", match: { regex: "[0-9]+" } },
          ],
        },
        action: { weightedTargets: [{ virtualNode: "api", weight: 99 }, { virtualNode: "api-canary", weight: 2 }] },
      },
    }),
  ],
  virtualGateways: [MakeVirtualGateway("gw", { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] })],
  gatewayRoutes: [
    MakeGatewayRoute("gw", "api", {
      httpRoute: {
        match: { prefix: "/api", hostname: { suffix: ".example.com" } },
        action: { target: { virtualService: { virtualServiceName: "api.app.local" } }, rewrite: { hostname: { defaultTargetHostname: "DISABLED" } } },
      },
    }),
  ],
});
const SENSITIVE_NODES = [vn("client"), vg("gw")];

const translateFor = (version: EnvoyVersion, snapshot = sensitive, nodes = SENSITIVE_NODES) => {
  const translator = createMeshTranslator(snapshot);
  return nodes.map((node) => translator.translateNode(node, { envoyVersion: version }));
};

describe("adaptToEnvoyVersion", () => {
  describe.each(BANDS.map((version) => ({ version, name: formatEnvoyVersion(version) })))("Envoy $name", ({ version }) => {
    it("passes the project's validation for that release on every golden scenario and the version-sensitive mesh", () => {
      for (const scenario of scenarios) {
        const translator = createMeshTranslator(scenario.snapshot, scenario.options);
        for (const node of scenario.nodes) {
          const resources = translator.translateNode(node, { apiListeners: scenario.apiListeners ?? [], envoyVersion: version });
          expect(validateNodeResourcesForEnvoy(resources, version), `${scenario.name} ${node.name}`).toEqual([]);
        }
      }
      for (const resources of translateFor(version)) expect(validateNodeResourcesForEnvoy(resources, version)).toEqual([]);
    });

    it("uses no field the release lacks and no older form it deprecated (every message walked against the table)", () => {
      const forbidden = forbiddenFor(version);
      const all = [...scenarios.flatMap((s) => s.nodes.map((node) => createMeshTranslator(s.snapshot, s.options).translateNode(node, { apiListeners: s.apiListeners ?? [], envoyVersion: version }))), ...translateFor(version)];
      for (const resources of all) {
        const used = namesUsed(resources);
        expect([...forbidden].filter((name) => used.has(name))).toEqual([]);
      }
    });

    it("matches the reviewed golden of the version-sensitive mesh for that release", async () => {
      const dump = Object.fromEntries(translateFor(version).map((resources, i) => [`${SENSITIVE_NODES[i]!.kind}/${SENSITIVE_NODES[i]!.name}`, configDumpFromResources(resources)]));
      await expect(JSON.stringify(dump, null, 2) + "\n").toMatchFileSnapshot(`__golden__/version-bands/envoy-${formatEnvoyVersion(version)}.json`);
    });
  });

  it("writes each row's older form for Envoy 1.15 and the newest form for 1.34", () => {
    const [old, oldGateway] = translateFor(BANDS[0]!);
    const [newest, newestGateway] = translateFor(BANDS[3]!);
    const usedOld = new Set([...namesUsed(old!), ...namesUsed(oldGateway!)]);
    const usedNew = new Set([...namesUsed(newest!), ...namesUsed(newestGateway!)]);
    for (const name of ["exact_match", "prefix_match", "suffix_match", "safe_regex_match"]) {
      expect(usedOld.has(`envoy.config.route.v3.HeaderMatcher.${name}`), name).toBe(true);
    }
    expect(usedNew.has("envoy.config.route.v3.HeaderMatcher.string_match")).toBe(true);
    // Weights 99 + 2: total_weight 101 for 1.15, none (the sum) for 1.34.
    const weighted = (resources: NodeResources) => {
      const action = resources.routes.find((r) => r.name === "rds_egress_http2_8443")!.virtualHosts[0]!.routes[0]!.action;
      return action.case === "route" && action.value.clusterSpecifier.case === "weightedClusters" ? action.value.clusterSpecifier.value : undefined;
    };
    expect(weighted(old!)?.totalWeight).toBe(101);
    expect(weighted(newest!)?.totalWeight).toBeUndefined();
    // Regexes name their engine for 1.15.
    expect(usedOld.has("envoy.type.matcher.v3.RegexMatcher.google_re2")).toBe(true);
    expect(usedNew.has("envoy.type.matcher.v3.RegexMatcher.google_re2")).toBe(false);
    // ALLOW_ALL's catch-all is the last chain without a match for 1.15, default_filter_chain for 1.34.
    const egress = (resources: NodeResources) => resources.listeners.find((l) => l.name === "lds_egress_0.0.0.0_15001")!;
    expect(egress(old!).defaultFilterChain).toBeUndefined();
    expect(egress(old!).filterChains.at(-1)).toMatchObject({ name: "egress_allow_all", filterChainMatch: undefined });
    expect(egress(newest!).defaultFilterChain?.name).toBe("egress_allow_all");
    // The HTTP/2 upstream: http2_protocol_options for 1.15, HttpProtocolOptions for 1.34; IPv4 first either way.
    const api = (resources: NodeResources) => resources.clusters.find((c) => c.name === "cds_egress_app_api_http2_8443")!;
    expect(api(old!).http2ProtocolOptions).toBeDefined();
    expect(Object.keys(api(old!).typedExtensionProtocolOptions)).toEqual([]);
    expect(Object.keys(api(newest!).typedExtensionProtocolOptions)).toEqual(["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]);
    expect(api(old!).dnsLookupFamily).toBe(Cluster_DnsLookupFamily.V4_ONLY);
    expect(api(newest!).dnsLookupFamily).toBe(Cluster_DnsLookupFamily.V4_PREFERRED);
    // SANs: one untyped matcher per name for 1.15, one typed matcher per SAN type and name for 1.34.
    const validation = (resources: NodeResources) => {
      const socket = api(resources).transportSocket!;
      const context = socket.configType.case === "typedConfig" ? anyUnpack(socket.configType.value, UpstreamTlsContextSchema) : undefined;
      const type = context?.commonTlsContext?.validationContextType;
      return type?.case === "validationContext" ? type.value : undefined;
    };
    expect(validation(old!)?.matchSubjectAltNames.map((m) => m.matchPattern.value)).toEqual(["spiffe://app.local/api", "api.app.local"]);
    expect(validation(old!)?.matchTypedSubjectAltNames).toEqual([]);
    expect(validation(newest!)?.matchTypedSubjectAltNames).toHaveLength(8);
    // The access log's text format, and the HCM's escaped-slashes action.
    const hcm = (resources: NodeResources) => {
      const filter = resources.listeners.find((l) => l.name === "lds_ingress_0.0.0.0_15000")!.filterChains[0]!.filters[0]!;
      return filter.configType.case === "typedConfig" ? anyUnpack(filter.configType.value, HttpConnectionManagerSchema)! : undefined;
    };
    const logFormat = (resources: NodeResources) => {
      const log = hcm(resources)!.accessLog[0]!;
      return log.configType.case === "typedConfig" ? anyUnpack(log.configType.value, FileAccessLogSchema)?.accessLogFormat : undefined;
    };
    expect(logFormat(old!)).toMatchObject({ case: "logFormat", value: { format: { case: "textFormat", value: "%REQ(:METHOD)% %RESPONSE_CODE%\n" } } });
    expect(logFormat(newest!)).toMatchObject({ case: "logFormat", value: { format: { case: "textFormatSource" } } });
    expect(hcm(old!)!.pathWithEscapedSlashesAction).toBe(0);
    expect(hcm(newest!)!.pathWithEscapedSlashesAction).not.toBe(0);
  });

  it("overwrites the gateway's virtual-service header with append: false before 1.24 and append_action from 1.24", () => {
    const header = (version: EnvoyVersion) => {
      const gateway = translateFor(version)[1]!;
      return gateway.routes.find((r) => r.name === "rds_ingress_http_8080")!.virtualHosts[0]!.routes[0]!.requestHeadersToAdd[0]!;
    };
    const before = header(parseEnvoyVersion("1.23.9")!);
    const from = header(parseEnvoyVersion("1.24.0")!);
    expect([before.append, before.appendAction]).toEqual([false, HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD]);
    expect([from.append, from.appendAction]).toEqual([undefined, HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD]);
  });

  it("adapts a shared resource once per band and serves the translator's own objects to the newest band", () => {
    const snapshot = MakeSnapshot({
      virtualNodes: [...["c1", "c2"].map((name) => MakeDnsNode(name, 8080, "http", { backends: [{ virtualService: { virtualServiceName: "b.app.local" } }] })), MakeDnsNode("b", 80, "http")],
      virtualServices: [MakeVirtualService("b.app.local", { provider: { virtualNode: { virtualNodeName: "b" } } })],
    });
    const translator = createMeshTranslator(snapshot);
    const cluster = (name: string, version?: EnvoyVersion) => translator.translateNode(vn(name), { envoyVersion: version }).clusters.find((c) => c.name === "cds_egress_app_b_http_80");
    const v116 = parseEnvoyVersion("1.16.1")!;
    const v119 = parseEnvoyVersion("1.19.0")!;
    expect(cluster("c1", v116)).toBe(cluster("c2", v116));
    expect(cluster("c1", v116)).not.toBe(cluster("c1", v119));
    expect(cluster("c1")).toBe(cluster("c2", parseEnvoyVersion("1.34.13")!));
  });

  it("lets the version check find what an older Envoy would not understand in the newest form", () => {
    const [newest] = translateFor(BANDS[3]!);
    const rules = new Set(validateForEnvoyVersion(newest!, BANDS[0]).map((violation) => `${violation.rule} ${violation.message.split(" ")[0]}`));
    expect(rules).toContain("version.too_new envoy.config.route.v3.HeaderMatcher.string_match");
    expect(rules).toContain("version.too_new envoy.config.listener.v3.Listener.default_filter_chain");
    expect(rules).toContain("version.required envoy.type.matcher.v3.RegexMatcher.google_re2");
    expect([...rules].some((rule) => rule.startsWith("version.total_weight"))).toBe(true);
  });
});
