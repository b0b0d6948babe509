// How the shared statements (db/store-queries.ts) run on PostgreSQL through Drizzle and postgres.js.
import { is, sql, SQL, type Table } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { typedRows, type SelectedRows, type SelectQuery, type StoreDialect } from "../dialect.js";
import * as schema from "../schema.pg.js";
import type { PostgresDatabase } from "./database.js";

type Executor = Pick<PostgresDatabase, "select">;

function source(from: Table | SQL): PgTable | SQL {
  if (is(from, PgTable) || is(from, SQL)) return from;
  throw new TypeError("the PostgreSQL dialect was given a table of another schema");
}

function build(executor: Executor, query: SelectQuery) {
  const select = ("fields" in query ? executor.select(query.fields) : executor.select()).from(source(query.from)).$dynamic();
  if (query.where) select.where(query.where);
  if (query.orderBy) select.orderBy(...query.orderBy);
  if (query.limit !== undefined) select.limit(query.limit);
  return select;
}

export function createPostgresDialect(db: PostgresDatabase): StoreDialect {
  return {
    tables: schema,
    select: (query) => typedRows(query, build(db, query)),
    prepare(name, query) {
      const prepared = build(db, query).prepare(name);
      return (values) => typedRows(query, prepared.execute(values));
    },
    async selectInOneSnapshot<const Q extends readonly SelectQuery[]>(queries: Q) {
      return db.transaction(
        async (tx) => {
          const results: unknown[] = [];
          for (const query of queries) results.push(await build(tx, query));
          return results as SelectedRows<Q>;
        },
        { isolationLevel: "repeatable read", accessMode: "read only" },
      );
    },
    execute: async (statement) => (await db.execute(statement)).length,
    // Byte order whatever the database's collation, as SQLite sorts.
    byteOrder: (column) => sql`${column} collate "C"`,
  };
}
