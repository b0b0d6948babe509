// What a SQL backend supplies so that the statements every backend shares (db/store-queries.ts) are written once.
// Those statements are drizzle `sql` fragments over the backend's own table objects: the SQL text is the same for
// SQLite and PostgreSQL, and each column encodes and decodes its values the way its dialect stores them (JSON text
// or jsonb, integer or boolean, bigint read as number). A backend only says how to run them.
import type { Column, InferSelectModel, Placeholder, SQL, Table } from "drizzle-orm";
import type * as pgSchema from "./schema.pg.js";
import type * as sqliteSchema from "./schema.sqlite.js";

/** The tables of either schema: same table and column names, same row types; only the column classes differ. */
export type StoreTables = typeof sqliteSchema | typeof pgSchema;

/** The fields of a projection, each an SQL expression carrying its decoder (see `decoded` in db/statements.ts). */
export type SelectedFields = Record<string, SQL<unknown>>;

/** The parts of `select … from <from> [where <where>] [order by <orderBy>] [limit <limit>]`; placeholders allowed. */
interface SelectClauses {
  where?: SQL;
  orderBy?: SQL[];
  limit?: number | Placeholder;
}

/** Whole rows of a table (`select * from <from> …`), decoded by its columns. */
export interface RowsQuery<T extends Table = Table> extends SelectClauses {
  from: T;
}

/** A projection of `fields` from a table or a fragment, each field decoded by its own decoder. */
export interface FieldsQuery<F extends SelectedFields = SelectedFields> extends SelectClauses {
  fields: F;
  from: Table | SQL;
}

/**
 * A SELECT in parts that are the same for every dialect: drizzle conditions and fragments over the dialect's tables,
 * with `sql.placeholder`s when the query is prepared.
 * @example
 *   { from: resources, where: eq(resources.meshName, "m"), orderBy: [asc(resources.seq)], limit: 100 } // ResourceRow-shaped rows
 *   { fields: { n: count() }, from: resources, where: eq(resources.kind, "mesh") }                     // [{ n: number }]
 */
export type SelectQuery = RowsQuery | FieldsQuery;

/** One decoded row of `Q`, e.g. `{ key: string; value: string }` for the fields `{ key: SQL<string>; value: SQL<string> }`. */
export type SelectedRow<Q extends SelectQuery> = Q extends { fields: infer F extends SelectedFields }
  ? { [K in keyof F]: F[K]["_"]["type"] }
  : Q extends RowsQuery<infer T>
    ? InferSelectModel<T>
    : never;

/** A SELECT built once and run many times with the values of its placeholders. */
export type PreparedSelect<Q extends SelectQuery> = (values: Record<string, unknown>) => Promise<SelectedRow<Q>[]>;

/** The rows of each query of a tuple of SELECTs, in the same order. */
export type SelectedRows<Q extends readonly SelectQuery[]> = { -readonly [I in keyof Q]: SelectedRow<Q[I]>[] };

export interface StoreDialect {
  /** The backend's table objects; shared statements reference these, never the other schema's. */
  readonly tables: StoreTables;
  /** Runs one SELECT; rows come back decoded. */
  select<const Q extends SelectQuery>(query: Q): Promise<SelectedRow<Q>[]>;
  /**
   * Builds a SELECT once for reads that every request makes (building costs more than running it). `name` names the
   * statement where the driver keeps named statements; it must be unique per dialect instance.
   */
  prepare<const Q extends SelectQuery>(name: string, query: Q): PreparedSelect<Q>;
  /** Runs the SELECTs on one snapshot of the database, so their rows agree with each other (an atomic batch, a read-only transaction). */
  selectInOneSnapshot<const Q extends readonly SelectQuery[]>(queries: Q): Promise<SelectedRows<Q>>;
  /** Runs one statement outside any commit batch; returns how many rows it returned (those of `returning`). */
  execute(statement: SQL): Promise<number>;
  /**
   * A text column compared by its bytes, whatever the database's collation (SQLite's default order): ascending in an
   * ORDER BY, and usable in comparisons (`byteOrder(c) > value`) for keyset pagination.
   */
  byteOrder(column: Column): SQL;
}

/**
 * For implementations: names the row type of the rows drizzle decoded for `query`. Drizzle infers it only from
 * concrete fields; for the generic ones a dialect receives, `SelectedRow` is that same type.
 */
export function typedRows<Q extends SelectQuery>(_query: Q, rows: Promise<unknown[]>): Promise<SelectedRow<Q>[]> {
  return rows as Promise<SelectedRow<Q>[]>;
}
