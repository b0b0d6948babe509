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

export { seededRandom } from "../support/seeded-random.js";

export function pickOne<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
