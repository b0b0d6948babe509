// The HTTP filters of a connection manager and their per-route configurations, read once per Listener and per
// RouteConfiguration into what the gateway's filter runtime needs (filter-chain.ts). The filters meshplane's
// policies emit are implemented; any other filter makes the listener unservable (a NACK naming it), unless Envoy's
// `is_optional` says it may be skipped, so that no security filter is ever silently left out.
import { anyUnpack, durationMs, type Any } from "@bufbuild/protobuf/wkt";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { FractionalPercent_DenominatorType, type FractionalPercent } from "../../../../proto/gen/envoy/type/v3/percent_pb.js";
import type { HeaderValueOption, RuntimeFractionalPercent } from "../../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { CorsPolicy } from "../../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import {
  HttpConnectionManager_ServerHeaderTransformation,
  type HttpConnectionManager,
} from "../../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { HTTPFaultSchema, type HTTPFault } from "../../../../proto/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js";
import { LocalRateLimitSchema, type LocalRateLimit } from "../../../../proto/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js";
import { JwtAuthenticationSchema, type JwtProvider, type JwtRequirement } from "../../../../proto/gen/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js";
import { ExtAuthzPerRouteSchema, ExtAuthzSchema } from "../../../../proto/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js";
import { compileHeaderMatcher, compileRouteMatch, compileStringMatcher, type HeaderMatch, type RouteMatcher, type StringMatch } from "./matchers.js";

const TYPE = "type.googleapis.com/envoy.extensions.filters.http.";
export const FILTER_TYPES = {
  router: `${TYPE}router.v3.Router`,
  cors: `${TYPE}cors.v3.Cors`,
  fault: `${TYPE}fault.v3.HTTPFault`,
  localRateLimit: `${TYPE}local_ratelimit.v3.LocalRateLimit`,
  jwt: `${TYPE}jwt_authn.v3.JwtAuthentication`,
  extAuthz: `${TYPE}ext_authz.v3.ExtAuthz`,
} as const;

/** A share of requests, 0..1. */
export type Fraction = number;

export function fractionOf(percent: FractionalPercent | undefined, absent: Fraction): Fraction {
  if (!percent) return absent;
  const denominators: Record<FractionalPercent_DenominatorType, number> = {
    [FractionalPercent_DenominatorType.HUNDRED]: 100,
    [FractionalPercent_DenominatorType.TEN_THOUSAND]: 10_000,
    [FractionalPercent_DenominatorType.MILLION]: 1_000_000,
  };
  return Math.min(1, percent.numerator / (denominators[percent.denominator] ?? 100));
}

/** A runtime fraction's default (the gateway has no runtime: the default is the value). */
const runtimeFraction = (runtime: RuntimeFractionalPercent | undefined, absent: Fraction): Fraction => (runtime ? fractionOf(runtime.defaultValue, absent) : absent);

const msOf = (duration: Duration | undefined, absent: number): number => (duration ? durationMs(duration) : absent);

export interface HeaderAddition {
  name: string;
  value: string;
  append: boolean;
}

const additions = (options: readonly HeaderValueOption[]): HeaderAddition[] =>
  options.filter((o) => o.header).map((o) => ({ name: o.header!.key.toLowerCase(), value: o.header!.value, append: o.append !== undefined ? o.append : o.appendAction === 0 }));

export interface FaultConfig {
  readonly delay: { ms: number; fraction: Fraction } | undefined;
  readonly abort: { httpStatus: number | undefined; grpcStatus: number | undefined; fraction: Fraction } | undefined;
  readonly headers: readonly HeaderMatch[];
  readonly maxActiveFaults: number | undefined;
}

export function parseFault(fault: HTTPFault): FaultConfig {
  const delay = fault.delay;
  const abort = fault.abort;
  return {
    delay: delay?.faultDelaySecifier.case === "fixedDelay" ? { ms: durationMs(delay.faultDelaySecifier.value), fraction: fractionOf(delay.percentage, 1) } : undefined,
    abort:
      abort && (abort.errorType.case === "httpStatus" || abort.errorType.case === "grpcStatus")
        ? {
            httpStatus: abort.errorType.case === "httpStatus" ? abort.errorType.value : undefined,
            grpcStatus: abort.errorType.case === "grpcStatus" ? abort.errorType.value : undefined,
            fraction: fractionOf(abort.percentage, 1),
          }
        : undefined,
    headers: fault.headers.map(compileHeaderMatcher),
    maxActiveFaults: fault.maxActiveFaults,
  };
}

