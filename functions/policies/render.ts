// Stored policy rows → what the policy API answers: the whole policy (PolicyData) for PUT, GET and DELETE, and
// the short form (PolicyRef) a list holds. Timestamps are epoch seconds, as in App Mesh's answers.
import type { ResourceRow, TagRow } from "../../db/store.js";
import type { PolicySpec, PolicyType } from "./model/policy-model.js";

/** What a policy row stores as its `spec` column: the target and the spec, exactly as accepted. */
export interface PolicyDocument {
  targetRef: { arn: string };
  spec: PolicySpec;
}

export interface PolicyMetadata {
  arn: string;
  uid: string;
  version: number;
  createdAt: number;
  lastUpdatedAt: number;
  meshOwner: string;
  resourceOwner: string;
}

/**
 * @example
 * { meshName: "apps", policyName: "slow-checkout", type: "faultInjection",
 *   targetRef: { arn: "arn:aws:appmesh:us-east-1:111122223333:mesh/apps/virtualNode/checkout" },
 *   spec: { faultInjection: { delay: { fixed: { value: 2, unit: "s" }, percentage: 10 } } },
 *   tags: [], metadata: { arn: "…:mesh/apps/policy/slow-checkout", version: 1, … }, status: { status: "ACTIVE" } }
 */
export interface PolicyData extends PolicyDocument {
  meshName: string;
  policyName: string;
  type: PolicyType;
  tags: TagRow[];
  metadata: PolicyMetadata;
  status: { status: "ACTIVE" | "DELETED" };
}

export interface PolicyRef {
  meshName: string;
  policyName: string;
  type: PolicyType;
  targetArn: string;
  arn: string;
  version: number;
  createdAt: number;
  lastUpdatedAt: number;
}

/** The one type a (validated) spec holds. */
export function policyTypeOf(spec: PolicySpec): PolicyType | undefined {
  return (Object.keys(spec) as PolicyType[]).find((type) => spec[type] !== undefined);
}

const seconds = (milliseconds: number): number => milliseconds / 1000;

export function toPolicyData(row: ResourceRow, tags: TagRow[], status: "ACTIVE" | "DELETED" = "ACTIVE"): PolicyData {
  const document = row.spec as PolicyDocument;
  return {
    meshName: row.meshName,
    policyName: row.name,
    type: policyTypeOf(document.spec)!,
    targetRef: document.targetRef,
    spec: document.spec,
    tags,
    metadata: {
      arn: row.arn,
      uid: row.uid,
      version: row.version,
      createdAt: seconds(row.createdAt),
      lastUpdatedAt: seconds(row.lastUpdatedAt),
      meshOwner: row.meshOwner,
      resourceOwner: row.resourceOwner,
    },
    status: { status },
  };
}

export function toPolicyRef(row: ResourceRow): PolicyRef {
  const document = row.spec as PolicyDocument;
  return {
    meshName: row.meshName,
    policyName: row.name,
    type: policyTypeOf(document.spec)!,
    targetArn: document.targetRef.arn,
    arn: row.arn,
    version: row.version,
    createdAt: seconds(row.createdAt),
    lastUpdatedAt: seconds(row.lastUpdatedAt),
  };
}
