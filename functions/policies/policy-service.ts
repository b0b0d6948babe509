// meshplane's Policy resource: put (create or replace), get, delete and list, on the write path every App Mesh write
// takes (functions/appmesh: guarded batches with retries, clientToken idempotency, tags, cursors). A policy is a row
// of kind "policy" in its mesh, so it shares the mesh's revision and change log: a committed policy change wakes the
// xDS cache exactly as an App Mesh change does. Its target and backends are references: a policy on a missing
// target is refused, and deleting a target that still has policies is refused (docs/policies/README.md).
import {
  AppMeshError,
  attachmentRef,
  checkTagList,
  commitIdempotent,
  createIdempotency,
  decodeNextToken,
  encodeNextToken,
  meshScope,
  POLICY_KIND,
  toArn,
  toChangeEntry,
  type CommitWithRetry,
  type Quotas,
  type RegexChecker,
} from "../appmesh/index.js";
import type { ResourceKey, ResourceRow, Store, TagRow, WriteBatch } from "../../db/store.js";
import { attachableKinds, parseTargetArn, placeKeyOf, type PolicyTarget } from "./attachment.js";
import { backendReferences, backendRefsOf, checkBackendRef } from "./backend-refs.js";
import { policyInput, policyName as policyNameShape, type PolicyType } from "./model/policy-model.js";
import { string } from "./model/shapes.js";
import { checkPolicySpec, type EnvoyPatchChecker } from "./policy-rules.js";
import { policyTypeOf, toPolicyData, toPolicyRef, type PolicyData, type PolicyDocument, type PolicyRef } from "./render.js";
import { validateModel } from "./validation.js";

export interface PolicyServiceConfig {
  region: string;
  accountId: string;
  quotas: Pick<Quotas, "policiesPerMesh">;
  checkRegex: RegexChecker;
  /** Checks envoyPatch operations against Envoy's descriptors; without it envoyPatch policies are refused. */
  checkEnvoyPatch?: EnvoyPatchChecker;
  /** The write loop shared with the App Mesh service (one lock per mesh in this process). */
  commit: CommitWithRetry;
  now?: () => number;
  newUid?: () => string;
  idempotencyRetentionMs?: number;
}

export interface ListPoliciesQuery {
  limit?: string;
  nextToken?: string;
  /** Only policies attached to this ARN. */
  targetArn?: string;
  /** Only policies of this type. */
  type?: string;
}

export interface PolicyService {
  /** Creates or replaces the policy; `body` is untrusted JSON. Replacing with identical content writes nothing. */
  put(meshName: string, policyName: string, body: unknown): Promise<PolicyData>;
  get(meshName: string, policyName: string): Promise<PolicyData>;
  /** Answers with the policy as it was, its status DELETED. */
  remove(meshName: string, policyName: string): Promise<PolicyData>;
  list(meshName: string, query: ListPoliciesQuery): Promise<{ policies: PolicyRef[]; nextToken?: string }>;
}

const meshNameShape = string({ min: 1, max: 255 });
const bad = (message: string) => new AppMeshError("BadRequestException", message);
const notFound = (message: string) => new AppMeshError("NotFoundException", message);

const policyKey = (meshName: string, name: string): ResourceKey => ({ kind: POLICY_KIND, meshName, parentName: "", name });

