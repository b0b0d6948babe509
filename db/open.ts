// Opens the store a Node process is configured for, with the feed that tells it about writes made by
// other processes sharing the same database: PostgreSQL (LISTEN/NOTIFY, polling
// while the channel is down) when a URL is given, else the embedded SQLite file (polling its change log).
import { createPollingChangeFeed, type ChangeFeed } from "./change-feed.js";
import type { Store } from "./store.js";

export interface OpenedStore {
  store: Store;
  /** Changes committed by any process on this database (this one included). */
  externalChanges: ChangeFeed;
  backend: "sqlite" | "postgres";
}

export async function openStore(options: { databaseUrl?: string; sqliteFile: string; databaseTimeoutMs?: number }): Promise<OpenedStore> {
  if (options.databaseUrl) {
    const { openPostgresStore, createPgNotifyChangeFeed } = await import("./postgres/index.js");
    const store = await openPostgresStore(options.databaseUrl, options.databaseTimeoutMs !== undefined ? { operationTimeoutMs: options.databaseTimeoutMs } : {});
    return { store, externalChanges: createPgNotifyChangeFeed(options.databaseUrl, store), backend: "postgres" };
  }
  const { openLibsqlStore } = await import("./sqlite/libsql.js");
  const store = await openLibsqlStore(options.sqliteFile);
  return { store, externalChanges: createPollingChangeFeed(store), backend: "sqlite" };
}
