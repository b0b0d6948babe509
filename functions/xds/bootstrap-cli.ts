// `npm run bootstrap` prints a bootstrap for a stock Envoy pointed at meshplane, honouring the App Mesh Envoy
// image's environment variables (docs/envoy-bootstrap.md); flags override them:
//   envoy -c <(npm run -s bootstrap -- --node mesh/app/virtualNode/serviceA) $(npm run -s bootstrap -- --print-args)
// With --rest the Envoy polls REST xDS at --url instead of streaming ADS (a control plane on Workers):
//   npm run -s bootstrap -- --rest --node mesh/app/virtualNode/serviceA --url https://meshplane.example.workers.dev
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BootstrapSchema } from "../../proto/gen/envoy/config/bootstrap/v3/bootstrap_pb.js";
import { DEFAULT_REST_REQUEST_TIMEOUT_MS, parseEnvoyVersion, parseNodeId } from "../envoy/index.js";
import { bootstrapToJson, createBootstrap, type XdsTarget } from "./bootstrap.js";
import { bootstrapFromAppMeshEnv, parseXdsEndpoint, type Env, type FileReader } from "./bootstrap-env.js";
import { BootstrapMergeError, mergeBootstrapFiles } from "./bootstrap-merge.js";
import { validateEnvoyMessage } from "./translate/validate-envoy.js";
import { parseGoDuration } from "./go-duration.js";

const usage = `usage: npm run bootstrap -- [--node mesh/<mesh>/virtualNode/<name>] [--xds host:port|unix:///path] [--cluster name]
                            [--admin host:port] [--sds-socket path] [--envoy-version 1.20] [--print-args]
       npm run bootstrap -- --rest --url http(s)://host[:port] [--refresh-delay 1s] [--request-timeout 1s] [the flags above]
The App Mesh image's variables (APPMESH_RESOURCE_ARN, ENVOY_ADMIN_ACCESS_PORT, ENABLE_ENVOY_XRAY_TRACING, …) are read
from the environment; the flags override them. --print-args prints Envoy's command-line arguments instead.`;

const files: FileReader = { read: (path) => readFileSync(path, "utf8") };

function fail(message: string): number {
  console.error(message);
  return 2;
}

