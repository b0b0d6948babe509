// The App Mesh Envoy image's environment variables → a stock-Envoy bootstrap for meshplane, with the semantics of
// the image's agent (aws/amazon-ecs-service-connect-agent: agent/envoy_bootstrap/envoy_bootstrap.go, env/env.go,
// metric_filter/metric_filter.go, agent/config/agent_config.go), so that a user leaving the image keeps the same
// node identity, admin settings, stats tags, sinks and tracing. docs/envoy-bootstrap.md lists every variable.
// Variables that only select AWS's endpoint or its SigV4 signing (AWS_REGION, APPMESH_PREVIEW, …) have no meaning
// against meshplane and are not read.
import { create, type JsonObject } from "@bufbuild/protobuf";
import type { Cluster } from "../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { AddressSchema, SocketAddress_Protocol, SocketAddressSchema } from "../../proto/gen/envoy/config/core/v3/address_pb.js";
import { DogStatsdSinkSchema, TagSpecifierSchema, type StatsSink, type TagSpecifier } from "../../proto/gen/envoy/config/metrics/v3/stats_pb.js";
import { TracingSchema, type Tracing } from "../../proto/gen/envoy/config/trace/v3/http_tracer_pb.js";
import { DatadogConfigSchema } from "../../proto/gen/envoy/config/trace/v3/datadog_pb.js";
import { XRayConfigSchema } from "../../proto/gen/envoy/config/trace/v3/xray_pb.js";
import { ZipkinConfig_CollectorEndpointVersion, ZipkinConfigSchema } from "../../proto/gen/envoy/config/trace/v3/zipkin_pb.js";
import { parseNodeId } from "../envoy/index.js";
import { APP_MESH_RUNTIME, singleEndpointCluster, type AdminAddress, type BootstrapOptions, type XdsTarget } from "./bootstrap.js";
import { socketAddress, typedConfig } from "./translate/common.js";
import { parseGoDuration } from "./go-duration.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads files the variables name (sampling manifests, custom config files). */
export interface FileReader {
  read(path: string): string;
}

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

export interface EnvError {
  variable: string;
  message: string;
}

// TagSpecifier regexes of the agent (envoy_bootstrap.go, metric_filter.go), byte for byte: dashboards depend on them.
const LISTENER_PROTOCOL_REGEX = ".*?\\.ingress\\.((\\w+?)\\.)[0-9]+?\\.(.+?)$";
const LISTENER_PORT_REGEX = ".*?\\.ingress\\.\\w+?\\.(([0-9]+?)\\.)(.+?)$";
const RDS_ROUTE_CONFIG_REGEX = ".*?\\.ingress\\.\\w+?\\.[0-9]+?\\.rds\\.((.*?)\\.)(.+?)$";
const TARGET_VIRTUAL_NODE_REGEX = "^appmesh(?:\\..+?\\..+?)*(\\.TargetVirtualNode\\.(.+?))(?:\\..+?\\..+?)*\\.(?:.+)$";
const TARGET_VIRTUAL_SERVICE_REGEX = "^appmesh(?:\\..+?\\..+?)*(\\.TargetVirtualService\\.([^MVT]+))(?:\\..+?\\..+?)*\\.(?:.+)$";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "warning", "error", "critical", "off"] as const;
const MERGE_VARIABLES: readonly MergeFile["variable"][] = ["ENVOY_TRACING_CFG_FILE", "ENVOY_STATS_CONFIG_FILE", "ENVOY_STATS_SINKS_CFG_FILE", "ENVOY_RESOURCES_CONFIG_FILE"];

/** Reads variables as the agent does (trimmed; empty = unset), collecting errors instead of throwing. */
class EnvReader {
  readonly errors: EnvError[] = [];
  constructor(readonly env: Env) {}
  get(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }
  or(name: string, fallback: string): string {
    return this.get(name) ?? fallback;
  }
  int(name: string, fallback: number): number {
    const value = this.get(name);
    if (value === undefined) return fallback;
    if (!/^[+-]?\d+$/.test(value)) {
      this.errors.push({ variable: name, message: `must be an integer value, got "${value}"` });
      return fallback;
    }
    return Number(value);
  }
  port(name: string, fallback: number): number {
    const port = this.int(name, fallback);
    if (port < 0 || port > 65535) this.errors.push({ variable: name, message: `must be a port (0-65535), got ${port}` });
    return port;
  }
  /** Go's strconv.ParseBool: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False. */
  bool(name: string, fallback = false): boolean {
    const value = this.get(name);
    if (value === undefined) return fallback;
    if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
    this.errors.push({ variable: name, message: `must be a boolean value, got "${value}"` });
    return fallback;
  }
  fail(name: string, message: string): void {
    this.errors.push({ variable: name, message });
  }
}

