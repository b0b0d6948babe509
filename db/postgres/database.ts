// The Drizzle database type every module of the PostgreSQL backend works on, apart from store.ts so that the
// modules store.ts imports (the write path, the dialect) can name it without importing store.ts back.
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type * as schema from "../schema.pg.js";

/** A Drizzle database on the postgres.js driver, typed by the PostgreSQL schema. */
export type PostgresDatabase = PostgresJsDatabase<typeof schema>;
