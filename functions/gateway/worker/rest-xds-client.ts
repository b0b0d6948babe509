// xDS for the Worker build: polls meshplane's REST xDS (`POST /v3/discovery:<type>`, JSON DiscoveryRequest) with
// fetch, type by type in make-before-break order, and hands each changed type to the runtime as state of the
// world; a type that did not change answers 304 Not Modified (nothing to decode). A refused version is NACKed as
// Envoy does over REST: the next request of that type carries the last accepted version_info and an error_detail
// with the reason; the refused version is not applied again. A failed poll keeps the last accepted config.
// Workers-safe: no node: imports.
// https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#rest-json-polling-subscriptions
import { create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { DiscoveryRequestSchema, DiscoveryResponseSchema } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { envoyRegistry, TypeUrl, type ResourceType } from "../../envoy/index.js";
import type { XdsSubscriber, XdsUpdateResult } from "../xds-client/types.js";
import { unpackResources } from "../xds-client/unpack-resources.js";

const PATHS: Record<"cluster" | "endpoint" | "listener" | "route", string> = {
  cluster: "clusters",
  endpoint: "endpoints",
  listener: "listeners",
  route: "routes",
};
/** Clusters and their endpoints before the listeners and routes that name them. The order MATTERS. */
const ORDER = ["cluster", "endpoint", "listener", "route"] as const;

/** google.rpc.Code INVALID_ARGUMENT, what Envoy puts in a NACK's error_detail. */
const INVALID_ARGUMENT = 3;

export interface RestXdsClient {
  /** One round over every type; resolves true when every request succeeded and every response was accepted. */
  poll(): Promise<boolean>;
}

export interface RestXdsClientOptions {
  baseUrl: string;
  nodeId: string;
  token?: string;
  fetch?: typeof fetch;
  /** Per request (default 10 s): a control plane that does not answer fails the round, which keeps the last config. */
  timeoutMs?: number;
  log?: (message: string) => void;
}

interface TypeState {
  /** Last accepted version; "" before the first. */
  accepted: string;
  /** Resource names the accepted version was for (RDS/EDS subscriptions change with listeners and clusters). */
  names: string;
  /** The version last refused, with its names and why: reported on the next request, not applied again. */
  refused: { version: string; names: string; message: string } | undefined;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Hands one response's resources to the runtime. A resource that does not even decode as its type is refused as
 * one the core refuses: the version is NACKed with why, and polling goes on (it never throws).
 */
function decodeAndApply(subscriber: XdsSubscriber, type: ResourceType, body: JsonValue, version: string): XdsUpdateResult {
  let resources: ReturnType<typeof unpackResources>;
  try {
    resources = unpackResources(fromJson(DiscoveryResponseSchema, body, { registry: envoyRegistry, ignoreUnknownFields: true }).resources);
  } catch (error) {
    return { ok: false, message: `cannot decode the ${type} response: ${messageOf(error)}` };
  }
  try {
    return subscriber.apply(type, resources, version);
  } catch (error) {
    return { ok: false, message: messageOf(error) };
  }
}

export function createRestXdsClient(options: RestXdsClientOptions, subscriber: XdsSubscriber): RestXdsClient {
  const doFetch = options.fetch ?? fetch;
  const log = options.log ?? (() => {});
  const state = new Map<ResourceType, TypeState>(ORDER.map((type) => [type, { accepted: "", names: "", refused: undefined }]));
  return {
    async poll() {
      let ok = true;
      for (const type of ORDER) {
        const typeState = state.get(type)!;
        const wanted = type === "route" || type === "endpoint" ? [...subscriber.wantedNames()[type]].sort() : [];
        if ((type === "route" || type === "endpoint") && wanted.length === 0) continue;
        const names = wanted.join("\u0000");
        const refused = typeState.refused;
        const request = create(DiscoveryRequestSchema, {
          node: { id: options.nodeId, cluster: options.nodeId },
          typeUrl: TypeUrl[type],
          versionInfo: typeState.accepted,
          resourceNames: wanted,
          ...(refused ? { errorDetail: { code: INVALID_ARGUMENT, message: refused.message } } : {}),
        });
        let response: Response;
        try {
          response = await doFetch(`${options.baseUrl}/v3/discovery:${PATHS[type]}`, {
            method: "POST",
            headers: { "content-type": "application/json", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
            body: JSON.stringify(toJson(DiscoveryRequestSchema, request, { registry: envoyRegistry })),
            signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
          });
        } catch {
          subscriber.onConnection(false);
          return false;
        }
        if (response.status === 304) {
          // Not Modified: the version this request carried is still current (for these names).
          subscriber.onConnection(true);
          typeState.names = names;
          continue;
        }
        if (!response.ok) {
          await response.body?.cancel();
          ok = false;
          continue;
        }
        let body: { versionInfo?: unknown; version_info?: unknown };
        try {
          body = (await response.json()) as typeof body;
        } catch {
          ok = false; // not JSON at all: no version to answer for; the next poll asks again
          continue;
        }
        subscriber.onConnection(true);
        const version = String(body?.versionInfo ?? body?.version_info ?? "");
        if (version === typeState.accepted && names === typeState.names) continue;
        if (refused && version === refused.version && names === refused.names) {
          ok = false;
          continue;
        }
        const result = decodeAndApply(subscriber, type, body as JsonValue, version);
        if (result.ok) {
          typeState.accepted = version;
          typeState.names = names;
          typeState.refused = undefined;
        } else {
          typeState.refused = { version, names, message: result.message };
          log(`xds (rest): rejected ${type} version ${version}: ${result.message}`);
          ok = false;
        }
      }
      return ok;
    },
  };
}
