// Security on Node: loads MESHPLANE_AUTH_FILE (and reloads it when it changes), the admin-issued keys from the
// store, and builds the REST middleware, the admin routes and the ADS authorizer from one configuration.
import { readFile } from "node:fs/promises";
import { unwatchFile, watchFile } from "node:fs";
import type { Hono } from "hono";
import type { Store } from "../../db/store.js";
import type { XdsObserver } from "../xds/index.js";
import { createAdsAuditObserver } from "./ads-audit-observer.js";
import { createAdminRoutes } from "./admin-routes.js";
import { createAdsAuthorizer, type AdsAuthorizer } from "./ads-authorizer.js";
import { startAdsRelay, type RunningAdsRelay } from "./ads-relay.js";
import { toHex } from "./sigv4.js";
import { createAuditLog, type AuditLog } from "./audit.js";
import type { AuthConfig } from "./config.js";
import { createManagedKeys, type ManagedKeys } from "./managed-keys.js";
import { createApiAuth, type ApiAuth } from "./middleware.js";
import { createConsoleSessions, type ConsoleSessions } from "./console-sessions.js";
import type { ArnScope } from "./operations.js";
import { MutablePrincipalDirectory, parseAuthFile } from "./principals.js";
import { importSecretKey, type SecretKey } from "./secret-box.js";

export interface ControlPlaneAuth {
  api: ApiAuth;
  /** /v1/audit, /v1/auth/* and the endpoint-registry guard, for the REST app to mount (ApiOptions.auth.routes). */
  routes: Hono;
  /** Admits ADS streams; the ADS service's admission asks it (`createAdsAdmission(ads)`). */
  ads: AdsAuthorizer;
  /** The audit trail of the streams `ads` admitted (connect, disconnect), for the ADS server's `observers`. */
  adsAudit: XdsObserver;
  audit: AuditLog;
  directory: MutablePrincipalDirectory | null;
  /** Console sign-in sessions; null in open mode (nobody signs in). */
  sessions: ConsoleSessions | null;
  keys?: ManagedKeys;
  /** Starts the extra ADS listeners the configuration asks for (TLS port, Unix socket), relaying to the h2c ADS. */
  startAdsListeners(xds: { host: string; port: number }): Promise<{ tlsPort?: number; socketPath?: string; close(): Promise<void> }>;
  /** Re-reads the auth file now (tests; the watcher does it on change). */
  reload(): Promise<void>;
  close(): void;
}

export interface StartAuthOptions {
  config: AuthConfig;
  store: Store;
  scope: ArnScope;
  /** How often the auth file's mtime is checked (default 1 s). */
  watchIntervalMs?: number;
  /** How often admin-issued keys are re-read from the store, for other replicas' changes (default 30 s). */
  keyRefreshMs?: number;
}

export async function startAuth(options: StartAuthOptions): Promise<ControlPlaneAuth> {
  const { config, store } = options;
  const secretKey: SecretKey | undefined = config.secretKey ? await importSecretKey(config.secretKey) : undefined;
  const directory = config.authFile ? new MutablePrincipalDirectory() : null;
  const audit = createAuditLog(store);

  async function reload(): Promise<void> {
    if (!directory || !config.authFile) return;
    directory.replaceFileContent(await parseAuthFile(await readFile(config.authFile, "utf8"), secretKey));
  }
  await reload();
  const keys = directory && secretKey ? createManagedKeys({ store, directory, secretKey }) : undefined;
  await keys?.reload();
  // Keys issued or revoked through another replica reach this one within this interval.
  const keyRefresh = keys
    ? setInterval(() => keys.reload().catch((error) => console.error("meshplane auth: reloading issued keys failed:", error instanceof Error ? error.message : error)), options.keyRefreshMs ?? 30_000)
    : undefined;
  keyRefresh?.unref();

  const file = config.authFile;
  const onChange = (current: { mtimeMs: number; size: number }, previous: { mtimeMs: number; size: number }) => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size) return;
    reload().then(
      () => console.log(`meshplane auth: reloaded ${file}`),
      (error) => console.error(`meshplane auth: kept the previous principals; ${file} is invalid: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  if (file) watchFile(file, { interval: options.watchIntervalMs ?? 1000, persistent: false }, onChange);

  const sessions = directory ? createConsoleSessions({ directory, ...(config.secretKey ? { secret: config.secretKey } : {}), ttlMs: config.consoleSessionTtlMs }) : null;
  const api = createApiAuth({ directory, audit, tags: store, scope: options.scope, rateLimits: directory ? config.rateLimits : null, signingName: config.signingName, sessions });
  const localToken = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const ads = createAdsAuthorizer({ directory, scope: options.scope, proxyQuota: config.adsProxyQuota, audit, tags: store, signingName: config.signingName, localToken });
  const routes = createAdminRoutes({ auth: api, audit, scope: options.scope, ...(keys ? { keys } : {}) });
  return {
    api,
    routes,
    ads,
    adsAudit: createAdsAuditObserver({ audit, scope: options.scope }),
    audit,
    directory,
    sessions,
    ...(keys ? { keys } : {}),
    reload,
    async startAdsListeners(xds) {
      const upstream = `http://${xds.host.includes(":") ? `[${xds.host}]` : xds.host}:${xds.port}`;
      const relays: RunningAdsRelay[] = [];
      const started: { tlsPort?: number; socketPath?: string } = {};
      try {
        if (config.xdsTlsPort !== undefined && config.tls) {
          const relay = await startAdsRelay({ listen: { host: xds.host, port: config.xdsTlsPort, tls: config.tls }, upstream, localToken });
          relays.push(relay);
          started.tlsPort = relay.port;
        }
        if (config.xdsSocket) {
          relays.push(await startAdsRelay({ listen: { socketPath: config.xdsSocket }, upstream, localToken }));
          started.socketPath = config.xdsSocket;
        }
      } catch (error) {
        await Promise.all(relays.map((relay) => relay.close()));
        throw error;
      }
      return { ...started, close: async () => void (await Promise.all(relays.map((relay) => relay.close()))) };
    },
    close() {
      if (file) unwatchFile(file, onChange);
      if (keyRefresh) clearInterval(keyRefresh);
    },
  };
}
