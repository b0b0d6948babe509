// meshplane on Cloudflare Workers: the same App Mesh API over D1 (binding DB). `npm run dev` runs it under
// `wrangler dev`, offline, after applying db/migrations/sqlite to the local D1.
import type { D1Database } from "@cloudflare/workers-types";
import type { Hono } from "hono";
import { openD1Store } from "../db/sqlite/d1.js";
import { createApiApp } from "./api/app.js";
import { createAppMeshService, createEndpointRegistry } from "./appmesh/index.js";
import { configFromEnv } from "./config.js";
import { createRegexChecker } from "./regex-checker.js";
import { instantiateCore, type Core } from "../core-wasm/index.js";
import coreModule from "../core-wasm/build/core.wasm";

const core: Core = instantiateCore(coreModule);

export interface WorkerEnv {
  DB: D1Database;
  [variable: string]: unknown;
}

const apps = new WeakMap<D1Database, Hono>();

/** One app per D1 binding, built on the first request of an isolate and reused after. */
function createWorkerApp(env: WorkerEnv): Hono {
  const variables = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  const config = configFromEnv(variables);
  const store = openD1Store(env.DB);
  const service = createAppMeshService(store, { region: config.region, accountId: config.accountId, quotas: config.quotas, checkRegex: createRegexChecker(core) });
  return createApiApp({ service, endpoints: createEndpointRegistry(store) });
}

export default {
  async fetch(request: Request, env: WorkerEnv): Promise<Response> {
    let app = apps.get(env.DB);
    if (!app) {
      app = createWorkerApp(env);
      apps.set(env.DB, app);
    }
    return app.fetch(request, env);
  },
};
