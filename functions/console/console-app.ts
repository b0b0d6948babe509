// The console's server side: its built files under /console/, the page itself for every other /console/… path
// (the UI routes in the browser), a redirect from / for browsers, and the sign-in API. The UI reaches everything
// else over the public HTTP API, like any other client.
import { Hono, type Context } from "hono";
import type { AuditLog, ConsoleSessions } from "../auth/index.js";
import { assetResponse, consoleSecurityHeaders, loadConsoleAssets, type AssetEncoding, type ConsoleAssetFile } from "./assets.js";
import { createSessionRoutes } from "./session-routes.js";

export interface ConsoleAppOptions {
  /** The built files (functions/console/dist/assets.js). */
  files: readonly ConsoleAssetFile[];
  /** null in open mode. */
  sessions: ConsoleSessions | null;
  audit: AuditLog;
  /** `gzip` on Node (the default); `identity` on Workers, whose platform compresses. */
  encoding?: AssetEncoding;
  now?: () => number;
}

export const CONSOLE_PATH = "/console/";
const INDEX = "/console/index.html";
const ASSETS_PREFIX = "/console/assets/";

/** A browser navigating to `/` wants the console; API clients (which do not ask for HTML) keep their answer. */
function wantsHtml(c: Context): boolean {
  return (c.req.header("accept") ?? "").toLowerCase().split(",").some((type) => type.trim().startsWith("text/html"));
}

export function createConsoleApp(options: ConsoleAppOptions): Hono {
  const app = new Hono();
  const assets = loadConsoleAssets(options.files);
  const encoding = options.encoding ?? "gzip";
  const index = assets.get(INDEX);
  if (!index) throw new Error(`the console build has no ${INDEX}: run npm run build`);

  app.on(["GET", "HEAD"], "/", async (c, next) => {
    if (!wantsHtml(c)) return next();
    return c.redirect(CONSOLE_PATH, 302);
  });
  app.on(["GET", "HEAD"], "/console", (c) => c.redirect(CONSOLE_PATH, 301));
  // Browsers ask every origin for /favicon.ico, also when they open an API URL directly.
  const icon = [...assets.values()].find((asset) => /^\/console\/assets\/icon-[^/]+\.svg$/.test(asset.file.path));
  if (icon) app.on(["GET", "HEAD"], "/favicon.ico", (c) => assetResponse(icon, c.req.raw, encoding));
  app.route("/", createSessionRoutes(options));

  app.on(["GET", "HEAD"], "/console/*", async (c) => {
    const path = c.req.path;
    const asset = assets.get(path);
    if (asset) return assetResponse(asset, c.req.raw, encoding);
    if (path.startsWith(ASSETS_PREFIX)) {
      return new Response("Not found", { status: 404, headers: { ...consoleSecurityHeaders, "content-type": "text/plain; charset=utf-8" } });
    }
    // A page of the console (e.g. /console/meshes/apps/topology): the UI's router draws it.
    return assetResponse(index, c.req.raw, encoding);
  });
  return app;
}
