// REST xDS (Envoy's `api_type: REST` config source): `POST /v3/discovery:{listeners,clusters,routes,endpoints,secrets}`
// with a JSON DiscoveryRequest, answered with a JSON DiscoveryResponse of the node's current resources. Envoy polls
// it; there is no stream, so no nonce bookkeeping. This is how Workers (no long-lived gRPC streams) serve Envoys.
// Workers-safe: no node: imports.
import { create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { Hono } from "hono";
import { DiscoveryRequestSchema, DiscoveryResponseSchema } from "../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { XdsCache } from "./cache/cache.js";
import { NodeIdError } from "./cache/types.js";
import { envoyRegistry, TypeUrl, type ResourceType } from "../envoy/index.js";
import type { XdsMetrics } from "./server/metrics.js";
import { subscriptionVersion } from "./server/versions.js";

const paths: Record<string, ResourceType> = {
  listeners: "listener",
  clusters: "cluster",
  routes: "route",
  endpoints: "endpoint",
  secrets: "secret",
};

function status(code: number, message: string): Response {
  return new Response(JSON.stringify({ code, message }), { status: code === 3 ? 400 : code === 5 ? 404 : 500, headers: { "content-type": "application/json" } });
}

export function createRestXdsApp(options: { cache: XdsCache; metrics?: XdsMetrics; controlPlaneId?: string }): Hono {
  const app = new Hono();
  app.post("/v3/:discovery", async (c) => {
    const match = /^discovery:(\w+)$/.exec(c.req.param("discovery"));
    const type = match ? paths[match[1]!] : undefined;
    if (!type) return c.notFound();
    let request;
    try {
      request = fromJson(DiscoveryRequestSchema, (await c.req.json()) as JsonValue, { registry: envoyRegistry, ignoreUnknownFields: true });
    } catch (error) {
      return status(3, `invalid DiscoveryRequest: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!request.node?.id) return status(3, "DiscoveryRequest.node.id is required");
    const names = request.resourceNames.filter((name) => name !== "*");
    const wildcard = names.length === 0 || request.resourceNames.includes("*");
    let snapshot;
    try {
      snapshot = await options.cache.fetch(request.node, type === "listener" && !wildcard ? { apiListeners: names } : {});
    } catch (error) {
      if (error instanceof NodeIdError) return status(3, error.message);
      throw error;
    }
    const resources = snapshot.types[type];
    const nameSet = new Set(names);
    const selected = wildcard ? [...resources.resources.values()] : [...nameSet].sort().flatMap((name) => resources.resources.get(name) ?? []);
    options.metrics?.pushes.inc({ type_url: TypeUrl[type], protocol: "rest" });
    const response = create(DiscoveryResponseSchema, {
      versionInfo: subscriptionVersion(resources, wildcard, nameSet),
      typeUrl: TypeUrl[type],
      resources: selected.map((resource) => resource.any),
      controlPlane: { identifier: options.controlPlaneId ?? "meshplane" },
    });
    return c.json(toJson(DiscoveryResponseSchema, response, { registry: envoyRegistry }) as object);
  });
  return app;
}
