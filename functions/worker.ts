// meshplane on Cloudflare Workers: the same App Mesh API and console over D1 (binding DB), REST xDS for Envoys and
// gateway Workers, and a Durable Object per mesh (binding MESH_HUB, class MeshHub) that holds gateway subscriptions
// and signals them when a write commits. `npm run dev` runs it under `wrangler dev`, offline, after building the
// console and applying db/migrations/sqlite to the local D1. Deploying it: docs/serverless.md.
//
// A deployed Worker is reachable by anyone, so it is secure by default: requests must be SigV4-signed by a
// principal of MESHPLANE_AUTH (the JSON of an auth file, set with `wrangler secret put MESHPLANE_AUTH`);
// only MESHPLANE_AUTH_MODE=open (what `npm run dev` passes) runs it open.
import { AsyncLocalStorage } from "node:async_hooks";
import type { D1Database, DurableObjectNamespace } from "@cloudflare/workers-types";
import type { Hono } from "hono";
import type { ScopeChange } from "../db/change-feed.js";
import { createRetention, type Retention } from "../db/retention.js";
import { openD1Store } from "../db/sqlite/d1.js";
import type { Store } from "../db/store.js";
import { createApiApp } from "./api/app.js";
import { createAppMeshService, createCommitWithRetry, loadMeshSnapshot } from "./appmesh/index.js";
import { chooseKeyVault, createAwsApp, createAwsStandIns, type AwsStandIns } from "./aws/index.js";
import { createPolicyService } from "./policies/index.js";
import { createAdminRoutes } from "./auth/admin-routes.js";
import { createAuditLog, type AuditLog } from "./auth/audit.js";
import { createApiAuth } from "./auth/middleware.js";
import { createConsoleSessions, type ConsoleSessions } from "./auth/console-sessions.js";
import { MutablePrincipalDirectory, parseAuthFile } from "./auth/principals.js";
import { createSecretBox, importSecretKey } from "./auth/secret-box.js";
import { configFromEnv } from "./config.js";
import { consoleAssetFiles, createConsoleApp } from "./console/index.js";
import { createRegexChecker } from "./regex-checker.js";
import { appMeshTranslation } from "./xds/cache/translation.js";
import { checkEnvoyPatch } from "./xds/translate/index.js";
import { createMeshHubs, type MeshHubs } from "./xds/worker/mesh-hubs.js";
import { createWorkerXdsApp } from "./xds/worker/worker-xds-app.js";
import { instantiateCore, type Core } from "../core-wasm/index.js";
import coreModule from "../core-wasm/build/core.wasm";

export { MeshHub } from "./xds/worker/mesh-hub.js";

const core: Core = instantiateCore(coreModule);

export interface WorkerEnv {
  DB: D1Database;
  /** The mesh hubs' Durable Object namespace (class MeshHub). */
  MESH_HUB?: DurableObjectNamespace;
  [variable: string]: unknown;
}

interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

/** The request being served: commits hand it the hub signals they start, so they finish after the response. */
const requestContext = new AsyncLocalStorage<ExecutionContextLike>();

interface WorkerApp {
  app: Hono;
  /** Workers have no timers between requests: the logs are pruned after a request, at most once a minute per isolate. */
  retention: Retention;
}

const apps = new WeakMap<D1Database, Promise<WorkerApp>>();

async function listMeshes(store: Store): Promise<string[]> {
  const names: string[] = [];
  for (let afterSeq = 0; ; ) {
    const page = await store.listResources({ kind: "mesh", afterSeq, limit: 100 });
    names.push(...page.map((row) => row.name));
    if (page.length < 100) return names;
    afterSeq = page.at(-1)!.seq;
  }
}

/** Everything the Worker serves besides the App Mesh API and the auth routes, mounted in one place. */
function mountRouteGroups(app: Hono, parts: { store: Store; hubs: MeshHubs | null; sessions: ConsoleSessions | null; audit: AuditLog; standIns: AwsStandIns }): void {
  const xds = createWorkerXdsApp({
    store: parts.store,
    translation: appMeshTranslation(),
    hubs: parts.hubs,
    core,
    listMeshes: () => listMeshes(parts.store),
    // Snapshots carry the ACM certificates and Private CAs their TLS names, served as Secrets.
    loadSnapshot: (meshName) => loadMeshSnapshot(parts.store, meshName, { tlsMaterial: parts.standIns.tlsMaterial }),
  });
  app.route("/", xds.app);
  app.route("/", createConsoleApp({ files: consoleAssetFiles, sessions: parts.sessions, audit: parts.audit, encoding: "identity" }));
}

