// Console sessions: a person signs in once with an access key, and the browser then carries a short-lived,
// HttpOnly, SameSite=Strict cookie instead of signing each call. A session stands for its access key: the API
// authorises and audits a call under the key's principal exactly as a signed call, and the session dies with the
// key (revoked, or its secret rotated). Changes must also carry the session's CSRF token in a header.
//
// The cookie is `<session id>.<expiry>.<access key id>.<mac>`, the MAC an HMAC-SHA256 over those fields and a digest
// of the key's current secret, under a key derived from MESHPLANE_AUTH_SECRET_KEY (so replicas and Worker isolates
// sharing it accept each other's sessions) or, without one, a random key of this process. Sign-out revokes the
// session id in this process until it expires; other replicas stop accepting it at expiry.
import { AuthError } from "./auth-error.js";
import type { Authenticated } from "./authenticator.js";
import type { PrincipalDirectory } from "./principals.js";
import { sha256Hex, timingSafeEqual } from "./sigv4.js";

/** The cookie's name over plain HTTP; under TLS the `__Host-` prefix binds it to this origin, Secure and Path=/. */
export const SESSION_COOKIE = "meshplane-session";
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
/** The header every change made with a session must carry: the session's CSRF token. */
export const CSRF_HEADER = "x-meshplane-csrf";
export const DEFAULT_SESSION_TTL_MS = 60 * 60 * 1000;

export interface ConsoleSessionsOptions {
  directory: PrincipalDirectory;
  /** MESHPLANE_AUTH_SECRET_KEY; without it sessions are valid in this process only. */
  secret?: string;
  /** Lifetime of a session from sign-in (default one hour). */
  ttlMs?: number;
  now?: () => number;
}

