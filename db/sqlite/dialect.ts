// How the shared statements (db/store-queries.ts) run on SQLite through Drizzle, for a libSQL file and for D1 alike.
import { is, sql, SQL, type Table } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { SQLiteTable, type BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { typedRows, type SelectedRows, type SelectQuery, type StoreDialect } from "../dialect.js";
import * as schema from "../schema.sqlite.js";

/** A Drizzle SQLite database that can run an atomic batch: `drizzle-orm/libsql` or `drizzle-orm/d1`. */
export type BatchingSqliteDatabase = BaseSQLiteDatabase<"async", unknown, typeof schema> & {
  batch(items: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]): Promise<unknown>;
};

function source(from: Table | SQL): SQLiteTable | SQL {
  if (is(from, SQLiteTable) || is(from, SQL)) return from;
  throw new TypeError("the SQLite dialect was given a table of another schema");
}

export function createSqliteDialect(db: BatchingSqliteDatabase): StoreDialect {
  // Query-builder selects, not db.all(): drizzle's D1 batch binds only builder statements.
  function build(query: SelectQuery) {
    const select = ("fields" in query ? db.select(query.fields) : db.select()).from(source(query.from)).$dynamic();
    if (query.where) select.where(query.where);
    if (query.orderBy) select.orderBy(...query.orderBy);
    if (query.limit !== undefined) select.limit(query.limit);
    return select;
  }

  return {
    tables: schema,
    select: (query) => typedRows(query, build(query)),
    prepare(_name, query) {
      const prepared = build(query).prepare();
      return (values) => typedRows(query, prepared.all(values));
    },
    async selectInOneSnapshot<const Q extends readonly SelectQuery[]>(queries: Q) {
      // A batch runs in one implicit transaction on libSQL and on D1: one snapshot for all its statements.
      const [first, ...rest] = queries.map(build);
      if (!first) return [] as SelectedRows<Q>;
      return (await db.batch([first, ...rest])) as SelectedRows<Q>;
    },
    execute: (statement) => db.all<Record<string, unknown>>(statement),
    // SQLite's default collation, BINARY, compares bytes.
    byteOrder: (column) => sql`${column}`,
  };
}
