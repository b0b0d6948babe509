// Runs wrk (one thread, keep-alive connections, latency distribution) against a URL and reads its report.
import { execFile } from "node:child_process";

export interface WrkResult {
  requestsPerSecond: number;
  /** Microseconds. */
  p50: number;
  p99: number;
  requests: number;
  /** Socket errors plus non-2xx/3xx responses. */
  errors: number;
}

const UNIT_US: Record<string, number> = { us: 1, ms: 1_000, s: 1_000_000 };

function microseconds(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!match) throw new Error(`wrk: cannot read latency "${text}"`);
  return Number(match[1]) * UNIT_US[match[2]!]!;
}

export function parseWrk(output: string): WrkResult {
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s*${p}%\\s+(\\S+)`, "m").exec(output);
    if (!match) throw new Error(`wrk: no ${p}% line in:\n${output}`);
    return microseconds(match[1]!);
  };
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  if (!rate || !total) throw new Error(`wrk: unexpected output:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const errors = (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return { requestsPerSecond: Number(rate[1]), p50: percentile("50"), p99: percentile("99"), requests: Number(total[1]), errors };
}

/** `wrk -t1 -c<connections> -d<seconds>s --latency url`, optionally pinned to `cpus` (taskset list). */
export function runWrk(url: string, connections: number, seconds: number, cpus?: string): Promise<WrkResult> {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", url];
  const [command, argv] = cpus ? ["taskset", ["-c", cpus, "wrk", ...args]] : ["wrk", args];
  return new Promise((resolve, reject) => {
    execFile(command, argv, { encoding: "utf8", timeout: (seconds + 30) * 1000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk failed: ${error.message}\n${stderr}`));
      try {
        resolve(parseWrk(stdout));
      } catch (parseError) {
        reject(parseError as Error);
      }
    });
  });
}
