// What the gateway needs of each Envoy route besides matching (which core-wasm does): rewrites, header changes,
// timeouts and the retry policy, read once per RouteConfiguration so the request path only indexes arrays.
import { toJson } from "@bufbuild/protobuf";
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { RouteTable, RouteTableSpec } from "../../../../core-wasm/index.js";
import { RouteTable as RouteTableClass } from "../../../../core-wasm/index.js";
import type { Core } from "../../../../core-wasm/index.js";
import { HeaderValueOption_HeaderAppendAction, type HeaderValueOption } from "../../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { Route, RouteAction, VirtualHost } from "../../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../../../proto/gen/envoy/config/route/v3/route_pb.js";
import { envoyRegistry } from "../../../envoy/index.js";
import { aggregateStatsTags, type AggregateStatsTags } from "./aggregate-stats.js";
import { parseRetryPolicy, type RetryPolicy } from "../retry-policy.js";
import { headerOperations, type HeaderChanges, type RequestOperation, type ResponseOperation } from "../route-operations.js";
import { parseRoutePolicies, type RoutePolicies } from "../filters/route-policies.js";

export type { HeaderChange, HeaderChanges } from "../route-operations.js";


export interface RouteEntry {
  name: string;
  /** Absent for non-forwarding routes (redirect, direct response): they answer 404 here. */
  forward: boolean;
  /** The route's match prefix or exact path, replaced by prefixRewrite (Envoy's semantics). */
  matchedPrefix: string | undefined;
  prefixRewrite: string | undefined;
  regexRewrite: { pattern: RegExp; substitution: string } | undefined;
  hostRewrite: string | undefined;
  /** 0 = disabled; Envoy's default 15 s when unset. */
  timeoutMs: number;
  /** 0 = none (then the listener's stream idle timeout). */
  idleTimeoutMs: number;
  retry: RetryPolicy | undefined;
  /** Route, then virtual host, then route configuration: Envoy applies the most specific last for requests. */
  request: HeaderChanges;
  response: HeaderChanges;
  /** What the route does to the request before it goes upstream, in order (empty: nothing). */
  requestOperations: readonly RequestOperation[];
  /** What it does to the response headers going downstream, in order (empty: nothing). */
  responseOperations: readonly ResponseOperation[];
  /** x-envoy-expected-rq-timeout-ms for this route alone (String(timeoutMs)), made once. */
  timeoutHeader: string;
  /** App Mesh's metrics extension tags (TargetVirtualService), from the route's aggregate_stats metadata. */
  aggregateStats: AggregateStatsTags | undefined;
  /** The route's policy configurations (filters/route-policies.ts); undefined when it has none, the common case. */
  policies: RoutePolicies | undefined;
}

/** A compiled route configuration: the core-wasm table plus entries by [virtualHost][route]. */
export interface CompiledRouteConfig {
  name: string;
  table: RouteTable;
  entries: RouteEntry[][];
  /** The same entries in core-wasm's table order (virtual hosts in order, their routes in order): `matchIndex` indexes it. */
  routes: readonly RouteEntry[];
  /** Every cluster a route names (cluster or weighted clusters). */
  clusters: ReadonlySet<string>;
  /** validate_clusters: Envoy refuses the configuration while a named cluster is unknown (default off for RDS). */
  validateClusters: boolean;
  /** Protobuf equality stand-in: the JSON it was compiled from, to skip recompiling unchanged configurations. */
  source: string;
}

const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

function headerChanges(add: readonly HeaderValueOption[], remove: readonly string[]): HeaderChanges {
  return {
    add: add
      .filter((option) => option.header)
      .map((option) => ({
        name: option.header!.key.toLowerCase(),
        value: option.header!.value,
        append:
          option.append !== undefined
            ? option.append
            : option.appendAction === HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD,
      })),
    remove: remove.map((name) => name.toLowerCase()),
  };
}

function mergeChanges(...layers: HeaderChanges[]): HeaderChanges {
  return { add: layers.flatMap((layer) => layer.add), remove: layers.flatMap((layer) => layer.remove) };
}

const ms = (duration: Parameters<typeof durationMs>[0] | undefined): number | undefined => (duration === undefined ? undefined : durationMs(duration));

/**
 * Envoy's regex_rewrite uses RE2 syntax; JavaScript's RegExp accepts the subset meshplane emits (`^.*$`, user
 * path regexes already checked to be RE2-class). Every match is replaced, as in Envoy.
 */
function parseRegexRewrite(action: RouteAction): RouteEntry["regexRewrite"] {
  const rewrite = action.regexRewrite;
  if (!rewrite?.pattern) return undefined;
  return { pattern: new RegExp(rewrite.pattern.regex, "g"), substitution: rewrite.substitution.replace(/\\(\d)/g, "$$$1") };
}

