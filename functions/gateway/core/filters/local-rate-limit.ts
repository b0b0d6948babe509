// Envoy's local rate limit filter (envoy.filters.http.local_ratelimit): one token per request from the bucket of the
// configuration in force (the route's, else the listener's); an empty bucket answers the configured status (429) with
// x-envoy-ratelimited and the configured headers. Buckets are per gateway process (per isolate on Workers).
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/local_rate_limit_filter
import type { RateLimitConfig } from "./filter-config.js";
import type { FilterState } from "./filter-state.js";
import { textReply, type FilterContext, type FilterReply } from "./filter-reply.js";

export function runLocalRateLimit(config: RateLimitConfig, context: FilterContext, state: FilterState): FilterReply | undefined {
  if (config.enabled <= 0 || context.random() >= config.enabled) return undefined;
  const bucket = state.bucket(config, context.now());
  if (!bucket || bucket.take(context.now())) return undefined;
  if (config.enforced <= 0 || context.random() >= config.enforced) return undefined;
  const headers: Record<string, string> = { "x-envoy-ratelimited": "true" };
  for (const header of config.responseHeaders) headers[header.name] = header.value;
  return textReply(config.status, "local_rate_limited", "RL", headers);
}
