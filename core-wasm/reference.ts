// The reference implementation: the same routing semantics as the WASM core, in plain TypeScript, written to be
// obviously correct rather than fast (a linear first-match scan over strings). Tests and benchmarks only.
// Regexes come from an injected full-match factory (tests pass Google RE2), so that this file needs nothing else.
import {
  normalizeTable,
  asciiLowerCase,
  weightSelector,
  type NormalizedTable,
  type NormalizedRoute,
  type NormalizedStringMatch,
  type NormalizedHeaderMatch,
  type RouteRequest,
  type RouteTableSpec,
} from "./spec.js";

/** Compiles `pattern` into a predicate that is true when the whole input matches. */
export type FullMatchFactory = (pattern: string) => (input: string) => boolean;

export interface ReferenceMatch {
  virtualHost: number;
  route: number;
  target: number;
  cluster: string | null;
}

function withoutPort(host: string): string {
  const colon = host.lastIndexOf(":");
  if (colon < 0 || !/^[0-9]*$/.test(host.slice(colon + 1))) return host;
  if (host.startsWith("[")) return host[colon - 1] === "]" ? host.slice(0, colon) : host;
  return host.indexOf(":") === colon ? host.slice(0, colon) : host;
}

function hasPort(domain: string): boolean {
  return withoutPort(domain) !== domain;
}

function pathOnly(path: string): string {
  const end = path.search(/[?#]/);
  return end < 0 ? path : path.slice(0, end);
}

/** Envoy's int64 parse for range matches (absl::SimpleAtoi): trimmed ASCII whitespace, sign, decimal digits. */
function parseInt64(text: string): bigint | undefined {
  const trimmed = text.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, "");
  if (!/^[+-]?[0-9]+$/.test(trimmed)) return undefined;
  const value = BigInt(trimmed);
  return value >= -(2n ** 63n) && value < 2n ** 63n ? value : undefined;
}

function isGrpcContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || !contentType.startsWith("application/grpc")) return false;
  const after = contentType[16];
  return after === undefined || after === "+" || after === ";";
}

/** The header value as the reference sees it; written separately from the binding's so that the two are compared. */
function headerValue(request: RouteRequest, name: string): string | undefined {
  const pseudo: Record<string, string | undefined> = {
    ":method": request.method, ":authority": request.authority, ":path": request.path, ":scheme": request.scheme,
  };
  if (name in pseudo) return pseudo[name];
  const headers = request.headers;
  if (headers === undefined) return undefined;
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((candidate) => asciiLowerCase(candidate) === name);
  const value = key === undefined ? undefined : record[key];
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(",");
}

export class ReferenceRouteTable {
  readonly table: NormalizedTable;
  readonly #regexes = new Map<string, (input: string) => boolean>();
  readonly #fullMatch: FullMatchFactory;

  constructor(spec: RouteTableSpec, fullMatch: FullMatchFactory) {
    this.table = normalizeTable(spec);
    this.#fullMatch = fullMatch;
  }

  #regex(pattern: string): (input: string) => boolean {
    let compiled = this.#regexes.get(pattern);
    if (compiled === undefined) {
      compiled = this.#fullMatch(pattern);
      this.#regexes.set(pattern, compiled);
    }
    return compiled;
  }

  selectVirtualHost(authority: string): number {
    const host = asciiLowerCase(authority);
    const portless = withoutPort(host);
    const hosts = this.table.virtualHosts;
    const compared = (domain: string): string => (hasPort(domain) ? host : portless);
    for (let i = 0; i < hosts.length; i++) {
      if (hosts[i]!.domains.some((domain) => !domain.includes("*") && compared(domain) === domain)) return i;
    }
    let best = -1;
    let bestLength = -1;
    for (const wildcardAt of ["start", "end"] as const) {
      for (let i = 0; i < hosts.length; i++) {
        for (const domain of hosts[i]!.domains) {
          if (domain === "*") continue;
          const fixed = wildcardAt === "start" ? domain.startsWith("*") && domain.slice(1) : domain.endsWith("*") && domain.slice(0, -1);
          if (fixed === false || fixed.includes("*")) continue;
          const candidate = compared(fixed);
          const fits = wildcardAt === "start" ? candidate.endsWith(fixed) : candidate.startsWith(fixed);
          if (fits && candidate.length > fixed.length && fixed.length > bestLength) {
            best = i;
            bestLength = fixed.length;
          }
        }
      }
      if (best >= 0) return best;
    }
    return hosts.findIndex((h) => h.domains.includes("*"));
  }

  stringMatches(match: NormalizedStringMatch, value: string): boolean {
    if (match.kind === "regex") return this.#regex(match.value)(value);
    const actual = match.ignoreCase ? asciiLowerCase(value) : value;
    const expected = match.ignoreCase ? asciiLowerCase(match.value) : match.value;
    if (match.kind === "exact") return actual === expected;
    if (match.kind === "prefix") return actual.startsWith(expected);
    if (match.kind === "suffix") return actual.endsWith(expected);
    return actual.includes(expected);
  }

  headerMatches(header: NormalizedHeaderMatch, request: RouteRequest): boolean {
    const value = headerValue(request, header.name);
    if (value === undefined) return header.kind === "present" && header.present === header.invert;
    let result: boolean;
    if (header.kind === "present") result = header.present;
    else if (header.kind === "range") {
      const number = parseInt64(value);
      result = number !== undefined && number >= header.start && number < header.end;
    } else result = this.stringMatches(header.match, value);
    return result !== header.invert;
  }

  queryValue(path: string, name: string): string | undefined {
    const question = path.indexOf("?");
    if (question < 0) return undefined;
    for (const part of path.slice(question + 1).split("&")) {
      if (part === "") continue;
      const equals = part.indexOf("=");
      const key = equals < 0 ? part : part.slice(0, equals);
      if (key === name) return equals < 0 ? "" : part.slice(equals + 1);
    }
    return undefined;
  }

  routeMatches(route: NormalizedRoute, request: RouteRequest): boolean {
    const fold = (text: string): string => (route.path.caseSensitive ? text : asciiLowerCase(text));
    const pathFits =
      route.path.kind === "prefix" ? fold(request.path).startsWith(fold(route.path.value))
      : route.path.kind === "exact" ? fold(pathOnly(request.path)) === fold(route.path.value)
      : this.#regex(route.path.value)(pathOnly(request.path));
    if (!pathFits) return false;
    if (route.grpc && !isGrpcContentType(headerValue(request, "content-type"))) return false;
    if (!route.headers.every((header) => this.headerMatches(header, request))) return false;
    return route.queryParameters.every((query) => {
      const value = this.queryValue(request.path, query.name);
      return value !== undefined && (query.match === null || this.stringMatches(query.match, value));
    });
  }

  match(request: RouteRequest, randomOrHash: number | bigint = Math.random()): ReferenceMatch | null {
    const virtualHost = this.selectVirtualHost(request.authority);
    if (virtualHost < 0) return null;
    const route = this.table.routes.find((r) => r.virtualHost === virtualHost && this.routeMatches(r, request));
    if (route === undefined) return null;
    const target = pickWeightedReference(route.targets.map((t) => t.weight), randomOrHash);
    return { virtualHost, route: route.route, target, cluster: target < 0 ? null : route.targets[target]!.cluster };
  }
}

/** Weighted choice by cumulative weights; -1 when all weights are 0. */
export function pickWeightedReference(weights: readonly number[], randomOrHash: number | bigint): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (total === 0) return -1;
  if (weights.length === 1) return 0;
  const selector = weightSelector(randomOrHash, total);
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i]!;
    if (selector < cumulative) return i;
  }
  return -1;
}
