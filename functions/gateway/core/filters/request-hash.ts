// A route's hash policies (Envoy's RouteAction.hash_policy) turned into the request's hash for RING_HASH and MAGLEV
// clusters: the policies' values combined in order, skipping those the request lacks. A cookie policy with a TTL
// whose cookie is absent makes one up and sets it on the response, so the client's next requests stick (Envoy does
// the same). No value at all: no hash, and the cluster picks at random.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routeaction-hashpolicy
import { hash32 } from "../load-balancer.js";
import type { ProxyRequest } from "../proxy-request.js";
import { headerValue } from "./matchers.js";
import type { HashPolicy } from "./route-policies.js";

function cookieValue(request: ProxyRequest, name: string): string | undefined {
  const header = headerValue(request.headers, "cookie");
  if (!header) return undefined;
  for (const part of header.split(/;\s*/)) {
    const equals = part.indexOf("=");
    if (equals > 0 && part.slice(0, equals) === name) return part.slice(equals + 1);
  }
  return undefined;
}

export function requestHash(policies: readonly HashPolicy[], request: ProxyRequest, random: () => number): { hash: number; responseHeaders: Record<string, string> } | undefined {
  const responseHeaders: Record<string, string> = {};
  let hash: number | undefined;
  const mix = (value: string) => {
    hash = hash === undefined ? hash32(value) : hash32(value, ((hash << 1) | (hash >>> 31)) >>> 0);
  };
  for (const policy of policies) {
    if (policy.kind === "header") {
      const value = headerValue(request.headers, policy.name);
      if (value !== undefined) mix(value);
    } else if (policy.kind === "sourceIp") {
      if (request.remoteAddress) mix(request.remoteAddress);
    } else {
      let value = cookieValue(request, policy.name);
      if (value === undefined && policy.ttlMs !== undefined) {
        value = Math.floor(random() * 2 ** 52).toString(16);
        const maxAge = Math.max(0, Math.round(policy.ttlMs / 1000));
        responseHeaders["set-cookie"] = `${policy.name}=${value}${maxAge > 0 ? `; Max-Age=${maxAge}` : ""}${policy.path ? `; Path=${policy.path}` : ""}; HttpOnly`;
      }
      if (value !== undefined) mix(value);
    }
  }
  return hash === undefined ? undefined : { hash, responseHeaders };
}
