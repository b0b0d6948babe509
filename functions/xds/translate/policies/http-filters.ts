// The HTTP filters meshplane's policies put in a connection manager, in one fixed order before the router, and the
// no-op form each takes where only some routes configure it (their per-route config then switches it on).
// Order: CORS first (a preflight is answered before anything may refuse it), then authentication and authorization,
// then the rate limit (only requests that may pass consume tokens), then fault injection (it stands in for the
// upstream), then the router. The gateway runs the same filters in the same order (gateway/core/filters/).
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { anyPack, type Any } from "@bufbuild/protobuf/wkt";
import { HttpFilterSchema, type HttpFilter } from "../../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { CorsSchema } from "../../../../proto/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js";
import { HTTPFaultSchema } from "../../../../proto/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js";
import { LocalRateLimitSchema } from "../../../../proto/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js";
import type { RouteConfiguration } from "../../../../proto/gen/envoy/config/route/v3/route_pb.js";

export const CORS_FILTER = "envoy.filters.http.cors";
export const JWT_FILTER = "envoy.filters.http.jwt_authn";
export const EXT_AUTHZ_FILTER = "envoy.filters.http.ext_authz";
export const LOCAL_RATE_LIMIT_FILTER = "envoy.filters.http.local_ratelimit";
export const FAULT_FILTER = "envoy.filters.http.fault";

/** The order of this list MATTERS: it is the order of the filters in every connection manager. */
export const POLICY_FILTER_ORDER = [CORS_FILTER, JWT_FILTER, EXT_AUTHZ_FILTER, LOCAL_RATE_LIMIT_FILTER, FAULT_FILTER] as const;
export type PolicyFilterName = (typeof POLICY_FILTER_ORDER)[number];

export const LOCAL_RATE_LIMIT_STAT_PREFIX = "http_local_rate_limiter";

export const pack = <Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Any => anyPack(schema, message);

/**
 * The filter's configuration when no listener-level policy sets it: one that does nothing by itself, so routes
 * without a per-route configuration pass untouched (an empty fault, a rate limiter that is not enabled, CORS that
 * reads only route and virtual-host policies). Filters without such a form (JWT, external authorization) are only
 * ever added with a configuration of their own.
 */
const inertConfigs: Partial<Record<PolicyFilterName, () => Any>> = {
  [CORS_FILTER]: () => pack(CorsSchema, create(CorsSchema)),
  [FAULT_FILTER]: () => pack(HTTPFaultSchema, create(HTTPFaultSchema)),
  [LOCAL_RATE_LIMIT_FILTER]: () => pack(LocalRateLimitSchema, create(LocalRateLimitSchema, { statPrefix: LOCAL_RATE_LIMIT_STAT_PREFIX })),
};

/** Filter names route configurations switch on per route or virtual host (typed_per_filter_config, or `cors`). */
export function filtersUsedBy(configs: readonly RouteConfiguration[]): Set<string> {
  const used = new Set<string>();
  for (const config of configs) {
    for (const host of config.virtualHosts) {
      Object.keys(host.typedPerFilterConfig).forEach((name) => used.add(name));
      if (host.cors) used.add(CORS_FILTER);
      for (const route of host.routes) {
        Object.keys(route.typedPerFilterConfig).forEach((name) => used.add(name));
        if (route.action.case === "route" && route.action.value.cors) used.add(CORS_FILTER);
      }
    }
  }
  return used;
}

/**
 * The policy filters of one connection manager, in POLICY_FILTER_ORDER: those with a listener-level configuration,
 * and the inert form of those its routes switch on.
 */
export function policyHttpFilters(listenerConfigs: ReadonlyMap<PolicyFilterName, Any>, routeConfigs: readonly RouteConfiguration[]): HttpFilter[] {
  const used = filtersUsedBy(routeConfigs);
  const filters: HttpFilter[] = [];
  for (const name of POLICY_FILTER_ORDER) {
    const config = listenerConfigs.get(name) ?? (used.has(name) ? inertConfigs[name]?.() : undefined);
    if (config) filters.push(create(HttpFilterSchema, { name, configType: { case: "typedConfig", value: config } }));
  }
  return filters;
}
