// What the gateway needs of an Envoy Listener: its port, direction, and the HTTP connection manager's RDS name,
// stat prefix, path normalisation, websocket upgrades and stream idle timeout.
import { anyUnpack, durationMs } from "@bufbuild/protobuf/wkt";
import { TrafficDirection } from "../../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { AccessLog } from "../../../../proto/gen/envoy/config/accesslog/v3/accesslog_pb.js";
import { FileAccessLogSchema } from "../../../../proto/gen/envoy/extensions/access_loggers/file/v3/file_pb.js";
import { aggregateStatsTags, type AggregateStatsTags } from "./aggregate-stats.js";
import { parseDownstreamTls, type DownstreamTlsConfig } from "./tls-config.js";
import { TcpProxySchema } from "../../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js";
import { parseConnectionManagerFilters, type ConnectionManagerFilters } from "../filters/filter-config.js";

/** A TCP proxy chain (App Mesh tcp listeners and routes): weighted clusters, bytes relayed untouched. */
export interface TcpProxyConfig {
  statPrefix: string;
  clusters: readonly { name: string; weight: number }[];
  /** Envoy's default is 1 hour; 0 = none. */
  idleTimeoutMs: number;
}
import type { Listener } from "../../../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import {
  HttpConnectionManagerSchema,
  type HttpConnectionManager,
} from "../../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";

export type ListenerDirection = "INBOUND" | "OUTBOUND" | "UNSPECIFIED";

/** One HTTP filter chain: Envoy selects it by the connection's original destination port. */
export interface HttpChainConfig {
  /** undefined: any port. */
  destinationPort: number | undefined;
  routeConfigName: string;
  statPrefix: string;
}

/** A file access logger: text template (Envoy's default when neither is set) or JSON fields of templates. */
export interface AccessLogConfig {
  path: string;
  text?: string;
  json?: Record<string, string>;
}

export interface ListenerConfig {
  name: string;
  /** The resource's socket address (the gateway binds its own bind host; this is what Envoy would bind). */
  address: string;
  port: number;
  direction: ListenerDirection;
  /** The HCM's stat_prefix (`ingress`, `egress`); Envoy's `http.<prefix>.*` stats. */
  statPrefix: string;
  /** RDS name of the first HTTP chain; undefined for listeners without an HTTP connection manager (TCP proxy), which this gateway skips. */
  routeConfigName: string | undefined;
  /**
   * Every HTTP chain. A sidecar's listeners (virtual node) have one chain per original destination port, chosen by
   * iptables-redirected connections in Envoy; without the redirect this gateway picks by the Host header's port.
   */
  httpChains: readonly HttpChainConfig[];
  normalizePath: boolean;
  mergeSlashes: boolean;
  websocket: boolean;
  /** Envoy's default stream_idle_timeout is 5 minutes. */
  streamIdleTimeoutMs: number;
  /** The first HTTP chain's file access loggers. */
  accessLogs: readonly AccessLogConfig[];
  /**
   * TLS termination (App Mesh listener tls): STRICT has only a TLS chain, PERMISSIVE a TLS chain (transport
   * protocol "tls", told apart by the first byte of the connection) and a plaintext one. An `unsupported` context
   * (SDS-socket material) is refused by the snapshot's validation (a NACK).
   */
  tls: { mode: "strict" | "permissive"; context: DownstreamTlsConfig | { unsupported: string } } | undefined;
  /** The TCP proxy of a listener without HTTP chains (served only then: without iptables there is no telling chains apart). */
  tcpProxy: TcpProxyConfig | undefined;
  /** App Mesh's metrics extension counts this listener's traffic (aggregate_stats metadata present). */
  aggregateStats: AggregateStatsTags | undefined;
  /** The first HTTP chain's policy filters, `server` header handling and local reply mappers (filters/filter-config.ts). */
  filters: ConnectionManagerFilters;
}

const directions: Record<TrafficDirection, ListenerDirection> = {
  [TrafficDirection.UNSPECIFIED]: "UNSPECIFIED",
  [TrafficDirection.INBOUND]: "INBOUND",
  [TrafficDirection.OUTBOUND]: "OUTBOUND",
};

const HCM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

function connectionManagers(listener: Listener): { destinationPort: number | undefined; manager: HttpConnectionManager }[] {
  const found: { destinationPort: number | undefined; manager: HttpConnectionManager }[] = [];
  for (const chain of listener.filterChains) {
    for (const filter of chain.filters) {
      if (filter.configType.case === "typedConfig" && filter.configType.value.typeUrl === HCM_TYPE) {
        const manager = anyUnpack(filter.configType.value, HttpConnectionManagerSchema);
        if (manager) found.push({ destinationPort: chain.filterChainMatch?.destinationPort, manager });
      }
    }
  }
  return found;
}

const TCP_PROXY_TYPE = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

