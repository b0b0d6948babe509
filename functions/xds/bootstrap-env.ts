// The App Mesh Envoy image's environment variables → a stock-Envoy bootstrap for meshplane, with the semantics of
// the image's agent (aws/amazon-ecs-service-connect-agent: agent/envoy_bootstrap/envoy_bootstrap.go, env/env.go,
// metric_filter/metric_filter.go, agent/config/agent_config.go), so that a user leaving the image keeps the same
// node identity, admin settings, stats tags, sinks and tracing. docs/envoy-bootstrap.md lists every variable.
// Variables that only select AWS's endpoint or its SigV4 signing (AWS_REGION, APPMESH_PREVIEW, …) have no meaning
// against meshplane and are not read.
import { create, type JsonObject } from "@bufbuild/protobuf";
import { AddressSchema } from "../../proto/gen/envoy/config/core/v3/address_pb.js";
import { DogStatsdSinkSchema, TagSpecifierSchema, type StatsSink, type TagSpecifier } from "../../proto/gen/envoy/config/metrics/v3/stats_pb.js";
import { parseNodeId } from "../envoy/index.js";
import { APP_MESH_RUNTIME, type AdminAddress, type BootstrapOptions, type XdsTarget } from "./bootstrap.js";
import { EnvReader, meshResource, udp, type EnvError, type Env, type FileReader } from "./bootstrap-env-reader.js";
import { tracingFromEnv } from "./bootstrap-tracing.js";
import { typedConfig } from "./translate/common.js";
import { parseGoDuration } from "./go-duration.js";

export type { Env, EnvError, FileReader } from "./bootstrap-env-reader.js";

/** A bootstrap file the agent merges into what it generated (ENVOY_TRACING_CFG_FILE, …), in the agent's order. */
export interface MergeFile {
  variable: "ENVOY_TRACING_CFG_FILE" | "ENVOY_STATS_CONFIG_FILE" | "ENVOY_STATS_SINKS_CFG_FILE" | "ENVOY_RESOURCES_CONFIG_FILE";
  path: string;
}

export interface AppMeshBootstrap {
  options: BootstrapOptions;
  /** Files to merge into the generated bootstrap (bootstrap-merge.ts). */
  mergeFiles: MergeFile[];
  /** Envoy's command-line arguments the image would pass (`-l <level>`, `--concurrency`, `--disable-hot-restart`). */
  envoyArgs: string[];
  warnings: string[];
}

// TagSpecifier regexes of the agent (envoy_bootstrap.go, metric_filter.go), byte for byte: dashboards depend on them.
const LISTENER_PROTOCOL_REGEX = ".*?\\.ingress\\.((\\w+?)\\.)[0-9]+?\\.(.+?)$";
const LISTENER_PORT_REGEX = ".*?\\.ingress\\.\\w+?\\.(([0-9]+?)\\.)(.+?)$";
const RDS_ROUTE_CONFIG_REGEX = ".*?\\.ingress\\.\\w+?\\.[0-9]+?\\.rds\\.((.*?)\\.)(.+?)$";
const TARGET_VIRTUAL_NODE_REGEX = "^appmesh(?:\\..+?\\..+?)*(\\.TargetVirtualNode\\.(.+?))(?:\\..+?\\..+?)*\\.(?:.+)$";
const TARGET_VIRTUAL_SERVICE_REGEX = "^appmesh(?:\\..+?\\..+?)*(\\.TargetVirtualService\\.([^MVT]+))(?:\\..+?\\..+?)*\\.(?:.+)$";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "warning", "error", "critical", "off"] as const;
const MERGE_VARIABLES: readonly MergeFile["variable"][] = ["ENVOY_TRACING_CFG_FILE", "ENVOY_STATS_CONFIG_FILE", "ENVOY_STATS_SINKS_CFG_FILE", "ENVOY_RESOURCES_CONFIG_FILE"];

const fixedTag = (tagName: string, fixedValue: string): TagSpecifier => create(TagSpecifierSchema, { tagName, tagValue: { case: "fixedValue", value: fixedValue } });
const regexTag = (tagName: string, regex: string): TagSpecifier => create(TagSpecifierSchema, { tagName, tagValue: { case: "regex", value: regex } });
const snakeCase = (kind: string): string => kind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const upperCamelCase = (kind: string): string => kind[0]!.toUpperCase() + kind.slice(1);

