// HTTP views of the xDS side, as Hono sub-apps: the connected proxies and the meshes' state (the REST API mounts
// them), and Prometheus metrics (mounted behind the API's authentication, or on a listener of their own).
import { Hono } from "hono";
import type { XdsCache } from "../cache/cache.js";
import type { XdsMetrics } from "./metrics.js";
import type { ProxyRegistry } from "./proxies.js";

/**
 * `GET /v1/xds/proxies` → `{ proxies: [{ streamId, protocol, nodeId, peerAddress, connectedSince,
 *   types: { <typeUrl>: { sentVersion, ackedVersion, nackedVersion, lastNackError, lastNackAt } } }] }`
 * `GET /v1/xds/status` → `{ behind: boolean, meshes: [MeshStatus] }`: each mesh the cache holds, with the revision
 *   installed and heard, whether a change is not installed yet and for how long, failed loads and the next retry.
 */
export function createXdsStatusApp(options: { proxies: ProxyRegistry; cache: Pick<XdsCache, "status"> }): Hono {
  const app = new Hono();
  app.get("/v1/xds/proxies", (c) => {
    const nodeId = c.req.query("nodeId");
    const proxies = options.proxies.list().filter((proxy) => nodeId === undefined || proxy.nodeId === nodeId);
    return c.json({ proxies });
  });
  app.get("/v1/xds/status", (c) => {
    const meshes = options.cache.status();
    return c.json({ behind: meshes.some((mesh) => mesh.behind), meshes });
  });
  return app;
}

/** `GET /metrics` → Prometheus text exposition (0.0.4). */
export function createMetricsApp(metrics: XdsMetrics): Hono {
  const app = new Hono();
  app.get("/metrics", (c) => c.text(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));
  return app;
}
