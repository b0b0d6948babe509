// HTTP views of the xDS side, as a Hono sub-app the REST API mounts: the connected proxies and Prometheus metrics.
import { Hono } from "hono";
import type { XdsMetrics } from "./metrics.js";
import type { ProxyRegistry } from "./proxies.js";

/**
 * `GET /v1/xds/proxies` → `{ proxies: [{ streamId, protocol, nodeId, peerAddress, connectedSince,
 *   types: { <typeUrl>: { sentVersion, ackedVersion, nackedVersion, lastNackError, lastNackAt } } }] }`
 * `GET /metrics` → Prometheus text exposition.
 */
export function createXdsStatusApp(options: { proxies: ProxyRegistry; metrics: XdsMetrics }): Hono {
  const app = new Hono();
  app.get("/v1/xds/proxies", (c) => {
    const nodeId = c.req.query("nodeId");
    const proxies = options.proxies.list().filter((proxy) => nodeId === undefined || proxy.nodeId === nodeId);
    return c.json({ proxies });
  });
  app.get("/metrics", (c) => c.text(options.metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));
  return app;
}