const fixedTag = (tagName: string, fixedValue: string): TagSpecifier => create(TagSpecifierSchema, { tagName, tagValue: { case: "fixedValue", value: fixedValue } });
const regexTag = (tagName: string, regex: string): TagSpecifier => create(TagSpecifierSchema, { tagName, tagValue: { case: "regex", value: regex } });
const snakeCase = (kind: string): string => kind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const upperCamelCase = (kind: string): string => kind[0]!.toUpperCase() + kind.slice(1);
const udpSocket = (address: string, port: number) => create(SocketAddressSchema, { protocol: SocketAddress_Protocol.UDP, address, portSpecifier: { case: "portValue", value: port } });
const udp = (address: string, port: number) => create(AddressSchema, { address: { case: "socketAddress", value: udpSocket(address, port) } });

/** The mesh resource a node id names, split as the agent splits it (on `/`, at least four parts). */
function meshResource(nodeId: string): { mesh: string; kind: string; name: string } | undefined {
  const parts = nodeId.split("/");
  return parts.length >= 4 ? { mesh: parts[1]!, kind: parts[2]!, name: parts[3]! } : undefined;
}

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

/** XRAY_SAMPLING_RULE_MANIFEST (a file, version 2) or XRAY_SAMPLING_RATE (a default rule; 0.05 is X-Ray's own default). */
function samplingRuleManifest(read: EnvReader, files: FileReader) {
  const manifestPath = read.get("XRAY_SAMPLING_RULE_MANIFEST");
  if (manifestPath) {
    let manifest: { version?: unknown };
    try {
      manifest = JSON.parse(files.read(manifestPath)) as { version?: unknown };
    } catch (error) {
      read.fail("XRAY_SAMPLING_RULE_MANIFEST", `could not read or parse ${manifestPath}: ${(error as Error).message}`);
      return undefined;
    }
    if (manifest.version !== 2) read.fail("XRAY_SAMPLING_RULE_MANIFEST", `${manifestPath}: version ${String(manifest.version)} is not supported (Envoy's X-Ray tracer reads version 2)`);
    return { specifier: { case: "filename" as const, value: manifestPath } };
  }
  const rateText = read.get("XRAY_SAMPLING_RATE");
  if (rateText === undefined) return undefined;
  const rate = Number(rateText);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
    read.fail("XRAY_SAMPLING_RATE", `must be a decimal between 0 and 1.00 (100%), got "${rateText}"`);
    return undefined;
  }
  const rounded = Math.round(rate * 100) / 100;
  if (rounded === 0.05) return undefined;
  // The agent writes this manifest to /tmp/sampling-rules.json; inline, the bootstrap needs no side file.
  return { specifier: { case: "inlineString" as const, value: JSON.stringify({ version: 2, default: { fixed_target: 1, rate: rounded }, rules: [] }) } };
}

/** AWS_XRAY_DAEMON_ADDRESS: `ip`, `ip:port` or `[ipv6]:port` (the port wins over XRAY_DAEMON_PORT); an IP literal. */
function xrayDaemon(read: EnvReader): { address: string; port: number } {
  const port = read.port("XRAY_DAEMON_PORT", 2000);
  const daemon = read.get("AWS_XRAY_DAEMON_ADDRESS");
  if (!daemon) return { address: "127.0.0.1", port };
  const withPort = /^\[([^\]]+)\]:([0-9]{1,5})$/.exec(daemon) ?? /^([^:]+):([0-9]{1,5})$/.exec(daemon);
  const address = withPort ? withPort[1]! : daemon;
  const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(address) || (address.includes(":") && /^[0-9a-fA-F:.]+$/.test(address));
  // The X-Ray extension sends to an address, not a cluster: it must be an IP literal (and an IPv6 one in brackets with a port).
  if (!isIp || (!withPort && /:\d{1,5}$/.test(daemon) && !daemon.startsWith("["))) {
    read.fail("AWS_XRAY_DAEMON_ADDRESS", `must be a static IPv4 or IPv6 address such as "127.0.0.1", got "${daemon}"`);
  }
  return { address, port: withPort ? Number(withPort[2]) : port };
}