function statsTags(read: EnvReader, nodeId: string): TagSpecifier[] {
  const resource = meshResource(nodeId);
  if (!resource) return [];
  const tags: TagSpecifier[] = [];
  if (read.bool("ENABLE_ENVOY_STATS_TAGS")) tags.push(fixedTag("appmesh.mesh", resource.mesh), fixedTag(`appmesh.${snakeCase(resource.kind)}`, resource.name));
  if (read.or("APPMESH_METRIC_EXTENSION_VERSION", "0") === "1") {
    // TargetVirtualService must stay after TargetVirtualNode: it matches greedily (service names contain dots).
    tags.push(
      regexTag("TargetVirtualNode", TARGET_VIRTUAL_NODE_REGEX),
      regexTag("TargetVirtualService", TARGET_VIRTUAL_SERVICE_REGEX),
      fixedTag("Mesh", resource.mesh),
      fixedTag(upperCamelCase(resource.kind), resource.name),
    );
  }
  tags.push(regexTag("appmesh.listener_protocol", LISTENER_PROTOCOL_REGEX), regexTag("appmesh.listener_port", LISTENER_PORT_REGEX), regexTag("envoy_rds_route_config", RDS_ROUTE_CONFIG_REGEX));
  return tags;
}

function dogStatsdSink(read: EnvReader): StatsSink {
  const socketPath = read.get("STATSD_SOCKET_PATH");
  const address = socketPath ? create(AddressSchema, { address: { case: "pipe", value: { path: socketPath } } }) : udp(read.or("STATSD_ADDRESS", "127.0.0.1"), read.port("STATSD_PORT", 8125));
  return { $typeName: "envoy.config.metrics.v3.StatsSink", name: "envoy.stat_sinks.dog_statsd", configType: typedConfig(DogStatsdSinkSchema, create(DogStatsdSinkSchema, { dogStatsdSpecifier: { case: "address", value: address } })) };
}

/**
 * APPMESH_XDS_ENDPOINT: `host:port` (h2c, meshplane's XDS_PORT), `https://host:port` (its MESHPLANE_XDS_TLS_PORT)
 * or `unix:///path` (its MESHPLANE_XDS_SOCKET); default 127.0.0.1 on XDS_PORT (18000). The image itself always
 * spoke TLS to AWS; against meshplane the scheme says which of its listeners to use.
 */
export function parseXdsEndpoint(value: string): XdsTarget | undefined {
  if (value.startsWith("unix://")) return value.length > "unix://".length ? { pipe: value.slice("unix://".length) } : undefined;
  const match = /^(https?:\/\/)?(\[[^\]]+\]|[^:/]+):([0-9]{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) return undefined;
  return { host: match[2]!.replace(/^\[|\]$/g, ""), port, ...(match[1] === "https://" ? { tls: true } : {}) };
}

function adminAddress(read: EnvReader): AdminAddress {
  if (read.or("ENVOY_ADMIN_MODE", "tcp").toLowerCase() === "uds") return { pipe: "/tmp/envoy_admin.sock", mode: 0o600 };
  const ipv6 = read.bool("ENVOY_ADMIN_ACCESS_ENABLE_IPV6");
  return { address: ipv6 ? "::" : "0.0.0.0", port: read.port("ENVOY_ADMIN_ACCESS_PORT", 9901), ipv4Compat: ipv6 };
}

function envoyArgs(read: EnvReader, warnings: string[]): string[] {
  const requested = read.get("ENVOY_LOG_LEVEL")?.toLowerCase();
  const level = requested && (LOG_LEVELS as readonly string[]).includes(requested) ? requested : "info";
  if (requested && level !== requested) warnings.push(`ENVOY_LOG_LEVEL: "${requested}" is not an Envoy log level; using info`);
  const args = ["-l", level];
  const concurrency = read.int("ENVOY_CONCURRENCY", -1);
  if (concurrency > 0) args.push("--concurrency", String(concurrency));
  if (read.bool("DISABLE_HOT_RESTART", true)) args.push("--disable-hot-restart");
  return args;
}

/**
 * @example
 * const result = bootstrapFromAppMeshEnv({ APPMESH_RESOURCE_ARN: "mesh/app/virtualNode/a", ENABLE_ENVOY_XRAY_TRACING: "1" }, files);
 * if ("errors" in result) … else createBootstrap(result.options)
 */
