// Building blocks for SQL written once for both schemas: projected fields decoded by their columns, inserts and
// upserts whose values are encoded by their columns, and the change-log row every commit appends. Each works on the
// table objects of either schema (db/dialect.ts), so the same code yields each dialect's encoding.
import { getTableColumns, is, Param, Placeholder, sql, type Column, type GetColumnData, type InferInsertModel, type SQL, type Table } from "drizzle-orm";
import type { StoreTables } from "./dialect.js";
import type { ChangeEntry } from "./store.js";

/**
 * `column` as a field of a projection, decoded by the column (JSON parsed, booleans and bigints as JS values). Whole
 * rows need none of this: a query without fields selects the table's columns, which drizzle maps faster per row.
 */
export function decoded<C extends Column>(column: C): SQL<GetColumnData<C>> {
  return sql`${column}`.mapWith(column);
}

/** A field of the rows one inserts into `T`. */
type InsertKey<T extends Table> = keyof InferInsertModel<T> & string;

/**
 * `insert into <table> (<columns>) values (…), (…)` of the fields `keys` of each row, each value encoded by its column.
 * Only `keys` are written: callers may pass richer objects, and PostgreSQL refuses a value for identity columns.
 */
export function insertInto<T extends Table, K extends InsertKey<T>>(table: T, keys: readonly K[], rows: ReadonlyArray<Pick<InferInsertModel<T>, K>>): SQL {
  const columns: Record<string, Column> = getTableColumns(table);
  const names = sql.join(keys.map((key) => sql.identifier(columns[key]!.name)), sql`, `);
  const tuples = rows.map((row) => sql`(${sql.join(keys.map((key) => sql.param((row as Record<string, unknown>)[key], columns[key])), sql`, `)})`);
  return sql`insert into ${table} (${names}) values ${sql.join(tuples, sql`, `)}`;
}

/** `… on conflict (<key>) do update set` every other column of `keys` to the proposed row's (SQLite ≥ 3.24 and PostgreSQL alike). */
export function upsertInto<T extends Table, K extends InsertKey<T>>(table: T, conflictKey: K, keys: readonly K[], row: Pick<InferInsertModel<T>, K>): SQL {
  const columns: Record<string, Column> = getTableColumns(table);
  const name = (key: K) => sql.identifier(columns[key]!.name);
  const updates = keys.filter((key) => key !== conflictKey).map((key) => sql`${name(key)} = excluded.${name(key)}`);
  return sql`${insertInto(table, keys, [row])} on conflict (${name(conflictKey)}) do update set ${sql.join(updates, sql`, `)}`;
}

/** The change-log row of `change`, its revision read from the scope's row as the commit left it (both dialects). */
export function changeLogRow(revisions: StoreTables["revisions"], change: ChangeEntry) {
  const { scope, action, kind, meshName, parentName, name, at } = change;
  return { scope, action, kind, meshName, parentName, name, at, revision: sql<number>`(select ${revisions.revision} from ${revisions} where ${revisions.scope} = ${scope})` };
}

function valueOf(values: Record<string, unknown>, key: string): unknown {
  if (!(key in values)) throw new Error(`No value for placeholder "${key}" was provided`);
  return values[key];
}

/**
 * What Drizzle's `fillPlaceholders(params, values)` does, with what fills each parameter (a named value, encoded by
 * its column, or a constant) worked out once for a statement built once: fillPlaceholders asks every parameter what
 * it is on every call, and Drizzle's `is` walks the prototype chain (a few % of a Create, bench/RESULTS.md api-profile).
 */
export function placeholderFiller(params: readonly unknown[]): (values: Record<string, unknown>) => unknown[] {
  const binders = params.map((param): ((values: Record<string, unknown>) => unknown) => {
    if (is(param, Placeholder)) return (values) => valueOf(values, param.name);
    if (is(param, Param) && is(param.value, Placeholder)) {
      const { encoder } = param;
      const key = param.value.name;
      return encoder ? (values) => encoder.mapToDriverValue(valueOf(values, key)) : (values) => valueOf(values, key);
    }
    return () => param;
  });
  return (values) => binders.map((bind) => bind(values));
}
