// meshplane's own export format: one document listing resources exactly as the API's Create inputs spell them
// (names, spec, tags), in apply order. It is what `meshplane export` writes by default and reads back without
// any translation.
//
// @example
// { "meshplane": "export/v1",
//   "resources": [
//     { "kind": "mesh", "meshName": "apps", "spec": {}, "tags": [] },
//     { "kind": "virtualNode", "meshName": "apps", "virtualNodeName": "a", "spec": { … }, "tags": [] },
//     { "kind": "route", "meshName": "apps", "virtualRouterName": "r", "routeName": "x", "spec": { … }, "tags": [] } ],
//   "policies": [ { "meshName": "apps", "policyName": "p", "targetRef": { "arn": … }, "spec": { … }, "tags": [] } ] }
// (policies: meshplane/policies.ts; imported after the resources they attach to)
import { kindDescriptors, resourceKinds, type ResourceKind } from "../../appmesh/index.js";
import { createModelMapper, modelShape, type FieldNaming } from "../model-mapping.js";
import { compareForApply, type Tag, type WantedResource } from "../resource.js";
import { locationOf, type Origins, type SourceDocument } from "../source.js";

export const meshplaneFormatVersion = "export/v1";

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export function isMeshplaneExport(value: unknown): boolean {
  return isObject(value) && "meshplane" in value;
}

/** The model's own names. */
const modelNaming: FieldNaming = {
  toModel: (shape, key) => (modelShape(shape).members?.[key] ? key : undefined),
  fromModel: (_shape, member) => member,
};

export function resolveMeshplaneExport(document: SourceDocument, origins: Origins): WantedResource[] {
  const body = document.value as Record<string, unknown>;
  if (body.meshplane !== meshplaneFormatVersion) throw origins.error(`unknown meshplane format ${String(body.meshplane)}; this version reads ${meshplaneFormatVersion}`, body, "meshplane");
  const resources = body.resources ?? [];
  if (!Array.isArray(resources)) throw origins.error("resources must be a list", body, "resources");
  const mapper = createModelMapper({ naming: modelNaming, origins });
  return resources.map((entry, index) => {
    if (!isObject(entry)) throw origins.error("a resource must be a mapping", resources, index);
    const kind = entry.kind as ResourceKind;
    if (!resourceKinds.includes(kind)) throw origins.error(`unknown kind ${String(entry.kind)}; kinds are ${resourceKinds.join(", ")}`, entry, "kind");
    const descriptor = kindDescriptors[kind];
    const nameMembers = ["meshName", ...(descriptor.parent ? [descriptor.parent.nameMember] : []), descriptor.nameMember];
    for (const key of Object.keys(entry)) {
      if (!["kind", "spec", "tags", "meshOwner", ...nameMembers].includes(key)) throw origins.error(`unknown field ${key}`, entry, key);
    }
    const text = (key: string) => {
      if (typeof entry[key] !== "string" || entry[key] === "") throw origins.error(`${key} must be a non-empty string`, entry, key);
      return entry[key] as string;
    };
    const meshName = text("meshName");
    const spec = mapper.map(entry.spec ?? {}, descriptor.specShape, { container: entry, key: "spec" }) as Record<string, unknown>;
    mapper.validate(spec, descriptor.specShape);
    const tags = entry.tags ?? [];
    if (!Array.isArray(tags) || !tags.every((tag) => isObject(tag) && typeof tag.key === "string" && typeof tag.value === "string" && Object.keys(tag).length === 2)) {
      throw origins.error('tags must be a list of {"key", "value"}', entry, "tags");
    }
    const meshOwner = entry.meshOwner === undefined ? undefined : text("meshOwner");
    return {
      kind,
      meshName,
      parentName: descriptor.parent ? text(descriptor.parent.nameMember) : "",
      name: kind === "mesh" ? meshName : text(descriptor.nameMember),
      spec,
      tags: tags as Tag[],
      ...(meshOwner !== undefined ? { meshOwner } : {}),
      source: locationOf(origins.get(resources)!, [index]),
    };
  });
}

/** The export document for `resources` (any order; written in apply order) and the meshes' policies (after them). */
export function toMeshplaneExport(resources: readonly WantedResource[], policies: readonly Record<string, unknown>[] = []): Record<string, unknown> {
  const document = {
    meshplane: meshplaneFormatVersion,
    resources: [...resources].sort(compareForApply).map((resource) => {
      const descriptor = kindDescriptors[resource.kind];
      return {
        kind: resource.kind,
        meshName: resource.meshName,
        ...(descriptor.parent ? { [descriptor.parent.nameMember]: resource.parentName } : {}),
        ...(resource.kind === "mesh" ? {} : { [descriptor.nameMember]: resource.name }),
        spec: resource.spec,
        tags: resource.tags ?? [],
      };
    }),
  };
  return policies.length > 0 ? { ...document, policies } : document;
}

