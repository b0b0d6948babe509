// jwt → Envoy's jwt_authn filter: the providers of every jwt policy a connection manager serves (named
// `<policy>/<provider>`), and requirement rules in route order: each route's rule requires what its policy (a gateway
// route's own, else the listener's) asks, so that the rule a request meets is the one of the route it takes.
// docs/policies/jwt.md.
import { clone, create } from "@bufbuild/protobuf";
import {
  JwtAuthenticationSchema,
  JwtProviderSchema,
  JwtRequirementSchema,
  RemoteJwksSchema,
  RequirementRuleSchema,
  type JwtAuthentication,
  type JwtProvider,
  type JwtRequirement,
  type RequirementRule,
} from "../../../../proto/gen/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js";
import { DataSourceSchema } from "../../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { RouteMatchSchema, type RouteMatch } from "../../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import type { AttachedPolicy } from "../../../policies/index.js";
import { ms } from "../common.js";
import type { MeshIndex } from "../mesh-index.js";
import type { ClusterRef } from "../service-routes.js";
import { securityBackend } from "./backends.js";
import { toDuration } from "./percent.js";

const DEFAULT_JWKS_TIMEOUT_MS = 1000;

/** The providers of one policy, keyed as the filter names them (a remote JWKS whose backend no longer resolves fails closed). */
function translateProviders(index: MeshIndex, policy: AttachedPolicy<"jwt">, clusters: ClusterRef[]): Map<string, JwtProvider> {
  const providers = new Map<string, JwtProvider>();
  for (const provider of policy.spec.providers ?? []) {
    const provided = create(JwtProviderSchema, {
      issuer: provider.issuer ?? "",
      audiences: provider.audiences ?? [],
      forward: provider.forward ?? false,
      fromHeaders: (provider.from ?? []).flatMap((source) => (source.header ? [{ name: source.header.name, valuePrefix: source.header.prefix ?? "" }] : [])),
      fromParams: (provider.from ?? []).flatMap((source) => (source.queryParameter ? [source.queryParameter.name] : [])),
      claimToHeaders: (provider.claimToHeaders ?? []).map((claim) => ({ claimName: claim.claim, headerName: claim.header })),
    });
    const { inline, remote } = provider.jwks;
    if (inline !== undefined) provided.jwksSourceSpecifier = { case: "localJwks", value: create(DataSourceSchema, { specifier: { case: "inlineString", value: inline } }) };
    else if (remote) {
      const { name: clusterName, cluster } = securityBackend(index, remote.backendRef, policy.name);
      if (cluster) clusters.push(cluster);
      provided.jwksSourceSpecifier = {
        case: "remoteJwks",
        value: create(RemoteJwksSchema, {
          httpUri: { uri: remote.url, httpUpstreamType: { case: "cluster", value: clusterName }, timeout: remote.timeout ? toDuration(remote.timeout) : ms(DEFAULT_JWKS_TIMEOUT_MS) },
          cacheDuration: remote.cacheDuration ? toDuration(remote.cacheDuration) : undefined,
        }),
      };
    }
    providers.set(`${policy.name}/${provider.name}`, provided);
  }
  return providers;
}

/** What a policy requires of a request; undefined for no check (DISABLED, or none of its providers resolves). */
function requirementOf(policy: AttachedPolicy<"jwt">, available: ReadonlySet<string>): JwtRequirement | undefined {
  if (policy.spec.requirement === "DISABLED") return undefined;
  const names = (policy.spec.providers ?? []).map((provider) => `${policy.name}/${provider.name}`).filter((name) => available.has(name));
  if (names.length === 0) return undefined;
  const byName = names.map((providerName) => create(JwtRequirementSchema, { requiresType: { case: "providerName", value: providerName } }));
  if (policy.spec.requirement === "ALLOW_MISSING") {
    byName.push(create(JwtRequirementSchema, { requiresType: { case: "allowMissing", value: {} } }));
    return create(JwtRequirementSchema, { requiresType: { case: "requiresAny", value: { requirements: byName } } });
  }
  return byName.length === 1 ? byName[0]! : create(JwtRequirementSchema, { requiresType: { case: "requiresAny", value: { requirements: byName } } });
}

/** One route of the connection manager, with the jwt policy attached to it (a gateway route's), if any. */
export interface JwtRoute {
  match: RouteMatch;
  policy: AttachedPolicy<"jwt"> | undefined;
}

/**
 * The filter for one connection manager, or undefined when no jwt policy applies there. `routes` in first-match
 * order; without routes (a node's ingress) the listener's requirement covers every path.
 */
export function translateJwtAuthentication(
  index: MeshIndex,
  listenerPolicy: AttachedPolicy<"jwt"> | undefined,
  routes: readonly JwtRoute[],
  clusters: ClusterRef[],
): JwtAuthentication | undefined {
  const policies = new Map<string, AttachedPolicy<"jwt">>();
  if (listenerPolicy) policies.set(listenerPolicy.name, listenerPolicy);
  for (const route of routes) if (route.policy) policies.set(route.policy.name, route.policy);
  if (policies.size === 0) return undefined;
  const providers: Record<string, JwtProvider> = {};
  for (const policy of policies.values()) for (const [name, provider] of translateProviders(index, policy, clusters)) providers[name] = provider;
  const available = new Set(Object.keys(providers));
  const rule = (match: RouteMatch, policy: AttachedPolicy<"jwt"> | undefined): RequirementRule => {
    const requires = policy ? requirementOf(policy, available) : undefined;
    return create(RequirementRuleSchema, { match: clone(RouteMatchSchema, match), requirementType: requires ? { case: "requires", value: requires } : { case: undefined } });
  };
  const rules = routes.map((route) => rule(route.match, route.policy ?? listenerPolicy));
  rules.push(rule(create(RouteMatchSchema, { pathSpecifier: { case: "prefix", value: "/" } }), listenerPolicy));
  return create(JwtAuthenticationSchema, { providers, rules });
}
