// What the policies add to one HTTP connection manager, from the listener's policies and the route configurations it
// serves: the policy HTTP filters (http-filters.ts), the local reply mappers that give rate-limited replies their
// configured bodies, and `server_header_transformation: PASS_THROUGH` where a route removes the `server` header.
import { create } from "@bufbuild/protobuf";
import {
  HttpConnectionManager_ServerHeaderTransformation,
  LocalReplyConfigSchema,
  type LocalReplyConfig,
} from "../../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { noConnectionManagerPolicies, type ConnectionManagerPolicies } from "../network-filters.js";
import { JwtAuthenticationSchema, type JwtAuthentication } from "../../../../proto/gen/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js";
import type { RouteConfiguration } from "../../../../proto/gen/envoy/config/route/v3/route_pb.js";
import { JWT_FILTER, LOCAL_RATE_LIMIT_FILTER, pack, policyHttpFilters, type PolicyFilterName } from "./http-filters.js";
import type { ListenerPolicies, PolicyTranslation, RateLimitReply } from "./policy-translation.js";
import { rateLimitBodyMapper } from "./rate-limit.js";

function removesServer(configs: readonly RouteConfiguration[]): boolean {
  return configs.some(
    (config) =>
      config.responseHeadersToRemove.includes("server") ||
      config.virtualHosts.some((host) => host.responseHeadersToRemove.includes("server") || host.routes.some((route) => route.responseHeadersToRemove.includes("server"))),
  );
}

/** Rate-limit replies with a body, listener first, then routes in order; the first per status code wins. */
function replyMappers(translation: PolicyTranslation, listener: ListenerPolicies | undefined, configs: readonly RouteConfiguration[]): LocalReplyConfig | undefined {
  const replies: RateLimitReply[] = listener?.rateLimitReply ? [listener.rateLimitReply] : [];
  for (const config of configs) {
    for (const host of config.virtualHosts) {
      for (const route of host.routes) {
        const packed = route.typedPerFilterConfig[LOCAL_RATE_LIMIT_FILTER];
        const reply = packed ? translation.rateLimitReplies.get(packed) : undefined;
        if (reply) replies.push(reply);
      }
    }
  }
  const byStatus = new Map<number, RateLimitReply>();
  for (const reply of replies) if (!byStatus.has(reply.status)) byStatus.set(reply.status, reply);
  if (byStatus.size === 0) return undefined;
  return create(LocalReplyConfigSchema, { mappers: [...byStatus.values()].map((reply) => rateLimitBodyMapper(reply.status, reply.body)) });
}

/**
 * @example
 * translateConnectionManagerPolicies(shared.policies, listenerPolicies, [routeConfig], jwtFilter)
 * // → { httpFilters: [cors, jwt_authn, …], localReplyConfig: { mappers: [RL → body] }, serverHeaderTransformation: PASS_THROUGH }
 */
export function translateConnectionManagerPolicies(
  translation: PolicyTranslation,
  listener: ListenerPolicies | undefined,
  configs: readonly RouteConfiguration[],
  jwt?: JwtAuthentication,
): ConnectionManagerPolicies {
  const filters = new Map<PolicyFilterName, ReturnType<typeof pack>>(listener?.filters ?? []);
  if (jwt) filters.set(JWT_FILTER, pack(JwtAuthenticationSchema, jwt));
  const httpFilters = policyHttpFilters(filters, configs);
  const localReplyConfig = replyMappers(translation, listener, configs);
  const passThrough = removesServer(configs);
  if (httpFilters.length === 0 && !localReplyConfig && !passThrough) return noConnectionManagerPolicies;
  return {
    httpFilters,
    localReplyConfig,
    serverHeaderTransformation: passThrough ? HttpConnectionManager_ServerHeaderTransformation.PASS_THROUGH : HttpConnectionManager_ServerHeaderTransformation.OVERWRITE,
  };
}
