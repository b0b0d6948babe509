// The console's sign-in API (same origin as the console; JSON only, so another site cannot post it from a form):
//   GET    /console/session   → { mode: "open" } | { mode: "signed-out" } | { mode: "signed-in", principal, admin, accessKeyId, csrfToken, expiresAt }
//   POST   /console/session   { accessKeyId, secretAccessKey } → the signed-in answer and a session cookie
//   DELETE /console/session   (CSRF header) → { mode: "signed-out" } and the cookie cleared
// Sign-in and sign-out are audited (meshplane:ConsoleSignIn, meshplane:ConsoleSignOut).
import { Hono, type Context } from "hono";
import { AppMeshError } from "../appmesh/index.js";
import { renderError } from "../api/errors.js";
import { requestIdOf } from "../api/request-id.js";
import { AuthError, renderAuthError, sourceAddressOf, type AuditLog, type ConsoleSessions, type SessionInfo } from "../auth/index.js";

export interface SessionRoutesOptions {
  /** null: open mode, nobody signs in. */
  sessions: ConsoleSessions | null;
  audit: AuditLog;
  now?: () => number;
}

/** Under TLS (directly or behind a proxy that says so) the cookie is Secure and `__Host-` prefixed. */
export function isSecureRequest(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

const signedIn = (info: SessionInfo) => ({ mode: "signed-in" as const, ...info });

export function createSessionRoutes(options: SessionRoutesOptions): Hono {
  const app = new Hono();
  const now = options.now ?? Date.now;

  async function audit(c: Context, action: string, principal: string, credential: string, errorCode = ""): Promise<void> {
    await options.audit.record({
      at: now(),
      requestId: requestIdOf(c),
      principal,
      credential,
      sourceAddress: sourceAddressOf(c),
      action,
      resource: "console/session",
      outcome: errorCode === "" ? "allowed" : errorCode,
      errorCode,
    });
  }

  app.use("/console/session", async (c, next) => {
    c.header("cache-control", "no-store");
    await next();
  });

  app.get("/console/session", async (c) => {
    if (!options.sessions) return c.json({ mode: "open" });
    const info = await options.sessions.describe(c.req.raw);
    return c.json(info ? signedIn(info) : { mode: "signed-out" });
  });

  app.post("/console/session", async (c) => {
    const sessions = options.sessions;
    if (!sessions) return renderError(c, new AppMeshError("BadRequestException", "Authentication is off (open mode on loopback): the console needs no sign-in."));
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) return renderAuthError(c, new AuthError("InvalidCsrfTokenException", `Sign-in is accepted from this origin only, not from ${origin}.`));
    if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("application/json")) {
      return renderError(c, new AppMeshError("BadRequestException", "Send the access key as application/json: { accessKeyId, secretAccessKey }."));
    }
    let body: Record<string, unknown>;
    try {
      body = (await c.req.json()) as Record<string, unknown>;
    } catch {
      return renderError(c, new AppMeshError("BadRequestException", "The request body is not valid JSON."));
    }
    const { accessKeyId, secretAccessKey } = body ?? {};
    if (typeof accessKeyId !== "string" || accessKeyId === "" || typeof secretAccessKey !== "string" || secretAccessKey === "") {
      return renderError(c, new AppMeshError("BadRequestException", "Access key ID and secret access key are required."));
    }
    const opened = await sessions.open({ accessKeyId, secretAccessKey }, isSecureRequest(c));
    if (opened instanceof AuthError) {
      const response = renderAuthError(c, opened);
      await audit(c, "meshplane:ConsoleSignIn", "", accessKeyId.slice(0, 128), opened.name);
      return response;
    }
    c.header("set-cookie", opened.setCookie);
    await audit(c, "meshplane:ConsoleSignIn", opened.info.principal, opened.info.accessKeyId);
    return c.json(signedIn(opened.info));
  });

  app.delete("/console/session", async (c) => {
    const sessions = options.sessions;
    if (!sessions) return c.json({ mode: "open" });
    const who = await sessions.authenticate(c.req.raw);
    // A live session may only be ended by its own page (CSRF header); a dead one is simply cleared.
    if (who instanceof AuthError && who.name === "InvalidCsrfTokenException") return renderAuthError(c, who);
    c.header("set-cookie", await sessions.close(c.req.raw, isSecureRequest(c)));
    if (who && !(who instanceof AuthError)) await audit(c, "meshplane:ConsoleSignOut", who.principal.name, who.credential);
    return c.json({ mode: "signed-out" });
  });

  return app;
}
