// The App Mesh image's custom bootstrap files (ENVOY_TRACING_CFG_FILE, ENVOY_STATS_CONFIG_FILE,
// ENVOY_STATS_SINKS_CFG_FILE, ENVOY_RESOURCES_CONFIG_FILE), merged as its agent merges them
// (envoy_bootstrap.go, mergeCustomConfigMaps): tracing and stats_config may be given once, stats_sinks are appended,
// static_resources' listeners / clusters / secrets are appended, any other key replaces the generated one. Top-level
// keys may be snake_case or lowerCamelCase, not both. The result is parsed with Envoy's Bootstrap descriptor, so a
// file Envoy would refuse is refused here, naming the variable and the file.
import { fromJson, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { parse as parseYaml } from "yaml";
import { BootstrapSchema, type Bootstrap } from "../../proto/gen/envoy/config/bootstrap/v3/bootstrap_pb.js";
import { envoyRegistry } from "../envoy/index.js";
import type { FileReader, MergeFile } from "./bootstrap-env.js";

export class BootstrapMergeError extends Error {
  constructor(
    readonly variable: string,
    readonly path: string,
    message: string,
  ) {
    super(`${variable} (${path}): ${message}`);
    this.name = "BootstrapMergeError";
  }
}

const isObject = (value: JsonValue | undefined): value is JsonObject => value !== null && typeof value === "object" && !Array.isArray(value);
const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** One file's top-level keys in snake_case; both spellings of one key is an error, as in the agent. */
function normaliseKeys(config: JsonObject, fail: (message: string) => never): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(config)) {
    const name = snake(key);
    if (name in out) fail(`contains both ${key} and ${name}; specify only one of them`);
    out[name] = value;
  }
  return out;
}

function mergeInto(target: JsonObject, config: JsonObject, fail: (message: string) => never): void {
  for (const [key, value] of Object.entries(config)) {
    if (key === "tracing" || key === "stats_config") {
      if (key in target) fail(`multiple ${key === "tracing" ? "tracing" : "stats"} configurations were specified`);
      target[key] = value;
    } else if (key === "stats_sinks") {
      target[key] = [...((target[key] as JsonValue[] | undefined) ?? []), ...(Array.isArray(value) ? value : [value])];
    } else if (key === "static_resources" && isObject(value)) {
      const resources = isObject(target[key]) ? { ...(target[key] as JsonObject) } : {};
      for (const [kind, list] of Object.entries(normaliseKeys(value, fail))) {
        resources[kind] = ["listeners", "clusters", "secrets"].includes(kind) ? [...((resources[kind] as JsonValue[] | undefined) ?? []), ...(list as JsonValue[])] : list;
      }
      target[key] = resources;
    } else {
      target[key] = value;
    }
  }
}

export interface MergedBootstrap {
  json: JsonObject;
  /** The merged JSON parsed with Envoy's descriptors; undefined when a file packs a type meshplane does not know. */
  bootstrap: Bootstrap | undefined;
  warnings: string[];
}

/** The generated bootstrap (Envoy JSON) with the files merged in, checked against Envoy's Bootstrap descriptor. */
export function mergeBootstrapFiles(generated: JsonObject, files: readonly MergeFile[], reader: FileReader): MergedBootstrap {
  const merged = structuredClone(generated);
  for (const file of files) {
    const fail = (message: string): never => {
      throw new BootstrapMergeError(file.variable, file.path, message);
    };
    let parsed: unknown;
    try {
      parsed = parseYaml(reader.read(file.path));
    } catch (error) {
      fail(`could not be read or parsed: ${(error as Error).message}`);
    }
    if (!isObject(parsed as JsonValue) || Object.keys(parsed as JsonObject).length === 0) fail("is empty or not a mapping");
    mergeInto(merged, normaliseKeys(parsed as JsonObject, fail), fail);
    if (file.variable === "ENVOY_STATS_SINKS_CFG_FILE" && !("stats_sinks" in merged)) fail("contained no valid stats_sinks configuration");
  }
  try {
    return { json: merged, bootstrap: fromJson(BootstrapSchema, merged, { registry: envoyRegistry }), warnings: [] };
  } catch (error) {
    const message = (error as Error).message;
    // A typed_config of an extension meshplane carries no descriptor for (another tracer, say) cannot be checked here.
    if (/not in the type registry|unable to resolve/i.test(message)) return { json: merged, bootstrap: undefined, warnings: [`the merged bootstrap is not checked: ${message}`] };
    const culprit = files.at(-1);
    throw new BootstrapMergeError(culprit?.variable ?? "bootstrap", culprit?.path ?? "-", `the merged bootstrap is not one Envoy accepts: ${message}`);
  }
}
