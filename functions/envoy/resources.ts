// The Envoy resource types meshplane serves: their type URLs, the generated protobuf-es types they come from,
// and one registry of every message meshplane packs into an `Any` (needed to print resources as JSON).
// Generated code (proto/gen) enters the rest of the project through this file and the translate modules; other
// folders reach it through functions/envoy/index.ts.
import { createRegistry, type DescFile, type Registry } from "@bufbuild/protobuf";
import { file_envoy_config_listener_v3_listener, ListenerSchema } from "../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import type { Listener } from "../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import { ClusterSchema, file_envoy_config_cluster_v3_cluster } from "../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import type { Cluster } from "../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { file_envoy_config_route_v3_route, RouteConfigurationSchema } from "../../proto/gen/envoy/config/route/v3/route_pb.js";
import type { RouteConfiguration } from "../../proto/gen/envoy/config/route/v3/route_pb.js";
import { ClusterLoadAssignmentSchema, file_envoy_config_endpoint_v3_endpoint } from "../../proto/gen/envoy/config/endpoint/v3/endpoint_pb.js";
import type { ClusterLoadAssignment } from "../../proto/gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { file_envoy_extensions_transport_sockets_tls_v3_secret, SecretSchema } from "../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import type { Secret } from "../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import { file_envoy_extensions_transport_sockets_tls_v3_tls } from "../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";
import { file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager } from "../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { file_envoy_extensions_filters_http_router_v3_router } from "../../proto/gen/envoy/extensions/filters/http/router/v3/router_pb.js";
import { file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy } from "../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js";
import { file_envoy_extensions_filters_listener_original_dst_v3_original_dst } from "../../proto/gen/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js";
import { file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector } from "../../proto/gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js";
import { file_envoy_extensions_access_loggers_file_v3_file } from "../../proto/gen/envoy/extensions/access_loggers/file/v3/file_pb.js";
import { file_envoy_extensions_upstreams_http_v3_http_protocol_options } from "../../proto/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js";
import { file_envoy_extensions_retry_host_previous_hosts_v3_previous_hosts } from "../../proto/gen/envoy/extensions/retry/host/previous_hosts/v3/previous_hosts_pb.js";
import { file_envoy_extensions_filters_http_fault_v3_fault } from "../../proto/gen/envoy/extensions/filters/http/fault/v3/fault_pb.js";
import { file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit } from "../../proto/gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js";
import { file_envoy_extensions_filters_http_cors_v3_cors } from "../../proto/gen/envoy/extensions/filters/http/cors/v3/cors_pb.js";
import { file_envoy_extensions_filters_http_jwt_authn_v3_config } from "../../proto/gen/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js";
import { file_envoy_extensions_filters_http_ext_authz_v3_ext_authz } from "../../proto/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.js";
import { file_envoy_extensions_filters_http_lua_v3_lua } from "../../proto/gen/envoy/extensions/filters/http/lua/v3/lua_pb.js";
import { file_envoy_service_auth_v3_external_auth } from "../../proto/gen/envoy/service/auth/v3/external_auth_pb.js";
import { file_envoy_service_discovery_v3_ads } from "../../proto/gen/envoy/service/discovery/v3/ads_pb.js";
import { file_envoy_config_bootstrap_v3_bootstrap } from "../../proto/gen/envoy/config/bootstrap/v3/bootstrap_pb.js";
import { file_envoy_config_trace_v3_xray } from "../../proto/gen/envoy/config/trace/v3/xray_pb.js";
import { file_envoy_config_trace_v3_datadog } from "../../proto/gen/envoy/config/trace/v3/datadog_pb.js";
import { file_envoy_config_trace_v3_zipkin } from "../../proto/gen/envoy/config/trace/v3/zipkin_pb.js";

export type { Listener, Cluster, RouteConfiguration, ClusterLoadAssignment, Secret };
export { ListenerSchema, ClusterSchema, RouteConfigurationSchema, ClusterLoadAssignmentSchema, SecretSchema };

/** xDS v3 type URLs, by resource type. */
export const TypeUrl = {
  listener: "type.googleapis.com/envoy.config.listener.v3.Listener",
  cluster: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
  route: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
  endpoint: "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
  secret: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
} as const;

export type ResourceType = keyof typeof TypeUrl;

/**
 * The order in which an ADS server should push types so Envoy never sees a dangling reference
 * (make-before-break: clusters and their endpoints before the listeners and routes that name them).
 * The order of this list MATTERS.
 */
export const pushOrder: readonly ResourceType[] = ["secret", "cluster", "endpoint", "listener", "route"];

/** The schema of each resource type. */
export const resourceSchemas = {
  listener: ListenerSchema,
  cluster: ClusterSchema,
  route: RouteConfigurationSchema,
  endpoint: ClusterLoadAssignmentSchema,
  secret: SecretSchema,
} as const;

/**
 * Every Envoy message meshplane emits, directly or packed in an `Any` (typed_config), plus ADS, the Bootstrap
 * with the tracers the App Mesh image configures, and the external authorization service the gateway calls.
 * Pass it to `toJson`/`fromJson`/`anyUnpack`.
 */
export const envoyRegistry: Registry = createRegistry(...withDependencies(
  file_envoy_config_listener_v3_listener,
  file_envoy_config_cluster_v3_cluster,
  file_envoy_config_route_v3_route,
  file_envoy_config_endpoint_v3_endpoint,
  file_envoy_extensions_transport_sockets_tls_v3_secret,
  file_envoy_extensions_transport_sockets_tls_v3_tls,
  file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager,
  file_envoy_extensions_filters_http_router_v3_router,
  file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy,
  file_envoy_extensions_filters_listener_original_dst_v3_original_dst,
  file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector,
  file_envoy_extensions_access_loggers_file_v3_file,
  file_envoy_extensions_upstreams_http_v3_http_protocol_options,
  file_envoy_extensions_retry_host_previous_hosts_v3_previous_hosts,
  // The HTTP filters of meshplane's policies (functions/xds/translate/policies), Lua for envoyPatch, ext_authz's service.
  file_envoy_extensions_filters_http_fault_v3_fault,
  file_envoy_extensions_filters_http_local_ratelimit_v3_local_rate_limit,
  file_envoy_extensions_filters_http_cors_v3_cors,
  file_envoy_extensions_filters_http_jwt_authn_v3_config,
  file_envoy_extensions_filters_http_ext_authz_v3_ext_authz,
  file_envoy_extensions_filters_http_lua_v3_lua,
  file_envoy_service_auth_v3_external_auth,
  file_envoy_service_discovery_v3_ads,
  file_envoy_config_bootstrap_v3_bootstrap,
  file_envoy_config_trace_v3_xray,
  file_envoy_config_trace_v3_datadog,
  file_envoy_config_trace_v3_zipkin,
));

/** `createRegistry` takes a file's own types only; packed messages may come from any imported file. */
function withDependencies(...roots: DescFile[]): DescFile[] {
  const seen = new Map<string, DescFile>();
  const visit = (file: DescFile): void => {
    if (seen.has(file.name)) return;
    seen.set(file.name, file);
    file.dependencies.forEach(visit);
  };
  roots.forEach(visit);
  return [...seen.values()];
}
