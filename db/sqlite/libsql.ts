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

/** The calls of a Client that reach the connection (the rest are properties or `close`). */
const CONNECTION_CALLS = new Set(["execute", "batch", "migrate", "transaction", "executeMultiple", "sync"]);

/**
 * `first`, replaced by a fresh connection from `open` after a call fails because the file was unavailable (locked by
 * another process past busy_timeout, full, unreadable). libSQL leaves the statement that failed with SQLITE_BUSY
 * un-reset, so the connection's next COMMIT fails too ("cannot commit transaction - SQL statements in progress"):
 * without the new connection the first write after the lock is gone would be refused as well. Closing finalizes
 * the statement; the calls under way on the old connection have already ended (one connection, calls in turn).
 */
function reopeningClient(first: Client, open: () => Promise<Client>): Client {
  let current: Promise<Client> = Promise.resolve(first);
  let closed = false;
  /** Calls under way per connection; a replaced connection is closed once its last call has ended. */
  const calls = new Map<Client, number>();
  const replaced = new Set<Client>();
  const closeIfIdle = (client: Client) => {
    if (!replaced.has(client) || (calls.get(client) ?? 0) > 0) return;
    replaced.delete(client);
    calls.delete(client);
    client.close();
  };
  async function call(name: string, args: unknown[]): Promise<unknown> {
    const used = current;
    const client = await used;
    calls.set(client, (calls.get(client) ?? 0) + 1);
    try {
      return await (client[name as keyof Client] as (...a: unknown[]) => Promise<unknown>).apply(client, args);
    } catch (error) {
      if (!closed && current === used && classifySqliteFailure(error) === "unavailable") {
        current = open().then(
          (fresh) => {
            replaced.add(client);
            closeIfIdle(client);
            return fresh;
          },
          () => client, // the file cannot even be opened now: keep this connection; the next failure tries again
        );
      }
      throw error;
    } finally {
      calls.set(client, calls.get(client)! - 1);
      closeIfIdle(client);
    }
  }
  return new Proxy(first, {
    get(target, property) {
      if (property === "close") {
        return () => {
          closed = true;
          void current.then((client) => client.close());
          for (const client of replaced) client.close();
        };
      }
      if (typeof property === "string" && CONNECTION_CALLS.has(property)) return (...args: unknown[]) => call(property, args);
      return Reflect.get(target, property);
    },
  });
}

/** Opens (creating if needed) the SQLite file at `file` and applies pending migrations. */
export async function openLibsqlStore(file: string): Promise<Store> {
  let client: Client;
  try {
    client = reopeningClient(await openLibsqlClient(file), () => openLibsqlClient(file));
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
