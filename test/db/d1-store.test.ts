// The Store contract on Cloudflare D1 (db/sqlite/d1.ts), on workerd through wrangler's local platform proxy, offline.
// Each case gets its own empty D1 database, migrated with the same files `wrangler d1 migrations apply` applies.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { getPlatformProxy } from "wrangler";
import { afterAll, beforeAll } from "vitest";
import { openD1Store } from "../../db/sqlite/d1.js";
import { describeStoreContract } from "./store.contract.js";

Object.assign(process.env, { WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", DO_NOT_TRACK: "1", CLOUDFLARE_CF_FETCH_ENABLED: "false" });

const migrations = path.resolve("db/migrations/sqlite");
const statements = readdirSync(migrations)
  .filter((file) => file.endsWith(".sql"))
  .sort()
  .flatMap((file) => readFileSync(path.join(migrations, file), "utf8").split("--> statement-breakpoint"))
  .map((statement) => statement.trim())
  .filter((statement) => statement.length > 0);

/** More databases than the contract has cases: each case opens a fresh one. */
const databases = Array.from({ length: 48 }, (_, i) => `DB${i}`);
const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-d1-store-"));
let proxy: Awaited<ReturnType<typeof getPlatformProxy<Record<string, D1Database>>>>;
let opened = 0;

beforeAll(async () => {
  const config = path.join(dir, "wrangler.json");
  writeFileSync(
    config,
    JSON.stringify({
      name: "meshplane-d1-store-test",
      compatibility_date: "2026-04-26",
      d1_databases: databases.map((binding) => ({ binding, database_name: binding, database_id: binding })),
    }),
  );
  proxy = await getPlatformProxy<Record<string, D1Database>>({ configPath: config, persist: false, remoteBindings: false });
});
afterAll(async () => {
  await proxy?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describeStoreContract("D1", async () => {
  const binding = databases[opened++];
  if (!binding) throw new Error("the contract has more cases than this file has databases");
  const d1 = proxy.env[binding]!;
  for (const statement of statements) await d1.prepare(statement).run();
  return openD1Store(d1);
});
