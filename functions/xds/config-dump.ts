// What a node id would receive, as JSON shaped like Envoy's `/config_dump` (one entry per xDS type, each resource
// with its version). Pure: snapshot + node in, JSON out; versions are content hashes, so equal content ⇒ equal version.
import { toBinary, toJson, type DescMessage, type JsonObject, type JsonValue, type Message } from "@bufbuild/protobuf";
import type { MeshSnapshot } from "../appmesh/snapshot.js";
import type { NodeIdentity } from "../envoy/index.js";
import { envoyRegistry, resourceSchemas, TypeUrl, type ResourceType } from "../envoy/index.js";
import { translateNode, type NodeResources, type TranslateOptions } from "./translate/index.js";

/** FNV-1a over the bytes, two 32-bit lanes with different offsets → 16 hex digits. Not cryptographic; a change detector. */
function fnv1a64(chunks: readonly Uint8Array[]): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (const bytes of chunks) {
    for (let i = 0; i < bytes.length; i++) {
      a = Math.imul(a ^ bytes[i]!, 0x01000193);
      b = Math.imul(b ^ bytes[i]!, 0x01000193) ^ (a >>> 13);
    }
    // Separate resources so [ab, c] and [a, bc] differ.
    a = Math.imul(a ^ 0xff, 0x01000193);
    b = Math.imul(b ^ 0xfe, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

const listOf = (resources: NodeResources, type: ResourceType): readonly Message[] =>
  ({ listener: resources.listeners, cluster: resources.clusters, route: resources.routes, endpoint: resources.endpoints, secret: resources.secrets })[type];

/** The version of one resource: a hash of its binary encoding (deterministic for equal messages in protobuf-es). */
export function resourceVersion(type: ResourceType, message: Message): string {
  return fnv1a64([toBinary(resourceSchemas[type] as DescMessage, message)]);
}

/** The version of a whole type: changes when any resource of that type is added, removed or changed. */
export function typeVersion(type: ResourceType, messages: readonly Message[]): string {
  return fnv1a64(messages.map((m) => toBinary(resourceSchemas[type] as DescMessage, m)));
}

/** A resource as Envoy prints it: proto field names, `@type` first, Anys expanded. */
export function resourceToJson(type: ResourceType, message: Message): JsonObject {
  const json = toJson(resourceSchemas[type] as DescMessage, message, { registry: envoyRegistry, useProtoFieldName: true }) as JsonObject;
  return { "@type": TypeUrl[type], ...json };
}

const adminType = (name: string) => `type.googleapis.com/envoy.admin.v3.${name}`;

/** One xDS type of a node as it is served: the type's version and each resource with its own version. */
export interface DumpedType {
  version: string;
  resources: ReadonlyArray<{ name: string; version: string; message: Message }>;
}

/** Envoy's `/config_dump` shape for the five types, from already versioned resources (e.g. the xDS cache's). */
export function configDumpFromTypes(types: Readonly<Record<ResourceType, DumpedType>>): { configs: JsonObject[] } {
  const entries = (type: ResourceType, wrap: (name: string, version: string, json: JsonObject) => JsonValue) =>
    types[type].resources.map((resource) => wrap(resource.name, resource.version, resourceToJson(type, resource.message)));
  return {
    configs: [
      {
        "@type": adminType("ClustersConfigDump"),
        version_info: types.cluster.version,
        dynamic_active_clusters: entries("cluster", (_n, v, json) => ({ version_info: v, cluster: json })),
      },
      {
        "@type": adminType("EndpointsConfigDump"),
        version_info: types.endpoint.version,
        dynamic_endpoint_configs: entries("endpoint", (_n, v, json) => ({ version_info: v, endpoint_config: json })),
      },
      {
        "@type": adminType("ListenersConfigDump"),
        version_info: types.listener.version,
        dynamic_listeners: entries("listener", (name, v, json) => ({ name, active_state: { version_info: v, listener: json } })),
      },
      {
        "@type": adminType("RoutesConfigDump"),
        version_info: types.route.version,
        dynamic_route_configs: entries("route", (_n, v, json) => ({ version_info: v, route_config: json })),
      },
      {
        "@type": adminType("SecretsConfigDump"),
        version_info: types.secret.version,
        dynamic_active_secrets: entries("secret", (name, v, json) => ({ name, version_info: v, secret: json })),
      },
    ],
  };
}

const nameOf = (type: ResourceType, message: Message): string => {
  const fields = message as unknown as { name?: string; clusterName?: string };
  return (type === "endpoint" ? fields.clusterName : fields.name) ?? "";
};

/**
 * @example
 * configDumpFromResources(translateNode(snapshot, node)).configs.map((c) => c["@type"])
 * // ["…ClustersConfigDump", "…EndpointsConfigDump", "…ListenersConfigDump", "…RoutesConfigDump", "…SecretsConfigDump"]
 */
export function configDumpFromResources(resources: NodeResources): { configs: JsonObject[] } {
  const dumped = (type: ResourceType): DumpedType => ({
    version: typeVersion(type, listOf(resources, type)),
    resources: listOf(resources, type).map((message) => ({ name: nameOf(type, message), version: resourceVersion(type, message), message })),
  });
  return configDumpFromTypes({ cluster: dumped("cluster"), endpoint: dumped("endpoint"), listener: dumped("listener"), route: dumped("route"), secret: dumped("secret") });
}

/** Exactly what `node` would receive from `snapshot`, as config_dump-like JSON. */
export function createConfigDump(snapshot: MeshSnapshot, node: NodeIdentity, options?: TranslateOptions & { apiListeners?: readonly string[] }): { configs: JsonObject[] } {
  return configDumpFromResources(translateNode(snapshot, node, options));
}
