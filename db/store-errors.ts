// What a failed store call means, decided in one place for every backend: a lost race (the commit is `stale` and the
// caller retries), a constraint the data broke (a bug upstream: retrying cannot help), data the store cannot decode,
// or a database that cannot answer now (a stopped or partitioned PostgreSQL, a busy or full SQLite file, an
// overloaded D1). Callers see `StoreError` with one of those kinds; the domain turns `unavailable` into App Mesh's
// ServiceUnavailableException and the others into internal errors.

export type StoreErrorKind = "unavailable" | "constraint" | "malformed";

const brand = Symbol.for("meshplane.StoreError");

/** A store call that failed for a reason the caller can act on; the driver's error is the `cause`. */
export class StoreError extends Error {
  readonly [brand] = true;
  override readonly name = "StoreError";

  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True for errors made by any copy of this module (bundles, Workers). */
  static is(value: unknown): value is StoreError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/**
 * A failure as the commit path reads it: `stale` (a guarded revision moved, or another writer took a key first:
 * nothing was written and the decision must be made again), or a StoreError kind, or undefined for anything else
 * (a programming error, kept as it is).
 */
export type FailureClass = "stale" | StoreErrorKind | undefined;

/** Each error in the `cause` chain (drizzle wraps the driver's error). */
function* causes(error: unknown): Generator<Error & { code?: unknown; constraint_name?: unknown }> {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    yield e as Error & { code?: unknown };
  }
}

/** The SQLite guard's named CHECK (db/schema.sqlite.ts `commitGuards`). */
export const STALE_GUARD_CONSTRAINT = "meshplane_stale_revision";

/**
 * How SQLite refuses the guarded bump of a revision that moved (db/sqlite/commit-statements.ts `guardedBump`): only
 * that statement can set a revision to NULL.
 */
const STALE_GUARDED_BUMP = /NOT NULL constraint failed: revisions\.revision\b/;

/**
 * Unique keys a lost race can collide on even though the revision guards held: clientTokens are account-wide while
 * writes are guarded per mesh, so two meshes' writes with one token both pass their guards and the second insert
 * finds the first's record. Any other unique key is guarded by its scope and colliding on it is a bug.
 */
const RACED_UNIQUE_KEYS = [/\bidempotency\.token\b/, /\bidempotency_pkey\b/];

// SQLite result codes (https://www.sqlite.org/rescode.html) as libSQL reports them (`code`, message prefix) and
// as D1 words them ("D1_ERROR: …"). Unavailable: the file cannot be written or reached now but may be again.
const SQLITE_UNAVAILABLE = /\b(SQLITE_BUSY|SQLITE_LOCKED|SQLITE_FULL|SQLITE_IOERR|SQLITE_CANTOPEN|SQLITE_READONLY|SQLITE_PROTOCOL|SQLITE_NOLFS)\b|database is locked|database or disk is full|disk I\/O error|unable to open database file|attempt to write a readonly database|D1 DB is overloaded|Network connection lost|storage operation exceeded timeout|D1_RESET_DO|Exceeded maximum DB size|internal error; reference/i;
const SQLITE_MALFORMED = /\b(SQLITE_CORRUPT|SQLITE_NOTADB)\b|database disk image is malformed|file is not a database|malformed JSON/i;
const SQLITE_CONSTRAINT = /\bSQLITE_CONSTRAINT\b|constraint failed/i;

/** A libSQL or D1 failure. */
export function classifySqliteFailure(error: unknown): FailureClass {
  for (const e of causes(error)) {
    const text = `${typeof e.code === "string" ? e.code : ""} ${e.message}`;
    if (text.includes(STALE_GUARD_CONSTRAINT) || STALE_GUARDED_BUMP.test(text)) return "stale";
    if (SQLITE_CONSTRAINT.test(text)) return RACED_UNIQUE_KEYS.some((key) => key.test(text)) ? "stale" : "constraint";
    if (SQLITE_UNAVAILABLE.test(text)) return "unavailable";
    if (SQLITE_MALFORMED.test(text)) return "malformed";
    if (e instanceof SyntaxError) return "malformed"; // a JSON column that does not parse
  }
  return undefined;
}

/**
 * SQLSTATE classes that mean the server cannot serve now (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * 08 connection exception, 53 insufficient resources (disk full, out of memory, too many connections), 57014 a
 * statement cancelled by its timeout, 57P01–57P05 operator intervention (shutdown, crash recovery, "cannot connect
 * now"), 58 system error (I/O), 25P03 a session ended for idling in a transaction (its client went silent).
 */
const PG_UNAVAILABLE_STATE = /^(08|53|57014|57P0[1-5]|58|25P03)/;
/** postgres.js's own codes when the socket fails, and Node's socket errors. */
const PG_UNAVAILABLE_CODE = /^(CONNECTION_CLOSED|CONNECTION_ENDED|CONNECTION_DESTROYED|CONNECT_TIMEOUT|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE)$/;

/** A postgres.js failure (SQLSTATEs through Drizzle's wrapping). */
export function classifyPostgresFailure(error: unknown): FailureClass {
  for (const e of causes(error)) {
    const code = typeof e.code === "string" ? e.code : "";
    if (/^[0-9A-Z]{5}$/.test(code)) {
      if (code.startsWith("23")) {
        const constraint = typeof e.constraint_name === "string" ? e.constraint_name : e.message;
        return RACED_UNIQUE_KEYS.some((key) => key.test(constraint)) ? "stale" : "constraint";
      }
      if (PG_UNAVAILABLE_STATE.test(code)) return "unavailable";
      if (code === "22P02" || code === "22P05" || code === "XX001" || code === "XX002") return "malformed";
      continue;
    }
    if (PG_UNAVAILABLE_CODE.test(code)) return "unavailable";
    if (e instanceof SyntaxError) return "malformed";
  }
  return undefined;
}

const messages: Record<StoreErrorKind, string> = {
  unavailable: "the database is unavailable",
  constraint: "the write broke a database constraint",
  malformed: "the database holds data that cannot be read",
};

/** `error` as a StoreError when `classify` recognises it (a stale verdict outside a commit is a constraint); otherwise unchanged. */
export function toStoreError(error: unknown, classify: (error: unknown) => FailureClass): unknown {
  if (StoreError.is(error)) return error;
  const kind = classify(error);
  if (kind === undefined) return error;
  const storeKind: StoreErrorKind = kind === "stale" ? "constraint" : kind;
  const detail = error instanceof Error ? `: ${error.message}` : "";
  return new StoreError(storeKind, `${messages[storeKind]}${detail}`, { cause: error });
}

/**
 * The same object with every method's failures passed through `toStoreError`, so no caller sees a driver error.
 * @example
 *   const store = withClassifiedErrors(createStoreQueries(dialect), classifySqliteFailure);
 */
export function withClassifiedErrors<T extends object>(target: T, classify: (error: unknown) => FailureClass): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== "function") {
      wrapped[name] = value;
      continue;
    }
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (value as (...a: unknown[]) => unknown).apply(target, args);
      } catch (error) {
        throw toStoreError(error, classify);
      }
    };
  }
  return wrapped as T;
}
