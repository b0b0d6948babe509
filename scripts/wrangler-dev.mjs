// `npm run dev`: builds what the Worker bundles when it is missing or stale (core-wasm, the console), applies the
// SQLite migrations to the local D1 database, then runs `wrangler dev` offline.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const offline = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  DO_NOT_TRACK: "1",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};
const wrangler = (args) => spawnSync("npx", ["wrangler", ...args], { stdio: "inherit", env: offline });

const node = (script, ...args) => spawnSync(process.execPath, [script, ...args], { stdio: "inherit" });
if (!existsSync("core-wasm/build/core.wasm") && node("core-wasm/build.mjs").status !== 0) process.exit(1);
if (node("functions/console/build.mjs", "--if-stale").status !== 0) process.exit(1);

const migrated = wrangler(["d1", "migrations", "apply", "DB", "--local"]);
if (migrated.status !== 0) process.exit(migrated.status ?? 1);
const dev = wrangler(["dev", "--local", "--var", "MESHPLANE_AUTH_MODE:open", ...process.argv.slice(2)]);
process.exit(dev.status ?? 0);
