// A follower's position in the store's change log, and the walk that moves it: the one reader of the log that both
// cross-process feeds use (polling on SQLite/D1, db/change-feed.ts; LISTEN/NOTIFY on PostgreSQL, which reads the log
// to close gaps, db/postgres/notify-change-feed.ts). A follower with an id reports its position to the store, so
// retention (db/retention.ts) never deletes an entry it has not read.
import type { ChangeRecord, Store } from "./store.js";

/** Rows per read while delivering what the log gained. */
const DELIVER_PAGE = 500;
/** A follower's position is reported when it moved, and at least this often while it stands still. */
const DEFAULT_REPORT_EVERY_MS = 30_000;

export interface ChangeLogCursor {
  /** Seq of the last change the follower is past; undefined until the first `catchUp` has found the log's end. */
  readonly position: number | undefined;
  /**
   * The first call moves to the end of the log (its newest seq, read from the key's index) and delivers nothing: a
   * follower sees only changes committed after it started. Every later call delivers each change after the position,
   * oldest first, moving past it page by page, until a read finds nothing new or `isStopped()` holds. A store error
   * rejects with the position after the last page delivered, so the next call resumes there and nothing is skipped.
   * When the entries right after the position are gone (retention deleted them while this follower was not
   * reporting), `onGap` is called before the rest is delivered: the follower missed changes it cannot read.
   */
  catchUp(deliver: (change: ChangeRecord) => void): Promise<void>;
  /** Moves past changes delivered another way (a notification that carried them); never moves back, nor before the end is found. */
  skipTo(seq: number): void;
  /** Withdraws the follower's report (a clean stop); resolves even when the store cannot be reached. */
  close(): Promise<void>;
}

export interface ChangeLogCursorOptions {
  /** Checked between pages: a closed feed stops reading. */
  isStopped?: () => boolean;
  /** The follower's id in `change_log_followers`; without one the position is not reported (nothing holds retention back). */
  followerId?: string;
  /** Called when the log has lost entries this follower had not read (see `catchUp`). */
  onGap?: () => void;
  /** Epoch milliseconds (the reports' time); Date.now by default. */
  now?: () => number;
  reportEveryMs?: number;
}

type CursorStore = Pick<Store, "listChanges" | "changeLogEnd" | "reportFollower" | "removeFollower">;

export function createChangeLogCursor(store: CursorStore, options: ChangeLogCursorOptions = {}): ChangeLogCursor {
  const isStopped = options.isStopped ?? (() => false);
  const now = options.now ?? Date.now;
  const reportEveryMs = options.reportEveryMs ?? DEFAULT_REPORT_EVERY_MS;
  let position: number | undefined;
  let reported: { position: number; at: number } | undefined;

  /** Tells the store where this follower is; a failure is retried with the next catch-up, never delivered as an error. */
  async function report(): Promise<void> {
    const id = options.followerId;
    if (id === undefined || position === undefined) return;
    const at = now();
    if (reported && reported.position === position && at - reported.at < reportEveryMs) return;
    try {
      await store.reportFollower(id, position, at);
      reported = { position, at };
    } catch {
      // The next catch-up reports again; until then retention may only see an older position, which keeps more.
    }
  }

  return {
    get position() {
      return position;
    },
    async catchUp(deliver) {
      if (position === undefined) {
        position = await store.changeLogEnd();
        await report();
        return;
      }
      let first = true;
      for (let page = await store.listChanges(position, DELIVER_PAGE); page.length > 0 && !isStopped(); page = await store.listChanges(position, DELIVER_PAGE)) {
        // Seqs are contiguous but for rolled-back PostgreSQL inserts, which are rare: a false alarm costs a reload.
        if (first && page[0]!.seq > position + 1) options.onGap?.();
        first = false;
        for (const change of page) deliver(change);
        position = page[page.length - 1]!.seq;
      }
      await report();
    },
    skipTo(seq) {
      if (position !== undefined && seq > position) position = seq;
    },
    async close() {
      if (options.followerId === undefined) return;
      try {
        await store.removeFollower(options.followerId);
      } catch {
        // Unreachable store: the row expires once it stops being reported.
      }
    },
  };
}
