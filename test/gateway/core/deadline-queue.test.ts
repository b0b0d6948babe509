// The shared deadline lists the Node gateway's exchanges wait on: what fires, in which order, and what a disarm or
// a later deadline of the same list leaves pending.
import { afterEach, describe, expect, it, vi } from "vitest";
import { DeadlineQueue } from "../../../functions/gateway/core/deadline-queue.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recorder(fired: string[]) {
  return (name: string) => ({ deadlinePassed: () => fired.push(name) });
}

describe("DeadlineQueue", () => {
  it("fires each armed deadline once, in due order across lists of different delays", async () => {
    const queue = new DeadlineQueue();
    const fired: string[] = [];
    const target = recorder(fired);
    const now = performance.now();
    queue.arm(target("late"), 40, now);
    queue.arm(target("early"), 5, now);
    queue.arm(target("early-2"), 5, now);
    expect(queue.size).toBe(3);
    await sleep(80);
    expect(fired).toEqual(["early", "early-2", "late"]);
    expect(queue.size).toBe(0);
  });

  it("never fires a disarmed deadline, whether it was the head, the middle or the tail of its list", async () => {
    const queue = new DeadlineQueue();
    const fired: string[] = [];
    const target = recorder(fired);
    const now = performance.now();
    const head = queue.arm(target("head"), 10, now);
    const middle = queue.arm(target("middle"), 10, now);
    queue.arm(target("kept"), 10, now);
    const tail = queue.arm(target("tail"), 10, now);
    queue.disarm(middle);
    queue.disarm(head);
    queue.disarm(tail);
    queue.disarm(tail);
    expect(queue.size).toBe(1);
    await sleep(50);
    expect(fired).toEqual(["kept"]);
  });

  it("keeps a later deadline of a list pending when the list's timer fires for an earlier one", async () => {
    let clock = 0;
    const queue = new DeadlineQueue(() => clock);
    const fired: string[] = [];
    const target = recorder(fired);
    queue.arm(target("first"), 5, 0);
    // Armed "later" on the same list: due at 105 on the injected clock, after the first timer fires.
    queue.arm(target("second"), 5, 100);
    clock = 10;
    await sleep(30);
    expect(fired).toEqual(["first"]);
    expect(queue.size).toBe(1);
    clock = 200;
    await sleep(150);
    expect(fired).toEqual(["first", "second"]);
  });

  it("lets a deadline that passes arm another one from inside its callback", async () => {
    const queue = new DeadlineQueue();
    const fired: string[] = [];
    await new Promise<void>((done) => {
      const inner = { deadlinePassed: () => (fired.push("inner"), done()) };
      queue.arm({ deadlinePassed: () => (fired.push("outer"), queue.arm(inner, 5, performance.now())) }, 5, performance.now());
    });
    expect(fired).toEqual(["outer", "inner"]);
    expect(queue.size).toBe(0);
  });

  describe("on fake timers", () => {
    afterEach(() => vi.useRealTimers());

    it("fires a later deadline of a list when it is due although the one before it re-armed the same delay from its callback", () => {
      vi.useFakeTimers();
      const queue = new DeadlineQueue(() => Date.now());
      const start = Date.now();
      const fired: Array<[string, number]> = [];
      let rearmed = false;
      const streaming = {
        deadlinePassed() {
          fired.push(["streaming", Date.now() - start]);
          // An idle deadline that body activity moved on: it waits the whole delay again, behind the other.
          if (!rearmed) queue.arm(streaming, 200, Date.now());
          rearmed = true;
        },
      };
      queue.arm(streaming, 200, Date.now());
      vi.advanceTimersByTime(100);
      queue.arm({ deadlinePassed: () => fired.push(["waiting", Date.now() - start]) }, 200, Date.now());
      vi.advanceTimersByTime(250);
      expect(fired).toEqual([["streaming", 200], ["waiting", 300]]);
      vi.advanceTimersByTime(100);
      expect(fired).toEqual([["streaming", 200], ["waiting", 300], ["streaming", 400]]);
      expect(queue.size).toBe(0);
    });
  });
});
