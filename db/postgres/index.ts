// The PostgreSQL backend (Node only: DATABASE_URL=postgres://…). Kept out of db/index.ts so that the Worker
// bundle, which imports db/index.ts, never pulls in postgres.js.
export { openPostgresStore, createPostgresStore } from "./store.js";
export type { PostgresStore, PostgresStoreOptions, PostgresDatabase } from "./store.js";
export { createPgNotifyChangeFeed } from "./notify-change-feed.js";
export type { PgNotifyChangeFeed, PgNotifyChangeFeedOptions } from "./notify-change-feed.js";
export { migratePostgres } from "./migrate.js";
