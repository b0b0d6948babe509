// The embedded default on Node: a libSQL (SQLite) file, created with its folder on first use, migrated on open.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import * as schema from "../schema.sqlite.js";
import type { Store } from "../store.js";
import type { BatchingSqliteDatabase } from "./dialect.js";
import { createSqliteStore } from "./store.js";

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../migrations/sqlite");

/** Opens (creating if needed) the SQLite file at `file` and applies pending migrations. */
export async function openLibsqlStore(file: string): Promise<Store> {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const client = createClient({ url: `file:${path.resolve(file)}` });
  // WAL lets readers proceed during a write; busy_timeout lets a second process wait for the lock instead of failing.
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA busy_timeout = 5000");
  await client.execute("PRAGMA synchronous = NORMAL");
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  const store = createSqliteStore(db as unknown as BatchingSqliteDatabase);
  return {
    ...store,
    async close() {
      client.close();
    },
  };
}