/** One app per D1 binding, built on the first request of an isolate and reused after. */
async function createWorkerApp(env: WorkerEnv): Promise<WorkerApp> {
  const variables = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  const config = configFromEnv(variables);
  const store = openD1Store(env.DB);
  const scope = { region: config.region, accountId: config.accountId };
  const hubs = env.MESH_HUB ? createMeshHubs({ namespace: env.MESH_HUB, listMeshes: () => listMeshes(store) }) : null;
  const onCommit = (changes: ScopeChange[]) => {
    if (!hubs) return;
    const signalled = hubs.notify(changes);
    requestContext.getStore()?.waitUntil(signalled);
  };
  const checkRegex = createRegexChecker(core);
  // One write loop for App Mesh resources and policies: a policy change wakes the mesh hubs like any other.
  const commit = createCommitWithRetry(store, { onCommit });
  const service = createAppMeshService(store, { ...scope, quotas: config.quotas, checkRegex, commit });
  const policies = createPolicyService(store, { ...scope, quotas: config.quotas, checkRegex, checkEnvoyPatch, commit });

  const open = variables.MESHPLANE_AUTH_MODE === "open";
  if (!open && !variables.MESHPLANE_AUTH) {
    throw new Error("MESHPLANE_AUTH (the auth file's JSON, as a Worker secret) is required unless MESHPLANE_AUTH_MODE=open");
  }
  let directory: MutablePrincipalDirectory | null = null;
  if (!open) {
    directory = new MutablePrincipalDirectory();
    const secretKey = config.auth.secretKey ? await importSecretKey(config.auth.secretKey) : undefined;
    directory.replaceFileContent(await parseAuthFile(variables.MESHPLANE_AUTH!, secretKey));
  }
  const audit = createAuditLog(store);
  // Sessions verify in every isolate that shares MESHPLANE_AUTH_SECRET_KEY; without it, only in the isolate that signed in.
  const sessions = directory ? createConsoleSessions({ directory, ...(config.auth.secretKey ? { secret: config.auth.secretKey } : {}), ttlMs: config.auth.consoleSessionTtlMs }) : null;
  const api = createApiAuth({ directory, audit, tags: store, scope, rateLimits: directory ? config.auth.rateLimits : null, signingName: config.auth.signingName, sessions });
  const routes = createAdminRoutes({ auth: api, audit, scope });
  const app = createApiApp({ service, policies, auth: { forOperation: api.forOperation, forPolicy: api.forPolicy, routes } });
  // Cloud Map, ACM and ACM Private CA (POST / with X-Amz-Target), and /v1/endpoints; their commits reach the mesh hubs.
  // Private keys (ACM, Private CA) are sealed with MESHPLANE_AUTH_SECRET_KEY; kept unsealed only in open mode.
  const box = config.auth.secretKey ? await createSecretBox(config.auth.secretKey) : undefined;
  const standIns = createAwsStandIns({ store, ...scope, onCommit, keyVault: chooseKeyVault({ ...(box ? { box } : {}), open }) });
  app.route("/", createAwsApp(standIns, { authorize: (aws, operation) => api.forAwsOperation(aws.name, operation) }));
  mountRouteGroups(app, { store, hubs, sessions, audit, standIns });
  return { app, retention: createRetention(store, config.retention) };
}

export default {
  async fetch(request: Request, env: WorkerEnv, context: ExecutionContextLike): Promise<Response> {
    let app = apps.get(env.DB);
    if (!app) {
      app = createWorkerApp(env);
      apps.set(env.DB, app);
      app.catch(() => apps.delete(env.DB));
    }
    let worker: WorkerApp;
    try {
      worker = await app;
    } catch (error) {
      console.error("meshplane: the Worker is misconfigured:", error instanceof Error ? error.message : error);
      return new Response(JSON.stringify({ __type: "ServiceUnavailableException", message: "meshplane is not configured; see the Worker's logs." }), {
        status: 503,
        headers: { "content-type": "application/json", "x-amzn-ErrorType": "ServiceUnavailableException" },
      });
    }
    const response = await requestContext.run(context, () => worker.app.fetch(request, env, context as never));
    const pruning = worker.retention.runIfDue();
    if (pruning) context.waitUntil(pruning.catch((error: unknown) => console.error("meshplane: pruning the change and audit logs failed:", error instanceof Error ? error.message : error)));
    return response;
  },
};