export function bootstrapFromAppMeshEnv(env: Env, files: FileReader, defaults: { xdsPort?: number } = {}): AppMeshBootstrap | { errors: EnvError[] } {
  const read = new EnvReader(env);
  const warnings: string[] = [];
  const nodeId = read.get("APPMESH_RESOURCE_ARN") ?? read.get("APPMESH_RESOURCE_NAME") ?? read.get("APPMESH_VIRTUAL_NODE_NAME");
  if (!nodeId) return { errors: [{ variable: "APPMESH_RESOURCE_ARN", message: "must be set (or APPMESH_RESOURCE_NAME / APPMESH_VIRTUAL_NODE_NAME)" }] };
  if ("error" in parseNodeId(nodeId)) read.fail("APPMESH_RESOURCE_ARN", (parseNodeId(nodeId) as { error: string }).error);
  const cluster = read.get("APPMESH_RESOURCE_CLUSTER") ?? read.get("APPMESH_VIRTUAL_NODE_CLUSTER") ?? nodeId;
  const endpoint = read.get("APPMESH_XDS_ENDPOINT");
  const xds = endpoint ? parseXdsEndpoint(endpoint) : { host: "127.0.0.1", port: defaults.xdsPort ?? 18000 };
  if (!xds) read.fail("APPMESH_XDS_ENDPOINT", `must be host:port or unix:///path, got "${endpoint}"`);
  const mergeFiles = MERGE_VARIABLES.flatMap((variable) => {
    const path = read.get(variable);
    return path ? [{ variable, path }] : [];
  });
  const merged = new Set(mergeFiles.map((file) => file.variable));

  const { tracing, clusters } = merged.has("ENVOY_TRACING_CFG_FILE") ? { tracing: undefined, clusters: [] } : tracingFromEnv(read, files, nodeId, cluster);
  const flush = read.get("ENVOY_STATS_FLUSH_INTERVAL");
  const flushMs = flush === undefined ? undefined : parseGoDuration(flush);
  if (flush !== undefined && (flushMs === undefined || flushMs <= 0)) read.fail("ENVOY_STATS_FLUSH_INTERVAL", `must be a positive duration such as "10s" or "1m30s", got "${flush}"`);
  const metricExtension = read.or("APPMESH_METRIC_EXTENSION_VERSION", "0") === "1";
  const nodeMetadata: JsonObject | undefined = metricExtension ? { "aws.appmesh.metric_filter": { level: "1" } } : undefined;
  const options: BootstrapOptions = {
    nodeId,
    cluster,
    nodeMetadata,
    xds: xds ?? { host: "127.0.0.1", port: 18000 },
    xdsCaFile: read.get("MESHPLANE_XDS_CA_FILE"),
    xdsToken: read.get("MESHPLANE_XDS_TOKEN"),
    initialFetchTimeoutSeconds: read.int("ENVOY_INITIAL_FETCH_TIMEOUT", 0),
    admin: adminAddress(read),
    adminAccessLogPath: read.or("ENVOY_ADMIN_ACCESS_LOG_FILE", "/tmp/envoy_admin_access.log"),
    sdsSocketPath: read.get("APPMESH_SDS_SOCKET_PATH"),
    outlierDetectionEventLogPath: read.or("ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH", "/dev/stdout"),
    runtime: {
      ...APP_MESH_RUNTIME,
      "envoy.reloadable_features.http_set_tracing_decision_in_request_id": read.bool("APPMESH_SET_TRACING_DECISION", true),
      "envoy.reloadable_features.no_extension_lookup_by_name": read.bool("ENVOY_NO_EXTENSION_LOOKUP_BY_NAME", true),
      "envoy.reloadable_features.tcp_pool_idle_timeout": read.bool("ENVOY_ENABLE_TCP_POOL_IDLE_TIMEOUT", true),
      "envoy.reloadable_features.sanitize_original_path": read.bool("ENVOY_SANITIZE_ORIGINAL_PATH", true),
    },
    statsTags: merged.has("ENVOY_STATS_CONFIG_FILE") ? [] : statsTags(read, nodeId),
    statsSinks: !merged.has("ENVOY_STATS_SINKS_CFG_FILE") && read.bool("ENABLE_ENVOY_DOG_STATSD") ? [dogStatsdSink(read)] : [],
    statsFlushIntervalMs: flushMs,
    tracing,
    clusters,
  };
  const args = envoyArgs(read, warnings);
  return read.errors.length > 0 ? { errors: read.errors } : { options, mergeFiles, envoyArgs: args, warnings };
}
