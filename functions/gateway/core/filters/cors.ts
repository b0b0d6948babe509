// Envoy's CORS filter (envoy.filters.http.cors), on the route's or virtual host's policy: a preflight from an allowed
// origin is answered here (200 with the allowed methods, headers, max age and credentials); an actual request from an
// allowed origin gets access-control-allow-origin (and expose-headers, credentials) on its response; requests from
// other origins pass through untouched, as Envoy leaves them.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/cors_filter
import type { CorsConfig } from "./filter-config.js";
import type { FilterContext, FilterReply } from "./filter-reply.js";
import { headerValue } from "./matchers.js";

export type CorsOutcome = { kind: "reply"; reply: FilterReply } | { kind: "response"; headers: Record<string, string> } | undefined;

export function runCors(policy: CorsConfig | undefined, context: FilterContext): CorsOutcome {
  if (!policy || policy.enabled <= 0 || context.random() >= policy.enabled) return undefined;
  const origin = headerValue(context.request.headers, "origin");
  if (!origin || !policy.origins.some((matches) => matches(origin) || matches("*"))) return undefined;
  const allowOrigin = { "access-control-allow-origin": origin, ...(policy.credentials ? { "access-control-allow-credentials": "true" } : {}) };
  const preflight = context.request.method === "OPTIONS" && headerValue(context.request.headers, "access-control-request-method") !== undefined;
  if (!preflight) return { kind: "response", headers: { ...allowOrigin, ...(policy.exposeHeaders ? { "access-control-expose-headers": policy.exposeHeaders } : {}) } };
  const headers: Record<string, string> = { ...allowOrigin };
  if (policy.methods) headers["access-control-allow-methods"] = policy.methods;
  if (policy.headers) headers["access-control-allow-headers"] = policy.headers;
  if (policy.maxAge) headers["access-control-max-age"] = policy.maxAge;
  return { kind: "reply", reply: { status: 200, headers, body: "", flag: "" } };
}
