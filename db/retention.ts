// Keeps the two logs that only grow bounded: the change log loses entries every live follower has read and that
// are older than the configured age (MESHPLANE_CHANGE_LOG_RETENTION); the audit log keeps an age and/or a number of
// entries (MESHPLANE_AUDIT_RETENTION). Deletes go in bounded chunks, so one pass never holds a long write lock
// (SQLite, D1) or a long transaction (PostgreSQL). Node runs it on a timer, a Worker now and then on a request.
import type { PruneResult, Store } from "./store.js";

export interface RetentionPolicy {
  /** Change-log entries older than this (ms) may go once every live follower has read them. */
  changeLogMaxAgeMs: number;
  /** Audit entries older than this (ms) go; undefined: no age limit. */
  auditMaxAgeMs?: number;
  /** Only the newest this many audit entries stay; undefined: no size limit. */
  auditMaxEntries?: number;
}

/** What one pass deleted. */
export interface RetentionResult {
  changeLog: number;
  audit: number;
}

export interface Retention {
  /** One pass over both logs. */
  run(): Promise<RetentionResult>;
  /** A pass when the last one started `intervalMs` ago or more (or never ran), else null. Rejections are the caller's. */
  runIfDue(): Promise<RetentionResult> | null;
  /** Runs a pass now and every `intervalMs` after (failures go to `onError`); returns the stop function, which resolves once a pass under way has ended. */
  start(onError?: (error: unknown) => void): () => Promise<void>;
}

export interface RetentionOptions {
  /** Epoch milliseconds; Date.now by default. */
  now?: () => number;
  /** Between passes (default 60 s). */
  intervalMs?: number;
  /** Rows per delete statement (default 1000). */
  chunk?: number;
}

/**
 * A follower that has not reported for this long (or for the change-log age, when longer) is taken for gone: its
 * position no longer holds entries back. Followers report every 30 s while they run (db/change-log-cursor.ts); one
 * that comes back later finds the gap and reloads everything it serves.
 */
export const FOLLOWER_TIMEOUT_MS = 10 * 60_000;

/** A pass stops after this many chunks per log, so a huge backlog is worked off over several passes. */
const MAX_CHUNKS = 50;

type RetentionStore = Pick<Store, "pruneChangeLog" | "pruneAudit">;

export function createRetention(store: RetentionStore, policy: RetentionPolicy, options: RetentionOptions = {}): Retention {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 60_000;
  const chunk = options.chunk ?? 1000;
  let lastRun = -Infinity;
  /**
   * Where the next pass goes on in each log when the last one stopped at MAX_CHUNKS with more to look at; 0 starts
   * from the oldest entry. Moving past kept windows (entries stamped ahead of a clock that stepped back) is what lets
   * the older entries behind them go; a pass that reaches the end starts the next one from the oldest again.
   */
  const resumeAfter = { changeLog: 0, audit: 0 };

  async function drain(log: keyof typeof resumeAfter, prune: (afterSeq: number) => Promise<PruneResult>): Promise<number> {
    let total = 0;
    let afterSeq = resumeAfter[log];
    resumeAfter[log] = 0;
    for (let round = 0; round < MAX_CHUNKS; round++) {
      const { deleted, scannedThrough } = await prune(afterSeq);
      total += deleted;
      if (scannedThrough === null) return total;
      afterSeq = scannedThrough;
    }
    resumeAfter[log] = afterSeq;
    return total;
  }

  async function run(): Promise<RetentionResult> {
    lastRun = now();
    const at = lastRun;
    const changeLog = await drain("changeLog", (afterSeq) =>
      store.pruneChangeLog({
        before: at - policy.changeLogMaxAgeMs,
        followersAliveSince: at - Math.max(FOLLOWER_TIMEOUT_MS, policy.changeLogMaxAgeMs),
        limit: chunk,
        afterSeq,
      }),
    );
    const auditRule = {
      ...(policy.auditMaxAgeMs !== undefined ? { before: at - policy.auditMaxAgeMs } : {}),
      ...(policy.auditMaxEntries !== undefined ? { keep: policy.auditMaxEntries } : {}),
    };
    const audit = Object.keys(auditRule).length > 0 ? await drain("audit", (afterSeq) => store.pruneAudit({ ...auditRule, limit: chunk, afterSeq })) : 0;
    return { changeLog, audit };
  }

  return {
    run,
    runIfDue: () => (now() - lastRun >= intervalMs ? run() : null),
    start(onError = (error) => console.error("meshplane: pruning the change and audit logs failed:", error instanceof Error ? error.message : error)) {
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let running: Promise<void> = Promise.resolve();
      const tick = () => {
        running = run().then(
          () => undefined,
          (error: unknown) => {
            if (!stopped) onError(error);
          },
        );
        void running.then(() => {
          if (stopped) return;
          timer = setTimeout(tick, intervalMs);
          (timer as { unref?: () => void }).unref?.();
        });
      };
      tick();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        return running;
      };
    },
  };
}
