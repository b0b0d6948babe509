// Timers the core keeps for background work (health checks, DNS refresh, retired route tables) must not keep a
// Node process alive; Workers return a number from setTimeout and have nothing to unref.

/** Lets the process exit while `timer` is pending, where the runtime supports it; returns `timer`. */
export function unrefTimer<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
