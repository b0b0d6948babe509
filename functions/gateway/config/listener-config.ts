// What the gateway needs of an Envoy Listener: its port, direction, and the HTTP connection manager's RDS name,
// stat prefix, path normalisation, websocket upgrades and stream idle timeout.
import { anyUnpack, durationMs } from "@bufbuild/protobuf/wkt";
import { TrafficDirection } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import {
  HttpConnectionManagerSchema,
  type HttpConnectionManager,
} from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";

export type ListenerDirection = "INBOUND" | "OUTBOUND" | "UNSPECIFIED";

export interface ListenerConfig {
  name: string;
  port: number;
  direction: ListenerDirection;
  /** The HCM's stat_prefix (`ingress`, `egress`); Envoy's `http.<prefix>.*` stats. */
  statPrefix: string;
  /** RDS name; undefined for listeners without an HTTP connection manager (TCP proxy), which this gateway skips. */
  routeConfigName: string | undefined;
  normalizePath: boolean;
  mergeSlashes: boolean;
  websocket: boolean;
  /** Envoy's default stream_idle_timeout is 5 minutes. */
  streamIdleTimeoutMs: number;
}

const directions: Record<TrafficDirection, ListenerDirection> = {
  [TrafficDirection.UNSPECIFIED]: "UNSPECIFIED",
  [TrafficDirection.INBOUND]: "INBOUND",
  [TrafficDirection.OUTBOUND]: "OUTBOUND",
};

const HCM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

function connectionManager(listener: Listener): HttpConnectionManager | undefined {
  for (const chain of listener.filterChains) {
    for (const filter of chain.filters) {
      if (filter.configType.case === "typedConfig" && filter.configType.value.typeUrl === HCM_TYPE) {
        return anyUnpack(filter.configType.value, HttpConnectionManagerSchema);
      }
    }
  }
  return undefined;
}

/** Throws when the listener cannot be served (no port). */
export function parseListenerConfig(listener: Listener): ListenerConfig {
  const address = listener.address?.address;
  if (address?.case !== "socketAddress" || address.value.portSpecifier.case !== "portValue") {
    throw new Error(`listener ${listener.name}: only socket addresses with a port are supported`);
  }
  const manager = connectionManager(listener);
  return {
    name: listener.name,
    port: address.value.portSpecifier.value,
    direction: directions[listener.trafficDirection] ?? "UNSPECIFIED",
    statPrefix: manager?.statPrefix ?? listener.name,
    routeConfigName: manager?.routeSpecifier.case === "rds" ? manager.routeSpecifier.value.routeConfigName : undefined,
    normalizePath: manager?.normalizePath ?? false,
    mergeSlashes: manager?.mergeSlashes ?? false,
    websocket: manager?.upgradeConfigs.some((u) => u.upgradeType.toLowerCase() === "websocket" && u.enabled !== false) ?? false,
    streamIdleTimeoutMs: manager?.streamIdleTimeout ? durationMs(manager.streamIdleTimeout) : 300_000,
  };
}
