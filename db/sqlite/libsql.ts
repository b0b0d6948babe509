// The embedded default on Node: a libSQL (SQLite) file, created with its folder on first use, migrated on open.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import * as schema from "../schema.sqlite.js";
import { classifySqliteFailure, toStoreError } from "../store-errors.js";
import type { Store } from "../store.js";
import type { BatchingSqliteDatabase } from "./dialect.js";
import { createSqliteStore } from "./store.js";

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../migrations/sqlite");

/**
 * A libSQL client on `file` with one connection. PRAGMAs other than journal_mode belong to a connection, and the
 * client's pool opens further connections whenever calls overlap, which would run without them (the client has no
 * hook for new connections). libSQL executes each statement synchronously, so a second connection adds no
 * parallelism in one process: one connection, configured once, loses nothing.
 */
export async function openLibsqlClient(file: string): Promise<Client> {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const client = createClient({ url: `file:${path.resolve(file)}`, concurrency: 1 });
  // WAL lets readers proceed during a write; busy_timeout lets a second process wait for the lock instead of failing.
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA busy_timeout = 5000");
  await client.execute("PRAGMA synchronous = NORMAL");
  return client;
}

/** Opens (creating if needed) the SQLite file at `file` and applies pending migrations. */
export async function openLibsqlStore(file: string): Promise<Store> {
  let client: Client;
  try {
    client = await openLibsqlClient(file);
  } catch (error) {
    throw toStoreError(error, classifySqliteFailure);
  }
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
