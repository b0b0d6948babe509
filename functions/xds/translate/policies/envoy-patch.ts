// envoyPatch: raw Envoy JSON merged into one Envoy's generated resources, with protobuf merge semantics (fields set,
// sub-messages merged, lists appended), or an HTTP filter added before the router. Checked twice against Envoy's
// descriptors: when the policy is written (the JSON must parse as its type) and when it is applied (the merged
// resource must pass Envoy's validation rules, or that patch is skipped and the resource stays as generated).
// meshplane's gateway does not run patches' intent: it only sees the result, and refuses filters it does not know
// unless they are marked is_optional (docs/policies/envoyPatch.md).
import { clone, fromJson, mergeFromJson, type DescMessage, type JsonObject, type Message } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { ClusterSchema, envoyRegistry, ListenerSchema, RouteConfigurationSchema, type Cluster, type Listener, type RouteConfiguration } from "../../../envoy/index.js";
import { VirtualHostSchema } from "../../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import {
  HttpConnectionManagerSchema,
  HttpFilterSchema,
  type HttpFilter,
} from "../../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import type { EnvoyPatchOperation } from "../../../policies/index.js";
import { validateEnvoyMessage } from "../pgv-rules.js";
import type { NodeResources } from "../translator.js";
import { HCM_FILTER, ROUTER_FILTER } from "../network-filters.js";

const schemas: Record<EnvoyPatchOperation["resource"], DescMessage> = {
  cluster: ClusterSchema,
  listener: ListenerSchema,
  routeConfiguration: RouteConfigurationSchema,
  virtualHost: VirtualHostSchema,
  httpFilter: HttpFilterSchema,
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Whether Envoy could read the operation: its JSON parses as the resource's type (unknown fields, wrong types and
 * `@type`s meshplane does not know are refused); an HTTP filter must also pass Envoy's validation rules whole.
 */
export function checkEnvoyPatch(operation: EnvoyPatchOperation): string | undefined {
  let parsed: Message;
  try {
    parsed = fromJson(schemas[operation.resource], operation.merge as JsonObject, { registry: envoyRegistry });
  } catch (error) {
    return messageOf(error);
  }
  if (operation.resource !== "httpFilter") return undefined;
  const filter = parsed as HttpFilter;
  if (filter.name === ROUTER_FILTER) return "the router filter is always last and cannot be added";
  const violations = validateEnvoyMessage(HttpFilterSchema, filter, "httpFilter:");
  return violations.length > 0 ? violations.map((v) => `${v.path} ${v.message}`).join("; ") : undefined;
}

/** A merged copy of `message`, or undefined when the merge fails or Envoy would refuse the result. */
function merged<T extends Message>(schema: DescMessage, message: T, patch: Record<string, unknown>, where: string): T | undefined {
  const copy = clone(schema, message) as T;
  try {
    mergeFromJson(schema, copy, patch as JsonObject, { registry: envoyRegistry });
  } catch {
    return undefined;
  }
  return validateEnvoyMessage(schema, copy, where).length === 0 ? copy : undefined;
}

const named = (name: string | undefined, candidate: string): boolean => name === undefined || name === candidate;

/** Inserts `filter` before the router of every connection manager of the listener; undefined when it has none. */
function withHttpFilter(listener: Listener, filter: HttpFilter): Listener | undefined {
  const copy = clone(ListenerSchema, listener);
  let changed = false;
  for (const chain of [...copy.filterChains, ...(copy.defaultFilterChain ? [copy.defaultFilterChain] : [])]) {
    for (const network of chain.filters) {
      if (network.name !== HCM_FILTER || network.configType.case !== "typedConfig") continue;
      const manager = anyUnpack(network.configType.value, HttpConnectionManagerSchema);
      if (!manager) continue;
      const router = manager.httpFilters.findIndex((f) => f.name === ROUTER_FILTER);
      manager.httpFilters.splice(router < 0 ? manager.httpFilters.length : router, 0, clone(HttpFilterSchema, filter));
      network.configType = { case: "typedConfig", value: anyPack(HttpConnectionManagerSchema, manager) };
      changed = true;
    }
  }
  return changed && validateEnvoyMessage(ListenerSchema, copy, "listener:").length === 0 ? copy : undefined;
}

/** One operation over a node's resources (each patched resource is a copy: generated ones are shared between nodes). */
function applyOperation(resources: NodeResources, operation: EnvoyPatchOperation): NodeResources {
  const patch = operation.merge;
  switch (operation.resource) {
    case "cluster":
      return { ...resources, clusters: resources.clusters.map((c: Cluster) => (named(operation.name, c.name) ? (merged(ClusterSchema, c, patch, "cluster:") ?? c) : c)) };
    case "listener":
      return { ...resources, listeners: resources.listeners.map((l: Listener) => (named(operation.name, l.name) ? (merged(ListenerSchema, l, patch, "listener:") ?? l) : l)) };
    case "routeConfiguration":
      return {
        ...resources,
        routes: resources.routes.map((r: RouteConfiguration) => (named(operation.name, r.name) ? (merged(RouteConfigurationSchema, r, patch, "route:") ?? r) : r)),
      };
    case "virtualHost":
      return {
        ...resources,
        routes: resources.routes.map((config: RouteConfiguration) => {
          if (!config.virtualHosts.some((host) => named(operation.name, host.name))) return config;
          const copy = clone(RouteConfigurationSchema, config);
          copy.virtualHosts = copy.virtualHosts.map((host) => (named(operation.name, host.name) ? (merged(VirtualHostSchema, host, patch, "virtual host:") ?? host) : host));
          return copy;
        }),
      };
    case "httpFilter": {
      let filter: HttpFilter;
      try {
        filter = fromJson(HttpFilterSchema, patch as JsonObject, { registry: envoyRegistry });
      } catch {
        return resources;
      }
      return { ...resources, listeners: resources.listeners.map((l: Listener) => (named(operation.name, l.name) ? (withHttpFilter(l, filter) ?? l) : l)) };
    }
  }
}

/** Applies the operations in order; resources are re-sorted by nothing (names do not change). */
export function applyEnvoyPatches(resources: NodeResources, operations: readonly EnvoyPatchOperation[]): NodeResources {
  return operations.reduce(applyOperation, resources);
}
