// The route-table spec (a subset of Envoy's RouteConfiguration in its protobuf JSON form) and its normalisation
// into the flat shape both the WASM binding and the reference implementation consume.

/**
 * An Envoy `RouteConfiguration` as `toJson()` of protobuf-es (or Envoy's JSON/YAML) gives it: camelCase field names,
 * int64 as strings (bigint and number are accepted too), wrapper types as plain values. Fields meshplane does not
 * emit are ignored unless they change matching, in which case compile refuses them.
 *
 * @example
 * const spec: RouteTableSpec = {
 *   name: "rds_egress_http_8080",
 *   virtualHosts: [{
 *     name: "payments", domains: ["payments.local", "payments.local:8080"],
 *     routes: [
 *       { name: "canary", match: { prefix: "/pay", headers: [{ name: "x-canary", presentMatch: true }] },
 *         route: { weightedClusters: { clusters: [{ name: "pay-v2", weight: 90 }, { name: "pay-v1", weight: 10 }] } } },
 *       { name: "by-id", match: { safeRegex: { regex: "/pay/[0-9]+" }, queryParameters: [{ name: "debug", presentMatch: true }] },
 *         route: { cluster: "pay-debug" } },
 *       { name: "default", match: { prefix: "/" }, route: { cluster: "pay-v1" } },
 *     ],
 *   }],
 * };
 */
export interface RouteTableSpec {
  name?: string;
  virtualHosts: readonly VirtualHostSpec[];
}

export interface VirtualHostSpec {
  name?: string;
  /** `example.com`, `example.com:8080`, `*.example.com`, `example.*` or `*`. Case-insensitive. */
  domains: readonly string[];
  /** Tried in order; the first that matches wins. */
  routes: readonly RouteSpec[];
}

export interface RouteSpec {
  name?: string;
  match: RouteMatchSpec;
  /** Absent for routes with other actions (redirect, direct response): they match but have no target. */
  route?: RouteActionSpec;
}

export interface RouteMatchSpec {
  /** Exactly one of prefix, path, safeRegex. prefix sees the path with its query; path and safeRegex without. */
  prefix?: string;
  path?: string;
  /** RE2 syntax, full match. */
  safeRegex?: RegexMatcherSpec;
  /** Default true; ASCII-only folding. Does not apply to safeRegex (as in Envoy). */
  caseSensitive?: boolean;
  headers?: readonly HeaderMatcherSpec[];
  queryParameters?: readonly QueryParameterMatcherSpec[];
  /** Present: only gRPC requests (content-type application/grpc, application/grpc+…, application/grpc;…). */
  grpc?: object;
}

export interface RegexMatcherSpec {
  regex: string;
  /** Accepted and ignored: there is one engine. */
  googleRe2?: object;
}

export interface StringMatcherSpec {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safeRegex?: RegexMatcherSpec;
  /** ASCII-only; ignored for safeRegex, as in Envoy. */
  ignoreCase?: boolean;
}

export type Int64Like = string | number | bigint;

/** With no match specifier, the header only has to be present (Envoy's default). */
export interface HeaderMatcherSpec {
  /** Any header, including the pseudo-headers `:method`, `:authority`, `:path` and `:scheme`. */
  name: string;
  exactMatch?: string;
  prefixMatch?: string;
  suffixMatch?: string;
  containsMatch?: string;
  safeRegexMatch?: RegexMatcherSpec;
  stringMatch?: StringMatcherSpec;
  /** The value, parsed as a signed 64-bit decimal integer, must lie in [start, end). */
  rangeMatch?: { start: Int64Like; end: Int64Like };
  /** true: present; false: absent. */
  presentMatch?: boolean;
  invertMatch?: boolean;
}

/** With neither stringMatch nor presentMatch, the parameter only has to be present. presentMatch false is refused. */
export interface QueryParameterMatcherSpec {
  name: string;
  stringMatch?: StringMatcherSpec;
  presentMatch?: boolean;
}

export interface RouteActionSpec {
  cluster?: string;
  weightedClusters?: { clusters: readonly { name: string; weight?: number }[] };
}

/** Lower-cases A–Z only: Envoy's case-insensitive comparisons are ASCII-only, and so are ours. */
export function asciiLowerCase(text: string): string {
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) : text;
}

// ── Normalised form ──────────────────────────────────────────────────────────────────────────────────────────────

export type StringMatchKind = "exact" | "prefix" | "suffix" | "contains" | "regex";

export interface NormalizedStringMatch {
  kind: StringMatchKind;
  /** The literal, or the regex source. */
  value: string;
  /** Never true for regex. */
  ignoreCase: boolean;
}

export type NormalizedHeaderMatch =
  | { kind: "string"; name: string; invert: boolean; match: NormalizedStringMatch }
  | { kind: "range"; name: string; invert: boolean; start: bigint; end: bigint }
  | { kind: "present"; name: string; invert: boolean; present: boolean };

export interface NormalizedQueryMatch {
  name: string;
  /** null: presence only. */
  match: NormalizedStringMatch | null;
}

