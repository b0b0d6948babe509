// meshplane's Policy resource (docs/policies/README.md) from the console: /v1/meshes/{mesh}/policies, with the
// same session cookie, CSRF token and App Mesh–shaped errors as every other call (./http.ts).
import type { ResourceKind } from "./appmesh.js";
import type { ResourceAddress } from "../resources.js";
import { request } from "./http.js";

/** A policy as a list holds it. */
export interface PolicyRef {
  meshName: string;
  policyName: string;
  type: string;
  targetArn: string;
  arn: string;
  version: number;
  createdAt: number;
  lastUpdatedAt: number;
}

/** A policy as PUT and GET answer it. */
export interface PolicyData {
  meshName: string;
  policyName: string;
  type: string;
  targetRef: { arn: string };
  spec: Record<string, unknown>;
  tags: Array<{ key: string; value: string }>;
  metadata: { arn: string; version: number; createdAt: number; lastUpdatedAt: number };
}

const collectionPath = (meshName: string) => `/v1/meshes/${encodeURIComponent(meshName)}/policies`;
const policyPath = (meshName: string, policyName: string) => `${collectionPath(meshName)}/${encodeURIComponent(policyName)}`;

const MAX_PAGES = 100;

/** Every policy of a mesh (or those on one target), following nextToken. */
export async function listPolicies(meshName: string, filter: { targetArn?: string } = {}, signal?: AbortSignal): Promise<PolicyRef[]> {
  const policies: PolicyRef[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await request<{ policies: PolicyRef[]; nextToken?: string }>("GET", collectionPath(meshName), { query: { limit: 100, targetArn: filter.targetArn, nextToken }, ...(signal ? { signal } : {}) });
    policies.push(...answer.policies);
    nextToken = answer.nextToken;
    if (!nextToken) break;
  }
  return policies;
}

export const getPolicy = (meshName: string, policyName: string, signal?: AbortSignal) => request<PolicyData>("GET", policyPath(meshName, policyName), signal ? { signal } : {});

export const putPolicy = (meshName: string, policyName: string, document: Record<string, unknown>) => request<PolicyData>("PUT", policyPath(meshName, policyName), { body: document });

export const deletePolicy = (meshName: string, policyName: string) => request<PolicyData>("DELETE", policyPath(meshName, policyName));

const arnKinds: Record<string, ResourceKind> = { virtualNode: "virtualNode", virtualGateway: "virtualGateway", virtualRouter: "virtualRouter", virtualService: "virtualService" };

/**
 * The console address of a policy's target from its ARN (`…:mesh/apps/virtualGateway/ingress/gatewayRoute/web`),
 * or undefined for an ARN the console cannot place.
 */
export function targetAddressOf(arn: string): ResourceAddress | undefined {
  const resource = /^arn:[^:]+:appmesh:[^:]*:[^:]*:mesh\/(.+)$/.exec(arn)?.[1];
  if (!resource) return undefined;
  const [meshName, parentKind, parentName, childKind, childName, ...rest] = resource.split("/");
  if (!meshName || rest.length > 0) return undefined;
  if (parentKind === undefined) return { kind: "mesh", meshName, name: meshName };
  const kind = arnKinds[parentKind];
  if (!kind || !parentName) return undefined;
  if (childKind === undefined) return { kind, meshName, name: parentName };
  if (!childName) return undefined;
  if (kind === "virtualRouter" && childKind === "route") return { kind: "route", meshName, parentName, name: childName };
  if (kind === "virtualGateway" && childKind === "gatewayRoute") return { kind: "gatewayRoute", meshName, parentName, name: childName };
  return undefined;
}
