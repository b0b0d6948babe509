// The time slicing of the xDS side's background work: loops sharing one TimeSlicing keep to one budget per turn
// between them, give way to foreground work in flight (resuming when it is done, or after maxDeferMs at the latest),
// and a loop someone is waiting for does not give way. A manual clock and a manual event loop make every step
// explicit: nothing here depends on how fast the machine is.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTimeSlicing } from "../../../functions/xds/cache/time-slicer.js";

/** A clock that moves only when told, and an event loop whose turns run only when told. */
function manualLoop() {
  let time = 0;
  const turns: Array<() => void> = [];
  return {
    now: () => time,
    advance: (ms: number) => (time += ms),
    defer: (resume: () => void) => void turns.push(resume),
    get queuedTurns() {
      return turns.length;
    },
    /** Runs what was deferred for the next turn, then lets the promise continuations run. */
    async turn(): Promise<void> {
      for (const resume of turns.splice(0)) resume();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
}

/** A loop of `units` units of work, each taking `costMs` on the manual clock, logging each unit as `name:i`; it pauses between units. */
async function loop(name: string, units: number, costMs: number, slicer: { pause(): Promise<void> | undefined }, log: string[], advance: (ms: number) => void): Promise<void> {
  for (let i = 0; i < units; i++) {
    advance(costMs);
    log.push(`${name}:${i}`);
    if (i === units - 1) break;
    const pause = slicer.pause();
    if (pause) await pause;
  }
}

describe("createTimeSlicing", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lets the loops that share it do one budget of work per turn between them, not one budget each", async () => {
    const clock = manualLoop();
    const slicing = createTimeSlicing({ budgetMs: 4, now: clock.now, defer: clock.defer });
    const log: string[] = [];
    const a = loop("a", 6, 1, slicing.slicer(), log, clock.advance);
    const b = loop("b", 6, 1, slicing.slicer(), log, clock.advance);
    // The first turn: a works through the budget; b, started in the same turn, finds it spent after its first unit.
    await Promise.resolve();
    expect(log).toEqual(["a:0", "a:1", "a:2", "a:3", "b:0"]);
    const perTurn: number[] = [];
    let before = log.length;
    while (clock.queuedTurns > 0) {
      await clock.turn();
      perTurn.push(log.length - before);
      before = log.length;
    }
    await Promise.all([a, b]);
    expect(log).toHaveLength(12);
    // Each turn runs one budget (4 units of 1 ms), plus at most one unit of the loop that found it spent.
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(5);
  });

  it("does not start a slice while foreground work is in flight, and resumes as soon as it is done", async () => {
    const clock = manualLoop();
    const slicing = createTimeSlicing({ budgetMs: 2, now: clock.now, defer: clock.defer });
    const log: string[] = [];
    const work = loop("bg", 6, 1, slicing.slicer(), log, clock.advance);
    await Promise.resolve();
    expect(log).toEqual(["bg:0", "bg:1"]);
    // An API request arrives before the next slice: turns pass, the background waits.
    const done = slicing.foreground();
    expect(slicing.foregroundInFlight).toBe(1);
    await clock.turn();
    await clock.turn();
    expect(log).toEqual(["bg:0", "bg:1"]);
    log.push("api answered");
    done();
    done(); // a second call changes nothing
    expect(slicing.foregroundInFlight).toBe(0);
    while (clock.queuedTurns > 0) await clock.turn();
    await work;
    expect(log).toEqual(["bg:0", "bg:1", "api answered", "bg:2", "bg:3", "bg:4", "bg:5"]);
    expect(slicing.deferrals).toBeGreaterThan(0);
  });

  it("runs a deferred slice after maxDeferMs even while foreground work is still in flight", async () => {
    vi.useFakeTimers();
    const clock = manualLoop();
    const slicing = createTimeSlicing({ budgetMs: 1, maxDeferMs: 25, overdueBudgetMs: 1, now: clock.now, defer: clock.defer });
    const log: string[] = [];
    slicing.foreground(); // never ends
    const work = loop("bg", 3, 1, slicing.slicer(), log, clock.advance);
    let finished = false;
    void work.then(() => (finished = true));
    await Promise.resolve();
    expect(log).toEqual(["bg:0"]);
    // Each slice waits for the request, 25 ms at most, then runs: the loop finishes although the request never ends.
    for (let i = 0; i < 10 && !finished; i++) {
      await clock.turn();
      const before = log.length;
      vi.advanceTimersByTime(24);
      await clock.turn();
      expect(log.length).toBe(before);
      vi.advanceTimersByTime(1);
      await clock.turn();
      expect(log.length).toBe(before + 1);
    }
    expect(finished).toBe(true);
    expect(log).toEqual(["bg:0", "bg:1", "bg:2"]);
  });

  it("gives a slice that runs while foreground work is still in flight the overdue budget, not the short one", async () => {
    vi.useFakeTimers();
    const clock = manualLoop();
    const slicing = createTimeSlicing({ budgetMs: 1, maxDeferMs: 25, overdueBudgetMs: 3, now: clock.now, defer: clock.defer });
    const log: string[] = [];
    const done = slicing.foreground();
    const work = loop("bg", 8, 1, slicing.slicer(), log, clock.advance);
    await Promise.resolve();
    expect(log).toEqual(["bg:0"]);
    await clock.turn();
    vi.advanceTimersByTime(25);
    await clock.turn();
    // Three units of 1 ms in the overdue slice, then it gives way again.
    expect(log).toEqual(["bg:0", "bg:1", "bg:2", "bg:3"]);
    done();
    // Without foreground work in flight, slices are back to the short budget: one unit a turn.
    await clock.turn();
    await clock.turn();
    expect(log.length).toBe(5);
    while (clock.queuedTurns > 0) await clock.turn();
    await work;
    expect(log.length).toBe(8);
  });

  it("does not make an urgent loop (someone waits for it) give way to foreground work", async () => {
    const clock = manualLoop();
    const slicing = createTimeSlicing({ budgetMs: 1, now: clock.now, defer: clock.defer });
    const log: string[] = [];
    const done = slicing.foreground();
    const work = loop("urgent", 3, 1, slicing.slicer(() => true), log, clock.advance);
    while (clock.queuedTurns > 0) await clock.turn();
    await work;
    expect(log).toEqual(["urgent:0", "urgent:1", "urgent:2"]);
    done();
  });

  it("starts work a foreground request set off only after that request is done, unless someone hurries it", async () => {
    const clock = manualLoop();
    const slicing = createTimeSlicing({ now: clock.now, defer: clock.defer });
    const log: string[] = [];
    const done = slicing.foreground();
    const started = slicing.turn().then(() => log.push("background started"));
    await clock.turn();
    expect(log).toEqual([]);
    done();
    // One turn for the I/O the answer set off (its client reading it, the next request), then the background.
    await clock.turn();
    expect(log).toEqual([]);
    expect(slicing.ioTurns).toBe(1);
    await clock.turn();
    await started;
    expect(log).toEqual(["background started"]);

    const again = slicing.foreground();
    const hurried = slicing.turn().then(() => log.push("hurried"));
    slicing.hurry();
    await clock.turn();
    await hurried;
    expect(log).toEqual(["background started", "hurried"]);
    again();
  });

  it("gives the event loop one turn after each request ends before the next slice, and a request arriving in that turn goes first", async () => {
    const clock = manualLoop();
    const slicing = createTimeSlicing({ budgetMs: 1, now: clock.now, defer: clock.defer });
    const log: string[] = [];
    const work = loop("bg", 3, 1, slicing.slicer(), log, clock.advance);
    await Promise.resolve();
    expect(log).toEqual(["bg:0"]);
    const first = slicing.foreground();
    await clock.turn();
    first();
    log.push("first answered");
    await clock.turn();
    // The turn after the answer: the client's next request is read before any slice.
    expect(log).toEqual(["bg:0", "first answered"]);
    const second = slicing.foreground();
    await clock.turn();
    second();
    log.push("second answered");
    await clock.turn();
    expect(log).toEqual(["bg:0", "first answered", "second answered"]);
    while (clock.queuedTurns > 0) await clock.turn();
    await work;
    expect(log).toEqual(["bg:0", "first answered", "second answered", "bg:1", "bg:2"]);
    expect(slicing.ioTurns).toBe(2);
  });

  it("counts maxDeferMs from the first time queued work gave way, so requests that follow one another do not restart it", async () => {
    vi.useFakeTimers();
    const clock = manualLoop();
    const slicing = createTimeSlicing({ budgetMs: 1, maxDeferMs: 25, now: () => clock.now() + Date.now(), defer: clock.defer });
    const log: string[] = [];
    const work = loop("bg", 2, 1, slicing.slicer(), log, clock.advance);
    await Promise.resolve();
    expect(log).toEqual(["bg:0"]);
    // Requests one after the other, each 10 ms, each starting in the turn the previous one's answer left free.
    for (let i = 0; i < 3; i++) {
      const done = slicing.foreground();
      await clock.turn();
      vi.advanceTimersByTime(10);
      await clock.turn();
      done();
      log.push(`request ${i} answered`);
      await clock.turn();
    }
    await work;
    // 30 ms of requests in all: the slice ran during the third, 25 ms after it first gave way.
    expect(log).toEqual(["bg:0", "request 0 answered", "request 1 answered", "bg:1", "request 2 answered"]);
  });
});