function parseTcpProxy(listener: Listener): TcpProxyConfig | undefined {
  for (const chain of listener.filterChains) {
    for (const filter of chain.filters) {
      if (filter.configType.case !== "typedConfig" || filter.configType.value.typeUrl !== TCP_PROXY_TYPE) continue;
      const proxy = anyUnpack(filter.configType.value, TcpProxySchema);
      if (!proxy) continue;
      const specifier = proxy.clusterSpecifier;
      const clusters =
        specifier.case === "cluster"
          ? [{ name: specifier.value, weight: 1 }]
          : specifier.case === "weightedClusters"
            ? specifier.value.clusters.map((c) => ({ name: c.name, weight: c.weight }))
            : [];
      return { statPrefix: proxy.statPrefix, clusters, idleTimeoutMs: proxy.idleTimeout ? durationMs(proxy.idleTimeout) : 3_600_000 };
    }
  }
  return undefined;
}

const FILE_ACCESS_LOG_TYPE = "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog";

function parseAccessLogs(logs: readonly AccessLog[]): AccessLogConfig[] {
  const configs: AccessLogConfig[] = [];
  for (const log of logs) {
    if (log.configType.case !== "typedConfig" || log.configType.value.typeUrl !== FILE_ACCESS_LOG_TYPE) continue;
    const file = anyUnpack(log.configType.value, FileAccessLogSchema);
    if (!file) continue;
    const config: AccessLogConfig = { path: file.path };
    const format = file.accessLogFormat;
    if (format.case === "logFormat") {
      const inner = format.value.format;
      if (inner.case === "textFormatSource" && inner.value.specifier.case === "inlineString") config.text = inner.value.specifier.value;
      else if (inner.case === "textFormat") config.text = inner.value;
      else if (inner.case === "jsonFormat") config.json = Object.fromEntries(Object.entries(inner.value).map(([key, value]) => [key, String(value)]));
    } else if (format.case === "format") config.text = format.value;
    configs.push(config);
  }
  return configs;
}

/** The chain for a request whose Host names `authority` (port 80 when it names none); the only chain otherwise. */
export function routeConfigNameFor(listener: ListenerConfig, authority: string): string | undefined {
  const chains = listener.httpChains;
  if (chains.length <= 1) return listener.routeConfigName;
  const match = /:(\d+)$/.exec(authority);
  const port = match ? Number(match[1]) : 80;
  return (chains.find((chain) => chain.destinationPort === port) ?? chains.find((chain) => chain.destinationPort === undefined) ?? chains[0])!.routeConfigName;
}

/** Throws when the listener cannot be served (no port) or Envoy would refuse it (no filter chain). */
export function parseListenerConfig(listener: Listener): ListenerConfig {
  const address = listener.address?.address;
  if (address?.case !== "socketAddress" || address.value.portSpecifier.case !== "portValue") {
    throw new Error(`listener ${listener.name}: only socket addresses with a port are supported`);
  }
  if (listener.filterChains.length === 0 && !listener.defaultFilterChain) throw new Error(`listener ${listener.name}: no filter chains specified`);
  if (address.value.portSpecifier.value > 65535) throw new Error(`listener ${listener.name}: port_value must be at most 65535`);
  const managers = connectionManagers(listener);
  const tlsChain = listener.filterChains.find((chain) => chain.transportSocket !== undefined);
  const plainChain = listener.filterChains.some((chain) => chain.transportSocket === undefined);
  const manager = managers[0]?.manager;
  return {
    name: listener.name,
    address: address.value.address,
    port: address.value.portSpecifier.value,
    direction: directions[listener.trafficDirection] ?? "UNSPECIFIED",
    statPrefix: manager?.statPrefix ?? listener.name,
    routeConfigName: manager?.routeSpecifier.case === "rds" ? manager.routeSpecifier.value.routeConfigName : undefined,
    httpChains: managers.flatMap(({ destinationPort, manager: chain }) =>
      chain.routeSpecifier.case === "rds" ? [{ destinationPort, routeConfigName: chain.routeSpecifier.value.routeConfigName, statPrefix: chain.statPrefix }] : [],
    ),
    normalizePath: manager?.normalizePath ?? false,
    mergeSlashes: manager?.mergeSlashes ?? false,
    websocket: manager?.upgradeConfigs.some((u) => u.upgradeType.toLowerCase() === "websocket" && u.enabled !== false) ?? false,
    streamIdleTimeoutMs: manager?.streamIdleTimeout ? durationMs(manager.streamIdleTimeout) : 300_000,
    accessLogs: parseAccessLogs(manager?.accessLog ?? []),
    tcpProxy: managers.length === 0 ? parseTcpProxy(listener) : undefined,
    tls: tlsChain?.transportSocket ? { mode: plainChain ? "permissive" : "strict", context: parseDownstreamTls(tlsChain.transportSocket) } : undefined,
    aggregateStats: aggregateStatsTags(listener.metadata),
    filters: parseConnectionManagerFilters(manager, listener.name),
  };
}