export interface RateLimitConfig {
  readonly enabled: Fraction;
  readonly enforced: Fraction;
  readonly bucket: { maxTokens: number; tokensPerFill: number; fillIntervalMs: number } | undefined;
  readonly status: number;
  readonly responseHeaders: readonly HeaderAddition[];
}

export function parseRateLimit(limit: LocalRateLimit): RateLimitConfig {
  const bucket = limit.tokenBucket;
  return {
    enabled: runtimeFraction(limit.filterEnabled, 0),
    enforced: runtimeFraction(limit.filterEnforced, 0),
    bucket: bucket ? { maxTokens: bucket.maxTokens, tokensPerFill: bucket.tokensPerFill ?? 1, fillIntervalMs: msOf(bucket.fillInterval, 1000) } : undefined,
    status: limit.status?.code || 429,
    responseHeaders: additions(limit.responseHeadersToAdd),
  };
}

export interface CorsConfig {
  readonly origins: readonly StringMatch[];
  readonly methods: string;
  readonly headers: string;
  readonly exposeHeaders: string;
  readonly maxAge: string;
  readonly credentials: boolean;
  readonly enabled: Fraction;
}

export function parseCors(policy: CorsPolicy): CorsConfig {
  return {
    origins: policy.allowOriginStringMatch.map(compileStringMatcher),
    methods: policy.allowMethods,
    headers: policy.allowHeaders,
    exposeHeaders: policy.exposeHeaders,
    maxAge: policy.maxAge,
    credentials: policy.allowCredentials ?? false,
    enabled: policy.enabledSpecifier.case === "filterEnabled" ? runtimeFraction(policy.enabledSpecifier.value, 1) : 1,
  };
}

export interface JwtProviderConfig {
  readonly name: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwks: { inline: string } | { remote: { uri: string; cluster: string; timeoutMs: number; cacheMs: number } };
  readonly fromHeaders: readonly { name: string; prefix: string }[];
  readonly fromParams: readonly string[];
  readonly forward: boolean;
  readonly claimToHeaders: readonly { claim: string; header: string }[];
}

/** A requirement as a tree: any of, all of, one provider, or "a missing token is fine". */
export type Requirement = { provider: string } | { any: Requirement[] } | { all: Requirement[] } | { allowMissing: true } | { allowMissingOrFailed: true };

export interface JwtConfig {
  readonly providers: ReadonlyMap<string, JwtProviderConfig>;
  /** First match wins; a rule without requirement means no check. */
  readonly rules: readonly { match: RouteMatcher; requirement: Requirement | undefined }[];
}

function parseRequirement(requirement: JwtRequirement): Requirement {
  const type = requirement.requiresType;
  switch (type.case) {
    case "providerName":
      return { provider: type.value };
    case "requiresAny":
      return { any: type.value.requirements.map(parseRequirement) };
    case "requiresAll":
      return { all: type.value.requirements.map(parseRequirement) };
    case "allowMissing":
      return { allowMissing: true };
    case "allowMissingOrFailed":
      return { allowMissingOrFailed: true };
    default:
      throw new Error(`jwt_authn: requirement ${type.case ?? "(none)"} is not supported by the gateway`);
  }
}

/** The JWKS cache duration when the provider names none: Envoy's default, 5 minutes. */
const DEFAULT_JWKS_CACHE_MS = 300_000;

function parseProvider(name: string, provider: JwtProvider): JwtProviderConfig {
  const source = provider.jwksSourceSpecifier;
  let jwks: JwtProviderConfig["jwks"];
  if (source.case === "localJwks" && source.value.specifier.case === "inlineString") jwks = { inline: source.value.specifier.value };
  else if (source.case === "remoteJwks" && source.value.httpUri?.httpUpstreamType.case === "cluster") {
    const uri = source.value.httpUri;
    const cluster = uri.httpUpstreamType.case === "cluster" ? uri.httpUpstreamType.value : "";
    jwks = { remote: { uri: uri.uri, cluster, timeoutMs: msOf(uri.timeout, 1000), cacheMs: msOf(source.value.cacheDuration, DEFAULT_JWKS_CACHE_MS) } };
  } else throw new Error(`jwt_authn: provider ${name} needs an inline or a cluster-fetched JWKS`);
  return {
    name,
    issuer: provider.issuer,
    audiences: provider.audiences,
    jwks,
    fromHeaders: provider.fromHeaders.map((header) => ({ name: header.name.toLowerCase(), prefix: header.valuePrefix })),
    fromParams: provider.fromParams,
    forward: provider.forward,
    claimToHeaders: provider.claimToHeaders.map((claim) => ({ claim: claim.claimName, header: claim.headerName.toLowerCase() })),
  };
}

