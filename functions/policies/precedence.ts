// Precedence: which policy of a type is in force at one place. One policy of each type per target (the service
// refuses a second), and the most specific target wins: a gateway route's over its virtual gateway's over the mesh's,
// a virtual node's over the mesh's. Route policies stand alone: they act on the callers' side of that route.
// docs/policies/README.md ("Precedence") states the same rules for users.
import type { MeshSnapshot } from "../appmesh/index.js";
import { parseTargetArn, placeKey, placeKeyOf, type PolicyTarget } from "./attachment.js";
import type { PolicySpec, PolicyType } from "./model/policy-model.js";
import { policyTypeOf, type PolicyDocument } from "./render.js";

/** One stored policy as translation sees it. */
export interface AttachedPolicy<Type extends PolicyType = PolicyType> {
  readonly name: string;
  readonly uid: string;
  readonly version: number;
  readonly target: PolicyTarget;
  readonly type: Type;
  readonly spec: NonNullable<PolicySpec[Type]>;
}

export interface PolicyIndex {
  /** Every policy of the mesh, by name. */
  readonly policies: readonly AttachedPolicy[];
  /** The policy of `type` at the listeners of a virtual node or gateway: its own, else the mesh's. */
  atListener<Type extends PolicyType>(owner: { kind: "virtualNode" | "virtualGateway"; name: string }, type: Type): AttachedPolicy<Type> | undefined;
  /** The policy of `type` attached to a route of a virtual router (enforced by its callers). */
  atRoute<Type extends PolicyType>(routerName: string, routeName: string, type: Type): AttachedPolicy<Type> | undefined;
  /** The policy of `type` attached to a gateway route (it overrides the gateway's and the mesh's for that route). */
  atGatewayRoute<Type extends PolicyType>(gatewayName: string, routeName: string, type: Type): AttachedPolicy<Type> | undefined;
  /** The load-balancing policy of the clusters that reach a virtual node: its own, else the mesh's. */
  forTargetNode(nodeName: string): AttachedPolicy<"loadBalancing"> | undefined;
  /** Whether any policy attaches to the place (for dependency fingerprints). */
  attachedTo(place: { kind: PolicyTarget["kind"]; parentName?: string; name: string }): readonly AttachedPolicy[];
}

const emptyIndex: PolicyIndex = {
  policies: [],
  atListener: () => undefined,
  atRoute: () => undefined,
  atGatewayRoute: () => undefined,
  forTargetNode: () => undefined,
  attachedTo: () => [],
};

/**
 * The policies of one mesh snapshot, indexed by place. Stored documents passed validation when they were written,
 * so they are read as they are; one that no longer parses (a target ARN of another account after a config change)
 * is left out rather than failing the mesh's translation.
 */
export function createPolicyIndex(snapshot: Pick<MeshSnapshot, "mesh" | "policies">): PolicyIndex {
  const stored = snapshot.policies ?? [];
  if (stored.length === 0) return emptyIndex;
  const arn = snapshot.mesh.metadata.arn;
  const [, , , region = "", accountId = ""] = arn.split(":");
  const byPlace = new Map<string, Map<PolicyType, AttachedPolicy>>();
  const byPlaceList = new Map<string, AttachedPolicy[]>();
  const policies: AttachedPolicy[] = [];
  for (const row of stored) {
    const document = row.document as PolicyDocument;
    let target: PolicyTarget;
    try {
      target = parseTargetArn(document.targetRef.arn, snapshot.mesh.meshName, { region, accountId });
    } catch {
      continue;
    }
    const type = policyTypeOf(document.spec);
    if (!type) continue;
    const policy = { name: row.name, uid: row.uid, version: row.version, target, type, spec: document.spec[type] } as AttachedPolicy;
    policies.push(policy);
    const key = placeKeyOf(target);
    let types = byPlace.get(key);
    if (!types) byPlace.set(key, (types = new Map()));
    // The service allows one policy of a type per target; should two ever be stored, the first by name wins.
    if (!types.has(type)) types.set(type, policy);
    byPlaceList.set(key, [...(byPlaceList.get(key) ?? []), policy]);
  }
  policies.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const at = <Type extends PolicyType>(key: string, type: Type) => byPlace.get(key)?.get(type) as AttachedPolicy<Type> | undefined;
  return {
    policies,
    atListener: (owner, type) => at(placeKey({ kind: owner.kind, name: owner.name }), type) ?? at("mesh", type),
    atRoute: (routerName, routeName, type) => at(placeKey({ kind: "route", parentName: routerName, name: routeName }), type),
    atGatewayRoute: (gatewayName, routeName, type) => at(placeKey({ kind: "gatewayRoute", parentName: gatewayName, name: routeName }), type),
    forTargetNode: (nodeName) => at(placeKey({ kind: "virtualNode", name: nodeName }), "loadBalancing") ?? at("mesh", "loadBalancing"),
    attachedTo: (place) => byPlaceList.get(placeKey(place)) ?? [],
  };
}
