// Kubernetes objects as manifests hold them: documents of a YAML stream, or the items of a `List` (what
// `kubectl get … -o yaml` prints), each with its metadata and spec.
import { MigrateError } from "../migrate-error.js";
import { locationOf, type Origins, type SourceDocument } from "../source.js";
import type { SourceLocation } from "../migrate-error.js";

export const appMeshApiGroup = "appmesh.k8s.aws";
export const appMeshApiVersion = `${appMeshApiGroup}/v1beta2`;

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  name: string;
  /** undefined for cluster-scoped objects (Mesh, Namespace) and for namespaced ones written without it. */
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Record<string, unknown>;
  /** The whole object, whose origin locates its fields. */
  value: Record<string, unknown>;
  location: SourceLocation;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** True for a document that is a Kubernetes object (or a List of them). */
export function isKubernetesObject(value: unknown): boolean {
  return isObject(value) && typeof value.apiVersion === "string" && typeof value.kind === "string";
}

function stringMap(value: unknown, origins: Origins, container: unknown, key: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw origins.error(`${key} must be a mapping of strings`, container, key);
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, String(item)]));
}

function readObject(value: Record<string, unknown>, origins: Origins): KubernetesObject {
  const metadata = value.metadata;
  if (!isObject(metadata) || typeof metadata.name !== "string" || metadata.name === "") {
    throw origins.error(`${String(value.kind)} needs metadata.name`, value, "metadata");
  }
  const spec = value.spec ?? {};
  if (!isObject(spec)) throw origins.error("spec must be a mapping", value, "spec");
  const origin = origins.get(value);
  return {
    apiVersion: value.apiVersion as string,
    kind: value.kind as string,
    name: metadata.name,
    ...(typeof metadata.namespace === "string" && metadata.namespace !== "" ? { namespace: metadata.namespace } : {}),
    labels: stringMap(metadata.labels, origins, metadata, "labels"),
    annotations: stringMap(metadata.annotations, origins, metadata, "annotations"),
    spec,
    value,
    location: origin ? locationOf(origin) : { file: "?", document: 0 },
  };
}

/** The objects of one document, expanding `List`s. */
export function readObjects(document: SourceDocument, origins: Origins): KubernetesObject[] {
  const value = document.value as Record<string, unknown>;
  if (value.kind === "List" || (typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items))) {
    if (!Array.isArray(value.items)) throw origins.error("a List needs items", value, "items");
    return value.items.map((item, index) => {
      if (!isKubernetesObject(item)) throw new MigrateError("a List item needs apiVersion and kind", origins.locate(value.items, index));
      return readObject(item as Record<string, unknown>, origins);
    });
  }
  return [readObject(value, origins)];
}
