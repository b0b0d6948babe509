// REST xDS (Envoy's `api_type: REST` config source): `POST /v3/discovery:{listeners,clusters,routes,endpoints,secrets}`
// with a JSON DiscoveryRequest, answered with a JSON DiscoveryResponse of the node's current resources. Envoy polls
// it; there is no stream, so no nonce bookkeeping. A poll whose version_info already is the current version is
// answered 304 Not Modified with no body: Envoy's REST fetcher (envoyproxy/envoy source/common/http/
// rest_api_fetcher.cc, `RestApiFetcher::onSuccess`) completes such a request without a config update and schedules
// the next poll, so an unchanged poll costs neither side an encode, a decode or an update. Observers hear only
// `onFetchRequest` of it. It reads the cache through the same public interface as the ADS
// streams (`XdsCache.fetch` beside their `watch`), reads the request as a state-of-the-world Subscription and builds
// the response where the streams build theirs, so any runtime with an XdsCache can serve it (Workers poll it).
// Workers-safe: no node: imports.
import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { Hono } from "hono";
import { DiscoveryRequestSchema, DiscoveryResponseSchema } from "../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { XdsCache } from "./cache/cache.js";
import { MeshUnavailableError, NodeIdError } from "./cache/types.js";
import { envoyRegistry, TypeUrl, type ResourceType } from "../envoy/index.js";
import { createDiscoveryResponse } from "./server/discovery-response.js";
import { createObserverList, type XdsObserver } from "./server/observer.js";
import { Subscription } from "./server/subscription.js";
import { subscriptionVersion } from "./server/versions.js";

const paths: Record<string, ResourceType> = {
  listeners: "listener",
  clusters: "cluster",
  routes: "route",
  endpoints: "endpoint",
  secrets: "secret",
};

export interface RestXdsOptions {
  /** Any source of node snapshots: the Node cache, or the Worker's per-isolate revision cache. */
  cache: Pick<XdsCache, "fetch">;
  /** Told of each fetch (`onFetchRequest`, `onFetchResponse`): the metrics count them as pushes with protocol "rest". */
  observers?: readonly XdsObserver[];
  /** Identifies this control plane in responses. */
  controlPlaneId?: string;
}

/** A google.rpc.Status as JSON, with the HTTP status gRPC-HTTP transcoding gives its code. */
function status(code: number, message: string): Response {
  const http = code === 3 ? 400 : code === 5 ? 404 : code === 14 ? 503 : 500;
  return new Response(JSON.stringify({ code, message }), { status: http, headers: { "content-type": "application/json", ...(code === 14 ? { "retry-after": "2" } : {}) } });
}

export function createRestXdsApp(options: RestXdsOptions): Hono {
  const observer = createObserverList(options.observers ?? []);
  const controlPlaneId = options.controlPlaneId ?? "meshplane";
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
    // The path names the type; a request may leave type_url out (Envoy sends it), observers see it filled in.
    request.typeUrl ||= TypeUrl[type];
    observer.onFetchRequest(request);
    // A poll is a first request every time: naming nothing asks for everything.
    const subscription = new Subscription(type);
    subscription.setResourceNames(request.resourceNames);
    let snapshot;
    try {
      snapshot = await options.cache.fetch(request.node, subscription.nodeRequest());
    } catch (error) {
      if (error instanceof NodeIdError) return status(3, error.message);
      if (error instanceof MeshUnavailableError) return status(14, error.message);
      throw error;
    }
    const resources = snapshot.types[type];
    const version = subscriptionVersion(resources, subscription.wildcard, subscription.names);
    if (request.versionInfo === version) return c.body(null, 304);
    const response = createDiscoveryResponse({ subscription, resources, version, controlPlaneId });
    observer.onFetchResponse(request, response);
    return c.json(toJson(DiscoveryResponseSchema, response, { registry: envoyRegistry }) as object);
  });
  return app;
}
