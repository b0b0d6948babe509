// meshplane's admin API (outside the App Mesh paths), for admin principals only:
//   GET    /v1/audit?principal=&action=&resource=&outcome=&since=&until=&limit=&nextToken=
//   GET    /v1/auth/keys            POST /v1/auth/keys {principal, policies, admin?}      DELETE /v1/auth/keys/:id
//   GET    /v1/auth/whoami
// It also guards meshplane's own non-App Mesh paths with the same policies as the App Mesh API:
//   /v1/endpoints…   appmesh:ListEndpoints, appmesh:RegisterEndpoint, appmesh:DeregisterEndpoint on `*`
//   POST /v3/…       (REST xDS) appmesh:StreamAggregatedResources on the ARN of the request's node.id, as ADS
//   /v1/xds/proxies, /v1/xds/status  appmesh:ListProxies on `*`
//   /v1/xds/config_dump?node=<id>  appmesh:StreamAggregatedResources on that node's ARN (it shows what the node gets)
//   POST /v1/xds/explain {node}    the same, on the node the body names
//   /v1/xds/subscribe?node=<id>    the same (a gateway Worker's subscription on the Worker's mesh hub)
//   /v1/xds/lint?mesh=<name>       appmesh:DescribeMesh on that mesh's ARN (it describes the mesh's specs)
//   /metrics         appmesh:ListMetrics on `*` (its series name meshes; anonymous scrapes go to METRICS_PORT)
// Errors use the App Mesh wire format. Key management answers 400 when no MESHPLANE_AUTH_SECRET_KEY is configured.
import { Hono, type Context } from "hono";
import { AppMeshError } from "../appmesh/index.js";
import { renderError } from "../api/errors.js";
import { requestIdOf } from "../api/request-id.js";
import { parseAuditQuery, type AuditLog } from "./audit.js";
import type { ManagedKeys } from "./managed-keys.js";
import { resolvePolicies } from "./managed-keys.js";
import type { ApiAuth } from "./middleware.js";
import { sourceAddressOf } from "./middleware.js";
import { nodeArn } from "./ads-authorizer.js";
import type { ArnScope } from "./operations.js";
import type { Principal } from "./principals.js";

export interface AdminRoutesOptions {
  auth: ApiAuth;
  /** Region and account of node ARNs (REST xDS authorisation). */
  scope: ArnScope;
  audit: AuditLog;
  /** Absent when no sealing key is configured: key management is then refused. */
  keys?: ManagedKeys;
  now?: () => number;
}

const badRequest = (message: string) => new AppMeshError("BadRequestException", message);

