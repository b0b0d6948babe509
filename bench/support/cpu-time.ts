// CPU time a process (and its children, for a gateway with workers) spent, read from /proc: on a shared machine
// CPU time per request is steadier than wall-clock throughput.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

function processTicks(pid: number): number {
  try {
    // Fields after the command (which may hold spaces) start at ")": utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // gone
    }
  }
  return children;
}

/** CPU seconds (user + system) of `pid` and its descendants, as of now. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop()!;
    ticks += processTicks(next);
    pending.push(...childrenOf(next));
  }
  return ticks / TICKS_PER_SECOND;
}

/** Seconds core `cpu` has been busy (user, nice, system, irq, softirq, steal) since boot, whoever ran there: /proc/stat. */
export function coreBusySeconds(cpu: number): number {
  const line = readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`cpu${cpu} `));
  if (!line) throw new Error(`/proc/stat has no line for cpu${cpu}`);
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / TICKS_PER_SECOND;
}
