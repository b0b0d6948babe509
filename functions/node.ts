// meshplane on Node: `npm start`. The App Mesh REST API on PORT and the ADS server on XDS_PORT, over the
// embedded SQLite file by default or PostgreSQL when DATABASE_URL is set.
import { serve, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import https from "node:https";
import { pathToFileURL } from "node:url";
import { createLocalChangeFeed } from "../db/change-feed.js";
import { openStore } from "../db/open.js";
import { createRetention } from "../db/retention.js";
import type { Store } from "../db/store.js";
import { createApiApp } from "./api/app.js";
import { createAppMeshService, createCommitWithRetry } from "./appmesh/index.js";
import { chooseKeyVault, createAwsApp, createAwsStandIns } from "./aws/index.js";
import { checkSecureByDefault, createSecretBox } from "./auth/index.js";
import { createPolicyService } from "./policies/index.js";
import { checkEnvoyPatch } from "./xds/translate/index.js";
import { startAuth, type ControlPlaneAuth } from "./auth/node-auth.js";
import { createAdsAdmission } from "./auth/ads-admission.js";
import { readTlsMaterial, watchTlsMaterial, type TlsFiles } from "./auth/tls.js";
import { configFromEnv, type ControlPlaneConfig } from "./config.js";
import { consoleAssetFiles, createConsoleApp } from "./console/index.js";
import { loadCore } from "../core-wasm/node.js";
import { createRegexChecker } from "./regex-checker.js";
import { startXdsServer, type RunningXdsServer } from "./xds/server/node-server.js";
import { createTimeSlicing } from "./xds/index.js";

export interface RunningControlPlane {
  config: ControlPlaneConfig;
  /** The store this control plane writes to (for tests, benchmarks and the xDS side). */
  store: Store;
  /** Base URL of the REST API, e.g. http://127.0.0.1:8787 */
  url: string;
  /** The port the ADS (gRPC, h2c) server listens on (the actual one when XDS_PORT is 0). */
  xdsPort: number;
  /** The ADS TLS port (MESHPLANE_XDS_TLS_PORT; the actual one when 0), when configured. */
  xdsTlsPort?: number;
  /** Base URL of the anonymous metrics listener (METRICS_PORT), when configured. */
  metricsUrl?: string;
  /** Authentication and audit (functions/auth); `auth.ads` admits ADS streams, `auth.adsAudit` audits them. */
  auth: ControlPlaneAuth;
  /** The xDS side's cache and ADS service, for their counters (tests, benchmarks). */
  xds: Pick<RunningXdsServer, "cache" | "ads">;
  close(): Promise<void>;
}

/** The REST API's listener, as a runtime provides it: Node's http/https server here, `Deno.serve` in functions/deno.ts. */
export interface RestListener {
  port: number;
  scheme: "http" | "https";
  close(): Promise<void>;
}

export type ServeRest = (app: Hono, options: { host: string; port: number; tls: TlsFiles | undefined }) => Promise<RestListener>;

export interface StartOptions {
  /** Serves the REST API (default: `serveWithNode`). */
  serveRest?: ServeRest;
}

function listen(server: ServerType): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}

