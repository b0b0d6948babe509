// Policy decisions with everything the conditions may need: the request's own keys plus, when a policy reads
// them, the tags of the resource acted on (aws:ResourceTag/<key>, also spelled appmesh:ResourceTag/<key>).
import { AppMeshError } from "../appmesh/index.js";
import { evaluatePolicies, readsResourceTags, type Decision } from "./policy.js";
import type { Principal } from "./principals.js";

/** The part of the Store that resource-tag conditions read. */
export interface TagSource {
  getResourceByArn(arn: string): Promise<{ uid: string } | null>;
  getTags(uid: string): Promise<Array<{ key: string; value: string }>>;
}

export interface AuthorizationTarget {
  action: string;
  resource: string;
  context: Map<string, string[]>;
}

export async function authorize(principal: Principal, target: AuthorizationTarget, tags: TagSource | undefined): Promise<Decision> {
  const context = new Map(target.context);
  if (tags && target.resource !== "*" && readsResourceTags(principal.policies)) {
    const row = await tags.getResourceByArn(target.resource);
    for (const tag of row ? await tags.getTags(row.uid) : []) {
      context.set(`aws:resourcetag/${tag.key.toLowerCase()}`, [tag.value]);
      context.set(`appmesh:resourcetag/${tag.key.toLowerCase()}`, [tag.value]);
    }
  }
  return evaluatePolicies(principal.policies, { action: target.action, resource: target.resource, context });
}

/** The 403 a refused call gets, naming who, what and on which resource (as IAM's AccessDenied messages do). */
export function forbidden(principal: Principal, target: AuthorizationTarget, decision: Decision): AppMeshError {
  const how = decision.effect === "Deny" && decision.reason === "explicit" ? "with an explicit deny in a policy" : "because no policy allows it";
  return new AppMeshError("ForbiddenException", `User: ${principal.name} is not authorized to perform: ${target.action} on resource: ${target.resource} ${how}.`);
}
