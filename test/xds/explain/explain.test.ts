// Route explain over config dumps the translator produces for the guide's mesh: which route serves a request and
// why the earlier ones did not, for virtual nodes (outbound), virtual gateways (inbound) and TCP chains.
import { describe, expect, it } from "vitest";
import { loadCore } from "../../../core-wasm/node.js";
import { createConfigDump } from "../../../functions/xds/config-dump.js";
import { explainRequest, type ExplainInput } from "../../../functions/xds/explain/index.js";
import type { NodeIdentity } from "../../../functions/envoy/index.js";
import { MakeDnsNode, MakeGatewayRoute, MakeRoute, MakeSnapshot, MakeVirtualGateway, MakeVirtualRouter, MakeVirtualService, MESH } from "../translate/fixtures.js";

const core = loadCore();
const backend = (virtualServiceName: string) => ({ virtualService: { virtualServiceName } });
const snapshot = MakeSnapshot({
  virtualNodes: [
    MakeDnsNode("serviceA", 80, "http", { backends: [backend("serviceb.app.local"), backend("db.app.local")] }),
    MakeDnsNode("serviceB", 80, "http"),
    MakeDnsNode("serviceBv2", 80, "http"),
    MakeDnsNode("db", 5432, "tcp"),
  ],
  virtualRouters: [MakeVirtualRouter("serviceB", { listeners: [{ portMapping: { port: 80, protocol: "http" } }] })],
  routes: [
    MakeRoute("serviceB", "split", { priority: 10, httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "serviceB", weight: 75 }, { virtualNode: "serviceBv2", weight: 25 }] } } }),
    MakeRoute("serviceB", "canary", {
      priority: 1,
      httpRoute: { match: { prefix: "/", headers: [{ name: "x-canary", match: { exact: "1" } }] }, action: { weightedTargets: [{ virtualNode: "serviceBv2", weight: 100 }] } },
    }),
    MakeRoute("serviceB", "api", { priority: 0, httpRoute: { match: { prefix: "/api" }, action: { weightedTargets: [{ virtualNode: "serviceB", weight: 1 }] } } }),
  ],
  virtualServices: [
    MakeVirtualService("serviceb.app.local", { provider: { virtualRouter: { virtualRouterName: "serviceB" } } }),
    MakeVirtualService("db.app.local", { provider: { virtualNode: { virtualNodeName: "db" } } }),
  ],
  virtualGateways: [MakeVirtualGateway("ingress", { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] })],
  gatewayRoutes: [MakeGatewayRoute("ingress", "to-b", { httpRoute: { match: { prefix: "/b/" }, action: { target: { virtualService: { virtualServiceName: "serviceb.app.local" } } } } })],
});

const dumpOf = (kind: NodeIdentity["kind"], name: string) => ({ node: `mesh/${MESH}/${kind}/${name}`, ...createConfigDump(snapshot, { meshName: MESH, kind, name }) });
const serviceA = dumpOf("virtualNode", "serviceA");
const get = (authority: string, path: string, headers?: Record<string, string>): ExplainInput => ({ request: { method: "GET", authority, path, ...(headers ? { headers } : {}) } });

