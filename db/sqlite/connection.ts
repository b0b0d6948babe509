// The embedded SQLite file on Node and Deno: one synchronous connection of the `libsql` package (better-sqlite3's API
// over libSQL) that keeps every statement it prepared, keyed by its SQL text. Drizzle's SQL for one shape of query is
// always the same text with placeholders, so after the first request a query is bind, step, done: @libsql/client
// prepared every statement again on every execute and built a rich object per row (bench/RESULTS.md, api-profile).
// Rows come back as arrays (drizzle's sqlite-proxy maps them by its selected fields); a batch runs as one transaction.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "libsql";
import { classifySqliteFailure } from "../store-errors.js";
import { openCheckpointer, type CheckpointerStatistics } from "./checkpointer.js";

type Connection = InstanceType<typeof Database>;
type Statement = ReturnType<Connection["prepare"]>;
/** A kept statement, whether it returns rows (asked once: it is a call into the driver), and whether it writes. */
interface Kept {
  statement: Statement;
  reader: boolean;
  /** Statements with no rows (DML, DDL) and DML with `returning`: after one, a checkpoint is due. */
  writes: boolean;
}

/** DML that returns rows (`returning`): a reader that writes. Reads are SELECTs, some behind a `with` (pages). */
const RETURNING_DML = /^\s*(insert|update|delete|replace)\b/i;

/** How drizzle's sqlite-proxy asks for a statement's result: `run` for none, `get` for the first row, else all rows. */
export type QueryMethod = "run" | "all" | "values" | "get";

export interface ProxyQuery {
  sql: string;
  params: unknown[];
  method: QueryMethod;
}

/** A statement's result as sqlite-proxy takes it: the rows as arrays of column values, one row for `get`. */
export interface ProxyResult {
  rows: unknown[];
}

export interface SqliteConnectionStatistics {
  /** Statements prepared since the connection opened (a statement kept in the cache is prepared once). */
  prepares: number;
  /** Statements run, batches' included. */
  runs: number;
  /**
   * Calls into the driver to run statements and transactions (prepares left out): a statement's rows cost two (open,
   * then fetch), one row (`get`) or none (`run`) one, BEGIN and COMMIT one each. Each call is a blocking hop into
   * libSQL's async core, a fixed cost well above what a point read costs SQLite (~5 µs against ~1 µs a value).
   */
  calls: number;
}

export interface SqliteConnection {
  /** Runs one statement outside any transaction of ours. */
  query(query: ProxyQuery): ProxyResult;
  /**
   * Runs the statements as one transaction: all or nothing. `BEGIN IMMEDIATE` unless every statement is a plain read
   * (`all`, `values`): the write lock is taken, waiting up to busy_timeout, before the first statement reads. A
   * deferred one for reads only. `get` is for a statement wanted for its first row, e.g. an `insert … returning`.
   */
  batch(queries: readonly ProxyQuery[]): ProxyResult[];
  /** Runs SQL text that may hold several statements (migrations), uncached. */
  exec(sql: string): void;
  readonly statistics: Readonly<SqliteConnectionStatistics>;
  /** What the background checkpointer did (./checkpointer.ts); undefined when the writer checkpoints itself. */
  readonly checkpoints: Readonly<CheckpointerStatistics> | undefined;
  /** Closes the connection; the checkpointer's connection follows once its running checkpoint ends. */
  close(): void;
}

export interface SqliteConnectionOptions {
  /** Sees each statement run outside a batch, with its parameters (tests read the SQL the store runs). */
  logQuery?: (sql: string, params: unknown[]) => void;
  /** Statements kept per connection, as many again for `get`; the least recently used one goes beyond it (default 256). */
  cacheSize?: number;
  /**
   * How long after a write the background checkpoint starts (default 100 ms); `false` leaves checkpoints to the
   * writer's commits, as SQLite does by default.
   */
  checkpointDelayMs?: number | false;
}

/**
 * With the background checkpointer, the writer's own checkpoint (in the commit that takes the WAL past this many
 * pages) only bounds the WAL should background checkpoints fall behind or fail. Under steady writes they never finish
 * with nothing left (writes land meanwhile), so the WAL only starts over from its beginning after one of these: then
 * mostly copied already, it costs the writer a short copy and two fsyncs every 10,000 pages (~40 MiB of WAL) instead
 * of a full checkpoint every 1,000.
 */
const WRITER_CHECKPOINT_PAGES = 10_000;
/** SQLite's default `wal_autocheckpoint`, for a writer whose checkpointer could not start after all. */
const SQLITE_CHECKPOINT_PAGES = 1_000;

/**
 * The file's connection, PRAGMAs set. WAL lets readers proceed during a write; busy_timeout lets a second process's
 * lock be waited for instead of failing at once; synchronous=NORMAL is WAL's durable-on-checkpoint setting; the
 * writer's own checkpoints are set to `writerCheckpointPages` when a background checkpointer runs.
 */
