// meshplane's policies (docs/policies/README.md) as files carry them: in a meshplane export, beside the App Mesh
// resources (`"policies": [...]`), or as policy documents of their own (`meshplane policy apply -f FILE`), each
//   { "meshName": "apps", "policyName": "no-server-header", "targetRef": { "arn": "arn:aws:appmesh:…" },
//     "spec": { "headers": { … } }, "tags": [] }
// Their specs are checked by meshplane when they are put; a refusal that names a field is located back in the file.
import type { SourceLocation } from "../migrate-error.js";
import { locationOf, type FieldPath, type Origins, type SourceDocument } from "../source.js";

export interface WantedPolicy {
  meshName: string;
  policyName: string;
  targetRef: { arn: string };
  spec: Record<string, unknown>;
  tags?: { key: string; value: string }[];
  /** Where the policy is written; `locate` finds a field of it (a path as meshplane's errors name it). */
  source: SourceLocation;
  locate(field: string): SourceLocation;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const members = ["meshName", "policyName", "targetRef", "spec", "tags"];

/** `spec.headers.request.set[0].name` → ["spec", "headers", "request", "set", 0, "name"]. */
export function parseFieldPath(field: string): FieldPath {
  const path: FieldPath = [];
  for (const part of field.split(".")) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) return path;
    if (match[1]) path.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

/** A policy document of its own: a mapping with `policyName` and `spec` and no `meshplane` key. */
export function isPolicyDocument(value: unknown): boolean {
  return isObject(value) && !("meshplane" in value) && "policyName" in value && "spec" in value;
}

function readPolicy(entry: unknown, container: unknown, key: string | number, origins: Origins): WantedPolicy {
  if (!isObject(entry)) throw origins.error("a policy must be a mapping", container, key);
  for (const member of Object.keys(entry)) if (!members.includes(member)) throw origins.error(`unknown field ${member}; a policy has ${members.join(", ")}`, entry, member);
  const text = (member: string) => {
    if (typeof entry[member] !== "string" || entry[member] === "") throw origins.error(`${member} must be a non-empty string`, entry, member);
    return entry[member] as string;
  };
  const targetRef = entry.targetRef;
  if (!isObject(targetRef) || typeof targetRef.arn !== "string") throw origins.error('targetRef must be { "arn": "<App Mesh ARN>" }', entry, "targetRef");
  if (!isObject(entry.spec)) throw origins.error("spec must be a mapping with one policy type", entry, "spec");
  const tags = entry.tags;
  if (tags !== undefined && (!Array.isArray(tags) || !tags.every((tag) => isObject(tag) && typeof tag.key === "string" && typeof tag.value === "string"))) {
    throw origins.error('tags must be a list of {"key", "value"}', entry, "tags");
  }
  const origin = origins.get(entry);
  const where = (path: FieldPath): SourceLocation => (origin ? locationOf(origin, path) : { file: "(input)", document: 1 });
  return {
    meshName: text("meshName"),
    policyName: text("policyName"),
    targetRef: { arn: targetRef.arn },
    spec: entry.spec,
    ...(tags !== undefined ? { tags: tags as WantedPolicy["tags"] & object } : {}),
    source: where([]),
    locate: (field) => where(parseFieldPath(field)),
  };
}

/** The policies of a meshplane export (its `policies` list) or of a policy document. */
export function resolvePolicies(document: SourceDocument, origins: Origins): WantedPolicy[] {
  const body = document.value;
  if (isPolicyDocument(body)) return [readPolicy(body, body, "", origins)];
  if (!isObject(body) || body.policies === undefined) return [];
  const list = body.policies;
  if (!Array.isArray(list)) throw origins.error("policies must be a list", body, "policies");
  return list.map((entry, index) => readPolicy(entry, list, index, origins));
}

/** The export form of a policy as the policy API answers it (GET /v1/meshes/{mesh}/policies/{name}). */
export function toExportedPolicy(policy: { meshName: string; policyName: string; targetRef: { arn: string }; spec: unknown; tags?: unknown }): Record<string, unknown> {
  return { meshName: policy.meshName, policyName: policy.policyName, targetRef: { arn: policy.targetRef.arn }, spec: policy.spec, tags: Array.isArray(policy.tags) ? policy.tags : [] };
}