export interface NormalizedTarget {
  cluster: string;
  weight: number;
}

export interface NormalizedRoute {
  virtualHost: number;
  /** Index within its virtual host. */
  route: number;
  name: string;
  path: { kind: "prefix" | "exact" | "regex"; value: string; caseSensitive: boolean };
  grpc: boolean;
  headers: NormalizedHeaderMatch[];
  queryParameters: NormalizedQueryMatch[];
  targets: NormalizedTarget[];
  totalWeight: number;
}

export interface NormalizedTable {
  virtualHosts: { name: string; domains: string[] }[];
  /** All routes, virtual host by virtual host, in declaration order. */
  routes: NormalizedRoute[];
}

export class RouteTableError extends Error {
  override name = "RouteTableError";
}

const MAX_TOTAL_WEIGHT = 0xffff_ffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toInt64(value: Int64Like, where: string): bigint {
  let result: bigint;
  try {
    result = BigInt(value);
  } catch {
    throw new RouteTableError(`${where}: ${String(value)} is not an integer`);
  }
  if (result < INT64_MIN || result > INT64_MAX) throw new RouteTableError(`${where}: ${result} is outside int64`);
  return result;
}

function normalizeStringMatch(spec: StringMatcherSpec, where: string): NormalizedStringMatch {
  const ignoreCase = spec.ignoreCase === true;
  const chosen: NormalizedStringMatch[] = [];
  if (spec.exact !== undefined) chosen.push({ kind: "exact", value: spec.exact, ignoreCase });
  if (spec.prefix !== undefined) chosen.push({ kind: "prefix", value: spec.prefix, ignoreCase });
  if (spec.suffix !== undefined) chosen.push({ kind: "suffix", value: spec.suffix, ignoreCase });
  if (spec.contains !== undefined) chosen.push({ kind: "contains", value: spec.contains, ignoreCase });
  if (spec.safeRegex !== undefined) chosen.push({ kind: "regex", value: spec.safeRegex.regex, ignoreCase: false });
  if (chosen.length !== 1) {
    throw new RouteTableError(`${where}: exactly one of exact, prefix, suffix, contains, safeRegex is required`);
  }
  return chosen[0]!;
}

function normalizeHeader(spec: HeaderMatcherSpec, where: string): NormalizedHeaderMatch {
  if ((spec as { treatMissingHeaderAsEmpty?: boolean }).treatMissingHeaderAsEmpty === true) {
    throw new RouteTableError(`${where}: treatMissingHeaderAsEmpty is not supported`);
  }
  const name = asciiLowerCase(spec.name);
  const invert = spec.invertMatch === true;
  const specifiers: NormalizedHeaderMatch[] = [];
  const literal = (kind: StringMatchKind, value: string): NormalizedHeaderMatch => ({
    kind: "string", name, invert, match: { kind, value, ignoreCase: false },
  });
  if (spec.exactMatch !== undefined) specifiers.push(literal("exact", spec.exactMatch));
  if (spec.prefixMatch !== undefined) specifiers.push(literal("prefix", spec.prefixMatch));
  if (spec.suffixMatch !== undefined) specifiers.push(literal("suffix", spec.suffixMatch));
  if (spec.containsMatch !== undefined) specifiers.push(literal("contains", spec.containsMatch));
  if (spec.safeRegexMatch !== undefined) specifiers.push(literal("regex", spec.safeRegexMatch.regex));
  if (spec.stringMatch !== undefined) {
    specifiers.push({ kind: "string", name, invert, match: normalizeStringMatch(spec.stringMatch, `${where}.stringMatch`) });
  }
  if (spec.rangeMatch !== undefined) {
    specifiers.push({
      kind: "range", name, invert,
      start: toInt64(spec.rangeMatch.start, `${where}.rangeMatch.start`),
      end: toInt64(spec.rangeMatch.end, `${where}.rangeMatch.end`),
    });
  }
  if (spec.presentMatch !== undefined) specifiers.push({ kind: "present", name, invert, present: spec.presentMatch });
  if (specifiers.length > 1) throw new RouteTableError(`${where}: more than one match specifier`);
  return specifiers[0] ?? { kind: "present", name, invert, present: true };
}

function normalizeQuery(spec: QueryParameterMatcherSpec, where: string): NormalizedQueryMatch {
  if (spec.presentMatch === false) {
    // Envoy versions disagree on it (ignored, or never matching); meshplane never emits it.
    throw new RouteTableError(`${where}: presentMatch: false is not supported on query parameters`);
  }
  if (spec.stringMatch !== undefined) {
    if (spec.presentMatch !== undefined) throw new RouteTableError(`${where}: both stringMatch and presentMatch`);
    return { name: spec.name, match: normalizeStringMatch(spec.stringMatch, `${where}.stringMatch`) };
  }
  return { name: spec.name, match: null };
}