export function createAdminRoutes(options: AdminRoutesOptions): Hono {
  const app = new Hono();
  const now = options.now ?? Date.now;
  const admins = new WeakMap<Request, Principal>();

  app.use("/v1/endpoints", (c, next) => guardEndpoints(c, next));
  app.use("/v1/endpoints/*", (c, next) => guardEndpoints(c, next));
  async function guardEndpoints(c: Context, next: () => Promise<void>): Promise<Response | void> {
    const action = c.req.method === "PUT" ? "RegisterEndpoint" : c.req.method === "DELETE" ? "DeregisterEndpoint" : "ListEndpoints";
    const refused = await options.auth.checkAction(c, `appmesh:${action}`, "*");
    if (refused) return refused;
    await next();
  }
  /** The node a JSON body names (`node.id` for REST xDS, `node` for explain); "" when the body does not say. */
  async function bodyNodeId(c: Context, read: (body: Record<string, unknown>) => unknown): Promise<string> {
    try {
      // Bytes first: a body cached as parsed JSON would be re-serialised for the signature check and no longer match.
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const body = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown> | null;
      return body ? String(read(body) ?? "") : "";
    } catch {
      // An unreadable body is the handler's to refuse; authorisation needs a node it cannot name.
      return "";
    }
  }
  async function guardNode(c: Context, next: () => Promise<void>, nodeId: string): Promise<Response | void> {
    const resource = nodeArn(nodeId, options.scope);
    const refused = await options.auth.checkAction(c, "appmesh:StreamAggregatedResources", typeof resource === "string" ? resource : "*");
    if (refused) return refused;
    await next();
  }
  app.use("/v3/*", async (c, next) => guardNode(c, next, await bodyNodeId(c, (body) => (body.node as { id?: unknown } | undefined)?.id)));
  // Explaining a node's routes shows what it is served, as its config dump does.
  app.use("/v1/xds/explain", async (c, next) => guardNode(c, next, await bodyNodeId(c, (body) => body.node)));
  app.use("/v1/xds/config_dump", async (c, next) => guardNode(c, next, c.req.query("node") ?? ""));
  // A gateway's subscription (the Worker's mesh hubs) is a way of receiving the node's configuration, as ADS is.
  app.use("/v1/xds/subscribe", async (c, next) => guardNode(c, next, c.req.query("node") ?? ""));
  for (const path of ["/v1/xds/proxies", "/v1/xds/status"]) {
    app.use(path, async (c, next) => {
      const refused = await options.auth.checkAction(c, "appmesh:ListProxies", "*");
      if (refused) return refused;
      await next();
    });
  }
  app.use("/v1/xds/lint", async (c, next) => {
    const mesh = c.req.query("mesh") ?? "";
    const refused = await options.auth.checkAction(c, "appmesh:DescribeMesh", mesh ? `arn:aws:appmesh:${options.scope.region}:${options.scope.accountId}:mesh/${mesh}` : "*");
    if (refused) return refused;
    await next();
  });
  app.use("/metrics", async (c, next) => {
    const refused = await options.auth.checkAction(c, "appmesh:ListMetrics", "*");
    if (refused) return refused;
    await next();
  });
  app.use("/v1/audit", (c, next) => guard(c, next));
  app.use("/v1/auth/*", (c, next) => guard(c, next));
  async function guard(c: Context, next: () => Promise<void>): Promise<Response | void> {
    const who = await options.auth.authenticateAdmin(c);
    if (who instanceof Response) return who;
    admins.set(c.req.raw, who);
    await next();
  }

  app.get("/v1/audit", async (c) => {
    const query = parseAuditQuery(c.req.query());
    if (typeof query === "string") return renderError(c, badRequest(query));
    const entries = await options.audit.query(query);
    const last = entries.at(-1);
    return c.json({ entries, ...(entries.length === query.limit && last ? { nextToken: String(last.seq) } : {}) });
  });

  app.get("/v1/auth/whoami", (c) => {
    const who = admins.get(c.req.raw)!;
    return c.json({ principal: who.name, admin: who.admin });
  });

  const keys = (c: Context): ManagedKeys | Response =>
    options.keys ?? renderError(c, badRequest("Key management needs MESHPLANE_AUTH_SECRET_KEY (the key that seals stored secrets)."));

  app.get("/v1/auth/keys", async (c) => {
    const managed = keys(c);
    if (managed instanceof Response) return managed;
    return c.json({ accessKeys: await managed.list() });
  });

  app.post("/v1/auth/keys", async (c) => {
    const managed = keys(c);
    if (managed instanceof Response) return managed;
    let body: Record<string, unknown>;
    try {
      body = (await c.req.json()) as Record<string, unknown>;
    } catch {
      return renderError(c, badRequest("The request body is not valid JSON."));
    }
    if (typeof body.principal !== "string" || !/^[A-Za-z0-9_+=,.@-]{1,64}$/.test(body.principal)) return renderError(c, badRequest("principal must be 1-64 characters of [A-Za-z0-9_+=,.@-]."));
    const policies = resolvePolicies(body.policies);
    if (typeof policies === "string") return renderError(c, badRequest(policies));
    const created = await managed.create({ principal: body.principal, policies: body.policies as Array<string>, admin: body.admin === true });
    await audit(c, "meshplane:CreateAccessKey", created.accessKeyId);
    return c.json(created);
  });

  app.delete("/v1/auth/keys/:accessKeyId", async (c) => {
    const managed = keys(c);
    if (managed instanceof Response) return managed;
    const accessKeyId = c.req.param("accessKeyId");
    if (!(await managed.delete(accessKeyId))) return renderError(c, new AppMeshError("NotFoundException", `Access key ${accessKeyId} was not issued over the admin API.`));
    await audit(c, "meshplane:DeleteAccessKey", accessKeyId);
    return c.json({ accessKeyId, deleted: true });
  });

  async function audit(c: Context, action: string, resource: string): Promise<void> {
    const who = admins.get(c.req.raw);
    await options.audit.record({
      at: now(),
      requestId: requestIdOf(c),
      principal: who?.name ?? "",
      credential: "",
      sourceAddress: sourceAddressOf(c),
      action,
      resource,
      outcome: "allowed",
      errorCode: "",
    });
  }

  return app;
}