function xrayTracing(read: EnvReader, files: FileReader, nodeId: string, cluster: string): Tracing {
  const daemon = xrayDaemon(read);
  const resource = meshResource(nodeId);
  const config = create(XRayConfigSchema, {
    segmentName: resource ? read.or("XRAY_SEGMENT_NAME", `${resource.mesh}/${resource.name}`) : cluster,
    daemonEndpoint: udpSocket(daemon.address, daemon.port),
    segmentFields: { origin: "AWS::AppMesh::Proxy", aws: resource ? { app_mesh: { mesh_name: resource.mesh, virtual_node_name: resource.name } } : undefined },
    samplingRuleManifest: samplingRuleManifest(read, files),
  });
  return create(TracingSchema, { http: { name: "envoy.tracers.xray", configType: typedConfig(XRayConfigSchema, config) } });
}

function collectorCluster(name: string, address: string, port: number): Cluster {
  return singleEndpointCluster(name, socketAddress(address, port), { type: "STRICT_DNS" });
}

function datadogTracing(read: EnvReader, nodeId: string): { tracing: Tracing; cluster: Cluster } {
  const resource = meshResource(nodeId);
  const config = create(DatadogConfigSchema, { collectorCluster: "datadog_agent", serviceName: read.or("DD_SERVICE", resource ? `envoy-${resource.mesh}/${resource.name}` : "envoy") });
  return {
    tracing: create(TracingSchema, { http: { name: "envoy.tracers.datadog", configType: typedConfig(DatadogConfigSchema, config) } }),
    cluster: collectorCluster("datadog_agent", read.or("DATADOG_TRACER_ADDRESS", "127.0.0.1"), read.port("DATADOG_TRACER_PORT", 8126)),
  };
}

function jaegerTracing(read: EnvReader): { tracing: Tracing; cluster: Cluster } {
  const json = (read.get("JAEGER_TRACER_VERSION") ?? "").toLowerCase().includes("json");
  const config = create(ZipkinConfigSchema, {
    collectorCluster: "jaeger",
    collectorEndpoint: "/api/v2/spans",
    collectorEndpointVersion: json ? ZipkinConfig_CollectorEndpointVersion.HTTP_JSON : ZipkinConfig_CollectorEndpointVersion.HTTP_PROTO,
    sharedSpanContext: false,
  });
  return {
    tracing: create(TracingSchema, { http: { name: "envoy.tracers.zipkin", configType: typedConfig(ZipkinConfigSchema, config) } }),
    cluster: collectorCluster("jaeger", read.or("JAEGER_TRACER_ADDRESS", "127.0.0.1"), read.port("JAEGER_TRACER_PORT", 9411)),
  };
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

  const clusters: Cluster[] = [];
  let tracing: Tracing | undefined;
  if (!merged.has("ENVOY_TRACING_CFG_FILE")) {
    const enabled = (["ENABLE_ENVOY_XRAY_TRACING", "ENABLE_ENVOY_DATADOG_TRACING", "ENABLE_ENVOY_JAEGER_TRACING"] as const).filter((name) => read.bool(name));
    if (enabled.length > 1) read.fail(enabled.join(", "), "only a single Envoy trace driver can be configured; enable only one of ENABLE_ENVOY_XRAY_TRACING, ENABLE_ENVOY_DATADOG_TRACING or ENABLE_ENVOY_JAEGER_TRACING");
    else if (enabled[0] === "ENABLE_ENVOY_XRAY_TRACING") tracing = xrayTracing(read, files, nodeId, cluster);
    else if (enabled[0]) {
      const tracer = enabled[0] === "ENABLE_ENVOY_DATADOG_TRACING" ? datadogTracing(read, nodeId) : jaegerTracing(read);
      tracing = tracer.tracing;
      clusters.push(tracer.cluster);
    }
  }
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