describe("explainRequest", () => {
  it("names the header-matched route, its single cluster, and why the higher-priority route did not match", () => {
    const answer = explainRequest(serviceA, get("serviceb.app.local", "/orders", { "X-Canary": "1" }), core);
    expect(answer.outcome).toBe("routed");
    expect(answer.listener).toMatchObject({ name: "lds_egress_0.0.0.0_15001", direction: "OUTBOUND" });
    expect(answer.filterChain).toEqual({ name: "egress_http_80", destinationPort: 80 });
    expect(answer.routeConfiguration?.name).toBe("rds_egress_http_80");
    expect(answer.virtualHost?.name).toBe("serviceb.app.local");
    expect(answer.route?.name).toBe("canary");
    expect(answer.clusters).toEqual([{ name: "cds_egress_app_serviceBv2_http_80", weight: 100, percent: 100 }]);
    expect(answer.routes).toEqual([
      { index: 0, name: "api", matched: false, reason: 'path: prefix "/api" does not match "/orders"' },
      { index: 1, name: "canary", matched: true },
    ]);
    expect(answer.summary).toBe("Route canary of virtual host serviceb.app.local sends GET /orders to cds_egress_app_serviceBv2_http_80.");
  });

  it("falls through to the weighted route with each cluster's share when the header is absent", () => {
    const answer = explainRequest(serviceA, get("serviceb.app.local:80", "/orders"), core);
    expect(answer.route?.name).toBe("split");
    expect(answer.clusters).toEqual([
      { name: "cds_egress_app_serviceB_http_80", weight: 75, percent: 75 },
      { name: "cds_egress_app_serviceBv2_http_80", weight: 25, percent: 25 },
    ]);
    expect(answer.routes.map((route) => route.reason ?? "matched")).toEqual([
      'path: prefix "/api" does not match "/orders"',
      'header "x-canary": expected exact "1", got absent',
      "matched",
    ]);
    expect(answer.route?.action).toMatchObject({ timeout: "15s" });
  });

  it("matches the path the connection manager normalised", () => {
    const answer = explainRequest(serviceA, get("serviceb.app.local", "/orders/..//api/v1"), core);
    expect(answer.path).toBe("/api/v1");
    expect(answer.route?.name).toBe("api");
  });

  it("reports an authority no virtual host serves, with the domains that exist", () => {
    const answer = explainRequest(serviceA, get("unknown.app.local", "/"), core);
    expect(answer.outcome).toBe("no_virtual_host");
    expect(answer.virtualHost).toBeNull();
    expect(answer.clusters).toEqual([]);
    expect(answer.summary).toContain("serviceb.app.local:80");
  });

  it("reports a request no route matches", () => {
    const onlyApi = MakeSnapshot({ ...snapshot, routes: snapshot.routes.filter((route) => route.routeName === "api") });
    const dump = { node: `mesh/${MESH}/virtualNode/serviceA`, ...createConfigDump(onlyApi, { meshName: MESH, kind: "virtualNode", name: "serviceA" }) };
    const answer = explainRequest(dump, get("serviceb.app.local", "/orders"), core);
    expect(answer.outcome).toBe("no_route");
    expect(answer.route).toBeNull();
    expect(answer.routes).toEqual([{ index: 0, name: "api", matched: false, reason: 'path: prefix "/api" does not match "/orders"' }]);
  });

  it("explains a TCP backend's chain by its destination port", () => {
    const answer = explainRequest(serviceA, { port: 5432, request: { method: "GET", authority: "db.app.local", path: "/" } }, core);
    expect(answer.outcome).toBe("tcp_proxy");
    expect(answer.clusters).toEqual([{ name: "cds_egress_app_db_tcp_5432", weight: 1, percent: 100 }]);
  });

  it("refuses a port the listener has no chain for, and a listener the node is not served", () => {
    expect(explainRequest(serviceA, get("serviceb.app.local:9999", "/"), core).outcome).toBe("no_filter_chain");
    const missing = explainRequest(serviceA, { ...get("serviceb.app.local", "/"), listener: "lds_nothing" }, core);
    expect(missing.outcome).toBe("no_listener");
    expect(missing.summary).toBe("The node is served no listener named lds_nothing.");
  });

  it("explains a virtual gateway's inbound listener on the port of the request", () => {
    const gateway = dumpOf("virtualGateway", "ingress");
    const answer = explainRequest(gateway, { port: 8080, request: { method: "GET", authority: "anything.example.com", path: "/b/orders" } }, core);
    expect(answer.outcome).toBe("routed");
    expect(answer.listener).toMatchObject({ direction: "INBOUND", port: 8080 });
    expect(answer.route?.name).toBe("to-b");
  });

  it("explains the inbound side of a virtual node when asked for its ingress listener", () => {
    const answer = explainRequest(dumpOf("virtualNode", "serviceB"), { ...get("serviceb.app.local", "/"), listener: "lds_ingress_0.0.0.0_15000", port: 80 }, core);
    expect(answer.outcome).toBe("routed");
    expect(answer.clusters.map((cluster) => cluster.name)).toEqual(["cds_ingress_app_serviceB_http_80"]);
  });
});
