// cors → Envoy's CORS filter (envoy.filters.http.cors), configured by the route's or virtual host's `cors` policy.
// Decision: the policy travels in RouteAction.cors / VirtualHost.cors, the form every Envoy from 1.15 to 1.34 reads,
// rather than the newer CorsPolicy in typed_per_filter_config (docs/policies/cors.md).
import { create } from "@bufbuild/protobuf";
import { CorsPolicySchema, type CorsPolicy } from "../../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { StringMatcherSchema, type StringMatcher } from "../../../../proto/gen/envoy/type/matcher/v3/string_pb.js";
import type { CorsSpec } from "../../../policies/index.js";
import { durationMsOf, runtimePercent } from "./percent.js";

function originMatcher(origin: CorsSpec["allowOrigins"][number]): StringMatcher {
  if (origin.exact !== undefined) return create(StringMatcherSchema, { matchPattern: { case: "exact", value: origin.exact } });
  if (origin.prefix !== undefined) return create(StringMatcherSchema, { matchPattern: { case: "prefix", value: origin.prefix } });
  return create(StringMatcherSchema, { matchPattern: { case: "safeRegex", value: { regex: origin.regex! } } });
}

export function translateCorsPolicy(spec: CorsSpec): CorsPolicy {
  return create(CorsPolicySchema, {
    allowOriginStringMatch: spec.allowOrigins.map(originMatcher),
    allowMethods: (spec.allowMethods ?? []).join(","),
    allowHeaders: (spec.allowHeaders ?? []).join(","),
    exposeHeaders: (spec.exposeHeaders ?? []).join(","),
    maxAge: spec.maxAge ? String(Math.floor(durationMsOf(spec.maxAge) / 1000)) : "",
    allowCredentials: spec.allowCredentials,
    enabledSpecifier: { case: "filterEnabled", value: runtimePercent("meshplane.cors.enabled") },
  });
}
