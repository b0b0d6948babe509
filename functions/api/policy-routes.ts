// meshplane's policy API (outside the App Mesh paths), thin handlers over the policy service:
//   PUT    /v1/meshes/{mesh}/policies/{name}   { targetRef: { arn }, spec: { <type>: … }, tags?, clientToken? }
//   GET    /v1/meshes/{mesh}/policies/{name}
//   DELETE /v1/meshes/{mesh}/policies/{name}
//   GET    /v1/meshes/{mesh}/policies?limit=&nextToken=&targetArn=&type=
// Errors use the App Mesh wire format, like every other route.
import type { Hono, MiddlewareHandler } from "hono";
import type { PolicyService } from "../policies/index.js";
import { readJsonObject } from "./json-body.js";

/** Authentication, authorisation and audit of one policy action (functions/auth `forPolicy`). */
export type PolicyRouteGuard = (action: "PutPolicy" | "GetPolicy" | "DeletePolicy" | "ListPolicies") => MiddlewareHandler;

const one = "/v1/meshes/:meshName/policies/:policyName";
const all = "/v1/meshes/:meshName/policies";

export function mountPolicyRoutes(app: Hono, service: PolicyService, guard?: PolicyRouteGuard): void {
  const open: MiddlewareHandler = async (_c, next) => next();
  const check = guard ?? (() => open);
  app.put(one, check("PutPolicy"), async (c) => c.json(await service.put(c.req.param("meshName"), c.req.param("policyName"), await readJsonObject(c))));
  app.get(one, check("GetPolicy"), async (c) => c.json(await service.get(c.req.param("meshName"), c.req.param("policyName"))));
  app.delete(one, check("DeletePolicy"), async (c) => c.json(await service.remove(c.req.param("meshName"), c.req.param("policyName"))));
  app.get(all, check("ListPolicies"), async (c) => {
    const { limit, nextToken, targetArn, type } = c.req.query();
    return c.json(await service.list(c.req.param("meshName"), { ...(limit !== undefined ? { limit } : {}), ...(nextToken !== undefined ? { nextToken } : {}), ...(targetArn !== undefined ? { targetArn } : {}), ...(type !== undefined ? { type } : {}) }));
  });
}