/** Node's listener (@hono/node-server); with TLS files, HTTPS whose certificate is re-read when the files change. */
export const serveWithNode: ServeRest = async (app, { host, port, tls: files }) => {
  const tls = files ? await readTlsMaterial(files) : undefined;
  const server = tls
    ? serve({ fetch: app.fetch, hostname: host, port, createServer: https.createServer, serverOptions: tls })
    : serve({ fetch: app.fetch, hostname: host, port });
  const stopTlsWatch = files ? watchTlsMaterial(files, (material) => (server as https.Server).setSecureContext(material)) : undefined;
  return {
    port: await listen(server),
    scheme: tls ? "https" : "http",
    async close() {
      stopTlsWatch?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export async function startControlPlane(config: ControlPlaneConfig, options: StartOptions = {}): Promise<RunningControlPlane> {
  checkSecureByDefault(config.host, config.auth);
  const { store, externalChanges, backend } = await openStore(config);
  const stopRetention = createRetention(store, config.retention).start();
  const localChanges = createLocalChangeFeed();
  const onCommit = (changes: Array<{ scope: string; revision: number }>) => changes.forEach((change) => localChanges.publish(change));
  const checkRegex = createRegexChecker(loadCore());
  // One write loop for App Mesh resources and policies: writers of one mesh queue on one lock.
  const commit = createCommitWithRetry(store, { onCommit });
  const service = createAppMeshService(store, { region: config.region, accountId: config.accountId, quotas: config.quotas, checkRegex, commit });
  const policies = createPolicyService(store, { region: config.region, accountId: config.accountId, quotas: config.quotas, checkRegex, checkEnvoyPatch, commit });
  const auth = await startAuth({ config: config.auth, store, scope: { region: config.region, accountId: config.accountId } });
  // One TimeSlicing for the xDS side's background work (re-translation, the push queue), which API requests go before.
  const timeSlicing = createTimeSlicing();
  const app = createApiApp({
    service,
    policies,
    auth: { forOperation: auth.api.forOperation, forPolicy: auth.api.forPolicy, routes: auth.routes },
    onRequest: () => timeSlicing.foreground(),
  });
  // Cloud Map, ACM and ACM Private CA on the same port (POST / with X-Amz-Target), and /v1/endpoints.
  // Private keys (ACM, Private CA) are sealed with MESHPLANE_AUTH_SECRET_KEY; kept unsealed only when running open.
  const box = config.auth.secretKey ? await createSecretBox(config.auth.secretKey) : undefined;
  const keyVault = chooseKeyVault({ ...(box ? { box } : {}), open: !auth.api.enforcing });
  const standIns = createAwsStandIns({ store, region: config.region, accountId: config.accountId, onCommit, keyVault });
  app.route("/", createAwsApp(standIns, { authorize: (aws, operation) => auth.api.forAwsOperation(aws.name, operation) }));
  const xds = await startXdsServer({
    host: config.host,
    port: config.xdsPort,
    store,
    feeds: [localChanges, externalChanges],
    // Snapshots carry the ACM certificates and Private CAs their TLS names, served to proxies as Secrets; the
    // options reach the incremental reads too (a mesh with ACM material is read whole: snapshot-updates.ts).
    snapshotOptions: { tlsMaterial: standIns.tlsMaterial },
    // The admission admits each stream (and audits refusals); the observer audits the admitted streams' connects
    // and disconnects. The relays of startAdsListeners below forward to this server, so they go through both.
    admission: createAdsAdmission(auth.ads),
    observers: [auth.adsAudit],
    timeSlicing,
  });
  app.route("/", xds.httpApp);
  app.route("/", createConsoleApp({ files: consoleAssetFiles, sessions: auth.sessions, audit: auth.audit }));
  // Behind the API's authentication when it is on (appmesh:ListMetrics); METRICS_PORT serves scrapers without it.
  app.route("/", xds.metricsApp);
  const serveRest = options.serveRest ?? serveWithNode;
  const metricsListener = config.metrics ? await serveRest(xds.metricsApp, { host: config.metrics.host, port: config.metrics.port, tls: undefined }) : undefined;
  // Extra ADS listeners (MESHPLANE_XDS_TLS_PORT with TLS, MESHPLANE_XDS_SOCKET on a Unix socket), relayed to the ADS.
  const adsListeners = await auth.startAdsListeners({ host: config.host, port: xds.port });

  // TLS (MESHPLANE_TLS_CERT/KEY): HTTPS on PORT.
  const rest = await serveRest(app, { host: config.host, port: config.port, tls: config.auth.tls });
  const port = rest.port;
  // ACM's managed renewal of private certificates, checked hourly (and once at start).
  const renewal = startRenewal(standIns.renewDue);
  const url = `${rest.scheme}://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  console.log(`meshplane: App Mesh API on ${url} (${backend === "sqlite" ? `SQLite ${config.sqliteFile}` : "PostgreSQL"})`);
  console.log(`meshplane: ADS (gRPC, h2c) on ${config.host}:${xds.port}`);
  console.log(`meshplane: console on ${url}/console/`);
  if (adsListeners.tlsPort !== undefined) console.log(`meshplane: ADS (gRPC, TLS) on ${config.host}:${adsListeners.tlsPort}`);
  if (adsListeners.socketPath !== undefined) console.log(`meshplane: ADS (gRPC, Unix socket) on ${adsListeners.socketPath}`);
  const metricsUrl = config.metrics && metricsListener ? `http://${config.metrics.host.includes(":") ? `[${config.metrics.host}]` : config.metrics.host}:${metricsListener.port}` : undefined;
  if (metricsUrl) console.log(`meshplane: metrics (no authentication) on ${metricsUrl}/metrics`);
  if (!box) console.warn("meshplane: MESHPLANE_AUTH_SECRET_KEY is not set: " + (auth.api.enforcing ? "ACM and Private CA refuse to store private keys." : "ACM and Private CA keys are stored unsealed (open local mode only)."));
  if (!auth.api.enforcing) {
    console.warn(
      `meshplane: WARNING: authentication is OFF. Anyone who can reach ${config.host} may change every mesh. This is allowed on loopback for local development only; set MESHPLANE_AUTH_FILE to require signed requests.`,
    );
  }

  return {
    config: { ...config, port, xdsPort: xds.port },
    xdsPort: xds.port,
    ...(adsListeners.tlsPort !== undefined ? { xdsTlsPort: adsListeners.tlsPort } : {}),
    ...(metricsUrl ? { metricsUrl } : {}),
    store,
    url,
    auth,
    xds: { cache: xds.cache, ads: xds.ads },
    async close() {
      auth.close();
      await renewal.stop();
      await adsListeners.close();
      await xds.close();
      await rest.close();
      await metricsListener?.close();
      await stopRetention();
      await externalChanges.close();
      await localChanges.close();
      await store.close();
    },
  };
}

const RENEWAL_CHECK_MS = 3600_000;

/** Runs `renewDue` at start and hourly; `stop` waits for a run in flight so the store is not closed under it. */
function startRenewal(renewDue: () => Promise<number>): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = renewDue().then(
      (renewed) => renewed > 0 && console.log(`meshplane: ACM renewed ${renewed} private certificate(s)`),
      (error: unknown) => console.error("meshplane: ACM renewal failed:", error instanceof Error ? error.message : error),
    );
  };
  run();
  const timer = setInterval(run, RENEWAL_CHECK_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** The process entry: start from the environment, shut down on SIGINT/SIGTERM (also Deno's, functions/deno.ts). */
export async function main(options: StartOptions = {}): Promise<void> {
  const running = await startControlPlane(configFromEnv(process.env), options);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`meshplane: ${signal}, shutting down`);
    running.close().then(
      () => process.exit(0),
      (error) => {
        console.error("meshplane: shutdown failed", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error("meshplane: failed to start:", error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