export interface ExtAuthzConfig {
  readonly protocol: "http" | "grpc";
  readonly cluster: string;
  /** The authority an HTTP authorization request carries (the server URI's host). */
  readonly authority: string;
  readonly timeoutMs: number;
  readonly pathPrefix: string;
  readonly allowedHeaders: readonly StringMatch[];
  readonly allowedUpstreamHeaders: readonly StringMatch[];
  readonly failureModeAllow: boolean;
  readonly errorStatus: number;
}

const listMatcher = (list: { patterns: Parameters<typeof compileStringMatcher>[0][] } | undefined): StringMatch[] => (list?.patterns ?? []).map(compileStringMatcher);

/** One HTTP filter of a connection manager, parsed. */
export type HttpFilterConfig =
  | { kind: "cors"; name: string }
  | { kind: "fault"; name: string; config: FaultConfig }
  | { kind: "localRateLimit"; name: string; config: RateLimitConfig }
  | { kind: "jwt"; name: string; config: JwtConfig }
  | { kind: "extAuthz"; name: string; config: ExtAuthzConfig };

function parseFilter(name: string, any: Any, listener: string): HttpFilterConfig | undefined {
  switch (any.typeUrl) {
    case FILTER_TYPES.cors:
      return { kind: "cors", name };
    case FILTER_TYPES.fault:
      return { kind: "fault", name, config: parseFault(anyUnpack(any, HTTPFaultSchema)!) };
    case FILTER_TYPES.localRateLimit:
      return { kind: "localRateLimit", name, config: parseRateLimit(anyUnpack(any, LocalRateLimitSchema)!) };
    case FILTER_TYPES.jwt: {
      const jwt = anyUnpack(any, JwtAuthenticationSchema)!;
      return {
        kind: "jwt",
        name,
        config: {
          providers: new Map(Object.entries(jwt.providers).map(([provider, config]) => [provider, parseProvider(provider, config)])),
          rules: jwt.rules.map((rule) => ({
            match: compileRouteMatch(rule.match!),
            requirement:
              rule.requirementType.case === "requires"
                ? parseRequirement(rule.requirementType.value)
                : rule.requirementType.case === "requirementName"
                  ? parseRequirement(jwt.requirementMap[rule.requirementType.value] ?? { requiresType: { case: undefined } } as JwtRequirement)
                  : undefined,
          })),
        },
      };
    }
    case FILTER_TYPES.extAuthz: {
      const authz = anyUnpack(any, ExtAuthzSchema)!;
      const services = authz.services;
      const common = { failureModeAllow: authz.failureModeAllow, errorStatus: authz.statusOnError?.code || 403 };
      if (services.case === "grpcService" && services.value.targetSpecifier.case === "envoyGrpc") {
        const target = services.value.targetSpecifier.value;
        return {
          kind: "extAuthz",
          name,
          config: { protocol: "grpc", cluster: target.clusterName, authority: target.authority || target.clusterName, timeoutMs: msOf(services.value.timeout, 200), pathPrefix: "", allowedHeaders: [], allowedUpstreamHeaders: [], ...common },
        };
      }
      if (services.case === "httpService" && services.value.serverUri?.httpUpstreamType.case === "cluster") {
        const http = services.value;
        const uri = http.serverUri!;
        const cluster = uri.httpUpstreamType.case === "cluster" ? uri.httpUpstreamType.value : "";
        let authority = cluster;
        try {
          authority = new URL(uri.uri).host;
        } catch {
          // a server URI without a host: the cluster name stands in
        }
        return {
          kind: "extAuthz",
          name,
          config: {
            protocol: "http",
            cluster,
            authority,
            timeoutMs: msOf(uri.timeout, 200),
            pathPrefix: http.pathPrefix,
            allowedHeaders: listMatcher(http.authorizationRequest?.allowedHeaders),
            allowedUpstreamHeaders: listMatcher(http.authorizationResponse?.allowedUpstreamHeaders),
            ...common,
          },
        };
      }
      throw new Error(`listener ${listener}: ext_authz needs an envoy_grpc service or an http_service with a cluster`);
    }
    default:
      return undefined;
  }
}

/** How the connection manager treats the `server` response header (Envoy's server_header_transformation). */
export interface ServerHeader {
  readonly mode: "overwrite" | "appendIfAbsent" | "passThrough";
  /** Envoy's server_name; "envoy" when unset. */
  readonly name: string;
}

export interface LocalReplyMapper {
  /** The reply's status and response flag decide whether the mapper applies. */
  matches(status: number, flags: readonly string[]): boolean;
  status: number | undefined;
  body: string | undefined;
  headers: readonly HeaderAddition[];
}

