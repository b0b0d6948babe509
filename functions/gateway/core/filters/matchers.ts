// Envoy's string, header and route matchers as the gateway's filters evaluate them (the fault filter's headers, CORS
// origins, the JWT filter's requirement rules). Route selection itself is core-wasm's; these run on the few
// matchers a filter carries. Regexes are RE2 syntax that the control plane checked to be RE2-class; JavaScript's
// RegExp runs that subset the same way.
import type { HeaderMatcher, QueryParameterMatcher, RouteMatch } from "../../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import type { StringMatcher } from "../../../../proto/gen/envoy/type/matcher/v3/string_pb.js";

export type StringMatch = (value: string) => boolean;

/** Request headers as the gateway holds them: lower-case names, one value or several. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[]>>;

const regexCache = new Map<string, RegExp>();
function regex(pattern: string, flags = ""): RegExp {
  const key = `${flags}/${pattern}`;
  let compiled = regexCache.get(key);
  if (!compiled) {
    compiled = new RegExp(`^(?:${pattern})$`, flags);
    if (regexCache.size > 10_000) regexCache.clear();
    regexCache.set(key, compiled);
  }
  return compiled;
}

export function compileStringMatcher(matcher: StringMatcher): StringMatch {
  const fold = matcher.ignoreCase ? (text: string) => text.toLowerCase() : (text: string) => text;
  const pattern = matcher.matchPattern;
  switch (pattern.case) {
    case "exact": {
      const expected = fold(pattern.value);
      return (value) => fold(value) === expected;
    }
    case "prefix": {
      const expected = fold(pattern.value);
      return (value) => fold(value).startsWith(expected);
    }
    case "suffix": {
      const expected = fold(pattern.value);
      return (value) => fold(value).endsWith(expected);
    }
    case "contains": {
      const expected = fold(pattern.value);
      return (value) => fold(value).includes(expected);
    }
    case "safeRegex": {
      const compiled = regex(pattern.value.regex, matcher.ignoreCase ? "i" : "");
      return (value) => compiled.test(value);
    }
    default:
      return () => false;
  }
}

export const headerValue = (headers: RequestHeaders, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return value === undefined ? undefined : typeof value === "string" ? value : value.join(",");
};

export type HeaderMatch = (headers: RequestHeaders) => boolean;

/** Envoy's HeaderMatcher: the value (several joined with ",") against the specifier, or presence; inverted when asked. */
export function compileHeaderMatcher(matcher: HeaderMatcher): HeaderMatch {
  const name = matcher.name.toLowerCase();
  const specifier = matcher.headerMatchSpecifier;
  let test: (value: string | undefined) => boolean;
  switch (specifier.case) {
    case "exactMatch":
      test = (value) => value === specifier.value;
      break;
    case "prefixMatch":
      test = (value) => value !== undefined && value.startsWith(specifier.value);
      break;
    case "suffixMatch":
      test = (value) => value !== undefined && value.endsWith(specifier.value);
      break;
    case "containsMatch":
      test = (value) => value !== undefined && value.includes(specifier.value);
      break;
    case "safeRegexMatch": {
      const compiled = regex(specifier.value.regex);
      test = (value) => value !== undefined && compiled.test(value);
      break;
    }
    case "stringMatch": {
      const match = compileStringMatcher(specifier.value);
      test = (value) => value !== undefined && match(value);
      break;
    }
    case "rangeMatch": {
      const { start, end } = specifier.value;
      test = (value) => value !== undefined && /^-?\d+$/.test(value) && BigInt(value) >= start && BigInt(value) < end;
      break;
    }
    case "presentMatch":
      test = (value) => (value !== undefined) === specifier.value;
      break;
    default:
      test = (value) => value !== undefined;
  }
  const invert = matcher.invertMatch;
  return (headers) => test(headerValue(headers, name)) !== invert;
}

function compileQueryMatcher(matcher: QueryParameterMatcher): (query: URLSearchParams) => boolean {
  const specifier = matcher.queryParameterMatchSpecifier;
  if (specifier.case === "stringMatch") {
    const match = compileStringMatcher(specifier.value);
    return (query) => query.getAll(matcher.name).some(match);
  }
  if (specifier.case === "presentMatch") return (query) => query.has(matcher.name) === specifier.value;
  return (query) => query.has(matcher.name);
}

/** A request as route matchers see it. */
export interface MatchableRequest {
  method: string;
  authority: string;
  /** Path and query. */
  path: string;
  headers: RequestHeaders;
}

export type RouteMatcher = (request: MatchableRequest) => boolean;

/** Envoy's RouteMatch: path (prefix, exact, RE2), headers (`:method` and `:authority` included) and query parameters. */
export function compileRouteMatch(match: RouteMatch): RouteMatcher {
  const specifier = match.pathSpecifier;
  const caseSensitive = match.caseSensitive ?? true;
  const fold = caseSensitive ? (text: string) => text : (text: string) => text.toLowerCase();
  let path: (value: string) => boolean;
  if (specifier.case === "prefix") {
    const prefix = fold(specifier.value);
    path = (value) => fold(value).startsWith(prefix);
  } else if (specifier.case === "path") {
    const exact = fold(specifier.value);
    path = (value) => fold(value) === exact;
  } else if (specifier.case === "safeRegex") {
    const compiled = regex(specifier.value.regex);
    path = (value) => compiled.test(value);
  } else path = () => true;
  const headers = match.headers.map(compileHeaderMatcher);
  const queries = match.queryParameters.map(compileQueryMatcher);
  return (request) => {
    const queryAt = request.path.indexOf("?");
    const bare = queryAt < 0 ? request.path : request.path.slice(0, queryAt);
    if (!path(bare)) return false;
    if (headers.length > 0) {
      const withPseudo = { ...request.headers, ":method": request.method, ":path": request.path, ":authority": request.authority };
      if (!headers.every((matches) => matches(withPseudo))) return false;
    }
    if (queries.length > 0) {
      const query = new URLSearchParams(queryAt < 0 ? "" : request.path.slice(queryAt + 1));
      if (!queries.every((matches) => matches(query))) return false;
    }
    return true;
  };
}
