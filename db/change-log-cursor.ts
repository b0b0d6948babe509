// A follower's position in the store's change log, and the walk that moves it: the one reader of the log that both
// cross-process feeds use (polling on SQLite/D1, db/change-feed.ts; LISTEN/NOTIFY on PostgreSQL, which reads the log
// to close gaps, db/postgres/notify-change-feed.ts).
import type { ChangeRecord, Store } from "./store.js";

/** Rows per read while looking for the log's end, and while delivering what it gained. */
const SEEK_PAGE = 1000;
const DELIVER_PAGE = 500;

export interface ChangeLogCursor {
  /** Seq of the last change the follower is past; undefined until the first `catchUp` has found the log's end. */
  readonly position: number | undefined;
  /**
   * The first call moves to the end of the log and delivers nothing: a follower sees only changes committed after it
   * started. Every later call delivers each change after the position, oldest first, moving past it page by page,
   * until a read finds nothing new or `isStopped()` holds. A store error rejects with the position after the last
   * page delivered, so the next call resumes there and nothing is skipped.
   */
  catchUp(deliver: (change: ChangeRecord) => void): Promise<void>;
  /** Moves past changes delivered another way (a notification that carried them); never moves back, nor before the end is found. */
  skipTo(seq: number): void;
}

export interface ChangeLogCursorOptions {
  /** Checked between pages: a closed feed stops reading. */
  isStopped?: () => boolean;
}

export function createChangeLogCursor(store: Pick<Store, "listChanges">, options: ChangeLogCursorOptions = {}): ChangeLogCursor {
  const isStopped = options.isStopped ?? (() => false);
  let position: number | undefined;

  async function seekToEnd(): Promise<number> {
    let last = 0;
    for (let page = await store.listChanges(0, SEEK_PAGE); page.length > 0; page = await store.listChanges(last, SEEK_PAGE)) {
      last = page[page.length - 1]!.seq;
    }
    return last;
  }

  return {
    get position() {
      return position;
    },
    async catchUp(deliver) {
      if (position === undefined) {
        position = await seekToEnd();
        return;
      }
      for (let page = await store.listChanges(position, DELIVER_PAGE); page.length > 0 && !isStopped(); page = await store.listChanges(position, DELIVER_PAGE)) {
        for (const change of page) deliver(change);
        position = page[page.length - 1]!.seq;
      }
    },
    skipTo(seq) {
      if (position !== undefined && seq > position) position = seq;
    },
  };
}
