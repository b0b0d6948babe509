// Go's time.ParseDuration, which the App Mesh image's agent applies to ENVOY_STATS_FLUSH_INTERVAL: a sequence of
// decimal numbers with units ("300ms", "1.5h", "2h45m"); units ns, us (µs), ms, s, m, h.
const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or undefined for anything Go would refuse. @example parseGoDuration("1m30s") // → 90000 */
export function parseGoDuration(text: string): number | undefined {
  const match = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+|0)$/.exec(text);
  if (!match) return undefined;
  if (match[2] === "0") return 0;
  let total = 0;
  for (const part of match[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(part[1]) * UNIT_MS[part[2]!]!;
  return match[1] === "-" ? -total : total;
}
