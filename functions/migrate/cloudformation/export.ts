// App Mesh resources → a CloudFormation template that creates them: one AWS::AppMesh::* resource each, with
// literal names, the spec in CloudFormation's property names, Tags, and DependsOn on what App Mesh needs first
// (the mesh, a route's router, a provider, a route's target nodes), so the template deploys in CloudFormation
// as well as importing back into meshplane.
import { kindDescriptors } from "../../appmesh/index.js";
import { renameFromModel } from "../model-mapping.js";
import { compareForApply, referencesOf, resourceKey, type ResourceIdentity, type WantedResource } from "../resource.js";
import { cloudFormationNaming } from "./naming.js";
import { cloudFormationNameProperties, cloudFormationTypes } from "./property-names.js";

const typeOfKind = Object.fromEntries(Object.entries(cloudFormationTypes).map(([type, kind]) => [kind, type]));

const pascal = (text: string) =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== "")
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");

/** Logical IDs are alphanumeric: `VirtualNodeAppsServiceA`; collisions get a number. */
function logicalIds(resources: readonly WantedResource[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const resource of resources) {
    const base = (kindDescriptors[resource.kind].label + pascal(resource.meshName) + (resource.kind === "mesh" ? "" : pascal(resource.parentName) + pascal(resource.name))).slice(0, 240);
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
    taken.add(id);
    ids.set(resourceKey(resource), id);
  }
  return ids;
}

export function toCloudFormationTemplate(input: readonly WantedResource[]): Record<string, unknown> {
  const resources = [...input].sort(compareForApply);
  const ids = logicalIds(resources);
  const idOf = (identity: ResourceIdentity) => ids.get(resourceKey(identity));
  const body: Record<string, unknown> = {};
  for (const resource of resources) {
    const names = cloudFormationNameProperties[resource.kind];
    const descriptor = kindDescriptors[resource.kind];
    const properties: Record<string, unknown> = { MeshName: resource.meshName };
    if (resource.meshOwner !== undefined && resource.kind !== "mesh") properties.MeshOwner = resource.meshOwner;
    if (names.parent) properties[names.parent] = resource.parentName;
    if (resource.kind !== "mesh") properties[names.name] = resource.name;
    properties.Spec = renameFromModel(resource.spec, descriptor.specShape, cloudFormationNaming);
    if (resource.tags && resource.tags.length > 0) properties.Tags = resource.tags.map((tag) => ({ Key: tag.key, Value: tag.value }));

    const needs: ResourceIdentity[] = [];
    if (resource.kind !== "mesh") needs.push({ kind: "mesh", meshName: resource.meshName, parentName: "", name: resource.meshName });
    if (descriptor.parent) needs.push({ kind: descriptor.parent.kind, meshName: resource.meshName, parentName: "", name: resource.parentName });
    needs.push(...referencesOf(resource));
    const dependsOn = [...new Set(needs.flatMap((identity) => idOf(identity) ?? []))].sort();
    body[ids.get(resourceKey(resource))!] = { Type: typeOfKind[resource.kind], ...(dependsOn.length > 0 ? { DependsOn: dependsOn } : {}), Properties: properties };
  }
  return { AWSTemplateFormatVersion: "2010-09-09", Description: "App Mesh resources exported by meshplane", Resources: body };
}
