// xDS for the Worker build: polls meshplane's REST xDS (`POST /v3/discovery:<type>`, JSON DiscoveryRequest) with
// fetch, type by type in make-before-break order, and hands each changed type to the runtime as state of the
// world. A failed poll keeps the last accepted config. Workers-safe: no node: imports.
import { create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { DiscoveryRequestSchema, DiscoveryResponseSchema } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { envoyRegistry, TypeUrl, type ResourceType } from "../../envoy/index.js";
import type { XdsResources, XdsSubscriber } from "../xds-client/types.js";

const PATHS: Record<"cluster" | "endpoint" | "listener" | "route", string> = {
  cluster: "clusters",
  endpoint: "endpoints",
  listener: "listeners",
  route: "routes",
};
/** Clusters and their endpoints before the listeners and routes that name them. The order MATTERS. */
const ORDER = ["cluster", "endpoint", "listener", "route"] as const;

export interface RestXdsClient {
  /** One round over every type; resolves true when every request succeeded. */
  poll(): Promise<boolean>;
}

export function createRestXdsClient(options: { baseUrl: string; nodeId: string; token?: string; fetch?: typeof fetch }, subscriber: XdsSubscriber): RestXdsClient {
  const doFetch = options.fetch ?? fetch;
  const versions = new Map<ResourceType, string>();
  const requested = new Map<ResourceType, string>();
  return {
    async poll() {
      let ok = true;
      for (const type of ORDER) {
        const wanted = type === "route" || type === "endpoint" ? [...subscriber.wantedNames()[type]].sort() : [];
        if ((type === "route" || type === "endpoint") && wanted.length === 0) continue;
        const request = create(DiscoveryRequestSchema, { node: { id: options.nodeId, cluster: options.nodeId }, typeUrl: TypeUrl[type], versionInfo: versions.get(type) ?? "", resourceNames: wanted });
        let response: Response;
        try {
          response = await doFetch(`${options.baseUrl}/v3/discovery:${PATHS[type]}`, {
            method: "POST",
            headers: { "content-type": "application/json", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
            body: JSON.stringify(toJson(DiscoveryRequestSchema, request, { registry: envoyRegistry })),
          });
        } catch {
          subscriber.onConnection(false);
          return false;
        }
        if (!response.ok) {
          ok = false;
          continue;
        }
        const discovery = fromJson(DiscoveryResponseSchema, (await response.json()) as JsonValue, { registry: envoyRegistry, ignoreUnknownFields: true });
        subscriber.onConnection(true);
        const key = wanted.join("\u0000");
        if (discovery.versionInfo === versions.get(type) && requested.get(type) === key) continue;
        const resources: XdsResources = new Map();
        for (const any of discovery.resources) {
          const message = anyUnpack(any, envoyRegistry);
          if (message) resources.set((message as { name?: string }).name || (message as { clusterName?: string }).clusterName || "", message);
        }
        const result = subscriber.apply(type, resources, discovery.versionInfo);
        // REST has no NACK: a rejected version is simply not recorded, so it is fetched (and refused) again.
        if (result.ok) {
          versions.set(type, discovery.versionInfo);
          requested.set(type, key);
        } else ok = false;
      }
      return ok;
    },
  };
}
