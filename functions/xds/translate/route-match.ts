// App Mesh route matches → Envoy RouteMatch (docs/envoy-translation.md §7, §14).
import { create } from "@bufbuild/protobuf";
import type {
  GatewayRouteHostnameMatch,
  GrpcGatewayRouteMatch,
  GrpcRouteMatch,
  HeaderMatchMethod,
  HttpGatewayRouteMatch,
  HttpQueryParameter,
  HttpRouteMatch,
} from "../../appmesh/model/types.generated.js";
import {
  HeaderMatcherSchema,
  QueryParameterMatcherSchema,
  RouteMatchSchema,
  type HeaderMatcher,
  type QueryParameterMatcher,
  type RouteMatch,
} from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { StringMatcherSchema, type StringMatcher } from "../../../proto/gen/envoy/type/matcher/v3/string_pb.js";
import { RegexMatcherSchema } from "../../../proto/gen/envoy/type/matcher/v3/regex_pb.js";
import { Int64RangeSchema } from "../../../proto/gen/envoy/type/v3/range_pb.js";

const exactString = (value: string): StringMatcher => create(StringMatcherSchema, { matchPattern: { case: "exact", value } });
const regexString = (regex: string): StringMatcher => create(StringMatcherSchema, { matchPattern: { case: "safeRegex", value: { regex } } });

/** No `match` means "present" (App Mesh's default header match). Range: start inclusive, end exclusive, like Envoy. */
export function translateHeaderMatcher(name: string, match: HeaderMatchMethod | undefined, invert: boolean | undefined): HeaderMatcher {
  let specifier: HeaderMatcher["headerMatchSpecifier"];
  if (match?.exact !== undefined) specifier = { case: "stringMatch", value: exactString(match.exact) };
  else if (match?.prefix !== undefined) specifier = { case: "stringMatch", value: create(StringMatcherSchema, { matchPattern: { case: "prefix", value: match.prefix } }) };
  else if (match?.suffix !== undefined) specifier = { case: "stringMatch", value: create(StringMatcherSchema, { matchPattern: { case: "suffix", value: match.suffix } }) };
  else if (match?.regex !== undefined) specifier = { case: "stringMatch", value: regexString(match.regex) };
  else if (match?.range !== undefined)
    specifier = { case: "rangeMatch", value: create(Int64RangeSchema, { start: BigInt(match.range.start), end: BigInt(match.range.end) }) };
  else specifier = { case: "presentMatch", value: true };
  return create(HeaderMatcherSchema, { name, headerMatchSpecifier: specifier, invertMatch: invert ?? false });
}

function translateQueryParameterMatcher(parameter: HttpQueryParameter): QueryParameterMatcher {
  return create(QueryParameterMatcherSchema, {
    name: parameter.name,
    queryParameterMatchSpecifier:
      parameter.match?.exact !== undefined ? { case: "stringMatch", value: exactString(parameter.match.exact) } : { case: "presentMatch", value: true },
  });
}

function httpPathSpecifier(match: Pick<HttpRouteMatch, "prefix" | "path">): RouteMatch["pathSpecifier"] {
  if (match.path?.exact !== undefined) return { case: "path", value: match.path.exact };
  if (match.path?.regex !== undefined) return { case: "safeRegex", value: create(RegexMatcherSchema, { regex: match.path.regex }) };
  return { case: "prefix", value: match.prefix ?? "/" };
}

function httpHeaderMatchers(match: HttpRouteMatch | HttpGatewayRouteMatch): HeaderMatcher[] {
  const headers: HeaderMatcher[] = [];
  if (match.method !== undefined) headers.push(translateHeaderMatcher(":method", { exact: match.method }, false));
  if ("scheme" in match && match.scheme !== undefined) headers.push(translateHeaderMatcher(":scheme", { exact: match.scheme }, false));
  for (const header of match.headers ?? []) headers.push(translateHeaderMatcher(header.name, header.match, header.invert));
  return headers;
}

export function translateHttpRouteMatch(match: HttpRouteMatch): RouteMatch {
  return create(RouteMatchSchema, {
    pathSpecifier: httpPathSpecifier(match),
    headers: httpHeaderMatchers(match),
    queryParameters: (match.queryParameters ?? []).map(translateQueryParameterMatcher),
  });
}

/** `/<service>/<method>` exact, `/<service>/` prefix, or everything. */
export function grpcPathSpecifier(match: { serviceName?: string; methodName?: string }): RouteMatch["pathSpecifier"] {
  if (match.serviceName !== undefined && match.methodName !== undefined) return { case: "path", value: `/${match.serviceName}/${match.methodName}` };
  if (match.serviceName !== undefined) return { case: "prefix", value: `/${match.serviceName}/` };
  return { case: "prefix", value: "/" };
}

export function translateGrpcRouteMatch(match: GrpcRouteMatch): RouteMatch {
  return create(RouteMatchSchema, {
    pathSpecifier: grpcPathSpecifier(match),
    headers: (match.metadata ?? []).map((m) => translateHeaderMatcher(m.name, m.match, m.invert)),
  });
}

const escapeRegex = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");

/**
 * docs/envoy-translation.md §14: a gateway `hostname` match becomes an `:authority` matcher inside the single `self_redirect` virtual host
 * (so gateway-route priority stays one global order), as a regex that also accepts a `:port` suffix; case-insensitive
 * because host names are.
 */
export function translateHostnameMatcher(hostname: GatewayRouteHostnameMatch | undefined): HeaderMatcher[] {
  if (hostname?.exact !== undefined) return [translateHeaderMatcher(":authority", { regex: `(?i)${escapeRegex(hostname.exact)}(:[0-9]+)?` }, false)];
  if (hostname?.suffix !== undefined) return [translateHeaderMatcher(":authority", { regex: `(?i).*${escapeRegex(hostname.suffix)}(:[0-9]+)?` }, false)];
  return [];
}

export function translateHttpGatewayRouteMatch(match: HttpGatewayRouteMatch, pathSpecifier: RouteMatch["pathSpecifier"]): RouteMatch {
  return create(RouteMatchSchema, {
    pathSpecifier,
    headers: [...translateHostnameMatcher(match.hostname), ...httpHeaderMatchers(match)],
    queryParameters: (match.queryParameters ?? []).map(translateQueryParameterMatcher),
  });
}

export function translateGrpcGatewayRouteMatch(match: GrpcGatewayRouteMatch): RouteMatch {
  return create(RouteMatchSchema, {
    pathSpecifier: grpcPathSpecifier(match),
    headers: [...translateHostnameMatcher(match.hostname), ...(match.metadata ?? []).map((m) => translateHeaderMatcher(m.name, m.match, m.invert))],
  });
}
