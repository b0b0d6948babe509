// Names shared by the PostgreSQL store and its change feed: the NOTIFY channel, its payload and the advisory lock
// keys. Both sides of the channel must agree on these, across processes and versions.

/** The LISTEN/NOTIFY channel every commit with changes notifies, in the commit's own transaction. */
export const CHANGE_CHANNEL = "meshplane_changes";

/**
 * What a commit sends on CHANGE_CHANNEL (JSON), for example `{"seq":[41,42],"revisions":{"mesh/m":7,"account":3}}`:
 * the first and last change-log seq it appended (null when it appended none) and every scope it bumped.
 * `revisions` is omitted when the payload would not fit PostgreSQL's 8000-byte limit; listeners then read the log.
 */
export interface ChangeNotification {
  seq: [number, number] | null;
  revisions?: Record<string, number>;
}

/** First key of every meshplane advisory lock (two-int form); "mesh" in ASCII, so it reads well in pg_locks. */
export const LOCK_CLASS = 0x6d657368;

/**
 * Second keys. CHANGE_LOG: held (transaction-scoped) from a commit's first change-log insert until it commits, so
 * change-log seq order is commit order. MIGRATIONS: held (session-scoped) while one replica migrates.
 */
export const LOCK_KEYS = { changeLog: 1, migrations: 2 } as const;

/** First key of the per-scope locks of `withScopeLocks` ("scop"); the second is hashtext(scope). */
export const SCOPE_LOCK_CLASS = 0x73636f70;
