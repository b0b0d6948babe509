// Small Envoy building blocks every translator uses: durations, addresses, config sources, typed configs,
// App Mesh's default circuit breakers and HTTP/2 upstream options.
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { anyPack, durationFromMs, type Any, type Duration } from "@bufbuild/protobuf/wkt";
import type { Duration as AppMeshDuration, IpPreference } from "../../appmesh/model/types.generated.js";
import { AddressSchema, type Address } from "../../../proto/gen/envoy/config/core/v3/address_pb.js";
import { MetadataSchema, type Metadata } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import {
  AggregatedConfigSourceSchema,
  ApiConfigSource_ApiType,
  ApiVersion,
  ConfigSourceSchema,
  type ConfigSource,
} from "../../../proto/gen/envoy/config/core/v3/config_source_pb.js";
import { CircuitBreakersSchema, type CircuitBreakers } from "../../../proto/gen/envoy/config/cluster/v3/circuit_breaker_pb.js";
import { HttpProtocolOptionsSchema } from "../../../proto/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js";
import type { XdsSubscription } from "../../envoy/index.js";
import { SDS_CLUSTER } from "./names.js";

/** App Mesh's "unlimited": every circuit-breaker threshold it does not let users change (docs/envoy-translation.md §8). */
export const UNLIMITED = 2147483647;

export const ms = (milliseconds: number): Duration => durationFromMs(milliseconds);

/** App Mesh `{value, unit}` → milliseconds; `undefined` when the value is absent. */
export function appMeshDurationMs(duration: AppMeshDuration | undefined): number | undefined {
  if (duration?.value === undefined) return undefined;
  return duration.unit === "ms" ? duration.value : duration.value * 1000;
}

export function socketAddress(address: string, port: number, ipv4Compat = false): Address {
  return create(AddressSchema, {
    address: { case: "socketAddress", value: { address, portSpecifier: { case: "portValue", value: port }, ipv4Compat } },
  });
}

/** Listeners bind `::` (accepting IPv4 too) as soon as any IP preference is set (docs/envoy-translation.md §12). */
export function listenerBindAddress(port: number, preference: IpPreference | undefined): Address {
  return preference === undefined ? socketAddress("0.0.0.0", port) : socketAddress("::", port, true);
}

/** The local application's loopback address under an IP preference (docs/envoy-translation.md §12). */
export function loopbackAddress(preference: IpPreference | undefined): string {
  return preference === "IPv6_ONLY" || preference === "IPv6_PREFERRED" ? "::1" : "127.0.0.1";
}

/**
 * Every dynamic reference is written pointing back at ADS, what the App Mesh bootstrap configures; a node that polls
 * REST xDS gets them rewritten into restConfigSource (config-sources.ts).
 */
export function adsConfigSource(): ConfigSource {
  return create(ConfigSourceSchema, {
    configSourceSpecifier: { case: "ads", value: create(AggregatedConfigSourceSchema) },
    resourceApiVersion: ApiVersion.V3,
  });
}

/** meshplane's REST xDS through the bootstrap's static cluster, polled every `refreshDelayMs` (docs/envoy-bootstrap.md). */
export function restConfigSource(subscription: Extract<XdsSubscription, { apiType: "REST" }>): ConfigSource {
  return create(ConfigSourceSchema, {
    configSourceSpecifier: {
      case: "apiConfigSource",
      value: {
        apiType: ApiConfigSource_ApiType.REST,
        transportApiVersion: ApiVersion.V3,
        clusterNames: [subscription.cluster],
        refreshDelay: ms(subscription.refreshDelayMs),
        requestTimeout: ms(subscription.requestTimeoutMs),
      },
    },
    resourceApiVersion: ApiVersion.V3,
  });
}

/** User-managed SDS (SPIRE and the like) sits behind the bootstrap's unix-socket cluster (docs/envoy-translation.md §2). */
export function sdsSocketConfigSource(): ConfigSource {
  return create(ConfigSourceSchema, {
    configSourceSpecifier: {
      case: "apiConfigSource",
      value: {
        apiType: ApiConfigSource_ApiType.GRPC,
        transportApiVersion: ApiVersion.V3,
        grpcServices: [{ targetSpecifier: { case: "envoyGrpc", value: { clusterName: SDS_CLUSTER } } }],
      },
    },
    resourceApiVersion: ApiVersion.V3,
  });
}

export function typedConfig<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): { case: "typedConfig"; value: Any } {
  return { case: "typedConfig", value: anyPack(schema, message) };
}

export interface ConnectionLimits {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequests?: number;
}

/** Default priority only: App Mesh left the high-priority thresholds at Envoy's defaults (VGDUMP). */
export function circuitBreakers(limits: ConnectionLimits = {}): CircuitBreakers {
  return create(CircuitBreakersSchema, {
    thresholds: [
      {
        maxConnections: limits.maxConnections ?? UNLIMITED,
        maxPendingRequests: limits.maxPendingRequests ?? UNLIMITED,
        maxRequests: limits.maxRequests ?? UNLIMITED,
        maxRetries: UNLIMITED,
      },
    ],
  });
}

export const HTTP_PROTOCOL_OPTIONS_KEY = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

/** http2 and grpc upstreams must be spoken to in HTTP/2 (prior knowledge), not Envoy's default HTTP/1.1. */
export function http2ProtocolOptions(): { [key: string]: Any } {
  return {
    [HTTP_PROTOCOL_OPTIONS_KEY]: anyPack(
      HttpProtocolOptionsSchema,
      create(HttpProtocolOptionsSchema, {
        upstreamProtocolOptions: {
          case: "explicitHttpConfig",
          value: { protocolConfig: { case: "http2ProtocolOptions", value: {} } },
        },
      }),
    ),
  };
}

/** The dimension tags the App Mesh image's metrics extension reads (`TargetVirtualNode`, `TargetVirtualService`). */
export interface AggregateStatsTag {
  key: "TargetVirtualNode" | "TargetVirtualService";
  value: string;
}

/**
 * `filter_metadata["aws.appmesh.aggregate_stats"].config` exactly as App Mesh wrote it: a JSON string `{"tags":[…]}`
 * (VGDUMP: `{"tags":[]}` on listeners, TargetVirtualNode on egress clusters, TargetVirtualService on egress routes).
 * The image's metrics extension (APPMESH_METRIC_EXTENSION_VERSION=1) turns these into the envoy.appmesh.* stats.
 */
export function aggregateStatsMetadata(tags: readonly AggregateStatsTag[]): Metadata {
  const config = JSON.stringify({ tags: tags.map(({ key, value }) => ({ key, value })) });
  return create(MetadataSchema, { filterMetadata: { "aws.appmesh.aggregate_stats": { config } } });
}
