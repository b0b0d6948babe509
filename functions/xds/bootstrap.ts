// A ready-to-run bootstrap for a stock Envoy pointed at meshplane: ADS over gRPC (h2c, or a unix socket) for
// listeners and clusters, the App Mesh node id as node.id and node.cluster, and what the App Mesh image's agent
// (aws/amazon-ecs-service-connect-agent, agent/envoy_bootstrap) puts around it: the admin interface and its access
// log, the runtime layer, stats tags and sinks, a tracer, the SDS unix-socket cluster (docs/envoy-translation.md §2).
// bootstrap-env.ts reads the image's environment variables into these options. With `rest` the Envoy polls
// meshplane's REST xDS instead (what the Worker serves): listeners and clusters from REST config sources, and node
// metadata telling meshplane to point RDS, EDS and SDS at the same REST cluster (functions/envoy/xds-subscription.ts).
import { create, toJson, type JsonObject } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { BootstrapSchema, type Bootstrap } from "../../proto/gen/envoy/config/bootstrap/v3/bootstrap_pb.js";
import { Cluster_DiscoveryType, Cluster_LbPolicy, ClusterSchema, type Cluster } from "../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { ApiConfigSource_ApiType, ApiVersion, ConfigSourceSchema, AggregatedConfigSourceSchema } from "../../proto/gen/envoy/config/core/v3/config_source_pb.js";
import { AddressSchema, type Address } from "../../proto/gen/envoy/config/core/v3/address_pb.js";
import { ClusterLoadAssignmentSchema } from "../../proto/gen/envoy/config/endpoint/v3/endpoint_pb.js";
import type { StatsSink, TagSpecifier } from "../../proto/gen/envoy/config/metrics/v3/stats_pb.js";
import type { Tracing } from "../../proto/gen/envoy/config/trace/v3/http_tracer_pb.js";
import { FileAccessLogSchema } from "../../proto/gen/envoy/extensions/access_loggers/file/v3/file_pb.js";
import { TransportSocketSchema, type TransportSocket } from "../../proto/gen/envoy/config/core/v3/base_pb.js";
import { UpstreamTlsContextSchema } from "../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";
import { SubjectAltNameMatcher_SanType } from "../../proto/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js";
import { envoyRegistry, XDS_SUBSCRIPTION_METADATA_KEY, xdsSubscriptionMetadata, type EnvoyVersion, type XdsSubscription } from "../envoy/index.js";
import { http2ProtocolOptions, ms, restConfigSource, socketAddress, typedConfig } from "./translate/common.js";
import { SDS_CLUSTER } from "./translate/names.js";
import { adaptMessage } from "./translate/index.js";

export const XDS_CLUSTER = "meshplane_xds";

/** The agent's runtime layer (getRuntimeConfigLayer0): deprecated fields stay usable, large RE2 programs compile. */
export const APP_MESH_RUNTIME: Readonly<JsonObject> = {
  "envoy.features.enable_all_deprecated_features": true,
  "re2.max_program_size.error_level": 1000,
  "envoy.reloadable_features.http_set_tracing_decision_in_request_id": true,
  "envoy.reloadable_features.no_extension_lookup_by_name": true,
  "envoy.reloadable_features.tcp_pool_idle_timeout": true,
  "envoy.reloadable_features.sanitize_original_path": true,
};

/** meshplane's ADS: h2c to host:port (XDS_PORT), TLS to its MESHPLANE_XDS_TLS_PORT, or its MESHPLANE_XDS_SOCKET. */
export type XdsTarget = { host: string; port: number; tls?: boolean } | { pipe: string };

/** Polling REST xDS instead of ADS. */
export interface RestPolling {
  /** Delay between two polls of one type (ApiConfigSource.refresh_delay). */
  refreshDelayMs: number;
  /** Timeout of one poll (ApiConfigSource.request_timeout; Envoy's default 1 s). */
  requestTimeoutMs: number;
}

export type AdminAddress = { address: string; port: number; ipv4Compat?: boolean } | { pipe: string; mode: number };

