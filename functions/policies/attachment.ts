// Attachment: what a policy's targetRef names (a mesh, virtual node, virtual gateway, route or gateway route of the
// policy's own mesh, by App Mesh ARN), which targets each policy type may attach to, and the place key precedence
// looks policies up by.
import { AppMeshError, parseArn } from "../appmesh/index.js";
import type { ResourceKey } from "../../db/store.js";
import type { PolicyType } from "./model/policy-model.js";

export const targetKinds = ["mesh", "virtualNode", "virtualGateway", "route", "gatewayRoute"] as const;
export type TargetKind = (typeof targetKinds)[number];

/** What a policy is attached to. */
export interface PolicyTarget {
  kind: TargetKind;
  key: ResourceKey;
}

const everywhere = targetKinds;

/**
 * Where each type may attach (docs/policies/README.md, "Where a policy applies"). Authentication types stay on the
 * receiving side (meshes, virtual nodes, gateways and their gateway routes): a check enforced by a caller's own
 * Envoy is one the caller could skip. Load balancing shapes the clusters that reach a node; raw patches apply to
 * one Envoy's resources.
 */
export const attachableKinds: { readonly [Type in PolicyType]: readonly TargetKind[] } = {
  faultInjection: everywhere,
  mirror: ["virtualNode", "virtualGateway", "route", "gatewayRoute"],
  rateLimit: everywhere,
  headers: everywhere,
  cors: everywhere,
  jwt: ["mesh", "virtualNode", "virtualGateway", "gatewayRoute"],
  externalAuthorization: ["mesh", "virtualNode", "virtualGateway", "gatewayRoute"],
  loadBalancing: ["mesh", "virtualNode"],
  envoyPatch: ["mesh", "virtualNode", "virtualGateway"],
};

const isTargetKind = (kind: string): kind is TargetKind => (targetKinds as readonly string[]).includes(kind);

/**
 * The target an ARN names, checked against the policy's mesh and meshplane's account; BadRequestException naming
 * `targetRef.arn` otherwise. Whether the target exists is the service's to check.
 */
export function parseTargetArn(arn: string, meshName: string, account: { region: string; accountId: string }): PolicyTarget {
  const parsed = parseArn(arn);
  const refuse = (why: string) => new AppMeshError("BadRequestException", `'targetRef.arn' ${why}.`);
  if (!parsed || !isTargetKind(parsed.key.kind)) {
    throw refuse(`must be the ARN of a mesh, virtual node, virtual gateway, route or gateway route (arn:aws:appmesh:<region>:<account>:mesh/<mesh>[/…]); got ${JSON.stringify(arn)}`);
  }
  if (parsed.accountId !== account.accountId || parsed.region !== account.region) {
    throw refuse(`names account ${parsed.accountId} in ${parsed.region}; this meshplane holds account ${account.accountId} in ${account.region}`);
  }
  if (parsed.key.meshName !== meshName) throw refuse(`names mesh ${parsed.key.meshName}; a policy of mesh ${meshName} attaches only to that mesh or what is in it`);
  return { kind: parsed.key.kind, key: parsed.key };
}

/** The key precedence indexes a target by: `mesh`, `virtualNode/<name>`, `route/<router>/<name>`, … */
export function placeKey(target: { kind: TargetKind; parentName?: string; name: string }): string {
  if (target.kind === "mesh") return "mesh";
  if (target.kind === "route" || target.kind === "gatewayRoute") return `${target.kind}/${target.parentName}/${target.name}`;
  return `${target.kind}/${target.name}`;
}

export const placeKeyOf = (target: PolicyTarget): string => placeKey({ kind: target.kind, parentName: target.key.parentName, name: target.key.name });
