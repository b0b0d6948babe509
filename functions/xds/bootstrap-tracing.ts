// The tracer the App Mesh image's variables ask for (envoy_bootstrap.go: appendXRayTracing, appendDataDogTracing,
// appendJaegerTracing): at most one of X-Ray, Datadog and Jaeger (Zipkin format), with the collector cluster the
// agent adds for the last two.
import { create } from "@bufbuild/protobuf";
import type { Cluster } from "../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { TracingSchema, type Tracing } from "../../proto/gen/envoy/config/trace/v3/http_tracer_pb.js";
import { DatadogConfigSchema } from "../../proto/gen/envoy/config/trace/v3/datadog_pb.js";
import { XRayConfigSchema } from "../../proto/gen/envoy/config/trace/v3/xray_pb.js";
import { ZipkinConfig_CollectorEndpointVersion, ZipkinConfigSchema } from "../../proto/gen/envoy/config/trace/v3/zipkin_pb.js";
import { singleEndpointCluster } from "./bootstrap.js";
import { meshResource, udpSocket, type EnvReader, type FileReader } from "./bootstrap-env-reader.js";
import { socketAddress, typedConfig } from "./translate/common.js";

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

const TRACER_VARIABLES = ["ENABLE_ENVOY_XRAY_TRACING", "ENABLE_ENVOY_DATADOG_TRACING", "ENABLE_ENVOY_JAEGER_TRACING"] as const;

/** The enabled tracer and the clusters it needs; none when no tracer is enabled (two or more is an error). */
export function tracingFromEnv(read: EnvReader, files: FileReader, nodeId: string, cluster: string): { tracing: Tracing | undefined; clusters: Cluster[] } {
  const enabled = TRACER_VARIABLES.filter((name) => read.bool(name));
  if (enabled.length > 1) {
    read.fail(enabled.join(", "), "only a single Envoy trace driver can be configured; enable only one of ENABLE_ENVOY_XRAY_TRACING, ENABLE_ENVOY_DATADOG_TRACING or ENABLE_ENVOY_JAEGER_TRACING");
    return { tracing: undefined, clusters: [] };
  }
  if (enabled[0] === "ENABLE_ENVOY_XRAY_TRACING") return { tracing: xrayTracing(read, files, nodeId, cluster), clusters: [] };
  if (enabled[0] === undefined) return { tracing: undefined, clusters: [] };
  const tracer = enabled[0] === "ENABLE_ENVOY_DATADOG_TRACING" ? datadogTracing(read, nodeId) : jaegerTracing(read);
  return { tracing: tracer.tracing, clusters: [tracer.cluster] };
}
