// Long loops on the event loop that also serves the API (re-translating a mesh's nodes, pushing to thousands of
// streams) run in slices: after `budgetMs` of work the loop yields, so requests that arrived meanwhile are served
// between slices instead of waiting for the whole loop. The loops of one process share one TimeSlicing, and with it
// each slice's budget: translation and the push queue together take at most one budget per turn of the event loop,
// not one each. Foreground work (an API request) goes first: while one is in flight, background loops do not start
// a new slice, up to `maxDeferMs`, and once the last one is done the event loop gets one more turn for I/O (the
// client reading its answer, its next request) before they do. So a request waits for at most the slice under way
// when it arrives, not for a push storm: measured under a 1,000-stream push (bench/ads.bench.ts), an unrelated
// write's extra latency was two 3 ms slices, one before the server read it and one before its client read the answer.
// Runs on Node and on Workers (no node: imports).

export interface TimeSlicerOptions {
  /** Work per slice before yielding (default 1 ms): what a request arriving mid-slice waits for at most. */
  budgetMs?: number;
  /**
   * How long queued background work waits for foreground work before it runs anyway (default 25 ms), counted from
   * the first time it gave way and not restarted by requests that follow one another, so a steady stream of API
   * requests slows pushes down but never stops them.
   */
  maxDeferMs?: number;
  /**
   * Work per slice when it runs although foreground work is in flight (it waited maxDeferMs, or someone waits for
   * it): default 5 ms, so that under a steady stream of API requests pushes still get about a sixth of the loop
   * rather than 1 ms in 26.
   */
  overdueBudgetMs?: number;
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

/** The background work of one process: its loops share the slice budget and give way to foreground work. */
export interface TimeSlicing {
  /**
   * A slicer for one loop; its slices count against the budget every other slicer of this TimeSlicing shares.
   * `urgent`: asked at each yield; while true, the loop does not give way to foreground work (a request waits for
   * this very loop: a REST xDS fetch or a stream's first watch waiting for the mesh to load).
   */
  slicer(urgent?: () => boolean): TimeSlicer;
  /**
   * Resolves on a later turn of the event loop once no foreground work is in flight (or `maxDeferMs` passed): where
   * background work starts that a foreground request set off (a write's commit wakes the cache synchronously).
   */
  turn(): Promise<void>;
  /** Someone waits for background work now: the slices queued run on the next turn, foreground work or not. */
  hurry(): void;
  /**
   * Foreground work (an API request) began; call the returned function, once, when it is done. Until then no
   * background slice starts, for up to `maxDeferMs`.
   */
  foreground(): () => void;
  /** Foreground requests in flight. */
  readonly foregroundInFlight: number;
  /** Turns the background gave to I/O after foreground work ended, before its next slice (tests see this through it). */
  readonly ioTurns: number;
  /** Slices that waited for foreground work before they ran (tests see the priority through this). */
  readonly deferrals: number;
}

const defaultDefer = (resume: () => void): void => {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (immediate) immediate(resume);
  else setTimeout(resume, 0);
};

export function createTimeSlicing(options: TimeSlicerOptions = {}): TimeSlicing {
  const budgetMs = options.budgetMs ?? 1;
  const overdueBudgetMs = Math.max(budgetMs, options.overdueBudgetMs ?? 5);
  /** The budget of the slice under way. */
  let sliceBudgetMs = budgetMs;
  const maxDeferMs = options.maxDeferMs ?? 25;
  const now = options.now ?? (() => performance.now());
  const defer = options.defer ?? defaultDefer;
  let inFlight = 0;
  let deferrals = 0;
  let ioTurns = 0;
  /** Foreground work ended since the last slice: the next one waits one more turn, for the I/O that work set off. */
  let served = false;
  /** When the queued slices first gave way to foreground work (Infinity when they have not): maxDeferMs counts from here. */
  let deferredSince = Infinity;
  /** When the slice under way began: one for every loop, so that together they keep to one budget per turn. */
  let sliceStarted = now();
  /** Loops waiting for the next slice; all resume on the same turn, the first takes the budget, the others queue again. */
  let queued: Array<() => void> = [];
  /** A turn is deferred to run the next slice. */
  let scheduled = false;
  /** The next slice runs whatever foreground work is in flight (someone waits for it, or it waited maxDeferMs). */
  let forced = false;
  /** The slice that found foreground work in flight, waiting for it to end, at most until this timer fires. */
  let waiting: ReturnType<typeof setTimeout> | null = null;

  function schedule(force: boolean): void {
    if (force) forced = true;
    if (scheduled) return;
    scheduled = true;
    defer(runSlice);
  }

  function runSlice(): void {
    scheduled = false;
    if (queued.length === 0) return;
    if (inFlight > 0 && !forced) {
      if (waiting === null) {
        deferrals++;
        if (deferredSince === Infinity) deferredSince = now();
        // Waited long enough: the slice runs although foreground work is still in flight.
        waiting = setTimeout(() => {
          waiting = null;
          schedule(true);
        }, Math.max(0, deferredSince + maxDeferMs - now()));
      }
      return;
    }
    if (served && !forced) {
      // Deferred from this turn to the next: the I/O phase in between reads what the request's answer set off.
      served = false;
      ioTurns++;
      if (deferredSince === Infinity) deferredSince = now();
      if (now() - deferredSince < maxDeferMs) return schedule(false);
    }
    sliceBudgetMs = forced && inFlight > 0 ? overdueBudgetMs : budgetMs;
    forced = false;
    served = false;
    deferredSince = Infinity;
    if (waiting !== null) {
      clearTimeout(waiting);
      waiting = null;
    }
    sliceStarted = now();
    const resumes = queued;
    queued = [];
    for (const resume of resumes) resume();
  }

  /** Resolves on a later turn: once foreground work in flight is done (or maxDeferMs passed), unless `urgent`. */
  function nextSlice(urgent: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      queued.push(resolve);
      schedule(urgent);
    });
  }

  function foregroundDone(): void {
    inFlight--;
    if (inFlight > 0) return;
    served = true;
    if (waiting === null) return;
    clearTimeout(waiting);
    waiting = null;
    schedule(false);
  }

  return {
    slicer(urgent) {
      let yields = 0;
      return {
        pause() {
          if (now() - sliceStarted < sliceBudgetMs) return undefined;
          yields++;
          return nextSlice(urgent?.() ?? false);
        },
        get yields() {
          return yields;
        },
      };
    },
    turn: () => nextSlice(false),
    hurry() {
      if (queued.length > 0) schedule(true);
    },
    foreground() {
      inFlight++;
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        foregroundDone();
      };
    },
    get foregroundInFlight() {
      return inFlight;
    },
    get ioTurns() {
      return ioTurns;
    },
    get deferrals() {
      return deferrals;
    },
  };
}
