// The stock-Envoy bootstrap: one row per set of the App Mesh image's variables, each output parsed back with Envoy's
// Bootstrap descriptor, checked against Envoy's validation rules, and against what the image's agent
// (aws/amazon-ecs-service-connect-agent, agent/envoy_bootstrap) writes for those variables.
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import os from "node:os";
import path from "node:path";
import { fromJson, type JsonObject } from "@bufbuild/protobuf";
import { BootstrapSchema } from "../../proto/gen/envoy/config/bootstrap/v3/bootstrap_pb.js";
import { envoyRegistry, xdsSubscriptionOfNode } from "../../functions/envoy/index.js";
import { bootstrapToJson, createBootstrap, restXdsClusterName, XDS_CLUSTER, type XdsTarget } from "../../functions/xds/bootstrap.js";
import { bootstrapFromAppMeshEnv, type Env, type FileReader } from "../../functions/xds/bootstrap-env.js";
import { mergeBootstrapFiles } from "../../functions/xds/bootstrap-merge.js";
import { validateEnvoyMessage } from "../../functions/xds/translate/validate-envoy.js";

const VN = "arn:aws:appmesh:us-east-1:111122223333:mesh/app/virtualNode/serviceA";
const VG = "mesh/app/virtualGateway/ingress-gw";

type Json = Record<string, any>;

/** Files a row names, as a reader over a map (the CLI reads the same through node:fs). */
const reader = (contents: Record<string, string> = {}): FileReader => ({
  read(file) {
    if (!(file in contents)) throw new Error(`ENOENT: ${file}`);
    return contents[file]!;
  },
});

function generate(env: Env, files: Record<string, string> = {}): { json: Json; args: string[]; warnings: string[] } {
  const result = bootstrapFromAppMeshEnv(env, reader(files));
  if ("errors" in result) throw new Error(result.errors.map((e) => `${e.variable}: ${e.message}`).join("; "));
  const merged = mergeBootstrapFiles(bootstrapToJson(createBootstrap(result.options)), result.mergeFiles, reader(files));
  // Envoy's descriptors accept it (JSON → Bootstrap) and Envoy's validation rules pass.
  const parsed = fromJson(BootstrapSchema, merged.json as JsonObject, { registry: envoyRegistry });
  expect(validateEnvoyMessage(BootstrapSchema, parsed)).toEqual([]);
  return { json: merged.json as Json, args: result.envoyArgs, warnings: [...result.warnings, ...merged.warnings] };
}

const errorsOf = (env: Env, files: Record<string, string> = {}) => {
  const result = bootstrapFromAppMeshEnv(env, reader(files));
  return "errors" in result ? result.errors.map((e) => `${e.variable}: ${e.message}`) : [];
};

const tags = (json: Json) => (json.stats_config?.stats_tags ?? []) as Json[];
const cluster = (json: Json, name: string) => (json.static_resources.clusters as Json[]).find((c) => c.name === name);
const endpointAddress = (c: Json) => c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address;
const tracer = (json: Json) => json.tracing?.http;

interface Row {
  name: string;
  env: Env;
  files?: Record<string, string>;
  /** What the agent writes for these variables. */
  check(output: { json: Json; args: string[]; warnings: string[] }): void;
}

const LISTENER_TAGS = ["appmesh.listener_protocol", "appmesh.listener_port", "envoy_rds_route_config"];

