// Security settings from the environment, and the secure-by-default rule: authentication is required whenever the
// server listens beyond loopback; on loopback it may run open for local development (and says so at start).
import { defaultRateLimits, parseBucketLimit, type RateLimits } from "./rate-limit.js";

export interface AuthConfig {
  /** MESHPLANE_AUTH_FILE: principals, policies and keys (JSON, reloaded on change). Set → requests must be signed. */
  authFile?: string;
  /** MESHPLANE_AUTH_SECRET_KEY: seals stored access-key secrets (admin API) and opens `sealed:v1:` secrets in the file. */
  secretKey?: string;
  /** MESHPLANE_SIGNING_NAME (default appmesh), as APPMESH_SIGNING_NAME on the Envoy image. */
  signingName: string;
  /** MESHPLANE_RATE_LIMIT_READ / _MUTATING as "<per second>/<burst>"; MESHPLANE_RATE_LIMIT=off turns both off. */
  rateLimits: RateLimits | null;
  /** MESHPLANE_ADS_PROXY_QUOTA: Envoys one virtual node or gateway may have connected at once (default 50). */
  adsProxyQuota: number;
  /** TLS for the REST and ADS listeners (MESHPLANE_TLS_CERT, MESHPLANE_TLS_KEY: PEM files, reloaded on change). */
  tls?: { certFile: string; keyFile: string };
  /** MESHPLANE_XDS_TLS_PORT: an ADS listener with TLS (needs MESHPLANE_TLS_CERT/KEY), for remote App Mesh Envoy images. */
  xdsTlsPort?: number;
  /** MESHPLANE_XDS_SOCKET: an ADS listener on this Unix socket path (plaintext, unsigned; APPMESH_XDS_ENDPOINT=unix://…). */
  xdsSocket?: string;
  /** MESHPLANE_CONSOLE_SESSION_MINUTES: how long a console sign-in lasts (default 60). */
  consoleSessionTtlMs: number;
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare) || bare === "::ffff:127.0.0.1";
}

export function authConfigFromEnv(env: Record<string, string | undefined>): AuthConfig {
  const config: AuthConfig = {
    signingName: env.MESHPLANE_SIGNING_NAME || "appmesh",
    rateLimits:
      env.MESHPLANE_RATE_LIMIT === "off"
        ? null
        : {
            read: env.MESHPLANE_RATE_LIMIT_READ ? parseBucketLimit("MESHPLANE_RATE_LIMIT_READ", env.MESHPLANE_RATE_LIMIT_READ) : defaultRateLimits.read,
            mutating: env.MESHPLANE_RATE_LIMIT_MUTATING ? parseBucketLimit("MESHPLANE_RATE_LIMIT_MUTATING", env.MESHPLANE_RATE_LIMIT_MUTATING) : defaultRateLimits.mutating,
          },
    adsProxyQuota: 50,
    consoleSessionTtlMs: 60 * 60 * 1000,
  };
  if (env.MESHPLANE_CONSOLE_SESSION_MINUTES) {
    const minutes = Number(env.MESHPLANE_CONSOLE_SESSION_MINUTES);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60) throw new Error(`MESHPLANE_CONSOLE_SESSION_MINUTES must be a whole number of minutes from 1 to 1440, got "${env.MESHPLANE_CONSOLE_SESSION_MINUTES}"`);
    config.consoleSessionTtlMs = minutes * 60 * 1000;
  }
  if (env.MESHPLANE_ADS_PROXY_QUOTA) {
    const quota = Number(env.MESHPLANE_ADS_PROXY_QUOTA);
    if (!Number.isInteger(quota) || quota < 1) throw new Error(`MESHPLANE_ADS_PROXY_QUOTA must be a positive integer, got "${env.MESHPLANE_ADS_PROXY_QUOTA}"`);
    config.adsProxyQuota = quota;
  }
  if (env.MESHPLANE_AUTH_FILE) config.authFile = env.MESHPLANE_AUTH_FILE;
  if (env.MESHPLANE_AUTH_SECRET_KEY) config.secretKey = env.MESHPLANE_AUTH_SECRET_KEY;
  if (env.MESHPLANE_TLS_CERT || env.MESHPLANE_TLS_KEY) {
    if (!env.MESHPLANE_TLS_CERT || !env.MESHPLANE_TLS_KEY) throw new Error("MESHPLANE_TLS_CERT and MESHPLANE_TLS_KEY go together");
    config.tls = { certFile: env.MESHPLANE_TLS_CERT, keyFile: env.MESHPLANE_TLS_KEY };
  }
  if (env.MESHPLANE_XDS_TLS_PORT) {
    const port = Number(env.MESHPLANE_XDS_TLS_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`MESHPLANE_XDS_TLS_PORT must be a port number, got "${env.MESHPLANE_XDS_TLS_PORT}"`);
    if (!config.tls) throw new Error("MESHPLANE_XDS_TLS_PORT needs MESHPLANE_TLS_CERT and MESHPLANE_TLS_KEY");
    config.xdsTlsPort = port;
  }
  if (env.MESHPLANE_XDS_SOCKET) config.xdsSocket = env.MESHPLANE_XDS_SOCKET;
  return config;
}

/** Throws when the configuration would expose an unauthenticated API beyond this machine. */
export function checkSecureByDefault(host: string, auth: AuthConfig): void {
  if (!isLoopbackHost(host) && !auth.authFile) {
    throw new Error(
      `refusing to listen on ${host} without authentication: set MESHPLANE_AUTH_FILE (see README, "Authentication"), or bind loopback (HOST=127.0.0.1) for local development`,
    );
  }
}
