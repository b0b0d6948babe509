// Reads an export back through the importer, for the exporters' round-trip tests.
import { loadInputs, normalizeSpec, type WantedResource } from "../../functions/migrate/index.js";

export function importText(name: string, text: string): WantedResource[] {
  return loadInputs([{ name, text }], {
    cloudFormation: { parameters: new Map(), importValues: new Map(), attributes: new Map(), region: "us-east-1" },
    kubernetes: {},
  }).resolve().resources;
}

/** Resources as comparable data: identity, normalized spec and tags (absent tags count as none). */
export function comparable(resources: readonly WantedResource[]) {
  return resources
    .map((resource) => ({ kind: resource.kind, meshName: resource.meshName, parentName: resource.parentName, name: resource.name, spec: normalizeSpec(resource.spec), tags: resource.tags ?? [] }))
    .sort((a, b) => `${a.kind}/${a.parentName}/${a.name}`.localeCompare(`${b.kind}/${b.parentName}/${b.name}`));
}
