// Hono middleware for the App Mesh REST API: authenticate (SigV4 / bearer), rate-limit, authorise the operation's
// IAM action on its resource ARN, then let the handler run and audit how a mutating call ended.
import type { Context, MiddlewareHandler } from "hono";
import { AppMeshError } from "../appmesh/index.js";
import { renderError } from "../api/errors.js";
import { jsonObjectOrEmpty } from "../api/json-body.js";
import { requestIdOf } from "../api/request-id.js";
import { setWriteAudit } from "../aws/shared/index.js";
import { AuthError, renderAuthError } from "./auth-error.js";
import { createAuthenticator, type Authenticated } from "./authenticator.js";
import type { AuditLog } from "./audit.js";
import type { ConsoleSessions } from "./console-sessions.js";
import { authorize, forbidden, type TagSource } from "./authorizer.js";
import { toAwsOperationTarget } from "./aws-operations.js";
import { toOperationTarget, toPolicyTarget, type ArnScope, type OperationInput, type OperationTarget, type PolicyAction } from "./operations.js";
import type { Principal, PrincipalDirectory } from "./principals.js";
import { createRateLimiter, type RateLimits } from "./rate-limit.js";
import type { SignableRequest } from "./sigv4.js";
import type { AuditEntry } from "../../db/store.js";

export interface ApiAuthOptions {
  /** Who may call. `null` runs open (loopback development only): every call is anonymous and allowed, and still audited. */
  directory: PrincipalDirectory | null;
  audit: AuditLog;
  /** Where resource-tag conditions read tags (the Store). */
  tags?: TagSource;
  /** Region and account of the ARNs operations are authorised on. */
  scope: ArnScope;
  /** Per-principal token buckets; `null` turns rate limiting off. */
  rateLimits: RateLimits | null;
  signingName?: string;
  /** Console sessions: a request without a signature may carry a session cookie instead (functions/console). */
  sessions?: ConsoleSessions | null;
  now?: () => number;
}

/** The principal of open mode. */
export const anonymousPrincipal: Principal = { name: "anonymous", admin: true, policies: [] };

/** Reads the request as SigV4 sees it: method, raw path and query, headers. */
export function toSignableRequest(request: Request): SignableRequest {
  const url = new URL(request.url);
  return {
    method: request.method,
    path: url.pathname,
    query: url.search.startsWith("?") ? url.search.slice(1) : url.search,
    header: (name) => request.headers.get(name) ?? undefined,
  };
}

/**
 * The caller's address: the socket's on Node (@hono/node-server passes `incoming`), the peer `Deno.serve` passes
 * (`remoteAddr`), Cloudflare's header on Workers.
 */
export function sourceAddressOf(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } }; remoteAddr?: { hostname?: string } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? env?.remoteAddr?.hostname ?? c.req.header("cf-connecting-ip") ?? "unknown";
}