function openConfigured(file: string, writerCheckpointPages: number | undefined): Connection {
  const db = new Database(file);
  try {
    // busy_timeout first: switching to WAL (or confirming it) reads the file, which another connection (this one's
    // checkpointer, another process) may hold for a moment.
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    if (writerCheckpointPages !== undefined) db.exec(`PRAGMA wal_autocheckpoint = ${writerCheckpointPages}`);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Opens (creating it and its folder if needed) the SQLite file at `file`. */
export function openSqliteConnection(file: string, options: SqliteConnectionOptions = {}): SqliteConnection {
  const resolved = path.resolve(file);
  mkdirSync(path.dirname(resolved), { recursive: true });
  const cacheSize = options.cacheSize ?? 256;
  const checkpointDelayMs = options.checkpointDelayMs ?? 100;
  /**
   * Insertion order is recency: a hit moves its statement to the end. Statements run by `get` are kept apart from those
   * run by `all` and `run`: libSQL's `get` binds without resetting first, so after an `all` (which leaves its statement
   * done, not reset) the binding fails unseen and `get` reruns the previous call's parameters. `get` itself resets.
   */
  let statements = new Map<string, Kept>();
  let firstRowStatements = new Map<string, Kept>();
  let closed = false;
  const statistics: SqliteConnectionStatistics = { prepares: 0, runs: 0, calls: 0 };
  // The file is in WAL mode once the first connection is configured; only then can the checkpointer's use it.
  let db = openConfigured(resolved, undefined);
  let writerCheckpointPages: number | undefined;
  const checkpointer =
    checkpointDelayMs === false
      ? undefined
      : openCheckpointer(resolved, {
          delayMs: checkpointDelayMs,
          onUnusable() {
            writerCheckpointPages = SQLITE_CHECKPOINT_PAGES;
            if (!closed) guarded(() => db.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_CHECKPOINT_PAGES}`));
          },
        });
  if (checkpointer) {
    writerCheckpointPages = WRITER_CHECKPOINT_PAGES;
    try {
      db.exec(`PRAGMA wal_autocheckpoint = ${writerCheckpointPages}`);
    } catch (error) {
      void checkpointer.close();
      db.close();
      throw error;
    }
  }

  function statement(sql: string, method: QueryMethod): Kept {
    const cache = method === "get" ? firstRowStatements : statements;
    const cached = cache.get(sql);
    if (cached) {
      cache.delete(sql);
      cache.set(sql, cached);
      return cached;
    }
    const prepared = db.prepare(sql);
    statistics.prepares++;
    const reader = prepared.reader;
    const kept = { statement: prepared, reader, writes: !reader || RETURNING_DML.test(sql) };
    // Raw mode (rows as arrays) is a switch on the statement, and only readers have rows to switch.
    if (kept.reader) prepared.raw(true);
    cache.set(sql, kept);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
    return kept;
  }

  function run(kept: Kept, { sql, params, method }: ProxyQuery): ProxyResult {
    const { statement: prepared, reader } = kept;
    statistics.runs++;
    if (!reader) {
      statistics.calls++;
      prepared.run(params);
      return { rows: [] };
    }
    // Every statement runs to its end or is reset: one left mid-way would hold its read snapshot open. libSQL's `get`
    // resets the statement once it has the first row, in one call where `all` takes two; a write with `returning` has
    // made all its changes by its first row (https://www.sqlite.org/lang_returning.html).
    // No row for `get`: undefined, which sqlite-proxy reads as "no row".
    if (method === "get") {
      statistics.calls++;
      try {
        return { rows: prepared.get(params) as unknown[] };
      } catch (error) {
        // libSQL's `get` neither resets a statement that failed nor resets one before binding it again: kept, it
        // would run next time with these parameters (a stale guard would stay stale). A fresh one is prepared instead.
        if (firstRowStatements.get(sql)?.statement === prepared) firstRowStatements.delete(sql);
        throw error;
      }
    }
    statistics.calls += 2;
    if (method === "run") {
      prepared.all(params); // `returning` rows nobody asked for: the statement still runs to its end
      return { rows: [] };
    }
    return { rows: prepared.all(params) };
  }

  /**
   * `work`, and after a failure that says the file is unavailable (locked past busy_timeout, full, unreadable) a fresh
   * connection: libSQL leaves the statement that failed with SQLITE_BUSY un-reset, and the connection's next COMMIT
   * would fail too ("cannot commit transaction - SQL statements in progress"). The old connection's statements are
   * dropped with it (libSQL 0.5 lets its file go once they are collected, not at close). If the file cannot even be
   * opened now, the old connection stays and the next failure tries again.
   */
  function guarded<T>(work: () => T): T {
    if (closed) throw new Error("the SQLite connection is closed");
    try {
      return work();
    } catch (error) {
      if (!closed && classifySqliteFailure(error) === "unavailable") reopen();
      throw error;
    }
  }

  /** Ends the open transaction, if the failure left one; a connection that cannot roll back is replaced. */
  function rollback(): void {
    try {
      if (db.inTransaction) db.exec("ROLLBACK");
    } catch {
      reopen();
    }
  }

  function reopen(): void {
    let fresh: Connection;
    try {
      fresh = openConfigured(resolved, writerCheckpointPages);
    } catch {
      return;
    }
    const old = db;
    db = fresh;
    statements = new Map();
    firstRowStatements = new Map();
    try {
      old.close();
    } catch {
      // the old connection is unusable anyway
    }
  }

  return {
    query(query) {
      options.logQuery?.(query.sql, query.params);
      return guarded(() => {
        const kept = statement(query.sql, query.method);
        const result = run(kept, query);
        // Writes outside a batch (access keys, follower positions, retention's deletes) are checkpointed as a batch's are.
        if (kept.writes) checkpointer?.written();
        return result;
      });
    },
    batch: (queries) =>
      guarded(() => {
        const writes = !queries.every((query) => query.method === "all" || query.method === "values");
        db.exec(writes ? "BEGIN IMMEDIATE" : "BEGIN");
        statistics.calls++;
        try {
          const results = queries.map((query) => run(statement(query.sql, query.method), query));
          db.exec("COMMIT");
          statistics.calls++;
          if (writes) checkpointer?.written();
          return results;
        } catch (error) {
          rollback();
          throw error;
        }
      }),
    exec: (sql) => guarded(() => db.exec(sql)),
    statistics,
    checkpoints: checkpointer?.statistics,
    close() {
      if (closed) return;
      closed = true;
      statements.clear();
      firstRowStatements.clear();
      void checkpointer?.close();
      db.close();
    },
  };
}
