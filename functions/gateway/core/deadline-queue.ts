// Deadlines of many requests on few runtime timers. Every request of a route arms the same delay (its route
// timeout), so its deadlines come due in the order they were armed: one list per delay, appended at the tail and
// unlinked in O(1) when the request ends first (nearly always), with one runtime timer per list, due for its head.
// A request then costs a small node instead of a timer of its own (Node's setTimeout made a Timeout, read libuv's
// clock and maintained its own lists per request: ~2 % of the gateway's CPU at c=32 in issue 16's profile). A
// list's timer is not moved when its head leaves: when it fires it skips to the new head and sleeps again, so
// it fires about once per delay rather than once per request.

/** What a deadline calls when it passes. */
export interface DeadlineTarget {
  deadlinePassed(): void;
}

/** One armed deadline (the handle `arm` returns, for `disarm`). */
export class Deadline {
  prev: Deadline | null = null;
  next: Deadline | null = null;
  list: DeadlineList | null;

  constructor(
    readonly target: DeadlineTarget,
    readonly due: number,
    list: DeadlineList,
  ) {
    this.list = list;
  }
}

class DeadlineList {
  head: Deadline | null = null;
  tail: Deadline | null = null;
  timer: ReturnType<typeof setTimeout> | null = null;
  /** Its due deadlines are being called: one armed meanwhile joins the tail, and the timer is set after them. */
  firing = false;

  constructor(readonly delayMs: number) {}
}

/** A timer fires on a millisecond clock that can lag the precise one: a deadline this close counts as passed. */
const SLACK_MS = 1;

export class DeadlineQueue {
  readonly #lists = new Map<number, DeadlineList>();
  readonly #now: () => number;

  /** `now` is the clock deadlines are given in (performance.now() by default). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Calls `target.deadlinePassed()` once `delayMs` (a whole number ≥ 1) have passed since `now`, unless disarmed first. */
  arm(target: DeadlineTarget, delayMs: number, now: number): Deadline {
    let list = this.#lists.get(delayMs);
    if (list === undefined) this.#lists.set(delayMs, (list = new DeadlineList(delayMs)));
    const deadline = new Deadline(target, now + delayMs, list);
    const tail = list.tail;
    if (tail === null) list.head = deadline;
    else {
      tail.next = deadline;
      deadline.prev = tail;
    }
    list.tail = deadline;
    if (list.timer === null && !list.firing) this.#sleep(list, delayMs);
    return deadline;
  }

  /** The deadline will not fire (idempotent). */
  disarm(deadline: Deadline): void {
    const list = deadline.list;
    if (list === null) return;
    deadline.list = null;
    const { prev, next } = deadline;
    if (prev === null) list.head = next;
    else prev.next = next;
    if (next === null) list.tail = prev;
    else next.prev = prev;
    deadline.prev = deadline.next = null;
  }

  #sleep(list: DeadlineList, ms: number): void {
    const timer = setTimeout(fire, Math.max(1, Math.ceil(ms)), this, list);
    (timer as { unref?: () => void }).unref?.();
    list.timer = timer;
  }

  /** @internal a list's timer fired: runs what is due, then sleeps until its next head is. */
  fired(list: DeadlineList): void {
    list.timer = null;
    const now = this.#now() + SLACK_MS;
    let head: Deadline | null;
    list.firing = true;
    try {
      while ((head = list.head) !== null && head.due <= now) {
        this.disarm(head);
        head.target.deadlinePassed();
      }
    } finally {
      list.firing = false;
    }
    head = list.head;
    if (head !== null) this.#sleep(list, head.due - now + SLACK_MS);
    else if (this.#lists.get(list.delayMs) === list) this.#lists.delete(list.delayMs);
  }

  /** Deadlines armed and not yet passed or disarmed (for tests). */
  get size(): number {
    let count = 0;
    for (const list of this.#lists.values()) for (let at = list.head; at !== null; at = at.next) count++;
    return count;
  }
}

function fire(queue: DeadlineQueue, list: DeadlineList): void {
  queue.fired(list);
}
