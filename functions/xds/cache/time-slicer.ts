// Long loops on the event loop that also serves the API (re-translating a mesh's nodes, pushing to thousands of
// streams) run in slices: after `budgetMs` of work the loop yields, so requests that arrived meanwhile are served
// between slices instead of waiting for the whole loop. Runs on Node and on Workers (no node: imports).

export interface TimeSlicerOptions {
  /** Work per slice before yielding (default 4 ms). */
  budgetMs?: number;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
  /** Runs `resume` after the event loop has had its turn (default: setImmediate, else setTimeout 0). */
  defer?: (resume: () => void) => void;
}

export interface TimeSlicer {
  /**
   * Called between two units of work: undefined while the slice has time left, otherwise a promise that resolves
   * once the event loop has run what was waiting (the next slice then starts).
   * @example
   * for (const node of nodes) { translate(node); const pause = slicer.pause(); if (pause) await pause; }
   */
  pause(): Promise<void> | undefined;
  /** How many times the work yielded (tests see the slicing through this). */
  readonly yields: number;
}

const defaultDefer = (resume: () => void): void => {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (immediate) immediate(resume);
  else setTimeout(resume, 0);
};

export function createTimeSlicer(options: TimeSlicerOptions = {}): TimeSlicer {
  const budgetMs = options.budgetMs ?? 4;
  const now = options.now ?? (() => performance.now());
  const defer = options.defer ?? defaultDefer;
  let sliceStarted = now();
  let yields = 0;
  return {
    pause() {
      if (now() - sliceStarted < budgetMs) return undefined;
      yields++;
      return new Promise<void>((resolve) =>
        defer(() => {
          sliceStarted = now();
          resolve();
        }),
      );
    },
    get yields() {
      return yields;
    },
  };
}
