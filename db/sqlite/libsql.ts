// The embedded default on Node and Deno: a SQLite file (libSQL), created with its folder on first use, migrated on
// open. Drizzle's sqlite-proxy builds the SQL and maps the rows; the connection (./connection.ts) runs it on
// statements it keeps prepared.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/sqlite-proxy";
import { migrate } from "drizzle-orm/sqlite-proxy/migrator";
import * as schema from "../schema.sqlite.js";
import { classifySqliteFailure, toStoreError } from "../store-errors.js";
import type { Store } from "../store.js";
import { openSqliteConnection, type SqliteConnection, type SqliteConnectionOptions, type SqliteConnectionStatistics } from "./connection.js";
import type { BatchingSqliteDatabase } from "./dialect.js";
import { createSqliteStore } from "./store.js";

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../migrations/sqlite");

/** The store on a SQLite file, with what its connection counted (tests check that statements are reused). */
export interface SqliteFileStore extends Store {
  readonly statistics: Readonly<SqliteConnectionStatistics>;
}

export type SqliteFileStoreOptions = SqliteConnectionOptions;

/** Applies the pending migrations as one transaction, with foreign keys off while tables are rebuilt (as drizzle-kit expects). */
async function migrateFile(connection: SqliteConnection, db: BatchingSqliteDatabase): Promise<void> {
  await migrate(db as unknown as Parameters<typeof migrate>[0], async (statements) => {
    connection.exec("PRAGMA foreign_keys = OFF");
    try {
      connection.exec("BEGIN");
      try {
        for (const statement of statements) connection.exec(statement);
        connection.exec("COMMIT");
      } catch (error) {
        connection.exec("ROLLBACK");
        throw error;
      }
    } finally {
      connection.exec("PRAGMA foreign_keys = ON");
    }
  }, { migrationsFolder });
}

/** Opens (creating if needed) the SQLite file at `file` and applies pending migrations. */
export async function openLibsqlStore(file: string, options: SqliteFileStoreOptions = {}): Promise<SqliteFileStore> {
  let connection: SqliteConnection;
  try {
    connection = openSqliteConnection(file, options);
  } catch (error) {
    throw toStoreError(error, classifySqliteFailure);
  }
  const db = drizzle(
    async (sql, params, method) => connection.query({ sql, params, method }),
    async (queries) => connection.batch(queries),
    { schema },
  ) as unknown as BatchingSqliteDatabase;
  try {
    await migrateFile(connection, db);
  } catch (error) {
    connection.close();
    throw toStoreError(error, classifySqliteFailure);
  }
  const store = createSqliteStore(db, {
    async runBatch(statements) {
      // A commit's reads return one row each (the bumps' new revisions): `get`, one call into the driver instead of two.
      const results = connection.batch(statements.map(({ sql, params, reads }) => ({ sql, params, method: reads ? "get" : "run" })));
      return statements.flatMap((statement, index) => {
        if (!statement.reads) return [];
        const row = results[index]!.rows as unknown[] | undefined;
        return [row ? [row] : []];
      });
    },
    readRows: async (sql, params) => connection.query({ sql, params, method: "all" }).rows as unknown[][],
    readRow: async (sql, params) => connection.query({ sql, params, method: "get" }).rows as unknown[] | undefined,
  });
  return {
    ...store,
    statistics: connection.statistics,
    async close() {
      connection.close();
    },
  };
}
