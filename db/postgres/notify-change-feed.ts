// Cross-replica change propagation on PostgreSQL: every commit NOTIFYs CHANGE_CHANNEL in its own transaction
// (db/postgres/store.ts); each replica LISTENs on one dedicated connection and wakes its watchers at once.
// Notifications are lost while that connection is down, so the feed then follows the change log by polling,
// reconnects, catches up from the log, and returns to notifications.
import postgres from "postgres";
import { createLocalChangeFeed, RESYNC_SCOPE, type ChangeFeed } from "../change-feed.js";
import { createChangeLogCursor } from "../change-log-cursor.js";
import type { Store } from "../store.js";
import { CHANGE_CHANNEL, type ChangeNotification } from "./constants.js";

export interface PgNotifyChangeFeedOptions {
  /** How often the change log is polled, and LISTEN retried, while the channel is down (default 250 ms). */
  fallbackIntervalMs?: number;
  /** A slow poll of the change log while notifications flow, for a drop not yet detected (default 5000 ms). */
  safetyIntervalMs?: number;
  /** application_name of the listening connection, to find it in pg_stat_activity (default "meshplane-change-feed"). */
  applicationName?: string;
  /** This replica's id among the log's followers (default: a random one); retention keeps what it has not read. */
  followerId?: string;
}

export interface PgNotifyChangeFeed extends ChangeFeed {
  /** Resolves once the first LISTEN is in place and the log position is known; changes after that are delivered. */
  readonly ready: Promise<void>;
  /** "notify" while LISTEN is in place, "polling" while the channel is down. */
  readonly mode: "notify" | "polling";
}

/** postgres.js options it reads but does not declare in its types (its own `listen()` is built on them). */
interface ListenerOptions {
  onnotify(channel: string, payload: string): void;
}

/**
 * Follows commits of every replica sharing the database at `url`; `store` (on the same database) serves the
 * change-log reads. Delivers each change at least once, possibly repeated, per scope in commit order.
 * @example
 *   const feed = createPgNotifyChangeFeed(process.env.DATABASE_URL!, store);
 *   feed.subscribe(({ scope, revision }) => cache.reload(scope, revision));
 */
export function createPgNotifyChangeFeed(url: string, store: Store, options: PgNotifyChangeFeedOptions = {}): PgNotifyChangeFeed {
  const fallbackIntervalMs = options.fallbackIntervalMs ?? 250;
  const safetyIntervalMs = options.safetyIntervalMs ?? 5000;
  const local = createLocalChangeFeed();
  let mode: "notify" | "polling" = "polling";
  let stopped = false;
  /** Past the last change delivered; positioned at the log's end by the first catch-up after the first LISTEN. */
  const cursor = createChangeLogCursor(store, {
    isStopped: () => stopped,
    followerId: options.followerId ?? crypto.randomUUID(),
    onGap: () => local.publish({ scope: RESYNC_SCOPE, revision: 0 }),
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Notifications and catch-ups run one after another, so a scope's revisions are delivered in order. */
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>) => {
    queue = queue.then(work).catch(() => {
      // A store error during catch-up: the cursor did not move, the next poll retries from it.
    });
  };

  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const listener = postgres(url, {
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    connect_timeout: 5,
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? "meshplane-change-feed" },
    onclose: () => {
      if (stopped || mode === "polling") return;
      mode = "polling";
      schedule(0);
    },
    ...({
      onnotify(channel, payload) {
        if (channel === CHANGE_CHANNEL) enqueue(() => onNotification(payload));
      },
    } satisfies ListenerOptions),
  });

  const catchUp = () => cursor.catchUp((change) => local.publish({ scope: change.scope, revision: change.revision }));

  async function onNotification(payload: string): Promise<void> {
    const position = cursor.position;
    if (position === undefined || stopped) return; // not started yet: the initial catch-up reads the log's end
    let notification: ChangeNotification;
    try {
      notification = JSON.parse(payload) as ChangeNotification;
    } catch {
      return catchUp();
    }
    const seq = notification.seq;
    // A gap (a notification missed while the drop went unnoticed, or a rolled-back seq) or a payload without
    // revisions: read the log first, so each scope's revisions still arrive in order.
    const contiguous = seq === null || seq[0] === position + 1 || seq[1] <= position;
    if (!contiguous || !notification.revisions) await catchUp();
    else if (seq !== null) cursor.skipTo(seq[1]);
    for (const [scope, revision] of Object.entries(notification.revisions ?? {})) local.publish({ scope, revision });
  }

  /** One step while polling: try to LISTEN again; either way, read what the log gained meanwhile. */
  async function tick(): Promise<void> {
    timer = undefined;
    if (stopped) return;
    if (mode === "polling") {
      try {
        await listener`listen ${listener(CHANGE_CHANNEL)}`;
        mode = "notify";
      } catch {
        // Still down; keep polling.
      }
    }
    // After LISTEN is in place: nothing committed from now on can be missed, so the catch-up closes the gap.
    await new Promise<void>((resolve) => enqueue(async () => {
      try {
        await catchUp();
      } finally {
        resolve();
      }
    }));
    if (cursor.position !== undefined && mode === "notify") markReady();
    schedule(mode === "notify" ? safetyIntervalMs : fallbackIntervalMs);
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void tick(), delayMs);
  }

  schedule(0);

  return {
    ready,
    get mode() {
      return mode;
    },
    subscribe: local.subscribe,
    async close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      markReady();
      await listener.end({ timeout: 1 });
      await queue;
      await cursor.close();
      await local.close();
    },
  };
}
