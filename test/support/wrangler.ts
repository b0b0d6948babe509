// meshplane's Workers under wrangler's local runtime (workerd), offline: the control-plane Worker (wrangler.toml,
// D1 migrated the way `npm run dev` migrates it) and the gateway Worker (wrangler.gateway.toml).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { unstable_startWorker } from "wrangler";

export const offlineWrangler = { WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", DO_NOT_TRACK: "1", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
Object.assign(process.env, offlineWrangler);

export type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;
type Bindings = Record<string, string>;

export interface RunningWorker {
  worker: Worker;
  /** Base URL without a trailing slash. */
  url: string;
  dispose(): Promise<void>;
}

const plain = (variables: Bindings) => Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, { type: "plain_text" as const, value }]));

async function start(config: string, variables: Bindings, persist: string | undefined, logLevel: "warn" | "none"): Promise<{ worker: Worker; url: string }> {
  const worker = await unstable_startWorker({
    config,
    bindings: plain(variables),
    dev: { ...(persist ? { persist } : {}), remote: false, watch: false, inspector: false, logLevel, server: { hostname: "127.0.0.1", port: 0 } },
  });
  return { worker, url: (await worker.url).toString().replace(/\/$/, "") };
}

/** A fresh D1 database (local, in a temporary folder) with meshplane's migrations applied. */
export function createMigratedD1(): { persist: string; remove(): void } {
  const persist = mkdtempSync(path.join(os.tmpdir(), "meshplane-d1-"));
  execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { env: { ...process.env, ...offlineWrangler, CI: "true" }, stdio: "pipe" });
  return { persist, remove: () => rmSync(persist, { recursive: true, force: true }) };
}

/** The control-plane Worker on a fresh migrated D1 (or `persist`'s), open unless `variables` configure auth. */
export async function startControlPlaneWorker(variables: Bindings = { MESHPLANE_AUTH_MODE: "open" }, options: { persist?: string; logLevel?: "warn" | "none" } = {}): Promise<RunningWorker> {
  const database = options.persist ? null : createMigratedD1();
  const { worker, url } = await start("wrangler.toml", variables, options.persist ?? database!.persist, options.logLevel ?? "warn");
  return {
    worker,
    url,
    async dispose() {
      await worker.dispose();
      database?.remove();
    },
  };
}

/** The gateway Worker for `nodeId`, fed by meshplane at `meshplaneUrl`. */
export async function startGatewayWorker(meshplaneUrl: string, nodeId: string, variables: Bindings = {}): Promise<RunningWorker> {
  const { worker, url } = await start("wrangler.gateway.toml", { MESHPLANE_URL: meshplaneUrl, MESHPLANE_NODE_ID: nodeId, ...variables }, undefined, "warn");
  return { worker, url, dispose: () => worker.dispose() };
}