export interface ConnectionManagerFilters {
  /** Before the router, in order. */
  readonly httpFilters: readonly HttpFilterConfig[];
  readonly serverHeader: ServerHeader;
  readonly localReplyMappers: readonly LocalReplyMapper[];
}

const serverModes: Record<HttpConnectionManager_ServerHeaderTransformation, ServerHeader["mode"]> = {
  [HttpConnectionManager_ServerHeaderTransformation.OVERWRITE]: "overwrite",
  [HttpConnectionManager_ServerHeaderTransformation.APPEND_IF_ABSENT]: "appendIfAbsent",
  [HttpConnectionManager_ServerHeaderTransformation.PASS_THROUGH]: "passThrough",
};

function parseMappers(manager: HttpConnectionManager, listener: string): LocalReplyMapper[] {
  return (manager.localReplyConfig?.mappers ?? []).map((mapper, index) => {
    const tests: ((status: number, flags: readonly string[]) => boolean)[] = [];
    const visit = (filter: NonNullable<typeof mapper.filter>): void => {
      const specifier = filter.filterSpecifier;
      if (specifier.case === "andFilter") specifier.value.filters.forEach(visit);
      else if (specifier.case === "responseFlagFilter") tests.push((_status, flags) => specifier.value.flags.length === 0 || specifier.value.flags.some((flag) => flags.includes(flag)));
      else if (specifier.case === "statusCodeFilter") {
        const comparison = specifier.value.comparison;
        const value = comparison?.value?.defaultValue ?? 0;
        const op = comparison?.op ?? 0;
        tests.push((status) => (op === 0 ? status === value : op === 1 ? status >= value : status <= value));
      } else throw new Error(`listener ${listener}: local_reply_config mapper ${index}: filter ${specifier.case ?? "(none)"} is not supported by the gateway`);
    };
    if (mapper.filter) visit(mapper.filter);
    const body = mapper.body?.specifier;
    return {
      matches: (status, flags) => tests.every((test) => test(status, flags)),
      status: mapper.statusCode,
      body: body?.case === "inlineString" ? body.value : body?.case === "inlineBytes" ? new TextDecoder().decode(body.value) : undefined,
      headers: additions(mapper.headersToAdd),
    };
  });
}

/** The policy-relevant parts of a connection manager; throws for a filter the gateway cannot honour. */
export function parseConnectionManagerFilters(manager: HttpConnectionManager | undefined, listener: string): ConnectionManagerFilters {
  const httpFilters: HttpFilterConfig[] = [];
  for (const filter of manager?.httpFilters ?? []) {
    const any = filter.configType.case === "typedConfig" ? filter.configType.value : undefined;
    if (any?.typeUrl === FILTER_TYPES.router) break;
    const parsed = any ? parseFilter(filter.name, any, listener) : undefined;
    if (parsed) httpFilters.push(parsed);
    else if (!filter.isOptional) throw new Error(`listener ${listener}: HTTP filter ${filter.name} (${any?.typeUrl ?? "no typed_config"}) is not implemented by the gateway; mark it is_optional to let the gateway skip it`);
  }
  return {
    httpFilters,
    serverHeader: { mode: serverModes[manager?.serverHeaderTransformation ?? 0] ?? "overwrite", name: manager?.serverName || "envoy" },
    localReplyMappers: manager ? parseMappers(manager, listener) : [],
  };
}

/** Per-route (or virtual host) filter configurations, by filter name. */
export type PerFilterConfig = { kind: "fault"; config: FaultConfig } | { kind: "localRateLimit"; config: RateLimitConfig } | { kind: "extAuthz"; disabled: boolean } | { kind: "opaque" };

export function parsePerFilterConfigs(configs: { readonly [name: string]: Any }): Map<string, PerFilterConfig> {
  const parsed = new Map<string, PerFilterConfig>();
  for (const [name, any] of Object.entries(configs)) {
    if (any.typeUrl === FILTER_TYPES.fault) parsed.set(name, { kind: "fault", config: parseFault(anyUnpack(any, HTTPFaultSchema)!) });
    else if (any.typeUrl === FILTER_TYPES.localRateLimit) parsed.set(name, { kind: "localRateLimit", config: parseRateLimit(anyUnpack(any, LocalRateLimitSchema)!) });
    else if (any.typeUrl === `${TYPE}ext_authz.v3.ExtAuthzPerRoute`) {
      const perRoute = anyUnpack(any, ExtAuthzPerRouteSchema)!;
      parsed.set(name, { kind: "extAuthz", disabled: perRoute.override.case === "disabled" && perRoute.override.value });
    } else parsed.set(name, { kind: "opaque" });
  }
  return parsed;
}
