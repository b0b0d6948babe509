// meshplane's policy API (/v1/meshes/{mesh}/policies) for the CLI, signed like every other call: list, read, put
// and delete, and putting a policy read from a file so that a refusal naming a field points at its line.
import type { AppMeshApi } from "./app-mesh-api.js";
import { formatLocation, MigrateError, type WantedPolicy } from "../migrate/index.js";
import { CliFailure } from "./cli-error.js";
import { sendSignedJson, sendSignedJsonAnswer } from "./meshplane-http.js";

export interface PolicyData {
  meshName: string;
  policyName: string;
  targetRef: { arn: string };
  spec: Record<string, unknown>;
  tags?: { key: string; value: string }[];
  metadata: { version: number; arn: string };
  status: { status: string };
}

const policyPath = (mesh: string, name?: string) => `/v1/meshes/${encodeURIComponent(mesh)}/policies${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;

/** Every policy of a mesh, read in full (the list answers references only). */
export async function listPolicies(api: AppMeshApi, mesh: string): Promise<PolicyData[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = (await sendSignedJson(api, "GET", `${policyPath(mesh)}?limit=100${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ""}`)) as { policies: { policyName: string }[]; nextToken?: string };
    names.push(...page.policies.map((policy) => policy.policyName));
    nextToken = page.nextToken;
  } while (nextToken);
  const policies: PolicyData[] = [];
  for (const name of names) {
    const policy = await getPolicy(api, mesh, name);
    if (policy) policies.push(policy);
  }
  return policies;
}

/** The policy, or undefined when there is none of that name. */
export async function getPolicy(api: AppMeshApi, mesh: string, name: string): Promise<PolicyData | undefined> {
  return (await sendSignedJson(api, "GET", policyPath(mesh, name), undefined, true)) as PolicyData | undefined;
}

/**
 * Deletes the policy. A NotFound that answers a retry (the first attempt's connection dropped) means that attempt
 * deleted it and its answer was lost: the delete is done, as apply takes it. A NotFound at the first attempt is
 * reported.
 */
export async function deletePolicy(api: AppMeshApi, mesh: string, name: string): Promise<{ meshName: string; policyName: string }> {
  const { json, attempts } = await sendSignedJsonAnswer(api, "DELETE", policyPath(mesh, name), undefined, true);
  if (json) return json as PolicyData;
  if (attempts > 1) return { meshName: mesh, policyName: name };
  throw new CliFailure(`NotFoundException: Policy ${name} not found in mesh ${mesh}.`);
}

/** meshplane's field names in its messages: `'spec.rateLimit.interval'`, `spec.cors.allowOrigins[0].regex`, `targetRef.arn`. */
const FIELD = /'?((?:targetRef|spec|tags)(?:\.[A-Za-z_][\w]*|\[\d+\])*)'?/;

/** Puts a policy read from a file; a refusal is reported at the file, line and field it names. */
export async function putWantedPolicy(api: AppMeshApi, policy: WantedPolicy): Promise<PolicyData> {
  try {
    return (await sendSignedJson(api, "PUT", policyPath(policy.meshName, policy.policyName), {
      targetRef: policy.targetRef,
      spec: policy.spec,
      ...(policy.tags ? { tags: policy.tags } : {}),
    })) as PolicyData;
  } catch (error) {
    if (!CliFailure.is(error)) throw error;
    const field = FIELD.exec(error.message)?.[1];
    throw new MigrateError(`policy ${policy.meshName}/${policy.policyName}: ${error.message}`, field ? policy.locate(field) : policy.source);
  }
}

/** What putting `policy` would do to `current`: create, update, or nothing. */
export function policyChange(policy: WantedPolicy, current: PolicyData | undefined): "create" | "update" | "unchanged" {
  if (!current) return "create";
  const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
  const tagsSame = policy.tags === undefined || same(policy.tags, current.tags ?? []);
  return same(policy.targetRef, current.targetRef) && same(policy.spec, current.spec) && tagsSame ? "unchanged" : "update";
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]));
  return value;
}

export const describePolicyAt = (policy: WantedPolicy): string => `${policy.meshName}/${policy.policyName} (${formatLocation({ ...policy.source, field: undefined })})`;