/** Canonical JSON, so that the same document sent with another key order counts as unchanged. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

const sameTags = (a: readonly TagRow[], b: readonly TagRow[]): boolean => a.length === b.length && a.every((tag, index) => tag.key === b[index]!.key && tag.value === b[index]!.value);

const describeTarget = (target: PolicyTarget): string =>
  target.kind === "mesh" ? `mesh ${target.key.meshName}` : `${target.kind} ${target.key.parentName ? `${target.key.parentName}/` : ""}${target.key.name}`;

export function createPolicyService(store: Store, config: PolicyServiceConfig): PolicyService {
  const now = config.now ?? Date.now;
  const newUid = config.newUid ?? (() => crypto.randomUUID());
  const idempotency = createIdempotency(store, { accountId: config.accountId, now, retentionMs: config.idempotencyRetentionMs ?? 24 * 60 * 60 * 1000 });

  function checkNames(meshName: string, policyName?: string): void {
    validateModel(meshNameShape, meshName, "meshName");
    if (policyName !== undefined) validateModel(policyNameShape, policyName, "policyName");
  }

  async function requireMesh(meshName: string): Promise<void> {
    if (!(await store.getResource({ kind: "mesh", meshName, parentName: "", name: meshName }))) throw notFound(`Mesh ${meshName} not found.`);
  }

  async function requirePolicy(meshName: string, policyName: string): Promise<ResourceRow> {
    const row = await store.getResource(policyKey(meshName, policyName));
    if (!row) throw notFound(`Policy ${policyName} not found in mesh ${meshName}.`);
    return row;
  }

  /** Every policy row of a mesh, in creation order (bounded by the per-mesh quota). */
  const policiesOf = (meshName: string) => store.listResources({ kind: POLICY_KIND, meshName, afterSeq: 0, limit: config.quotas.policiesPerMesh + 1 });

  async function checkReferences(meshName: string, document: PolicyDocument, target: PolicyTarget): Promise<void> {
    if (!(await store.getResource(target.key))) throw notFound(`The ${describeTarget(target)} named by 'targetRef.arn' was not found in mesh ${meshName}.`);
    const lookup = (kind: "virtualNode" | "virtualService", name: string) => store.getResource({ kind, meshName, parentName: "", name });
    for (const entry of backendRefsOf(document.spec)) await checkBackendRef(entry, meshName, lookup);
  }

  /** One policy of each type per target: a second one is a conflict naming the first. */
  function checkSingleOfType(rows: readonly ResourceRow[], policyName: string, target: PolicyTarget, type: PolicyType): void {
    const key = placeKeyOf(target);
    for (const row of rows) {
      if (row.name === policyName) continue;
      const other = row.spec as PolicyDocument;
      if (policyTypeOf(other.spec) !== type) continue;
      let otherTarget: PolicyTarget;
      try {
        otherTarget = parseTargetArn(other.targetRef.arn, target.key.meshName, config);
      } catch {
        continue;
      }
      if (placeKeyOf(otherTarget) === key) {
        throw new AppMeshError("ConflictException", `Policy ${row.name} already sets ${type} on ${describeTarget(target)}; a target has at most one policy of each type (update ${row.name} instead).`);
      }
    }
  }

  return {
    async put(meshName, policyName, body) {
      checkNames(meshName, policyName);
      const input = validateModel(policyInput, body, "");
      checkTagList(input.tags, "tags");
      const target = parseTargetArn(input.targetRef.arn, meshName, config);
      const type = policyTypeOf(input.spec)!;
      if (!attachableKinds[type].includes(target.kind)) {
        throw bad(`'targetRef.arn' names a ${target.kind}; ${type} attaches to ${attachableKinds[type].join(", ")} (docs/policies/${type}.md says why).`);
      }
      checkPolicySpec(type, input.spec[type] as never, { checkRegex: config.checkRegex, ...(config.checkEnvoyPatch ? { checkEnvoyPatch: config.checkEnvoyPatch } : {}), targetKind: target.kind });
      const document: PolicyDocument = { targetRef: { arn: input.targetRef.arn }, spec: input.spec };
      const key = policyKey(meshName, policyName);
      const scope = meshScope(meshName);
      const request = await idempotency.prepare("PutPolicy", { meshName, policyName, ...input });

      return commitIdempotent(config.commit, idempotency, [scope], request, async () => {
        await requireMesh(meshName);
        await checkReferences(meshName, document, target);
        const rows = await policiesOf(meshName);
        checkSingleOfType(rows, policyName, target, type);
        const current = rows.find((row) => row.name === policyName) ?? null;
        const refs = [attachmentRef(target.key), ...backendReferences(document.spec)];
        const at = now();
        if (current) {
          const currentTags = await store.getTags(current.uid);
          const tags = input.tags ?? currentTags;
          if (canonical(current.spec) === canonical(document) && sameTags(currentTags, tags)) return { batch: null, response: toPolicyData(current, currentTags) };
          const row: ResourceRow = { ...current, spec: document, version: current.version + 1, lastUpdatedAt: at };
          const batch: WriteBatch = {
            expect: [],
            update: [{ uid: row.uid, spec: document, status: row.status, version: row.version, lastUpdatedAt: at }],
            setTags: input.tags ? [{ uid: row.uid, tags }] : [],
            setRefs: [{ uid: row.uid, meshName, refs }],
            changes: [toChangeEntry(scope, "update", key, at)],
          };
          return { batch, response: toPolicyData(row, tags), at };
        }
        if (rows.length >= config.quotas.policiesPerMesh) {
          throw new AppMeshError("LimitExceededException", `Mesh ${meshName} already has ${rows.length} policies, the quota; delete some or raise MESHPLANE_QUOTA_POLICIES_PER_MESH.`);
        }
        const tags = input.tags ?? [];
        const row: ResourceRow = {
          ...key,
          seq: 0,
          uid: newUid(),
          arn: toArn(config, key),
          spec: document,
          status: "ACTIVE",
          version: 1,
          createdAt: at,
          lastUpdatedAt: at,
          meshOwner: config.accountId,
          resourceOwner: config.accountId,
        };
        const { seq: _seq, ...insert } = row;
        const batch: WriteBatch = {
          expect: [],
          insert: [insert],
          setTags: tags.length > 0 ? [{ uid: row.uid, tags }] : [],
          setRefs: [{ uid: row.uid, meshName, refs }],
          changes: [toChangeEntry(scope, "create", key, at)],
        };
        return { batch, response: toPolicyData(row, tags), at };
      });
    },

    async get(meshName, policyName) {
      checkNames(meshName, policyName);
      const row = await requirePolicy(meshName, policyName);
      return toPolicyData(row, await store.getTags(row.uid));
    },

    async remove(meshName, policyName) {
      checkNames(meshName, policyName);
      const scope = meshScope(meshName);
      return config.commit([scope], async () => {
        const row = await requirePolicy(meshName, policyName);
        const response = toPolicyData(row, await store.getTags(row.uid), "DELETED");
        return { batch: { expect: [], delete: [row.uid], changes: [toChangeEntry(scope, "delete", policyKey(meshName, policyName), now())] }, response };
      });
    },

    async list(meshName, query) {
      checkNames(meshName);
      let limit = 100;
      if (query.limit !== undefined) {
        if (!/^\d{1,3}$/.test(query.limit) || Number(query.limit) < 1 || Number(query.limit) > 100) throw bad("1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 100");
        limit = Number(query.limit);
      }
      if (query.type !== undefined && !Object.hasOwn(attachableKinds, query.type)) throw bad(`'type' must be one of [${Object.keys(attachableKinds).join(", ")}].`);
      const collection = `policy/${meshName}/${query.targetArn ?? ""}/${query.type ?? ""}`;
      const afterSeq = decodeNextToken(collection, query.nextToken);
      await requireMesh(meshName);
      const matching = (await policiesOf(meshName)).filter((row) => {
        const document = row.spec as PolicyDocument;
        return row.seq > afterSeq && (query.targetArn === undefined || document.targetRef.arn === query.targetArn) && (query.type === undefined || policyTypeOf(document.spec) === query.type);
      });
      const page = matching.slice(0, limit);
      const policies = page.map(toPolicyRef);
      return matching.length > limit ? { policies, nextToken: encodeNextToken(collection, page[page.length - 1]!.seq) } : { policies };
    },
  };
}