function normalizeTargets(spec: RouteActionSpec | undefined, where: string): NormalizedTarget[] {
  if (spec === undefined) return [];
  if (spec.cluster !== undefined && spec.weightedClusters !== undefined) {
    throw new RouteTableError(`${where}: both cluster and weightedClusters`);
  }
  if (spec.cluster !== undefined) return [{ cluster: spec.cluster, weight: 1 }];
  if (spec.weightedClusters === undefined) return [];
  let total = 0;
  const targets = spec.weightedClusters.clusters.map((cluster, index) => {
    const weight = cluster.weight ?? 0;
    if (!Number.isInteger(weight) || weight < 0) {
      throw new RouteTableError(`${where}.weightedClusters.clusters[${index}].weight: must be an integer ≥ 0`);
    }
    total += weight;
    return { cluster: cluster.name, weight };
  });
  if (total > MAX_TOTAL_WEIGHT) throw new RouteTableError(`${where}.weightedClusters: total weight exceeds 2^32 - 1`);
  return targets;
}

export function normalizeTable(spec: RouteTableSpec): NormalizedTable {
  const virtualHosts: NormalizedTable["virtualHosts"] = [];
  const routes: NormalizedRoute[] = [];
  spec.virtualHosts.forEach((host, hostIndex) => {
    virtualHosts.push({ name: host.name ?? `virtualHosts[${hostIndex}]`, domains: host.domains.map(asciiLowerCase) });
    host.routes.forEach((route, routeIndex) => {
      const where = `virtualHosts[${hostIndex}].routes[${routeIndex}]`;
      const match = route.match;
      const caseSensitive = match.caseSensitive !== false;
      const paths: NormalizedRoute["path"][] = [];
      if (match.prefix !== undefined) paths.push({ kind: "prefix", value: match.prefix, caseSensitive });
      if (match.path !== undefined) paths.push({ kind: "exact", value: match.path, caseSensitive });
      if (match.safeRegex !== undefined) paths.push({ kind: "regex", value: match.safeRegex.regex, caseSensitive: true });
      if (paths.length !== 1) throw new RouteTableError(`${where}.match: exactly one of prefix, path, safeRegex is required`);
      const targets = normalizeTargets(route.route, `${where}.route`);
      routes.push({
        virtualHost: hostIndex,
        route: routeIndex,
        name: route.name ?? where,
        path: paths[0]!,
        grpc: match.grpc !== undefined && match.grpc !== null,
        headers: (match.headers ?? []).map((h, i) => normalizeHeader(h, `${where}.match.headers[${i}]`)),
        queryParameters: (match.queryParameters ?? []).map((q, i) => normalizeQuery(q, `${where}.match.queryParameters[${i}]`)),
        targets,
        totalWeight: targets.reduce((sum, target) => sum + target.weight, 0),
      });
    });
  });
  return { virtualHosts, routes };
}

// ── Requests ─────────────────────────────────────────────────────────────────────────────────────────────────────

export interface HeadersLike {
  get(name: string): string | null;
}

export type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface RouteRequest {
  method: string;
  /** Host, optionally with a port. */
  authority: string;
  /** Path, optionally followed by `?query`. */
  path: string;
  scheme?: string;
  /**
   * Record keys should be lower-case (HTTP/2 style); other spellings are found by a case-insensitive scan. Several
   * values of one header are joined with "," as Envoy does. A Headers object joins them itself (with ", ").
   */
  headers?: HeaderRecord | HeadersLike;
}

function isHeadersLike(headers: HeaderRecord | HeadersLike): headers is HeadersLike {
  return typeof (headers as HeadersLike).get === "function";
}

/** The value a header matcher sees: pseudo-headers from the request line, others joined with ",". */
export function requestHeaderValue(request: RouteRequest, name: string): string | undefined {
  switch (name) {
    case ":method":
      return request.method;
    case ":authority":
      return request.authority;
    case ":path":
      return request.path;
    case ":scheme":
      return request.scheme;
  }
  const headers = request.headers;
  if (headers === undefined) return undefined;
  if (isHeadersLike(headers)) return headers.get(name) ?? undefined;
  let value = headers[name];
  if (value === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.length === name.length && asciiLowerCase(key) === name) {
        value = headers[key];
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(",");
}

/**
 * The integer in [0, totalWeight) that picks a weighted target: a random number in [0, 1) scales; an integer ≥ 1
 * (a hash, number or bigint) is taken modulo the total, as Envoy does with hash-based selection.
 */
export function weightSelector(randomOrHash: number | bigint, totalWeight: number): number {
  if (typeof randomOrHash === "number" && randomOrHash >= 0 && randomOrHash < 1) return Math.floor(randomOrHash * totalWeight);
  if (typeof randomOrHash === "bigint") return Number(BigInt.asUintN(64, randomOrHash) % BigInt(totalWeight));
  if (Number.isInteger(randomOrHash) && randomOrHash >= 1) return randomOrHash % totalWeight;
  if (!(randomOrHash >= 0 && randomOrHash < 1)) {
    throw new RangeError(`weighted pick: ${randomOrHash} is neither a random number in [0, 1) nor an integer hash`);
  }
  return Math.floor(randomOrHash * totalWeight);
}
