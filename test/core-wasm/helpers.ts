// Shared by the core-wasm suites: the Google RE2 full-match factory the reference implementation and the regex
// conformance tests use, and a small seeded PRNG so that generated data is reproducible.
import RE2 from "re2";
import type { FullMatchFactory } from "../../core-wasm/reference.js";

/** RE2::FullMatch through the npm binding: anchored with \A…\z, which no flag inside the pattern can change. */
export function re2FullMatch(pattern: string): RE2 {
  return new RE2(`\\A(?:${pattern})\\z`, "u");
}

export const re2Factory: FullMatchFactory = (pattern) => {
  const compiled = re2FullMatch(pattern);
  return (input) => compiled.test(input);
};

/** mulberry32: a tiny deterministic PRNG returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pickOne<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