/** What the console learns about its session; never the cookie itself. */
export interface SessionInfo {
  principal: string;
  /** Whether the principal may use the admin API (audit log, keys): the page offers those views only then. */
  admin: boolean;
  accessKeyId: string;
  csrfToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface ConsoleSessions {
  /** Checks an access key and its secret and opens a session: its info and the Set-Cookie header value. */
  open(credentials: { accessKeyId: string; secretAccessKey: string }, secure: boolean): Promise<{ info: SessionInfo; setCookie: string } | AuthError>;
  /**
   * The principal of the request's session; null when it carries no session cookie. Requests other than GET and
   * HEAD also need the CSRF header and, when the browser sends one, a same-origin Origin.
   */
  authenticate(request: Request): Promise<Authenticated | AuthError | null>;
  /** The request's live session, or null (no cookie, expired, revoked, or its key is gone). */
  describe(request: Request): Promise<SessionInfo | null>;
  /** Ends the request's session (if any) and returns the Set-Cookie header value that clears the cookie. */
  close(request: Request, secure: boolean): Promise<string>;
}

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string | null {
  try {
    return atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
}

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

async function deriveKey(secret: string | undefined): Promise<HmacKey> {
  const material = secret === undefined ? crypto.getRandomValues(new Uint8Array(32)) : new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(`meshplane console sessions\u0000${secret}`)));
  return crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** Cookie values of `name` in a Cookie header. */
function readCookie(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

const SAFE_METHODS = new Set(["GET", "HEAD"]);

interface ParsedToken {
  sessionId: string;
  expiresAt: number;
  accessKeyId: string;
  mac: string;
}

function parseToken(token: string): ParsedToken | null {
  const parts = token.split(".");
  if (parts.length !== 4 || !/^[A-Za-z0-9_-]{22}$/.test(parts[0]!) || !/^\d{1,15}$/.test(parts[1]!)) return null;
  const accessKeyId = fromBase64Url(parts[2]!);
  if (accessKeyId === null || accessKeyId === "") return null;
  return { sessionId: parts[0]!, expiresAt: Number(parts[1]), accessKeyId, mac: parts[3]! };
}

export function createConsoleSessions(options: ConsoleSessionsOptions): ConsoleSessions {
  const ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
  const now = options.now ?? Date.now;
  const key = deriveKey(options.secret);
  const revoked = new Map<string, number>();

  const sign = async (text: string) => toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(text))));
  const macOf = async (sessionId: string, expiresAt: number, accessKeyId: string, secret: string) =>
    sign(`session\u0000${sessionId}\u0000${expiresAt}\u0000${accessKeyId}\u0000${await sha256Hex(secret)}`);
  const csrfOf = (sessionId: string) => sign(`csrf\u0000${sessionId}`);

  const cookieHeader = (secure: boolean, value: string, maxAgeSeconds: number) =>
    `${secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`;

  function tokenOf(request: Request): string | undefined {
    const cookies = request.headers.get("cookie");
    return readCookie(cookies, SECURE_SESSION_COOKIE) ?? readCookie(cookies, SESSION_COOKIE);
  }

  /** The session a token stands for, or why it does not stand for one. */
  async function verify(token: string): Promise<{ info: SessionInfo; authenticated: Authenticated } | AuthError> {
    const invalid = new AuthError("UnrecognizedClientException", "The console session is not valid; sign in again.");
    const parsed = parseToken(token);
    if (!parsed) return invalid;
    const accessKey = options.directory.findAccessKey(parsed.accessKeyId);
    if (!accessKey) return invalid;
    const expected = await macOf(parsed.sessionId, parsed.expiresAt, parsed.accessKeyId, accessKey.secretAccessKey);
    if (!timingSafeEqual(expected, parsed.mac)) return invalid;
    if (parsed.expiresAt <= now()) return new AuthError("ExpiredTokenException", "The console session has expired; sign in again.");
    if (revoked.has(parsed.sessionId)) return new AuthError("ExpiredTokenException", "The console session was signed out; sign in again.");
    return {
      info: { principal: accessKey.principal.name, admin: accessKey.principal.admin, accessKeyId: accessKey.accessKeyId, csrfToken: await csrfOf(parsed.sessionId), expiresAt: parsed.expiresAt },
      authenticated: { principal: accessKey.principal, credential: accessKey.accessKeyId },
    };
  }

  function forgetExpired(): void {
    const at = now();
    for (const [sessionId, expiresAt] of revoked) if (expiresAt <= at) revoked.delete(sessionId);
  }

  return {
    async open(credentials, secure) {
      const accessKey = options.directory.findAccessKey(credentials.accessKeyId);
      // Compare even for an unknown key, so that timing does not tell which key ids exist.
      const matches = timingSafeEqual(accessKey?.secretAccessKey ?? "\u0000unknown", credentials.secretAccessKey);
      if (!accessKey || !matches || accessKey.sessionToken !== undefined) {
        return new AuthError("UnrecognizedClientException", "The access key id or secret access key is not valid.");
      }
      const sessionId = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
      const expiresAt = now() + ttlMs;
      const token = `${sessionId}.${expiresAt}.${toBase64Url(encoder.encode(accessKey.accessKeyId))}.${await macOf(sessionId, expiresAt, accessKey.accessKeyId, accessKey.secretAccessKey)}`;
      return {
        info: { principal: accessKey.principal.name, admin: accessKey.principal.admin, accessKeyId: accessKey.accessKeyId, csrfToken: await csrfOf(sessionId), expiresAt },
        setCookie: cookieHeader(secure, token, Math.floor(ttlMs / 1000)),
      };
    },

    async authenticate(request) {
      const token = tokenOf(request);
      if (token === undefined) return null;
      const verified = await verify(token);
      if (verified instanceof AuthError) return verified;
      if (!SAFE_METHODS.has(request.method)) {
        const origin = request.headers.get("origin");
        if (origin !== null && origin !== new URL(request.url).origin) {
          return new AuthError("InvalidCsrfTokenException", `A console session may not be used from ${origin}; changes are accepted from this origin only.`);
        }
        if (!timingSafeEqual(request.headers.get(CSRF_HEADER) ?? "", verified.info.csrfToken)) {
          return new AuthError("InvalidCsrfTokenException", `Changes made with a console session must carry its CSRF token in the ${CSRF_HEADER} header.`);
        }
      }
      return verified.authenticated;
    },

    async describe(request) {
      const token = tokenOf(request);
      if (token === undefined) return null;
      const verified = await verify(token);
      return verified instanceof AuthError ? null : verified.info;
    },

    async close(request, secure) {
      forgetExpired();
      const token = tokenOf(request);
      // Only a session this server issued is remembered as revoked: made-up ids must not fill the map.
      if (token !== undefined && !((await verify(token)) instanceof AuthError)) {
        const parsed = parseToken(token)!;
        revoked.set(parsed.sessionId, parsed.expiresAt);
      }
      return cookieHeader(secure, "", 0);
    },
  };
}
