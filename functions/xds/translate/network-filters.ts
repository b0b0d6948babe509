// The network filters of a filter chain: the HTTP connection manager (HTTP, HTTP/2, gRPC) and the TCP proxy.
import { create } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { AccessLog } from "../../../proto/gen/envoy/config/accesslog/v3/accesslog_pb.js";
import { FilterSchema, type Filter } from "../../../proto/gen/envoy/config/listener/v3/listener_components_pb.js";
import {
  HttpConnectionManager_ServerHeaderTransformation,
  type LocalReplyConfig,
  HttpConnectionManager_PathWithEscapedSlashesAction,
  HttpConnectionManagerSchema,
  HttpFilterSchema,
  type HttpFilter,
} from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { RouterSchema } from "../../../proto/gen/envoy/extensions/filters/http/router/v3/router_pb.js";
import { TcpProxySchema } from "../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js";
import { adsConfigSource, typedConfig } from "./common.js";


export const HCM_FILTER = "envoy.filters.network.http_connection_manager";
export const TCP_PROXY_FILTER = "envoy.filters.network.tcp_proxy";
export const ROUTER_FILTER = "envoy.filters.http.router";

/** What meshplane's policies set in a connection manager (policies/connection-manager.ts decides it). */
export interface ConnectionManagerPolicies {
  /** Policy HTTP filters, in their order; the router follows them. */
  httpFilters: HttpFilter[];
  localReplyConfig: LocalReplyConfig | undefined;
  serverHeaderTransformation: HttpConnectionManager_ServerHeaderTransformation;
}

export const noConnectionManagerPolicies: ConnectionManagerPolicies = {
  httpFilters: [],
  localReplyConfig: undefined,
  serverHeaderTransformation: HttpConnectionManager_ServerHeaderTransformation.OVERWRITE,
};

export function routerHttpFilter(): HttpFilter {
  return create(HttpFilterSchema, { name: ROUTER_FILTER, configType: typedConfig(RouterSchema, create(RouterSchema)) });
}

/**
 * The HCM App Mesh put on every HTTP-family chain (VGDUMP): routes over RDS from ADS, the router filter,
 * tracing on, websocket upgrades allowed, path normalisation with slashes merged and escaped slashes kept; meshplane's
 * policies add their HTTP filters before the router, local reply mappers and the server header's handling.
 */
export function translateHttpConnectionManager(
  statPrefix: string,
  routeConfigName: string,
  accessLog: AccessLog[],
  policies: ConnectionManagerPolicies = noConnectionManagerPolicies,
): Filter {
  const manager = create(HttpConnectionManagerSchema, {
    statPrefix,
    routeSpecifier: { case: "rds", value: { configSource: adsConfigSource(), routeConfigName } },
    httpFilters: [...policies.httpFilters, routerHttpFilter()],
    localReplyConfig: policies.localReplyConfig,
    serverHeaderTransformation: policies.serverHeaderTransformation,
    tracing: {},
    accessLog,
    upgradeConfigs: [{ upgradeType: "websocket", enabled: true }],
    normalizePath: true,
    mergeSlashes: true,
    pathWithEscapedSlashesAction: HttpConnectionManager_PathWithEscapedSlashesAction.KEEP_UNCHANGED,
  });
  return create(FilterSchema, { name: HCM_FILTER, configType: typedConfig(HttpConnectionManagerSchema, manager) });
}

export interface TcpProxyTarget {
  cluster: string;
  weight: number;
}

/** One target → `cluster`; several → `weighted_clusters` (TCP weights must be ≥ 1, so weight-0 targets are dropped by the caller). */
export function translateTcpProxy(statPrefix: string, targets: readonly TcpProxyTarget[], idleTimeout: Duration | undefined, accessLog: AccessLog[]): Filter {
  const only = targets.length === 1 ? targets[0] : undefined;
  const proxy = create(TcpProxySchema, {
    statPrefix,
    clusterSpecifier: only
      ? { case: "cluster", value: only.cluster }
      : { case: "weightedClusters", value: { clusters: targets.map((t) => ({ name: t.cluster, weight: t.weight })) } },
    idleTimeout,
    accessLog,
  });
  return create(FilterSchema, { name: TCP_PROXY_FILTER, configType: typedConfig(TcpProxySchema, proxy) });
}
