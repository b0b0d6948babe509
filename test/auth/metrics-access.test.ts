// `GET /metrics` with authentication on (functions/auth/admin-routes.ts): its series name meshes, so on the API's
// port it needs appmesh:ListMetrics like any other read; Prometheus scrapes the METRICS_PORT listener, which serves
// only /metrics, without credentials, on loopback.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestControlPlane } from "../support/control-plane.js";
import { signedFetch, startAuthPlane, testKeys } from "./support.js";

describe("GET /metrics with authentication on", () => {
  let plane: TestControlPlane;
  beforeAll(async () => {
    plane = await startAuthPlane({ METRICS_PORT: "0" });
  });
  afterAll(async () => plane?.stop());

  it("refuses anonymous callers on the API's port and serves a principal allowed appmesh:ListMetrics", async () => {
    expect((await plane.request("GET", "/metrics")).status).toBe(403);
    const signed = await signedFetch(plane.url, testKeys.reader, "GET", "/metrics");
    expect(signed.status).toBe(200);
    expect(await signed.text()).toMatch(/^meshplane_xds_reload_errors_total 0$/m);
  });

  it("serves /metrics without credentials on the METRICS_PORT listener, on loopback, and nothing else there", async () => {
    const metricsUrl = plane.running.metricsUrl!;
    expect(new URL(metricsUrl).hostname).toBe("127.0.0.1");
    expect(new URL(metricsUrl).port).not.toBe(new URL(plane.url).port);
    const scraped = await fetch(`${metricsUrl}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await scraped.text()).toMatch(/^# TYPE meshplane_xds_connected_proxies gauge$/m);
    expect((await fetch(`${metricsUrl}/v1/xds/proxies`)).status).toBe(404);
    expect((await fetch(`${metricsUrl}/v20190125/meshes`)).status).toBe(404);
  });
});