function jsonRefusal(c: Context, name: string, message: string): Response {
  c.header("x-amzn-ErrorType", name);
  return c.json({ __type: name, message }, 400);
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export interface ApiAuth {
  /** Whether requests must be signed (false: open mode). */
  readonly enforcing: boolean;
  /** Middleware for the route of one App Mesh operation; `paramNames` maps model member names to route params. */
  forOperation(operation: string): MiddlewareHandler;
  /**
   * Middleware for one operation of an AWS JSON stand-in (`service` is its signing name and IAM prefix:
   * servicediscovery, acm, acm-pca). Refusals use those services' names: AccessDeniedException, ThrottlingException.
   */
  forAwsOperation(service: string, operation: string): MiddlewareHandler;
  /** The same for one route of meshplane's policy API (`meshplane:PutPolicy`, …; functions/auth/operations.ts). */
  forPolicy(action: PolicyAction): MiddlewareHandler;
  /** Authenticates and authorises one action on one resource for meshplane's own routes; an error response when refused. */
  checkAction(c: Context, action: string, resource: string): Promise<Response | null>;
  /** Authenticates a request for meshplane's own admin routes; returns the principal or an error response. */
  authenticateAdmin(c: Context): Promise<Principal | Response>;
}

export function createApiAuth(options: ApiAuthOptions): ApiAuth {
  const authenticator = options.directory ? createAuthenticator({ directory: options.directory, ...(options.signingName ? { signingName: options.signingName } : {}), ...(options.now ? { now: options.now } : {}) }) : null;
  const limiter = options.rateLimits ? createRateLimiter(options.rateLimits, options.now) : null;
  const now = options.now ?? Date.now;

  /** Authenticates; an error Response when the caller is not who they claim (or claims nothing). */
  async function identify(c: Context, body: Uint8Array | undefined, signingName?: string): Promise<Authenticated | AuthError> {
    if (!authenticator) return { principal: anonymousPrincipal, credential: "" };
    // A signature (or bearer token) wins; only an unsigned request is looked at for a console session.
    const result =
      (await authenticator.authenticate({ request: toSignableRequest(c.req.raw), body: body ?? new Uint8Array(), ...(signingName ? { signingName } : {}) })) ??
      (await options.sessions?.authenticate(c.req.raw)) ??
      null;
    const service = signingName ?? options.signingName ?? "appmesh";
    return result ?? new AuthError("MissingAuthenticationTokenException", `Missing Authentication Token: sign the request with SigV4 (service ${service}) using a meshplane access key.`);
  }

  /** How a refusal of the authoriser or the rate limiter is named on the wire. */
  interface RefusalStyle {
    forbidden(c: Context, message: string): Response;
    throttled(c: Context, message: string): Response;
  }
  const appMeshStyle: RefusalStyle = {
    forbidden: (c, message) => renderError(c, new AppMeshError("ForbiddenException", message)),
    throttled: (c, message) => renderError(c, new AppMeshError("TooManyRequestsException", message)),
  };
  /** The JSON services' own names for these refusals (botocore retries ThrottlingException with back-off). */
  const jsonServiceStyle: RefusalStyle = {
    forbidden: (c, message) => jsonRefusal(c, "AccessDeniedException", message),
    throttled: (c, message) => jsonRefusal(c, "ThrottlingException", message),
  };

  /** Authenticate, rate-limit and authorise `target`, run the handler, audit a mutating call's outcome. */
  async function guard(c: Context, next: () => Promise<void>, target: OperationTarget, body: Uint8Array | undefined, style: RefusalStyle, signingName?: string) {
    const entryOf = (who: Authenticated | null, errorCode: string): AuditEntry => ({
      at: now(),
      requestId: requestIdOf(c),
      principal: who?.principal.name ?? "",
      credential: who?.credential ?? "",
      sourceAddress: sourceAddressOf(c),
      action: target.action,
      resource: target.resource,
      outcome: errorCode === "" ? "allowed" : errorCode === "ForbiddenException" || errorCode === "AccessDeniedException" ? "denied" : errorCode,
      errorCode,
    });
    /** Audits a call that made no change (a refusal, a failure, a replayed clientToken): nothing to commit it with. */
    const audit = async (who: Authenticated | null, response: Response) => {
      if (!target.mutating) return;
      await options.audit.record(entryOf(who, response.status >= 400 ? (response.headers.get("x-amzn-ErrorType") ?? String(response.status)) : ""));
    };

    const who = await identify(c, body, signingName);
    if (who instanceof AuthError) {
      const response = renderAuthError(c, who);
      await audit(null, response);
      return response;
    }
    if (limiter && !limiter.take(who.principal.name, target.mutating ? "mutating" : "read")) {
      const response = style.throttled(c, `Rate exceeded for ${who.principal.name} (${target.mutating ? "mutating" : "read"} calls); retry with back-off.`);
      await audit(who, response);
      return response;
    }
    if (authenticator) {
      // The resource itself, then each resource its spec points at, all under the operation's action.
      for (const resource of [target.resource, ...target.referenced]) {
        const checked = { ...target, resource };
        const decision = await authorize(who.principal, checked, options.tags);
        if (decision.effect === "Deny") {
          const response = style.forbidden(c, forbidden(who.principal, checked, decision).message);
          await audit(who, response);
          return response;
        }
      }
    }
    // A change commits its own entry in its batch (so an acknowledged change always has one); the handler marks it.
    const pending = target.mutating ? { entry: entryOf(who, ""), committed: false } : undefined;
    if (pending) setWriteAudit(c, pending);
    await next();
    if (!pending?.committed) await audit(who, c.res);
    return undefined;
  }

  /** The guard of an App Mesh-style REST route (the App Mesh API, meshplane's policy API): `targetOf` reads its input. */
  function restRoute(targetOf: (input: OperationInput) => OperationTarget): MiddlewareHandler {
    return async (c, next) => {
      const hasBody = c.req.method !== "GET" && c.req.method !== "DELETE" && c.req.method !== "HEAD";
      const body = hasBody ? new Uint8Array(await c.req.arrayBuffer()) : undefined;
      const input: OperationInput = { params: c.req.param() as Record<string, string>, query: c.req.query(), body: body ? jsonObjectOrEmpty(c, body) : {} };
      return guard(c, next, targetOf(input), body, appMeshStyle);
    };
  }

  return {
    enforcing: authenticator !== null,

    forOperation: (operation) => restRoute((input) => toOperationTarget(operation, input, options.scope)),
    forPolicy: (action) => restRoute((input) => toPolicyTarget(action, input, options.scope)),

    forAwsOperation(service, operation) {
      return async (c, next) => {
        const body = new Uint8Array(await c.req.arrayBuffer());
        return guard(c, next, toAwsOperationTarget(service, operation, parseJsonObject(body), options.scope), body, jsonServiceStyle, service);
      };
    },

    async checkAction(c, action, resource) {
      if (!authenticator) return null;
      const hasBody = c.req.method !== "GET" && c.req.method !== "DELETE" && c.req.method !== "HEAD";
      const who = await identify(c, hasBody ? new Uint8Array(await c.req.arrayBuffer()) : undefined);
      if (who instanceof AuthError) return renderAuthError(c, who);
      const target = { action, resource, context: new Map<string, string[]>() };
      const decision = await authorize(who.principal, target, options.tags);
      return decision.effect === "Deny" ? renderError(c, forbidden(who.principal, target, decision)) : null;
    },

    async authenticateAdmin(c) {
      const hasBody = c.req.method !== "GET" && c.req.method !== "DELETE" && c.req.method !== "HEAD";
      const who = await identify(c, hasBody ? new Uint8Array(await c.req.arrayBuffer()) : undefined);
      if (who instanceof AuthError) return renderAuthError(c, who);
      if (!who.principal.admin) return renderError(c, new AppMeshError("ForbiddenException", `User: ${who.principal.name} is not an admin principal; the admin API needs one.`));
      return who.principal;
    },
  };
}
