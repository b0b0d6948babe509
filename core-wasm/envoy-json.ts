// Envoy's own JSON (what `/config_dump` prints: proto field names such as `virtual_hosts`, `safe_regex`) read into
// the route-table spec, and the path rewriting Envoy's HTTP connection manager does before any route is matched.
// Pure and free of protobuf code, so a browser can explain a node's routes from its config dump with the same core.
import type { RouteTableSpec } from "./spec.js";

/** `virtual_hosts` → `virtualHosts`: protobuf's JSON name is the lowerCamelCase of the field name. */
function jsonName(fieldName: string): string {
  return fieldName.includes("_") ? fieldName.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase()) : fieldName;
}

function withJsonNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withJsonNames);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [jsonName(key), withJsonNames(member)]));
}

/**
 * A RouteConfiguration in Envoy's JSON, with proto field names (config dumps, YAML files) or JSON names (protobuf-es
 * `toJson`), as the spec `RouteTable.compile` takes. Fields are renamed only; what they mean stays with `normalizeTable`.
 *
 * @example
 * routeTableSpecFromEnvoyJson({ name: "rds_egress_http_80", virtual_hosts: [{ name: "b", domains: ["*"],
 *   routes: [{ match: { prefix: "/" }, route: { weighted_clusters: { clusters: [{ name: "b", weight: 100 }] } } }] }] })
 * // → { name: "rds_egress_http_80", virtualHosts: [{ …, routes: [{ …, route: { weightedClusters: … } }] }] }
 */
export function routeTableSpecFromEnvoyJson(routeConfiguration: unknown): RouteTableSpec {
  const spec = withJsonNames(routeConfiguration) as { name?: unknown; virtualHosts?: unknown };
  const virtualHosts = Array.isArray(spec.virtualHosts) ? (spec.virtualHosts as RouteTableSpec["virtualHosts"]) : [];
  return typeof spec.name === "string" ? { name: spec.name, virtualHosts } : { virtualHosts };
}

/** The HTTP connection manager's path options that change what routes see. */
export interface PathNormalization {
  /** `normalize_path`: remove dot segments (RFC 3986 §5.2.4). */
  normalizePath: boolean;
  /** `merge_slashes`: collapse runs of `/`. */
  mergeSlashes: boolean;
}

/**
 * The path as routes match it after the connection manager's normalisation; the query is left alone.
 *
 * @example
 * normalizeRequestPath("/a//b/../c?x=/..", { normalizePath: true, mergeSlashes: true }) // → "/a/c?x=/.."
 */
export function normalizeRequestPath(path: string, options: PathNormalization): string {
  const queryStart = path.indexOf("?");
  let bare = queryStart < 0 ? path : path.slice(0, queryStart);
  const query = queryStart < 0 ? "" : path.slice(queryStart);
  if (!bare.startsWith("/")) bare = `/${bare}`;
  if (options.mergeSlashes) bare = bare.replace(/\/\/+/g, "/");
  if (!options.normalizePath || !bare.includes(".")) return bare + query;
  const kept: string[] = [];
  const segments = bare.slice(1).split("/");
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    if (segment === "..") kept.pop();
    if (segment === "." || segment === "..") {
      // "/a/." and "/a/b/.." keep their trailing slash, as RFC 3986's algorithm leaves it.
      if (last) kept.push("");
      continue;
    }
    kept.push(segment);
  }
  return `/${kept.join("/")}${query}`;
}