export interface BootstrapOptions {
  /** The Envoy's App Mesh identity: `mesh/<mesh>/virtualNode/<name>`, `…/virtualGateway/<name>` or an ARN. */
  nodeId: string;
  /** node.cluster; defaults to the node id, as App Mesh's image does. */
  cluster?: string;
  /** node.metadata (the image adds `aws.appmesh.metric_filter` for the metrics extension). */
  nodeMetadata?: JsonObject;
  /** meshplane's ADS endpoint: host and port (h2c, or TLS), or a unix socket. */
  xds: XdsTarget;
  /** For a TLS endpoint: the CA file that signed meshplane's certificate (default the system store). */
  xdsCaFile?: string;
  /** Poll REST xDS at `xds` (plain HTTP/1.1, or TLS) instead of opening an ADS stream. */
  rest?: RestPolling;
  /** A meshplane bearer token (MESHPLANE_XDS_TOKEN, as the gateway takes it) sent as `authorization` on the ADS stream. */
  xdsToken?: string;
  /** lds/cds `initial_fetch_timeout` in seconds; 0 (the default) waits for ever. */
  initialFetchTimeoutSeconds?: number;
  /** Admin interface; default the image's 0.0.0.0:9901. */
  admin?: AdminAddress;
  /** Admin access log; default the image's /tmp/envoy_admin_access.log. */
  adminAccessLogPath?: string;
  /** Unix socket of a user-managed SDS server (App Mesh's `APPMESH_SDS_SOCKET_PATH`); adds `static_cluster_sds_unix_socket`. */
  sdsSocketPath?: string;
  /** `cluster_manager.outlier_detection.event_log_path`; default /dev/stdout. */
  outlierDetectionEventLogPath?: string;
  /** The static runtime layer; default APP_MESH_RUNTIME. */
  runtime?: JsonObject;
  statsTags?: readonly TagSpecifier[];
  statsSinks?: readonly StatsSink[];
  statsFlushIntervalMs?: number;
  tracing?: Tracing;
  /** More static clusters (a tracer's collector). */
  clusters?: readonly Cluster[];
  /** The Envoy release the bootstrap is for (fields it lacks are written in their older form); default the newest. */
  envoyVersion?: EnvoyVersion;
}

const isIpLiteral = (host: string): boolean => /^[0-9.]+$/.test(host) || host.includes(":");
const pipe = (path: string, mode?: number): Address => create(AddressSchema, { address: { case: "pipe", value: { path, mode: mode ?? 0 } } });

/**
 * A static cluster of one endpoint: STATIC for an IP or a pipe, LOGICAL_DNS for a host name, unless `type` says
 * otherwise (the agent's tracer collectors are STRICT_DNS whatever the address).
 */
export function singleEndpointCluster(name: string, address: Address, options: { http2?: boolean; type?: "STATIC" | "LOGICAL_DNS" | "STRICT_DNS" } = {}): Cluster {
  const socket = address.address.case === "socketAddress" ? address.address.value : undefined;
  const type = Cluster_DiscoveryType[options.type ?? (socket && !isIpLiteral(socket.address) ? "LOGICAL_DNS" : "STATIC")];
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: "type", value: type },
    lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
    connectTimeout: ms(1000),
    typedExtensionProtocolOptions: options.http2 ? http2ProtocolOptions() : {},
    loadAssignment: create(ClusterLoadAssignmentSchema, {
      clusterName: name,
      endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: "endpoint", value: { address } } }] }],
    }),
  });
}

function xdsAddress(target: XdsTarget): Address {
  return "pipe" in target ? pipe(target.pipe) : socketAddress(target.host, target.port);
}

function adminAddress(admin: AdminAddress): Address {
  return "pipe" in admin ? pipe(admin.pipe, admin.mode) : socketAddress(admin.address, admin.port, admin.ipv4Compat ?? false);
}

/** TLS to meshplane: SNI and validation against its host name; ALPN h2 for ADS, none (HTTP/1.1) for REST. */
function xdsTlsSocket(host: string, caFile: string | undefined, alpnProtocols: string[]): TransportSocket {
  const context = create(UpstreamTlsContextSchema, {
    sni: host,
    commonTlsContext: {
      alpnProtocols,
      validationContextType: {
        case: "validationContext",
        value: {
          trustedCa: { specifier: { case: "filename", value: caFile ?? "/etc/ssl/certs/ca-certificates.crt" } },
          matchTypedSubjectAltNames: [{ sanType: SubjectAltNameMatcher_SanType.DNS, matcher: { matchPattern: { case: "exact", value: host } } }],
        },
      },
    },
  });
  return create(TransportSocketSchema, { name: "envoy.transport_sockets.tls", configType: typedConfig(UpstreamTlsContextSchema, context) });
}

/**
 * The REST cluster is named after meshplane's authority (`host[:port]`): Envoy's REST fetcher sends the cluster name
 * as the Host header (RestApiFetcher::refresh, envoyproxy/envoy source/extensions/config_subscription/rest/
 * rest_api_fetcher.cc), and a Worker or any virtual host behind a shared address is found by it.
 */
