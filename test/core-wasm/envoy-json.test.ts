// Envoy JSON with proto field names (what config dumps print) must give the route table the gateway compiles from
// protobuf-es messages, for every route configuration the translator emits in the guide's scenarios.
import { toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizePath as gatewayNormalizePath } from "../../functions/gateway/core/config/route-entries.js";
import { loadCore, normalizeRequestPath, RouteTable, routeTableSpecFromEnvoyJson, type RouteTableSpec } from "../../core-wasm/node.js";
import { envoyRegistry, RouteConfigurationSchema } from "../../functions/envoy/index.js";
import { resourceToJson } from "../../functions/xds/config-dump.js";
import { translateNode } from "../../functions/xds/translate/index.js";
import { scenarios } from "../xds/translate/helpers/scenarios.js";

loadCore();

describe("routeTableSpecFromEnvoyJson", () => {
  const routeConfigurations = scenarios.flatMap((scenario) =>
    scenario.nodes.flatMap((node) => translateNode(scenario.snapshot, node, scenario.options).routes.map((route) => ({ scenario: scenario.name, route }))),
  );

  it("reads every scenario's route configuration as the gateway's protobuf JSON does", () => {
    expect(routeConfigurations.length).toBeGreaterThan(10);
    for (const { scenario, route } of routeConfigurations) {
      const fromMessage = toJson(RouteConfigurationSchema, route, { registry: envoyRegistry }) as unknown as RouteTableSpec;
      const fromDump = RouteTable.compile(routeTableSpecFromEnvoyJson(resourceToJson("route", route)));
      const asGatewayCompiles = RouteTable.compile({ name: route.name, virtualHosts: fromMessage.virtualHosts ?? [] });
      expect(fromDump.spec, `${scenario}: ${route.name}`).toEqual(asGatewayCompiles.spec);
      fromDump.dispose();
      asGatewayCompiles.dispose();
    }
  });

  it("compiles a dump's snake_case matchers, weights and regexes into a working table", () => {
    const table = RouteTable.compile(
      routeTableSpecFromEnvoyJson({
        name: "rds",
        virtual_hosts: [
          {
            name: "b",
            domains: ["b.local"],
            routes: [
              { name: "by-id", match: { safe_regex: { regex: "/items/[0-9]+" }, headers: [{ name: "x-tier", string_match: { exact: "gold" } }] }, route: { cluster: "gold" } },
              { name: "split", match: { prefix: "/", case_sensitive: false }, route: { weighted_clusters: { clusters: [{ name: "v1", weight: 75 }, { name: "v2", weight: 25 }] } } },
            ],
          },
        ],
      }),
    );
    expect(table.match({ method: "GET", authority: "b.local", path: "/items/7", headers: { "x-tier": "gold" } })?.cluster).toBe("gold");
    expect(table.match({ method: "GET", authority: "b.local", path: "/items/7" }, 0.8)?.cluster).toBe("v2");
    expect(table.spec.routes[1]!.targets).toEqual([{ cluster: "v1", weight: 75 }, { cluster: "v2", weight: 25 }]);
    table.dispose();
  });
});

describe("normalizeRequestPath", () => {
  const both = { normalizePath: true, mergeSlashes: true };

  it("removes dot segments and merges slashes, leaving the query alone", () => {
    expect(normalizeRequestPath("/a//b/../c?x=/../y", both)).toBe("/a/c?x=/../y");
    expect(normalizeRequestPath("/a/./b/.", both)).toBe("/a/b/");
    expect(normalizeRequestPath("/../..", both)).toBe("/");
    expect(normalizeRequestPath("/a/b/..", both)).toBe("/a/");
  });

  it("changes nothing the connection manager was not asked to change", () => {
    expect(normalizeRequestPath("/a//b/../c", { normalizePath: false, mergeSlashes: false })).toBe("/a//b/../c");
    expect(normalizeRequestPath("/a//b/../c", { normalizePath: false, mergeSlashes: true })).toBe("/a/b/../c");
    expect(normalizeRequestPath("/a//b/../c", { normalizePath: true, mergeSlashes: false })).toBe("/a//c");
  });

  it("normalises like the gateway does, so explain and the gateway see one path", () => {
    const segment = fc.constantFrom("a", "b", ".", "..", "", "%2e", "x.y");
    const path = fc.tuple(fc.array(segment, { maxLength: 8 }), fc.option(fc.constantFrom("?q=/../x", "?", "?a=b"))).map(([parts, query]) => `/${parts.join("/")}${query ?? ""}`);
    fc.assert(fc.property(path, fc.boolean(), (input, mergeSlashes) => normalizeRequestPath(input, { normalizePath: true, mergeSlashes }) === gatewayNormalizePath(input, mergeSlashes)));
  });
});