function main(argv: string[], environment: Env): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        node: { type: "string" },
        xds: { type: "string" },
        cluster: { type: "string" },
        admin: { type: "string" },
        "sds-socket": { type: "string" },
        "envoy-version": { type: "string" },
        "print-args": { type: "boolean" },
        rest: { type: "boolean" },
        url: { type: "string" },
        "refresh-delay": { type: "string" },
        "request-timeout": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    return fail(`${(error as Error).message}\n${usage}`);
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.node !== undefined) {
    const node = parseNodeId(values.node);
    if ("error" in node) return fail(node.error);
  }
  if (values.node === undefined && !["APPMESH_RESOURCE_ARN", "APPMESH_RESOURCE_NAME", "APPMESH_VIRTUAL_NODE_NAME"].some((name) => environment[name]?.trim())) {
    return fail(`--node (or APPMESH_RESOURCE_ARN) is required\n${usage}`);
  }
  if (values.xds !== undefined && !parseXdsEndpoint(values.xds)) return fail(`--xds must be host:port or unix:///path, got "${values.xds}"`);
  const admin = values.admin !== undefined ? parseXdsEndpoint(values.admin) : undefined;
  if (values.admin !== undefined && (!admin || "pipe" in admin)) return fail(`--admin must be host:port, got "${values.admin}"`);
  const envoyVersion = values["envoy-version"] !== undefined ? parseEnvoyVersion(values["envoy-version"]) : undefined;
  if (values["envoy-version"] !== undefined && !envoyVersion) return fail(`--envoy-version must look like 1.20 or 1.18.3, got "${values["envoy-version"]}"`);

  const rest = values.rest ? restOptions(values) : undefined;
  if (rest && "error" in rest) return fail(rest.error);
  if (!values.rest && [values.url, values["refresh-delay"], values["request-timeout"]].some((v) => v !== undefined)) return fail(`--url, --refresh-delay and --request-timeout need --rest\n${usage}`);
  if (rest && values.xds !== undefined) return fail("--xds names an ADS endpoint; a --rest bootstrap polls --url");
  if (rest && environment.MESHPLANE_XDS_TOKEN?.trim()) {
    return fail("MESHPLANE_XDS_TOKEN: Envoy's REST fetcher sends no custom headers, so a REST bootstrap cannot carry a bearer token (docs/envoy-bootstrap.md, REST xDS)");
  }

  // Flags stand in for the variables they override, so one code path reads both.
  const env: Env = {
    ...environment,
    ...(values.node !== undefined ? { APPMESH_RESOURCE_ARN: values.node } : {}),
    ...(values.cluster !== undefined ? { APPMESH_RESOURCE_CLUSTER: values.cluster } : {}),
    ...(values.xds !== undefined ? { APPMESH_XDS_ENDPOINT: values.xds } : {}),
    ...(values["sds-socket"] !== undefined ? { APPMESH_SDS_SOCKET_PATH: values["sds-socket"] } : {}),
  };
  const result = bootstrapFromAppMeshEnv(env, files, { xdsPort: Number(environment.XDS_PORT ?? 18000) });
  if ("errors" in result) return fail(result.errors.map((e) => `${e.variable}: ${e.message}`).join("\n"));
  for (const warning of result.warnings) console.error(`warning: ${warning}`);
  if (values["print-args"]) {
    console.log(result.envoyArgs.join(" "));
    return 0;
  }
  const options = { ...result.options, ...(rest ? { xds: rest.xds, rest: rest.polling } : {}), ...(admin && "host" in admin ? { admin: { address: admin.host, port: admin.port } } : {}), ...(envoyVersion ? { envoyVersion } : {}) };
  try {
    const merged = mergeBootstrapFiles(bootstrapToJson(createBootstrap(options)), result.mergeFiles, files);
    for (const warning of merged.warnings) console.error(`warning: ${warning}`);
    const violations = merged.bootstrap ? validateEnvoyMessage(BootstrapSchema, merged.bootstrap) : [];
    const from = result.mergeFiles.map((file) => `${file.variable}=${file.path}`).join(", ") || "the environment";
    if (violations.length > 0) return fail(`the bootstrap from ${from} breaks Envoy's rules:\n${violations.map((v) => `  ${v.path} ${v.rule}: ${v.message}`).join("\n")}`);
    console.log(JSON.stringify(merged.json, null, 2));
    return 0;
  } catch (error) {
    if (error instanceof BootstrapMergeError) return fail(error.message);
    throw error;
  }
}

type RestFlags = { url?: string; "refresh-delay"?: string; "request-timeout"?: string };

/** --url: meshplane's root (Envoy's REST fetcher posts to the fixed paths /v3/discovery:<type>, so no path prefix). */
function restOptions(values: RestFlags): { xds: XdsTarget; polling: { refreshDelayMs: number; requestTimeoutMs: number } } | { error: string } {
  if (values.url === undefined) return { error: `--rest needs --url http(s)://host[:port]\n${usage}` };
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    return { error: `--url must be http(s)://host[:port], got "${values.url}"` };
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    return { error: `--url must be http(s)://host[:port] with no path, query or credentials (Envoy polls the fixed paths /v3/discovery:<type>), got "${values.url}"` };
  }
  const tls = url.protocol === "https:";
  const xds: XdsTarget = { host: url.hostname.replace(/^\[|\]$/g, ""), port: url.port ? Number(url.port) : tls ? 443 : 80, ...(tls ? { tls: true } : {}) };
  const durations: Record<"refresh-delay" | "request-timeout", number> = { "refresh-delay": 1000, "request-timeout": DEFAULT_REST_REQUEST_TIMEOUT_MS };
  for (const flag of ["refresh-delay", "request-timeout"] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    const milliseconds = parseGoDuration(text);
    if (milliseconds === undefined || milliseconds < 1 || !Number.isInteger(milliseconds)) return { error: `--${flag} must be a positive duration of whole milliseconds such as "1s" or "500ms", got "${text}"` };
    durations[flag] = milliseconds;
  }
  return { xds, polling: { refreshDelayMs: durations["refresh-delay"], requestTimeoutMs: durations["request-timeout"] } };
}

process.exitCode = main(process.argv.slice(2), process.env);