export function restXdsClusterName(xds: XdsTarget): string {
  if ("pipe" in xds) return XDS_CLUSTER;
  const host = xds.host.includes(":") ? `[${xds.host}]` : xds.host;
  return xds.port === (xds.tls ? 443 : 80) ? host : `${host}:${xds.port}`;
}

function restSubscription(options: BootstrapOptions, rest: RestPolling): Extract<XdsSubscription, { apiType: "REST" }> {
  return { apiType: "REST", cluster: restXdsClusterName(options.xds), ...rest };
}

export function createBootstrap(options: BootstrapOptions): Bootstrap {
  const rest = options.rest ? restSubscription(options, options.rest) : undefined;
  if (rest && options.xdsToken) throw new Error("a REST bootstrap cannot carry a bearer token: Envoy's REST fetcher sends no custom headers");
  const xds = singleEndpointCluster(rest?.cluster ?? XDS_CLUSTER, xdsAddress(options.xds), { http2: !rest });
  if ("host" in options.xds && options.xds.tls) xds.transportSocket = xdsTlsSocket(options.xds.host, options.xdsCaFile, rest ? [] : ["h2"]);
  if (rest) xds.connectTimeout = ms(Math.max(1000, rest.requestTimeoutMs));
  const clusters = [xds];
  if (options.sdsSocketPath !== undefined) clusters.push(singleEndpointCluster(SDS_CLUSTER, pipe(options.sdsSocketPath), { http2: true }));
  clusters.push(...(options.clusters ?? []));
  const initialFetchTimeout = durationFromMs((options.initialFetchTimeoutSeconds ?? 0) * 1000);
  const configSource = () =>
    rest
      ? create(ConfigSourceSchema, { ...restConfigSource(rest), initialFetchTimeout })
      : create(ConfigSourceSchema, { configSourceSpecifier: { case: "ads", value: create(AggregatedConfigSourceSchema) }, initialFetchTimeout, resourceApiVersion: ApiVersion.V3 });
  const metadata = rest ? { ...options.nodeMetadata, [XDS_SUBSCRIPTION_METADATA_KEY]: xdsSubscriptionMetadata(rest) } : options.nodeMetadata;
  const adsConfig = rest
    ? undefined
    : {
        apiType: ApiConfigSource_ApiType.GRPC,
        transportApiVersion: ApiVersion.V3,
        grpcServices: [
          {
            targetSpecifier: { case: "envoyGrpc" as const, value: { clusterName: XDS_CLUSTER } },
            initialMetadata: options.xdsToken ? [{ key: "authorization", value: `Bearer ${options.xdsToken}` }] : [],
          },
        ],
        setNodeOnFirstMessageOnly: true,
      };
  const bootstrap = create(BootstrapSchema, {
    node: { id: options.nodeId, cluster: options.cluster ?? options.nodeId, metadata },
    staticResources: { clusters },
    dynamicResources: { adsConfig, ldsConfig: configSource(), cdsConfig: configSource() },
    clusterManager: { outlierDetection: { eventLogPath: options.outlierDetectionEventLogPath ?? "/dev/stdout" } },
    admin: {
      address: adminAddress(options.admin ?? { address: "0.0.0.0", port: 9901 }),
      accessLog: [
        {
          name: "envoy.access_loggers.file",
          configType: typedConfig(FileAccessLogSchema, create(FileAccessLogSchema, { path: options.adminAccessLogPath ?? "/tmp/envoy_admin_access.log" })),
        },
      ],
    },
    // The image's layers: its static settings, then an empty admin layer so /runtime_modify works.
    layeredRuntime: {
      layers: [
        { name: "static_layer_0", layerSpecifier: { case: "staticLayer", value: { ...(options.runtime ?? APP_MESH_RUNTIME) } } },
        { name: "admin_layer", layerSpecifier: { case: "adminLayer", value: {} } },
      ],
    },
    statsConfig: options.statsTags && options.statsTags.length > 0 ? { statsTags: [...options.statsTags] } : undefined,
    statsSinks: [...(options.statsSinks ?? [])],
    statsFlushInterval: options.statsFlushIntervalMs !== undefined ? ms(options.statsFlushIntervalMs) : undefined,
    tracing: options.tracing,
  });
  return adaptMessage(BootstrapSchema, bootstrap, options.envoyVersion);
}

/** The bootstrap as Envoy's JSON/YAML config (proto field names). */
export function bootstrapToJson(bootstrap: Bootstrap): JsonObject {
  return toJson(BootstrapSchema, bootstrap, { registry: envoyRegistry, useProtoFieldName: true }) as JsonObject;
}
