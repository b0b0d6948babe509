// How committed changes reach watchers (the xDS cache). In one process the writer publishes to a local feed
// at once; across processes a feed follows the store (polling its change log here, LISTEN/NOTIFY on PostgreSQL).
import { createChangeLogCursor } from "./change-log-cursor.js";
import type { Store } from "./store.js";

/** A scope ("account", "mesh/<name>", "endpoints") reached `revision`. Delivered at least once, possibly repeated. */
export interface ScopeChange {
  scope: string;
  revision: number;
}

/**
 * The scope of a change that stands for any number of changes a feed could not read (retention deleted them while
 * this process was away): whatever a watcher holds may be out of date and must be read again. Its revision is 0.
 */
export const RESYNC_SCOPE = "*";

export interface ChangeFeed {
  /** Calls `listener` for every change from now on; returns the unsubscribe function. */
  subscribe(listener: (change: ScopeChange) => void): () => void;
  close(): Promise<void>;
}

/** An in-process feed: `publish` wakes every subscriber synchronously. */
export interface LocalChangeFeed extends ChangeFeed {
  publish(change: ScopeChange): void;
}

export function createLocalChangeFeed(): LocalChangeFeed {
  const listeners = new Set<(change: ScopeChange) => void>();
  return {
    publish(change) {
      for (const listener of listeners) listener(change);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
  };
}

export interface PollingChangeFeedOptions {
  /** How often the change log is read (default 250 ms). */
  intervalMs?: number;
  /** This process's id among the log's followers (default: a random one); retention keeps what it has not read. */
  followerId?: string;
}

/**
 * Follows the store's change log every `intervalMs`, so writes made by other processes sharing the same
 * database are seen. Starts from the log's current end: only changes after creation are delivered.
 */
export function createPollingChangeFeed(store: Store, options: PollingChangeFeedOptions = {}): ChangeFeed {
  const intervalMs = options.intervalMs ?? 250;
  const local = createLocalChangeFeed();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cursor = createChangeLogCursor(store, {
    isStopped: () => stopped,
    followerId: options.followerId ?? crypto.randomUUID(),
    onGap: () => local.publish({ scope: RESYNC_SCOPE, revision: 0 }),
  });

  async function poll(): Promise<void> {
    try {
      await cursor.catchUp((change) => local.publish({ scope: change.scope, revision: change.revision }));
    } catch {
      // A transient store error: the next tick retries from the same cursor, so nothing is skipped.
    }
    if (!stopped) timer = setTimeout(poll, intervalMs);
  }
  void poll();

  return {
    subscribe: local.subscribe,
    async close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await cursor.close();
      await local.close();
    },
  };
}
