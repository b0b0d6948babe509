// How the shared statements (db/store-queries.ts) run on SQLite through Drizzle, for a libSQL file and for D1 alike.
import { getTableColumns, is, sql, Column, SQL, type DriverValueDecoder, type Table } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { SQLiteTable, type BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import { typedRows, type SelectedRows, type SelectQuery, type StoreDialect } from "../dialect.js";
import * as schema from "../schema.sqlite.js";
import { placeholderFiller } from "../statements.js";

/** A Drizzle SQLite database that can run an atomic batch: `drizzle-orm/sqlite-proxy` (the file) or `drizzle-orm/d1`. */
export type BatchingSqliteDatabase = BaseSQLiteDatabase<"async", unknown, typeof schema> & {
  batch(items: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]): Promise<unknown>;
};

/** Runs one SELECT and returns its rows as arrays of column values. */
export type SqliteRowReader = (sql: string, params: unknown[]) => Promise<unknown[][]>;

/** Runs one SELECT for its first row only (undefined for none), in one call into the driver instead of two. */
export type SqliteSingleRowReader = (sql: string, params: unknown[]) => Promise<unknown[] | undefined>;

/** How the file's connection reads: all rows, or the first one. */
export interface SqliteReaders {
  rows: SqliteRowReader;
  row: SqliteSingleRowReader;
}

function source(from: Table | SQL): SQLiteTable | SQL {
  if (is(from, SQLiteTable) || is(from, SQL)) return from;
  throw new TypeError("the SQLite dialect was given a table of another schema");
}

/** The selected fields' keys, and the decoder of each key whose values are not kept as the driver gives them. */
interface Decoding {
  keys: string[];
  /** JSON parsed, integer booleans as booleans; text and plain integers need none (what a List page selects). */
  decoders: Array<[key: string, decode: (value: unknown) => unknown]>;
}

function decodingOf(fields: Record<string, unknown>): Decoding {
  const keys = Object.keys(fields);
  const decoders: Decoding["decoders"] = [];
  for (const key of keys) {
    const field = fields[key];
    // A fragment's decoder (set by mapWith, db/statements.ts `decoded`) is internal to drizzle's types.
    const decoder = is(field, Column) ? field : is(field, SQL) ? (field as unknown as { decoder: DriverValueDecoder<unknown, unknown> }).decoder : undefined;
    // Text and plain integer columns inherit Column's decoder, which returns the value as it is.
    if (!decoder || decoder.mapFromDriverValue === Column.prototype.mapFromDriverValue) continue;
    decoders.push([key, (value) => decoder.mapFromDriverValue(value)]);
  }
  return { keys, decoders };
}

/** Decodes, in place, the values of `row` that need it (null stays null). */
function decode(row: Record<string, unknown>, { decoders }: Decoding): Record<string, unknown> {
  for (const [key, decoder] of decoders) if (row[key] !== null && row[key] !== undefined) row[key] = decoder(row[key]);
  return row;
}

/** A row array as an object with the fields' keys, decoded. */
function fromArray(row: unknown[], decoding: Decoding): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  decoding.keys.forEach((key, i) => (result[key] = row[i] ?? null));
  return decode(result, decoding);
}

/**
 * A page (`select … order by … limit …` of the fields `keys`) as one row holding a JSON array of row objects with
 * those keys. Handing rows over one by one costs the driver about a microsecond a value; SQLite writes the JSON in a
 * fraction of that, and JSON.parse builds the row objects faster than any loop (bench/RESULTS.md, api-profile). The
 * aggregate takes the rows in the order the page's subquery yields them, its ORDER BY (the store's tests check page
 * order). Integers come back as JSON numbers and text as strings, as the driver gives them; JSON columns stay text
 * for their decoder.
 */
function pageAsJson(select: string, keys: string[]): string {
  const names = keys.map((_, i) => `c${i}`);
  const members = keys.map((key, i) => `'${key.replaceAll("'", "''")}', ${names[i]}`).join(", ");
  return `with page(${names.join(", ")}) as (${select}) select coalesce(json_group_array(json_object(${members})), '[]') from page`;
}

/**
 * The SQLite dialect over `db`. With `readers` (the file's connection), prepared SELECTs skip Drizzle at run time:
 * their SQL is built once, their placeholders filled and their rows mapped by precomputed decoders, which is most of
 * what a List page of a hundred rows cost (bench/RESULTS.md, api-profile); a `limit 1` read (the point reads of every
 * write) asks for its one row alone. Without them (D1), Drizzle runs them.
 */
export function createSqliteDialect(db: BatchingSqliteDatabase, readers?: SqliteReaders): StoreDialect {
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
      if (!readers) {
        const prepared = build(query).prepare();
        return (values) => typedRows(query, prepared.all(values));
      }
      const { sql: text, params } = build(query).toSQL();
      const fill = placeholderFiller(params);
      // A select without fields selects the table's columns, in their order.
      const decoding = decodingOf("fields" in query ? query.fields : getTableColumns(query.from as Table));
      if (query.limit === 1) {
        return async (values) => {
          const row = await readers.row(text, fill(values));
          return typedRows(query, Promise.resolve(row ? [fromArray(row, decoding)] : []));
        };
      }
      if (query.orderBy && query.limit !== undefined) {
        const page = pageAsJson(text, decoding.keys);
        return async (values) => {
          const [[json]] = (await readers.rows(page, fill(values))) as [[string]];
          const rows = JSON.parse(json) as Array<Record<string, unknown>>;
          if (decoding.decoders.length > 0) for (const row of rows) decode(row, decoding);
          return typedRows(query, Promise.resolve(rows));
        };
      }
      return async (values) => typedRows(query, Promise.resolve((await readers.rows(text, fill(values))).map((row) => fromArray(row, decoding))));
    },
    async selectInOneSnapshot<const Q extends readonly SelectQuery[]>(queries: Q) {
      // A batch runs in one implicit transaction on libSQL and on D1: one snapshot for all its statements.
      const [first, ...rest] = queries.map(build);
      if (!first) return [] as SelectedRows<Q>;
      return (await db.batch([first, ...rest])) as SelectedRows<Q>;
    },
    execute: async (statement) => (await db.all(statement)).length,
    // SQLite's default collation, BINARY, compares bytes.
    byteOrder: (column) => sql`${column}`,
  };
}
