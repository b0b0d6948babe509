// Decoding the resources of one state-of-the-world response (ADS or REST) into messages by name. A response that
// cannot be decoded, or that names one resource twice, is refused whole, as Envoy refuses it.
// Workers-safe: no node: imports.
import { anyUnpack, type Any } from "@bufbuild/protobuf/wkt";
import { envoyRegistry } from "../../envoy/index.js";
import type { XdsResources } from "./types.js";

/** One resource's message; throws when its type is not in the registry. */
export function unpackResource(any: Any): unknown {
  const message = anyUnpack(any, envoyRegistry);
  if (!message) throw new Error(`cannot decode ${any.typeUrl}`);
  return message;
}

/** Resources by name (ClusterLoadAssignments by cluster_name); throws on an undecodable resource or a repeated name. */
export function unpackResources(resources: readonly Any[]): XdsResources {
  const unpacked: XdsResources = new Map();
  for (const any of resources) {
    const message = unpackResource(any) as { name?: string; clusterName?: string };
    const name = message.name || message.clusterName || "";
    if (unpacked.has(name)) throw new Error(`duplicate resource name "${name}" in one response`);
    unpacked.set(name, message);
  }
  return unpacked;
}
