// What a route carries for the filters and the router besides matching: per-filter configurations (the route's over
// its virtual host's, Envoy's most-specific-wins), its CORS policy, request mirrors and hash policies. Read once per
// RouteConfiguration; a route without any stays `undefined`, so the request path pays nothing for policies it lacks.
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { Route, VirtualHost } from "../../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { fractionOf, parseCors, parsePerFilterConfigs, type CorsConfig, type Fraction, type PerFilterConfig } from "./filter-config.js";

export interface RequestMirror {
  cluster: string;
  fraction: Fraction;
}

export type HashPolicy =
  | { kind: "header"; name: string }
  | { kind: "cookie"; name: string; ttlMs: number | undefined; path: string }
  | { kind: "sourceIp" };

export interface RoutePolicies {
  readonly perFilter: ReadonlyMap<string, PerFilterConfig>;
  readonly cors: CorsConfig | undefined;
  readonly mirrors: readonly RequestMirror[];
  readonly hashPolicies: readonly HashPolicy[];
}

export function parseRoutePolicies(host: VirtualHost, route: Route): RoutePolicies | undefined {
  const action = route.action.case === "route" ? route.action.value : undefined;
  const hostConfigs = Object.keys(host.typedPerFilterConfig).length > 0;
  const routeConfigs = Object.keys(route.typedPerFilterConfig).length > 0;
  const cors = action?.cors ?? host.cors;
  const mirrors = action?.requestMirrorPolicies ?? [];
  const hashes = action?.hashPolicy ?? [];
  if (!hostConfigs && !routeConfigs && !cors && mirrors.length === 0 && hashes.length === 0) return undefined;
  const perFilter = new Map([...parsePerFilterConfigs(host.typedPerFilterConfig), ...parsePerFilterConfigs(route.typedPerFilterConfig)]);
  return {
    perFilter,
    cors: cors ? parseCors(cors) : undefined,
    mirrors: mirrors.filter((mirror) => mirror.cluster !== "").map((mirror) => ({ cluster: mirror.cluster, fraction: fractionOf(mirror.runtimeFraction?.defaultValue, 1) })),
    hashPolicies: hashes.flatMap((hash): HashPolicy[] => {
      const policy = hash.policySpecifier;
      if (policy.case === "header") return [{ kind: "header", name: policy.value.headerName.toLowerCase() }];
      if (policy.case === "cookie") return [{ kind: "cookie", name: policy.value.name, ttlMs: policy.value.ttl ? durationMs(policy.value.ttl) : undefined, path: policy.value.path }];
      if (policy.case === "connectionProperties" && policy.value.sourceIp) return [{ kind: "sourceIp" }];
      return [];
    }),
  };
}