const rows: Row[] = [
  {
    name: "APPMESH_RESOURCE_ARN alone: node id and cluster, the agent's admin, runtime layers, outlier log, listener tags, -l info",
    env: { APPMESH_RESOURCE_ARN: VN },
    check({ json, args }) {
      expect(json.node).toEqual({ id: VN, cluster: VN });
      expect(json.admin.address.socket_address).toEqual({ address: "0.0.0.0", port_value: 9901 });
      expect(json.admin.access_log[0].typed_config.path).toBe("/tmp/envoy_admin_access.log");
      expect(json.layered_runtime.layers.map((l: Json) => l.name)).toEqual(["static_layer_0", "admin_layer"]);
      expect(json.layered_runtime.layers[0].static_layer).toEqual({
        "envoy.features.enable_all_deprecated_features": true,
        "re2.max_program_size.error_level": 1000,
        "envoy.reloadable_features.http_set_tracing_decision_in_request_id": true,
        "envoy.reloadable_features.no_extension_lookup_by_name": true,
        "envoy.reloadable_features.tcp_pool_idle_timeout": true,
        "envoy.reloadable_features.sanitize_original_path": true,
      });
      expect(json.cluster_manager.outlier_detection.event_log_path).toBe("/dev/stdout");
      expect(json.dynamic_resources.lds_config).toEqual({ ads: {}, initial_fetch_timeout: "0s", resource_api_version: "V3" });
      expect(tags(json).map((t) => t.tag_name)).toEqual(LISTENER_TAGS);
      expect(json.tracing).toBeUndefined();
      expect(json.stats_sinks).toBeUndefined();
      expect(args).toEqual(["-l", "info", "--disable-hot-restart"]);
    },
  },
  {
    name: "the older names APPMESH_VIRTUAL_NODE_NAME and APPMESH_VIRTUAL_NODE_CLUSTER",
    env: { APPMESH_VIRTUAL_NODE_NAME: "mesh/app/virtualNode/legacy", APPMESH_VIRTUAL_NODE_CLUSTER: "legacy-cluster" },
    check({ json }) {
      expect(json.node).toEqual({ id: "mesh/app/virtualNode/legacy", cluster: "legacy-cluster" });
    },
  },
  {
    name: "ENVOY_ADMIN_ACCESS_PORT, ENVOY_ADMIN_ACCESS_LOG_FILE and ENVOY_ADMIN_ACCESS_ENABLE_IPV6",
    env: { APPMESH_RESOURCE_ARN: VN, ENVOY_ADMIN_ACCESS_PORT: "9999", ENVOY_ADMIN_ACCESS_LOG_FILE: "/var/log/admin.log", ENVOY_ADMIN_ACCESS_ENABLE_IPV6: "true" },
    check({ json }) {
      expect(json.admin.address.socket_address).toEqual({ address: "::", port_value: 9999, ipv4_compat: true });
      expect(json.admin.access_log[0].typed_config.path).toBe("/var/log/admin.log");
    },
  },
  {
    name: "ENVOY_ADMIN_MODE=uds: the admin socket at /tmp/envoy_admin.sock, mode 0600",
    env: { APPMESH_RESOURCE_ARN: VN, ENVOY_ADMIN_MODE: "UDS" },
    check({ json }) {
      expect(json.admin.address.pipe).toEqual({ path: "/tmp/envoy_admin.sock", mode: 0o600 });
    },
  },
  {
    name: "ENVOY_LOG_LEVEL, ENVOY_CONCURRENCY and DISABLE_HOT_RESTART shape Envoy's arguments",
    env: { APPMESH_RESOURCE_ARN: VN, ENVOY_LOG_LEVEL: "DEBUG", ENVOY_CONCURRENCY: "2", DISABLE_HOT_RESTART: "false" },
    check({ args }) {
      expect(args).toEqual(["-l", "debug", "--concurrency", "2"]);
    },
  },
  {
    name: "an unknown ENVOY_LOG_LEVEL falls back to info with a warning",
    env: { APPMESH_RESOURCE_ARN: VN, ENVOY_LOG_LEVEL: "loud" },
    check({ args, warnings }) {
      expect(args.slice(0, 2)).toEqual(["-l", "info"]);
      expect(warnings.join()).toContain("ENVOY_LOG_LEVEL");
    },
  },
  {
    name: "ENABLE_ENVOY_STATS_TAGS: appmesh.mesh and appmesh.<resource type> as fixed tags, before the listener tags",
    env: { APPMESH_RESOURCE_ARN: VG, ENABLE_ENVOY_STATS_TAGS: "1" },
    check({ json }) {
      expect(tags(json).slice(0, 2)).toEqual([
        { tag_name: "appmesh.mesh", fixed_value: "app" },
        { tag_name: "appmesh.virtual_gateway", fixed_value: "ingress-gw" },
      ]);
      expect(tags(json).slice(2).map((t) => t.tag_name)).toEqual(LISTENER_TAGS);
    },
  },
  {
    name: "APPMESH_METRIC_EXTENSION_VERSION=1: node metadata level 1 and the extension's dimension tags, TargetVirtualService after TargetVirtualNode",
    env: { APPMESH_RESOURCE_ARN: VG, APPMESH_METRIC_EXTENSION_VERSION: "1" },
    check({ json }) {
      expect(json.node.metadata).toEqual({ "aws.appmesh.metric_filter": { level: "1" } });
      expect(tags(json).map((t) => t.tag_name)).toEqual(["TargetVirtualNode", "TargetVirtualService", "Mesh", "VirtualGateway", ...LISTENER_TAGS]);
      expect(tags(json)[0]!.regex).toBe("^appmesh(?:\\..+?\\..+?)*(\\.TargetVirtualNode\\.(.+?))(?:\\..+?\\..+?)*\\.(?:.+)$");
      expect(tags(json)[1]!.regex).toBe("^appmesh(?:\\..+?\\..+?)*(\\.TargetVirtualService\\.([^MVT]+))(?:\\..+?\\..+?)*\\.(?:.+)$");
      expect(tags(json)[3]).toEqual({ tag_name: "VirtualGateway", fixed_value: "ingress-gw" });
    },
  },
  {
    name: "ENABLE_ENVOY_DOG_STATSD with STATSD_ADDRESS / STATSD_PORT: a dog_statsd sink over UDP",
    env: { APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_DOG_STATSD: "1", STATSD_ADDRESS: "10.0.0.9", STATSD_PORT: "9125", ENVOY_STATS_FLUSH_INTERVAL: "1m30s" },
    check({ json }) {
      expect(json.stats_sinks).toEqual([
        {
          name: "envoy.stat_sinks.dog_statsd",
          typed_config: { "@type": "type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink", address: { socket_address: { protocol: "UDP", address: "10.0.0.9", port_value: 9125 } } },
        },
      ]);
      expect(json.stats_flush_interval).toBe("90s");
    },
  },
  {
    name: "STATSD_SOCKET_PATH: the dog_statsd sink on a unix socket",
    env: { APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_DOG_STATSD: "true", STATSD_SOCKET_PATH: "/var/run/datadog/dsd.socket" },
    check({ json }) {
      expect(json.stats_sinks[0].typed_config.address).toEqual({ pipe: { path: "/var/run/datadog/dsd.socket" } });
    },
  },
  {
    name: "ENABLE_ENVOY_XRAY_TRACING with AWS_XRAY_DAEMON_ADDRESS and XRAY_SAMPLING_RATE: the X-Ray tracer as the agent configures it",
    env: { APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_XRAY_TRACING: "1", AWS_XRAY_DAEMON_ADDRESS: "10.0.0.1:3000", XRAY_SAMPLING_RATE: "0.2" },
    check({ json }) {
      expect(tracer(json).name).toBe("envoy.tracers.xray");
      const config = tracer(json).typed_config;
      expect(config.segment_name).toBe("app/serviceA");
      expect(config.daemon_endpoint).toEqual({ protocol: "UDP", address: "10.0.0.1", port_value: 3000 });
      expect(config.segment_fields).toEqual({ origin: "AWS::AppMesh::Proxy", aws: { app_mesh: { mesh_name: "app", virtual_node_name: "serviceA" } } });
      expect(JSON.parse(config.sampling_rule_manifest.inline_string)).toEqual({ version: 2, default: { fixed_target: 1, rate: 0.2 }, rules: [] });
    },
  },
  {
    name: "XRAY_SAMPLING_RATE=0.05 (X-Ray's default) writes no manifest; XRAY_SEGMENT_NAME and XRAY_DAEMON_PORT are honoured",
    env: { APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_XRAY_TRACING: "1", XRAY_SAMPLING_RATE: "0.05", XRAY_SEGMENT_NAME: "front", XRAY_DAEMON_PORT: "2001" },
    check({ json }) {
      const config = tracer(json).typed_config;
      expect(config.sampling_rule_manifest).toBeUndefined();
      expect(config.segment_name).toBe("front");
      expect(config.daemon_endpoint).toEqual({ protocol: "UDP", address: "127.0.0.1", port_value: 2001 });
    },
  },
  {
    name: "XRAY_SAMPLING_RULE_MANIFEST: a version-2 manifest file is referenced by path",
    env: { APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_XRAY_TRACING: "1", XRAY_SAMPLING_RULE_MANIFEST: "/etc/xray/rules.json" },
    files: { "/etc/xray/rules.json": JSON.stringify({ version: 2, default: { fixed_target: 2, rate: 0.1 }, rules: [] }) },
    check({ json }) {
      expect(tracer(json).typed_config.sampling_rule_manifest).toEqual({ filename: "/etc/xray/rules.json" });
    },
  },
  {
    name: "ENABLE_ENVOY_DATADOG_TRACING with DD_SERVICE: the Datadog tracer and its STRICT_DNS datadog_agent cluster",
    env: { APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_DATADOG_TRACING: "1", DD_SERVICE: "checkout", DATADOG_TRACER_PORT: "8127" },
    check({ json }) {
      expect(tracer(json)).toEqual({ name: "envoy.tracers.datadog", typed_config: { "@type": "type.googleapis.com/envoy.config.trace.v3.DatadogConfig", collector_cluster: "datadog_agent", service_name: "checkout" } });
      const agent = cluster(json, "datadog_agent")!;
      expect(agent.type).toBe("STRICT_DNS");
      expect(endpointAddress(agent).socket_address).toEqual({ address: "127.0.0.1", port_value: 8127 });
    },
  },
  {
    name: "ENABLE_ENVOY_JAEGER_TRACING with JAEGER_TRACER_VERSION=json: Zipkin-format spans to the jaeger cluster",
    env: { APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_JAEGER_TRACING: "1", JAEGER_TRACER_VERSION: "JSON", JAEGER_TRACER_ADDRESS: "jaeger.observability" },
    check({ json }) {
      expect(tracer(json).name).toBe("envoy.tracers.zipkin");
      expect(tracer(json).typed_config).toMatchObject({ collector_cluster: "jaeger", collector_endpoint: "/api/v2/spans", collector_endpoint_version: "HTTP_JSON", shared_span_context: false });
      expect(endpointAddress(cluster(json, "jaeger")!).socket_address).toEqual({ address: "jaeger.observability", port_value: 9411 });
    },
  },
  {
    name: "APPMESH_SDS_SOCKET_PATH: static_cluster_sds_unix_socket on that pipe, speaking HTTP/2",
    env: { APPMESH_RESOURCE_ARN: VN, APPMESH_SDS_SOCKET_PATH: "/run/spire/sockets/agent.sock" },
    check({ json }) {
      const sds = cluster(json, "static_cluster_sds_unix_socket")!;
      expect(sds.type).toBe("STATIC");
      expect(endpointAddress(sds).pipe).toEqual({ path: "/run/spire/sockets/agent.sock" });
      expect(Object.keys(sds.typed_extension_protocol_options)).toEqual(["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]);
    },
  },
  {
    name: "APPMESH_XDS_ENDPOINT as host:port (resolved) and ENVOY_INITIAL_FETCH_TIMEOUT",
    env: { APPMESH_RESOURCE_ARN: VN, APPMESH_XDS_ENDPOINT: "meshplane.internal:18001", ENVOY_INITIAL_FETCH_TIMEOUT: "30" },
    check({ json }) {
      const xds = cluster(json, XDS_CLUSTER)!;
      expect(xds.type).toBe("LOGICAL_DNS");
      expect(endpointAddress(xds).socket_address).toEqual({ address: "meshplane.internal", port_value: 18001 });
      expect(json.dynamic_resources.cds_config.initial_fetch_timeout).toBe("30s");
    },
  },
  {
    name: "APPMESH_XDS_ENDPOINT as https://host:port (meshplane's TLS port) with MESHPLANE_XDS_CA_FILE, and a MESHPLANE_XDS_TOKEN bearer",
    env: { APPMESH_RESOURCE_ARN: VN, APPMESH_XDS_ENDPOINT: "https://meshplane.example.com:18443", MESHPLANE_XDS_CA_FILE: "/etc/meshplane/ca.pem", MESHPLANE_XDS_TOKEN: "t0ken" },
    check({ json }) {
      const tls = cluster(json, XDS_CLUSTER)!.transport_socket.typed_config;
      expect(tls.sni).toBe("meshplane.example.com");
      expect(tls.common_tls_context.validation_context.trusted_ca).toEqual({ filename: "/etc/meshplane/ca.pem" });
      expect(json.dynamic_resources.ads_config.grpc_services[0].initial_metadata).toEqual([{ key: "authorization", value: "Bearer t0ken" }]);
    },
  },
  {
    name: "APPMESH_XDS_ENDPOINT as unix:// (the agent's relay form)",
    env: { APPMESH_RESOURCE_ARN: VN, APPMESH_XDS_ENDPOINT: "unix:///tmp/relay_xds.sock" },
    check({ json }) {
      expect(endpointAddress(cluster(json, XDS_CLUSTER)!).pipe).toEqual({ path: "/tmp/relay_xds.sock" });
    },
  },
  {
    name: "the runtime switches APPMESH_SET_TRACING_DECISION, ENVOY_NO_EXTENSION_LOOKUP_BY_NAME, ENVOY_ENABLE_TCP_POOL_IDLE_TIMEOUT, ENVOY_SANITIZE_ORIGINAL_PATH; ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH",
    env: {
      APPMESH_RESOURCE_ARN: VN,
      APPMESH_SET_TRACING_DECISION: "false",
      ENVOY_NO_EXTENSION_LOOKUP_BY_NAME: "0",
      ENVOY_ENABLE_TCP_POOL_IDLE_TIMEOUT: "F",
      ENVOY_SANITIZE_ORIGINAL_PATH: "FALSE",
      ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH: "/var/log/outliers.log",
    },
    check({ json }) {
      const layer = json.layered_runtime.layers[0].static_layer;
      expect(layer["envoy.reloadable_features.http_set_tracing_decision_in_request_id"]).toBe(false);
      expect(layer["envoy.reloadable_features.no_extension_lookup_by_name"]).toBe(false);
      expect(layer["envoy.reloadable_features.tcp_pool_idle_timeout"]).toBe(false);
      expect(layer["envoy.reloadable_features.sanitize_original_path"]).toBe(false);
      expect(json.cluster_manager.outlier_detection.event_log_path).toBe("/var/log/outliers.log");
    },
  },
  {
    name: "ENVOY_STATS_SINKS_CFG_FILE and ENVOY_TRACING_CFG_FILE replace what the variables would generate; ENVOY_RESOURCES_CONFIG_FILE appends clusters",
    env: {
      APPMESH_RESOURCE_ARN: VN,
      ENABLE_ENVOY_DOG_STATSD: "1",
      ENABLE_ENVOY_XRAY_TRACING: "1",
      ENVOY_STATS_SINKS_CFG_FILE: "/cfg/sinks.yaml",
      ENVOY_TRACING_CFG_FILE: "/cfg/tracing.yaml",
      ENVOY_RESOURCES_CONFIG_FILE: "/cfg/resources.yaml",
    },
    files: {
      "/cfg/sinks.yaml": "statsSinks:\n  - name: envoy.stat_sinks.statsd\n    typed_config:\n      '@type': type.googleapis.com/envoy.config.metrics.v3.StatsdSink\n      address: { socket_address: { protocol: UDP, address: 127.0.0.1, port_value: 8125 } }\n",
      "/cfg/tracing.yaml": "tracing:\n  http:\n    name: envoy.tracers.zipkin\n    typed_config:\n      '@type': type.googleapis.com/envoy.config.trace.v3.ZipkinConfig\n      collector_cluster: zipkin\n      collector_endpoint: /api/v2/spans\n      collector_endpoint_version: HTTP_JSON\n",
      "/cfg/resources.yaml": "static_resources:\n  clusters:\n    - name: zipkin\n      type: STRICT_DNS\n      connect_timeout: 1s\n      load_assignment:\n        cluster_name: zipkin\n        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: zipkin, port_value: 9411 } } } }] }]\n",
    },
    check({ json }) {
      expect(json.stats_sinks.map((s: Json) => s.name)).toEqual(["envoy.stat_sinks.statsd"]);
      expect(tracer(json).name).toBe("envoy.tracers.zipkin");
      expect(json.static_resources.clusters.map((c: Json) => c.name)).toEqual([XDS_CLUSTER, "zipkin"]);
    },
  },
];

describe("bootstrapFromAppMeshEnv + createBootstrap", () => {
  it.each(rows)("$name", (row) => row.check(generate(row.env, row.files)));

  it("refuses what the agent refuses, naming the variable: two tracers, bad booleans, integers and addresses, an old sampling manifest", () => {
    expect(errorsOf({ APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_XRAY_TRACING: "1", ENABLE_ENVOY_JAEGER_TRACING: "1" }).join()).toContain("only a single Envoy trace driver");
    expect(errorsOf({ APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_STATS_TAGS: "yes" })).toEqual(['ENABLE_ENVOY_STATS_TAGS: must be a boolean value, got "yes"']);
    expect(errorsOf({ APPMESH_RESOURCE_ARN: VN, ENVOY_ADMIN_ACCESS_PORT: "nine" })).toEqual(['ENVOY_ADMIN_ACCESS_PORT: must be an integer value, got "nine"']);
    expect(errorsOf({ APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_XRAY_TRACING: "1", AWS_XRAY_DAEMON_ADDRESS: "xray.local:2000" }).join()).toContain("AWS_XRAY_DAEMON_ADDRESS: must be a static IPv4 or IPv6 address");
    expect(errorsOf({ APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_XRAY_TRACING: "1", XRAY_SAMPLING_RULE_MANIFEST: "/r.json" }, { "/r.json": '{"version":1}' }).join()).toContain("version 1 is not supported");
    expect(errorsOf({ APPMESH_RESOURCE_ARN: VN, ENVOY_STATS_FLUSH_INTERVAL: "often" }).join()).toContain("ENVOY_STATS_FLUSH_INTERVAL");
    expect(errorsOf({})).toEqual(["APPMESH_RESOURCE_ARN: must be set (or APPMESH_RESOURCE_NAME / APPMESH_VIRTUAL_NODE_NAME)"]);
    expect(errorsOf({ APPMESH_RESOURCE_ARN: "serviceA" }).join()).toContain("mesh/<mesh>/virtualNode/<name>");
  });

  it("refuses a merged file Envoy would refuse, or one giving stats_config twice, naming the variable and the file", () => {
    const env = { APPMESH_RESOURCE_ARN: VN, ENVOY_STATS_CONFIG_FILE: "/cfg/stats.yaml" };
    const run = (contents: string) => {
      const result = bootstrapFromAppMeshEnv(env, reader({ "/cfg/stats.yaml": contents }));
      if ("errors" in result) throw new Error("unexpected");
      return () => mergeBootstrapFiles(bootstrapToJson(createBootstrap(result.options)), result.mergeFiles, reader({ "/cfg/stats.yaml": contents }));
    };
    expect(run("stats_config: { stats_tags: [{ tag_name: a, fixed_value: b }] }\nstatsConfig: {}\n")).toThrow("ENVOY_STATS_CONFIG_FILE (/cfg/stats.yaml): contains both statsConfig and stats_config");
    expect(run("stats_config: { no_such_field: 1 }\n")).toThrow(/ENVOY_STATS_CONFIG_FILE \(\/cfg\/stats.yaml\): the merged bootstrap is not one Envoy accepts/);
    // The file replaces the generated stats tags (the agent then generates none).
    expect(run("stats_config: { stats_tags: [{ tag_name: team, fixed_value: payments }] }\n")().json.stats_config).toEqual({ stats_tags: [{ tag_name: "team", fixed_value: "payments" }] });
  });

  it("writes the older forms for an older Envoy: http2_protocol_options on the xDS cluster for 1.16", () => {
    const result = bootstrapFromAppMeshEnv({ APPMESH_RESOURCE_ARN: VN }, reader());
    if ("errors" in result) throw new Error("unexpected");
    const json = bootstrapToJson(createBootstrap({ ...result.options, envoyVersion: { major: 1, minor: 16, patch: 1 } })) as Json;
    expect(cluster(json, XDS_CLUSTER)!.http2_protocol_options).toEqual({});
    expect(cluster(json, XDS_CLUSTER)!.typed_extension_protocol_options).toBeUndefined();
  });
});

describe("createBootstrap for REST xDS (rest)", () => {
  /** The REST bootstrap for these variables, checked like every row: Envoy's descriptors and validation rules. */
  function restBootstrap(env: Env, xds: XdsTarget, rest = { refreshDelayMs: 1000, requestTimeoutMs: 1000 }): Json {
    const result = bootstrapFromAppMeshEnv(env, reader());
    if ("errors" in result) throw new Error(result.errors.map((e) => e.message).join());
    const json = bootstrapToJson(createBootstrap({ ...result.options, xds, rest })) as Json;
    expect(validateEnvoyMessage(BootstrapSchema, fromJson(BootstrapSchema, json as JsonObject, { registry: envoyRegistry }))).toEqual([]);
    return json;
  }

  it("polls listeners and clusters over REST through a static HTTP/1.1 cluster named for meshplane's authority, no ADS", () => {
    const json = restBootstrap({ APPMESH_RESOURCE_ARN: VN, ENVOY_INITIAL_FETCH_TIMEOUT: "20" }, { host: "10.0.0.7", port: 8080 }, { refreshDelayMs: 2500, requestTimeoutMs: 3000 });
    const source = {
      api_config_source: { api_type: "REST", transport_api_version: "V3", cluster_names: ["10.0.0.7:8080"], refresh_delay: "2.500s", request_timeout: "3s" },
      initial_fetch_timeout: "20s",
      resource_api_version: "V3",
    };
    expect(json.dynamic_resources).toEqual({ lds_config: source, cds_config: source });
    const xds = cluster(json, "10.0.0.7:8080")!;
    expect([xds.type, xds.typed_extension_protocol_options, xds.transport_socket]).toEqual(["STATIC", undefined, undefined]);
    expect(endpointAddress(xds).socket_address).toEqual({ address: "10.0.0.7", port_value: 8080 });
    expect(cluster(json, XDS_CLUSTER)).toBeUndefined();
  });

  it("tells meshplane in node metadata, which it reads back as the same REST subscription", () => {
    const json = restBootstrap({ APPMESH_RESOURCE_ARN: VN, APPMESH_METRIC_EXTENSION_VERSION: "1" }, { host: "cp.example.com", port: 443, tls: true }, { refreshDelayMs: 5000, requestTimeoutMs: 2000 });
    expect(json.node.metadata).toEqual({
      "aws.appmesh.metric_filter": { level: "1" },
      "meshplane.xds": { api_type: "REST", cluster: "cp.example.com", refresh_delay: "5s", request_timeout: "2s" },
    });
    const node = fromJson(BootstrapSchema, json as JsonObject, { registry: envoyRegistry }).node;
    expect(xdsSubscriptionOfNode(node)).toEqual({ apiType: "REST", cluster: "cp.example.com", refreshDelayMs: 5000, requestTimeoutMs: 2000 });
  });

  it("speaks TLS with SNI and the host name checked, without ALPN h2 (the REST fetcher speaks HTTP/1.1), LOGICAL_DNS for a name", () => {
    const json = restBootstrap({ APPMESH_RESOURCE_ARN: VN, MESHPLANE_XDS_CA_FILE: "/etc/meshplane/ca.pem" }, { host: "meshplane.example.workers.dev", port: 443, tls: true });
    const xds = cluster(json, "meshplane.example.workers.dev")!;
    expect(xds.type).toBe("LOGICAL_DNS");
    const tls = xds.transport_socket.typed_config;
    expect(tls.sni).toBe("meshplane.example.workers.dev");
    expect(tls.common_tls_context.alpn_protocols).toBeUndefined();
    expect(tls.common_tls_context.validation_context).toEqual({
      trusted_ca: { filename: "/etc/meshplane/ca.pem" },
      match_typed_subject_alt_names: [{ san_type: "DNS", matcher: { exact: "meshplane.example.workers.dev" } }],
    });
  });

  it("keeps what the App Mesh variables add, as the ADS bootstrap does: stats tags, tracer, admin, SDS socket", () => {
    const env = { APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_STATS_TAGS: "1", ENABLE_ENVOY_XRAY_TRACING: "1", ENVOY_ADMIN_ACCESS_PORT: "9902", APPMESH_SDS_SOCKET_PATH: "/run/spire.sock" };
    const json = restBootstrap(env, { host: "127.0.0.1", port: 8080 });
    const ads = generate(env).json;
    for (const field of ["stats_config", "tracing", "admin", "layered_runtime", "cluster_manager"]) expect(json[field], field).toEqual(ads[field]);
    expect(json.static_resources.clusters.map((c: Json) => c.name)).toEqual(["127.0.0.1:8080", ...ads.static_resources.clusters.map((c: Json) => c.name).filter((name: string) => name !== XDS_CLUSTER)]);
    expect(cluster(json, "static_cluster_sds_unix_socket")).toEqual(cluster(ads, "static_cluster_sds_unix_socket"));
  });

  it("names the cluster host[:port], brackets around IPv6, no port when it is the scheme's default", () => {
    expect(restXdsClusterName({ host: "cp.example.com", port: 443, tls: true })).toBe("cp.example.com");
    expect(restXdsClusterName({ host: "cp.example.com", port: 80 })).toBe("cp.example.com");
    expect(restXdsClusterName({ host: "cp.example.com", port: 443 })).toBe("cp.example.com:443");
    expect(restXdsClusterName({ host: "::1", port: 8080 })).toBe("[::1]:8080");
    expect(restXdsClusterName({ pipe: "/run/meshplane.sock" })).toBe(XDS_CLUSTER);
  });
});

describe("the bootstrap against the App Mesh image's published one (VGDUMP, test/fixtures/appmesh-config-dumps)", () => {
  const published = JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/appmesh-config-dumps/virtual-gateway-envoy-1.20.json"), "utf8")).bootstrap as Json;

  it("agrees on node identity, lds/cds config sources, the admin address and the runtime flags the image set", () => {
    const { json } = generate({ APPMESH_RESOURCE_ARN: published.node.id });
    expect(json.node).toEqual({ id: published.node.id, cluster: published.node.cluster });
    expect(json.dynamic_resources.lds_config).toEqual(published.dynamic_resources.lds_config);
    expect(json.dynamic_resources.cds_config).toEqual(published.dynamic_resources.cds_config);
    expect(json.admin.address).toEqual(published.admin.address);
    // The admin access log: the image's deprecated access_log_path, meshplane's access_log with the same file.
    expect(json.admin.access_log[0].typed_config.path).toBe(published.admin.access_log_path);
    // envoy.reloadable_features.enable_deprecated_v2_api was removed with the v2 API (Envoy 1.18+ reads v3 only).
    const { "envoy.reloadable_features.enable_deprecated_v2_api": _v2, ...imageFlags } = published.layered_runtime.layers[0].static_layer;
    expect(json.layered_runtime.layers[0].static_layer).toMatchObject(imageFlags);
    // What differs by design: meshplane's ADS is a local h2c cluster, not SigV4-signed google_grpc to AWS.
    expect(json.dynamic_resources.ads_config.grpc_services[0].envoy_grpc).toEqual({ cluster_name: XDS_CLUSTER });
  });
});

describe("bootstrap CLI", () => {
  const cli = ["--import", "tsx", "functions/xds/bootstrap-cli.ts"];
  const run = (args: string[], env: Env = {}) => spawnSync(process.execPath, [...cli, ...args], { encoding: "utf8", env: { PATH: process.env.PATH, ...env } });

  it("prints a bootstrap for a valid node id, the flags overriding the variables", () => {
    const out = execFileSync(process.execPath, [...cli, "--node", "mesh/app/virtualNode/serviceA", "--xds", "10.0.0.5:18001", "--admin", "127.0.0.1:9901"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, APPMESH_RESOURCE_ARN: "mesh/app/virtualNode/other", APPMESH_XDS_ENDPOINT: "10.9.9.9:1" },
    });
    const json = JSON.parse(out);
    expect(json.node.id).toBe("mesh/app/virtualNode/serviceA");
    expect(json.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: "10.0.0.5", port_value: 18001 });
    expect(json.admin.address.socket_address).toEqual({ address: "127.0.0.1", port_value: 9901 });
  });

  it("reads the App Mesh variables from the environment and prints Envoy's arguments with --print-args", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-bootstrap-"));
    try {
      const rules = path.join(dir, "rules.json");
      writeFileSync(rules, JSON.stringify({ version: 2, default: { fixed_target: 1, rate: 0.5 }, rules: [] }));
      const env = { APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_XRAY_TRACING: "1", XRAY_SAMPLING_RULE_MANIFEST: rules, ENVOY_LOG_LEVEL: "warn" };
      const json = JSON.parse(run([], env).stdout);
      expect(json.tracing.http.typed_config.sampling_rule_manifest).toEqual({ filename: rules });
      expect(run(["--print-args"], env).stdout.trim()).toBe("-l warn --disable-hot-restart");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a node id that is not an App Mesh virtual node or gateway, and a bad variable, with exit status 2", () => {
    const result = run(["--node", "serviceA"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("mesh/<mesh>/virtualNode/<name>");
    const bad = run([], { APPMESH_RESOURCE_ARN: VN, ENABLE_ENVOY_DOG_STATSD: "maybe" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('ENABLE_ENVOY_DOG_STATSD: must be a boolean value, got "maybe"');
    expect(run([]).stderr).toContain("--node (or APPMESH_RESOURCE_ARN) is required");
  });

  it("prints a REST bootstrap with --rest --url, --refresh-delay and --request-timeout", () => {
    const result = run(["--rest", "--node", "mesh/app/virtualNode/serviceA", "--url", "https://cp.example.com:8443", "--refresh-delay", "2s", "--request-timeout", "1500ms"]);
    expect(result.status, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(validateEnvoyMessage(BootstrapSchema, fromJson(BootstrapSchema, json, { registry: envoyRegistry }))).toEqual([]);
    expect(json.dynamic_resources.cds_config.api_config_source).toEqual({
      api_type: "REST",
      transport_api_version: "V3",
      cluster_names: ["cp.example.com:8443"],
      refresh_delay: "2s",
      request_timeout: "1.500s",
    });
    expect(json.dynamic_resources.ads_config).toBeUndefined();
    expect(json.static_resources.clusters[0].transport_socket.typed_config.sni).toBe("cp.example.com");
    // Envoy's fetcher default: one poll a second.
    expect(JSON.parse(run(["--rest", "--node", "mesh/app/virtualNode/serviceA", "--url", "http://127.0.0.1:8080"]).stdout).dynamic_resources.lds_config.api_config_source.refresh_delay).toBe("1s");
  });

  it("refuses a REST bootstrap it cannot make work: no --url, a URL with a path, a bad duration, --xds, a bearer token", () => {
    const node = ["--node", "mesh/app/virtualNode/serviceA"];
    const refusals = [
      run(["--rest", ...node]),
      run(["--rest", ...node, "--url", "https://cp.example.com/meshplane"]),
      run(["--rest", ...node, "--url", "ftp://cp.example.com"]),
      run(["--rest", ...node, "--url", "http://127.0.0.1:8080", "--refresh-delay", "soon"]),
      run(["--rest", ...node, "--url", "http://127.0.0.1:8080", "--xds", "127.0.0.1:18000"]),
      run([...node, "--url", "http://127.0.0.1:8080"]),
      run(["--rest", ...node, "--url", "http://127.0.0.1:8080"], { MESHPLANE_XDS_TOKEN: "token" }),
    ];
    expect(refusals.map((r) => r.status)).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(refusals.map((r) => r.stderr.split("\n")[0])).toEqual([
      "--rest needs --url http(s)://host[:port]",
      '--url must be http(s)://host[:port] with no path, query or credentials (Envoy polls the fixed paths /v3/discovery:<type>), got "https://cp.example.com/meshplane"',
      '--url must be http(s)://host[:port] with no path, query or credentials (Envoy polls the fixed paths /v3/discovery:<type>), got "ftp://cp.example.com"',
      '--refresh-delay must be a positive duration of whole milliseconds such as "1s" or "500ms", got "soon"',
      "--xds names an ADS endpoint; a --rest bootstrap polls --url",
      "--url, --refresh-delay and --request-timeout need --rest",
      "MESHPLANE_XDS_TOKEN: Envoy's REST fetcher sends no custom headers, so a REST bootstrap cannot carry a bearer token (docs/envoy-bootstrap.md, REST xDS)",
    ]);
  });
});
