// The text form of `POST /v1/xds/explain` answers for the outcomes test/cli/explain.test.ts does not reach through a
// mesh (TCP proxies, rewrites, an outcome a newer server adds), and which answers count as served.
import { describe, expect, it } from "vitest";
import { isServed, renderExplainText, type ExplainAnswer } from "../../functions/cli/explain-report.js";

const base: ExplainAnswer = {
  node: "mesh/apps/virtualGateway/ingress",
  outcome: "no_listener",
  summary: "The node is served no listener named lds_nope.",
  listener: null,
  filterChain: null,
  routeConfiguration: null,
  path: "/",
  virtualHost: null,
  routes: [],
  route: null,
  clusters: [],
};

describe("renderExplainText", () => {
  it("shows only the steps the answer reached", () => {
    expect(renderExplainText({ ...base, meshRevision: 4 })).toBe("No listener: The node is served no listener named lds_nope.\n\n  node  mesh/apps/virtualGateway/ingress (mesh revision 4)\n");
  });

  it("shows a TCP proxy's chain on any port and its weighted clusters", () => {
    const answer: ExplainAnswer = {
      ...base,
      node: "mesh/apps/virtualNode/db-client",
      outcome: "tcp_proxy",
      summary: "Filter chain egress_tcp proxies TCP without looking at HTTP: bytes go to a (75%), b (25%).",
      listener: { name: "lds_egress_0.0.0.0_15001", direction: "OUTBOUND", port: 15001, version: null },
      filterChain: { name: "egress_tcp", destinationPort: null },
      clusters: [
        { name: "a", weight: 3, percent: 75 },
        { name: "b", weight: 1, percent: 25 },
      ],
    };
    expect(renderExplainText(answer)).toBe(
      [
        "TCP proxy: Filter chain egress_tcp proxies TCP without looking at HTTP: bytes go to a (75%), b (25%).",
        "",
        "  node          mesh/apps/virtualNode/db-client",
        "  listener      lds_egress_0.0.0.0_15001 (outbound, port 15001)",
        "  filter chain  egress_tcp (any port)",
        "",
        "Clusters:",
        "  a  weight 3  75%",
        "  b  weight 1  25%",
        "",
      ].join("\n"),
    );
    expect(isServed(answer)).toBe(true);
  });

  it("sums up the route's rewrites, timeouts and retries, and names the action fields it does not describe", () => {
    const answer: ExplainAnswer = {
      ...base,
      outcome: "routed",
      summary: "Route api of virtual host * sends GET /api/x to cds_ingress.",
      route: {
        index: 0,
        name: "api",
        action: { cluster: "cds_ingress", prefix_rewrite: "/", host_rewrite_literal: "api.internal", timeout: "5s", retry_policy: { retry_on: "5xx", num_retries: 3, per_try_timeout: "1s" }, hash_policy: [] },
      },
      clusters: [{ name: "cds_ingress", weight: 1, percent: 100 }],
    };
    expect(renderExplainText(answer)).toContain(
      "  route  api (path prefix rewritten to /; host rewritten to api.internal; timeout 5s; 3 retries on 5xx, 1s per try; hash_policy (see -o json))\n",
    );
  });

  it("names an outcome it does not know as the server does, and does not count it as served", () => {
    const answer: ExplainAnswer = { ...base, outcome: "rate_limited", summary: "Something newer." };
    expect(renderExplainText(answer)).toMatch(/^rate_limited: Something newer\.\n/);
    expect(isServed(answer)).toBe(false);
    expect(isServed({ ...answer, outcome: "no_cluster" })).toBe(false);
  });
});