function routeEntry(config: RouteConfiguration, host: VirtualHost, route: Route): RouteEntry {
  const action = route.action.case === "route" ? route.action.value : undefined;
  const match = route.match?.pathSpecifier;
  const request = mergeChanges(
    headerChanges(config.requestHeadersToAdd, config.requestHeadersToRemove),
    headerChanges(host.requestHeadersToAdd, host.requestHeadersToRemove),
    headerChanges(route.requestHeadersToAdd, route.requestHeadersToRemove),
  );
  const response = mergeChanges(
    headerChanges(route.responseHeadersToAdd, route.responseHeadersToRemove),
    headerChanges(host.responseHeadersToAdd, host.responseHeadersToRemove),
    headerChanges(config.responseHeadersToAdd, config.responseHeadersToRemove),
  );
  const timeoutMs = (action && ms(action.timeout)) ?? DEFAULT_ROUTE_TIMEOUT_MS;
  return {
    name: route.name,
    forward: action !== undefined,
    matchedPrefix: match?.case === "prefix" || match?.case === "path" ? match.value : undefined,
    prefixRewrite: action && action.prefixRewrite !== "" ? action.prefixRewrite : undefined,
    regexRewrite: action ? parseRegexRewrite(action) : undefined,
    hostRewrite: action?.hostRewriteSpecifier.case === "hostRewriteLiteral" ? action.hostRewriteSpecifier.value : undefined,
    timeoutMs,
    timeoutHeader: String(timeoutMs),
    idleTimeoutMs: (action && ms(action.idleTimeout)) ?? 0,
    retry: parseRetryPolicy(action?.retryPolicy ?? host.retryPolicy),
    request,
    response,
    requestOperations: headerOperations(request),
    responseOperations: headerOperations(response),
    aggregateStats: aggregateStatsTags(route.metadata),
    policies: parseRoutePolicies(host, route),
  };
}

/** The names Envoy requires to be unique within one RouteConfiguration: virtual hosts, and domains across them. */
function checkUniqueNames(config: RouteConfiguration): void {
  const hosts = new Set<string>();
  const domains = new Set<string>();
  for (const host of config.virtualHosts) {
    if (hosts.has(host.name)) throw new Error(`route configuration ${config.name}: virtual host ${host.name} is defined twice`);
    hosts.add(host.name);
    for (const domain of host.domains) {
      if (domains.has(domain.toLowerCase())) throw new Error(`route configuration ${config.name}: domain "${domain}" is used by two virtual hosts`);
      domains.add(domain.toLowerCase());
    }
  }
}

function clustersNamed(config: RouteConfiguration): Set<string> {
  const names = new Set<string>();
  for (const host of config.virtualHosts) {
    for (const route of host.routes) {
      if (route.action.case !== "route") continue;
      const specifier = route.action.value.clusterSpecifier;
      if (specifier.case === "cluster") names.add(specifier.value);
      else if (specifier.case === "weightedClusters") for (const cluster of specifier.value.clusters) names.add(cluster.name);
    }
  }
  return names;
}

/** Compiles a RouteConfiguration into core-wasm; throws (RouteTableError, SyntaxError, Error) when it cannot be honoured. */
export function compileRouteConfig(config: RouteConfiguration, core: Core): CompiledRouteConfig {
  checkUniqueNames(config);
  const json = toJson(RouteConfigurationSchema, config, { registry: envoyRegistry }) as unknown as RouteTableSpec;
  const entries = config.virtualHosts.map((host) =>
    host.routes.map((route) => {
      try {
        return routeEntry(config, host, route);
      } catch (error) {
        throw new Error(`route configuration ${config.name}: virtual host ${host.name}, route ${route.name || "(unnamed)"}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
  // Protobuf JSON leaves out empty lists: a virtual host without routes (a gRPC listener's host before its first
  // route) has no `routes` member at all.
  const virtualHosts = (json.virtualHosts ?? []).map((host) => ({ ...host, domains: host.domains ?? [], routes: host.routes ?? [] }));
  const table = RouteTableClass.compile({ name: config.name, virtualHosts }, { core });
  return { name: config.name, table, entries, routes: entries.flat(), clusters: clustersNamed(config), validateClusters: config.validateClusters ?? false, source: JSON.stringify(json) };
}

/** The path a route sends upstream: prefix_rewrite replaces the matched prefix; regex_rewrite the matches. */
export function rewritePath(entry: RouteEntry, path: string): string {
  if (entry.prefixRewrite === undefined && entry.regexRewrite === undefined) return path;
  // A prefix replaced by itself (App Mesh's default gateway route rewrites "/" to "/") keeps a path that starts with it.
  if (entry.regexRewrite === undefined && entry.prefixRewrite === entry.matchedPrefix && path.startsWith(entry.prefixRewrite!) && !entry.prefixRewrite!.includes("?")) return path;
  const queryAt = path.indexOf("?");
  const bare = queryAt < 0 ? path : path.slice(0, queryAt);
  const query = queryAt < 0 ? "" : path.slice(queryAt);
  if (entry.regexRewrite) {
    entry.regexRewrite.pattern.lastIndex = 0;
    return bare.replace(entry.regexRewrite.pattern, entry.regexRewrite.substitution) + query;
  }
  const prefix = entry.matchedPrefix ?? "";
  const rest = bare.length >= prefix.length ? bare.slice(prefix.length) : "";
  return entry.prefixRewrite + rest + query;
}

/**
 * The HCM's `normalize_path` (RFC 3986 §5.2.4 dot segments) and `merge_slashes`, applied to the path before
 * matching, as App Mesh's listeners ask. The query is left alone.
 */
export function normalizePath(path: string, mergeSlashes: boolean): string {
  const queryAt = path.indexOf("?");
  let bare = queryAt < 0 ? path : path.slice(0, queryAt);
  const query = queryAt < 0 ? "" : path.slice(queryAt);
  if (!bare.startsWith("/")) bare = `/${bare}`;
  if (mergeSlashes && bare.includes("//")) bare = bare.replace(/\/{2,}/g, "/");
  if (!bare.includes(".")) return bare + query;
  const out: string[] = [];
  const segments = bare.split("/").slice(1);
  segments.forEach((segment, i) => {
    if (segment === ".") {
      if (i === segments.length - 1) out.push("");
    } else if (segment === "..") {
      out.pop();
      if (i === segments.length - 1) out.push("");
    } else out.push(segment);
  });
  return `/${out.join("/")}${query}`;
}
