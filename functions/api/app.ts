// The App Mesh REST API (2019-01-25) on Hono. Every route comes from the model's operation table: the handler
// only decodes URI, query and body members into one input and hands it to the service.
import { Hono, type MiddlewareHandler } from "hono";
import {
  AppMeshError,
  appMeshOperationNames,
  appMeshOperations,
  appMeshShapes,
  type AppMeshService,
  type ModelMember,
} from "../appmesh/index.js";
import type { PolicyService } from "../policies/index.js";
import { limitBody } from "./body-limit.js";
import { renderError } from "./errors.js";
import { writeContextOf } from "../aws/shared/index.js";
import { readJsonObject } from "./json-body.js";
import { assignRequestId } from "./request-id.js";
import { mountPolicyRoutes, type PolicyRouteGuard } from "./policy-routes.js";

export const maxBodyBytes = 1024 * 1024;

export interface ApiOptions {
  service: AppMeshService;
  /**
   * Authentication, authorisation, rate limits and audit (functions/auth). `forOperation` runs before the handler
   * of each App Mesh operation; `routes` (admin API, guards of meshplane's own paths) is mounted before them.
   */
  auth?: { forOperation(operation: string): MiddlewareHandler; forPolicy?: PolicyRouteGuard; routes: Hono };
  /** meshplane's policy API under /v1/meshes/{mesh}/policies (docs/policies/README.md). */
  policies?: PolicyService;
  /**
   * Called once a request's body has been read (bounded), before auth and the handler; the function it returns is
   * called once its response is ready. The control plane marks API requests as foreground work this way, so the xDS
   * side's background work gives way to them.
   */
  onRequest?: () => () => void;
}

const jsonContentType = { "content-type": "application/json" };
const badRequest = (message: string) => new AppMeshError("BadRequestException", message);

/** Query values arrive as text; integer members become numbers when they are plain decimal integers. */
function decodeQueryValue(member: ModelMember, raw: string): unknown {
  const type = appMeshShapes[member.shape].type;
  if ((type === "integer" || type === "long") && /^-?\d{1,15}$/.test(raw)) return Number(raw);
  return raw;
}

function honoPath(requestUri: string): string {
  return requestUri.split("?")[0]!.replace(/\{(\w+)\+?\}/g, ":$1");
}

export function createApiApp(options: ApiOptions): Hono {
  const app = new Hono();
  const knownPaths = new Map<string, string[]>();

  app.use("*", assignRequestId);

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.use(
    "*",
    limitBody({
      maxBytes: maxBodyBytes,
      drainLimit: 16 * maxBodyBytes,
      refuse: async (c) => renderError(c, badRequest(`The request body exceeds ${maxBodyBytes} bytes.`)),
    }),
  );
  // Marked only once the body is in: a client still uploading costs no CPU and must not hold back xDS pushes.
  if (options.onRequest) {
    const onRequest = options.onRequest;
    app.use("*", async (_c, next) => {
      const done = onRequest();
      try {
        await next();
      } finally {
        done();
      }
    });
  }

  for (const operation of appMeshOperationNames) {
    const model = appMeshOperations[operation];
    const members = Object.entries((model.input && appMeshShapes[model.input].members) ?? {});
    const uriMembers = members.filter(([, m]) => m.location === "uri");
    const queryMembers = members.filter(([, m]) => m.location === "querystring");
    const bodyMembers = members.filter(([, m]) => m.location === undefined);
    const path = honoPath(model.requestUri);
    knownPaths.set(path, [...(knownPaths.get(path) ?? []), model.method]);
    if (options.auth) app.on(model.method, path, options.auth.forOperation(operation));

    app.on(model.method, path, async (c) => {
      const input: Record<string, unknown> = {};
      for (const [name, member] of uriMembers) input[name] = c.req.param(member.locationName ?? name);
      for (const [name, member] of queryMembers) {
        const raw = c.req.query(member.locationName ?? name);
        if (raw !== undefined) input[name] = decodeQueryValue(member, raw);
      }
      if (bodyMembers.length > 0) {
        const body = await readJsonObject(c);
        for (const [name] of bodyMembers) if (body[name] !== undefined) input[name] = body[name];
      }
      return c.body(await options.service.respond(operation, input, writeContextOf(c)), 200, jsonContentType);
    });
  }

  if (options.auth) app.route("/", options.auth.routes);
  if (options.policies) mountPolicyRoutes(app, options.policies, options.auth?.forPolicy);

  app.notFound((c) => {
    const allowed = [...knownPaths.entries()].find(([path]) => matchesTemplate(path, c.req.path))?.[1];
    if (allowed) return renderError(c, badRequest(`Method ${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(" or ")}.`));
    return renderError(c, new AppMeshError("NotFoundException", `No operation matches ${c.req.method} ${c.req.path}.`));
  });
  app.onError((error, c) => renderError(c, error));
  return app;
}

function matchesTemplate(template: string, path: string): boolean {
  const expected = template.split("/");
  const actual = path.split("/");
  return expected.length === actual.length && expected.every((segment, index) => segment.startsWith(":") ? actual[index] !== "" : segment === actual[index]);
}
