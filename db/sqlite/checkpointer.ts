// WAL checkpoints of the embedded SQLite file, run off the event loop. SQLite checkpoints a WAL file from inside the
// COMMIT that takes it past `wal_autocheckpoint` pages (1,000 by default): the commit then copies the WAL's pages into
// the database file and fsyncs both, and the synchronous connection holds the event loop meanwhile. Under Create
// load that was one commit in ~40, taking 5–100 ms: ~80–100 µs of every Create's time on the event loop went there
// (COMMIT timed in the server under wrk, 16 connections, 2026-12-02). Here a second connection of libSQL's async API
// (its statements run on libSQL's own threads) runs PASSIVE checkpoints shortly after writes; PASSIVE never waits for
// the writer nor blocks it (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html).
//
// Durability is unchanged where it is set, and earlier where it is not: with synchronous=NORMAL a commit survives a
// crash of the process as soon as it is acknowledged, and a power loss once a checkpoint has synced the WAL. Such a
// sync used to wait for the next 1,000 pages (for ever on a quiet server); now it comes within `delayMs` of a write.
import Database from "libsql/promise";

export interface CheckpointerStatistics {
  /** Checkpoints finished (each copies what the WAL held when it began). */
  runs: number;
  /**
   * Checkpoints that failed (an I/O error) or were refused (another connection's checkpoint held the file's checkpoint
   * lock, which SQLite answers with busy = 1, not an error): each is tried again after a back-off, writes or not.
   */
  failures: number;
}

export interface Checkpointer {
  /** Called after each committed write: a checkpoint follows within `delayMs`, one at a time. */
  written(): void;
  readonly statistics: Readonly<CheckpointerStatistics>;
  /** Waits for a running checkpoint, then closes the connection; later writes start none. */
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  /** How long after a write the checkpoint starts: writes meanwhile share it (default 100 ms). */
  delayMs?: number;
  /** Called, and the checkpointer closed, when its connection cannot even be configured: the writer must checkpoint again. */
  onUnusable?: () => void;
  /**
   * Runs each checkpoint, given the real one (tests: refusing some, as another connection's checkpoint would, to see
   * them tried again). By default the real one.
   */
  around?: (checkpoint: () => Promise<CheckpointOutcome>) => Promise<CheckpointOutcome>;
}

/** What `PRAGMA wal_checkpoint(PASSIVE)` answered: busy is 1 when another connection held the checkpoint lock. */
export interface CheckpointOutcome {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * The checkpointer of the WAL-mode file at `file` (its first connection has set WAL, which the file keeps); undefined
 * when the async connection cannot be opened, and the writer's own checkpoints then stay as they are.
 */
/** The longest wait before a failed or refused checkpoint is tried again. */
const MAX_RETRY_MS = 10_000;

export function openCheckpointer(file: string, options: CheckpointerOptions = {}): Checkpointer | undefined {
  const delayMs = options.delayMs ?? 100;
  let db: Database;
  try {
    db = new Database(file, {});
  } catch {
    return undefined;
  }
  const statistics: CheckpointerStatistics = { runs: 0, failures: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let running: Promise<void> | undefined;
  /** A write came while a checkpoint ran: one more follows it. */
  let again = false;
  /** Failed or refused checkpoints in a row: the next try waits delayMs · 2^n, at most MAX_RETRY_MS. */
  let failuresInRow = 0;
  let connectionClosed = false;

  function closeConnection(): void {
    if (connectionClosed) return;
    connectionClosed = true;
    db.close();
  }

  function track<T>(work: Promise<T>, done: (value: T) => boolean): void {
    const failed = () => {
      statistics.failures++;
      return false;
    };
    running = work.then(done, failed).then((succeeded) => {
      running = undefined;
      failuresInRow = succeeded ? 0 : failuresInRow + 1;
      // A refused or failed checkpoint is tried again even if no write follows: a quiet server would otherwise keep
      // its last commits unsynced until the next write.
      if (again || !succeeded) {
        again = false;
        schedule();
      }
    });
  }

  function schedule(): void {
    if (closed || timer) return;
    timer = setTimeout(run, Math.min(delayMs * 2 ** failuresInRow, MAX_RETRY_MS));
    // A pending checkpoint never keeps the process alive: a WAL left behind is recovered when the file is next opened.
    timer.unref?.();
  }

  function run(): void {
    timer = undefined;
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    const checkpoint = () => (db.prepare("PRAGMA wal_checkpoint(PASSIVE)") as Promise<{ get(): Promise<CheckpointOutcome> }>).then((statement) => statement.get());
    track(options.around ? options.around(checkpoint) : checkpoint(), (outcome) => {
      if (outcome.busy === 1) {
        statistics.failures++;
        return false;
      }
      statistics.runs++;
      return true;
    });
  }

  // The checkpoint syncs the WAL before copying it and the database file after, as the writer's own did (NORMAL).
  // busy_timeout first: opened next to a writer (migrations at start), the connection's first statement can meet the
  // file locked for a moment, and a failure here would leave the checkpointer unusable. PASSIVE checkpoints never
  // wait on it (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html).
  track(
    db.exec("PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL").catch((error: unknown) => {
      closed = true;
      closeConnection();
      options.onUnusable?.();
      throw error;
    }),
    () => true,
  );
  return {
    written: schedule,
    statistics,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
      closeConnection();
    },
  };
}
