// How a node subscribes to meshplane: over ADS (the App Mesh image's way, and the default), or by polling REST xDS
// (`api_type: REST` config sources, which is all a control plane on Cloudflare Workers serves). Envoy cannot point a
// dynamic reference at "wherever this resource came from" (the `self` config source is not implemented, envoyproxy/
// envoy api/envoy/config/core/v3/config_source.proto), so the RDS, EDS and SDS config sources inside a node's
// resources must name its subscription. A REST bootstrap (`npm run bootstrap -- --rest`) says so in node metadata:
//   node.metadata["meshplane.xds"] = { api_type: "REST", cluster: "<its static xDS cluster>", refresh_delay: "1s",
//                                      request_timeout: "1s" }
// Nodes without the key subscribe over ADS. This file is the one place that reads the key.
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { Node } from "../../proto/gen/envoy/config/core/v3/base_pb.js";

export const XDS_SUBSCRIPTION_METADATA_KEY = "meshplane.xds";

/** Envoy's default REST request timeout (config_source.proto `ApiConfigSource.request_timeout`). */
export const DEFAULT_REST_REQUEST_TIMEOUT_MS = 1000;

export type XdsSubscription =
  | { readonly apiType: "ADS" }
  | {
      readonly apiType: "REST";
      /** The bootstrap's static cluster that reaches meshplane (ApiConfigSource.cluster_names[0]). */
      readonly cluster: string;
      readonly refreshDelayMs: number;
      readonly requestTimeoutMs: number;
    };

export const ADS_SUBSCRIPTION: XdsSubscription = { apiType: "ADS" };

/** Milliseconds as a protobuf JSON Duration: `1s`, `0.250s`. */
export function formatDurationMs(milliseconds: number): string {
  return milliseconds % 1000 === 0 ? `${milliseconds / 1000}s` : `${(milliseconds / 1000).toFixed(3)}s`;
}

/** A protobuf JSON Duration (`1s`, `0.5s`, `2.250s`) in whole milliseconds; undefined if it is not one. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * 1000 + Math.round(Number(`0.${match[2] ?? "0"}`) * 1000);
}

/** The metadata value a REST bootstrap writes for `subscription`. */
export function xdsSubscriptionMetadata(subscription: Extract<XdsSubscription, { apiType: "REST" }>): JsonObject {
  return {
    api_type: "REST",
    cluster: subscription.cluster,
    refresh_delay: formatDurationMs(subscription.refreshDelayMs),
    request_timeout: formatDurationMs(subscription.requestTimeoutMs),
  };
}

const isObject = (value: JsonValue | undefined): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

function duration(entry: JsonObject, field: string, fallback: number | undefined): number | { error: string } {
  const value = entry[field];
  if (value === undefined && fallback !== undefined) return fallback;
  const parsed = typeof value === "string" ? parseDurationMs(value) : undefined;
  if (parsed === undefined || parsed <= 0) return { error: `node.metadata["${XDS_SUBSCRIPTION_METADATA_KEY}"].${field} must be a positive duration such as "1s", got ${JSON.stringify(value ?? null)}` };
  return parsed;
}

/**
 * The subscription a node declares; ADS when its metadata does not say otherwise.
 * @example xdsSubscriptionOfNode({ metadata: { "meshplane.xds": { api_type: "REST", cluster: "cp.example.com", refresh_delay: "1s" } } })
 * // → { apiType: "REST", cluster: "cp.example.com", refreshDelayMs: 1000, requestTimeoutMs: 1000 }
 */
export function xdsSubscriptionOfNode(node: Pick<Node, "metadata"> | undefined): XdsSubscription | { error: string } {
  const entry = node?.metadata?.[XDS_SUBSCRIPTION_METADATA_KEY];
  if (entry === undefined) return ADS_SUBSCRIPTION;
  const where = `node.metadata["${XDS_SUBSCRIPTION_METADATA_KEY}"]`;
  if (!isObject(entry)) return { error: `${where} must be an object` };
  const apiType = entry.api_type ?? "ADS";
  if (apiType === "ADS") return ADS_SUBSCRIPTION;
  if (apiType !== "REST") return { error: `${where}.api_type must be "REST" or "ADS", got ${JSON.stringify(apiType)}` };
  const cluster = entry.cluster;
  if (typeof cluster !== "string" || cluster === "") return { error: `${where}.cluster must name the bootstrap's static cluster that reaches meshplane` };
  const refreshDelayMs = duration(entry, "refresh_delay", undefined);
  if (typeof refreshDelayMs !== "number") return refreshDelayMs;
  const requestTimeoutMs = duration(entry, "request_timeout", DEFAULT_REST_REQUEST_TIMEOUT_MS);
  if (typeof requestTimeoutMs !== "number") return requestTimeoutMs;
  return { apiType: "REST", cluster, refreshDelayMs, requestTimeoutMs };
}

/** A short key for caches: "" for ADS (so ADS keys are unchanged), `@rest:<cluster>:<delay>:<timeout>` otherwise. */
export function xdsSubscriptionKey(subscription: XdsSubscription | undefined): string {
  if (subscription === undefined || subscription.apiType === "ADS") return "";
  return `@rest:${subscription.cluster}:${subscription.refreshDelayMs}:${subscription.requestTimeoutMs}`;
}
