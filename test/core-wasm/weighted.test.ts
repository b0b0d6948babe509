// Weighted target selection: zero weights are never chosen, and over 1,000,000 picks each target's share follows
// its weight (Pearson's chi-squared test at p = 0.001, with a seeded generator so the run is reproducible).
import { describe, expect, it } from "vitest";
import { loadCore, pickWeighted, RouteTable } from "../../core-wasm/node.js";
import { pickWeightedReference } from "../../core-wasm/reference.js";
import { seededRandom } from "./helpers.js";

loadCore();

const PICKS = 1_000_000;
/** Upper 0.1% points of the chi-squared distribution by degrees of freedom. */
const CHI_SQUARED_CRITICAL_0_001: Record<number, number> = { 1: 10.828, 2: 13.816, 3: 16.266, 4: 18.467, 5: 20.515 };

function chiSquared(counts: readonly number[], weights: readonly number[]): { statistic: number; degreesOfFreedom: number } {
  const total = weights.reduce((a, b) => a + b, 0);
  const picks = counts.reduce((a, b) => a + b, 0);
  let statistic = 0;
  let categories = 0;
  weights.forEach((weight, i) => {
    if (weight === 0) return;
    const expected = (picks * weight) / total;
    statistic += (counts[i]! - expected) ** 2 / expected;
    categories++;
  });
  return { statistic, degreesOfFreedom: categories - 1 };
}

function countPicks(weights: readonly number[], pick: (random: number) => number, seed: number): number[] {
  const random = seededRandom(seed);
  const counts = weights.map(() => 0);
  for (let i = 0; i < PICKS; i++) counts[pick(random())]!++;
  return counts;
}

describe("weighted selection", () => {
  const weights = [5, 0, 20, 75, 0, 100];

  it("pickWeighted: zero weights never chosen; shares within chi-squared tolerance over 1,000,000 picks", () => {
    const counts = countPicks(weights, (random) => pickWeighted(weights, random), 1);
    expect(counts[1]).toBe(0);
    expect(counts[4]).toBe(0);
    const { statistic, degreesOfFreedom } = chiSquared(counts, weights);
    expect(degreesOfFreedom).toBe(3);
    expect(statistic).toBeLessThan(CHI_SQUARED_CRITICAL_0_001[degreesOfFreedom]!);
  });

  it("a table's weighted route: the same over 1,000,000 picks inside WASM", () => {
    const table = RouteTable.compile({
      virtualHosts: [{ domains: ["*"], routes: [{
        match: { prefix: "/" },
        route: { weightedClusters: { clusters: weights.map((weight, i) => ({ name: `c${i}`, weight })) } },
      }] }],
    });
    const counts = countPicks(weights, (random) => table.pickTarget(0, random), 2);
    expect(counts[1]).toBe(0);
    expect(counts[4]).toBe(0);
    const { statistic, degreesOfFreedom } = chiSquared(counts, weights);
    expect(statistic).toBeLessThan(CHI_SQUARED_CRITICAL_0_001[degreesOfFreedom]!);
    table.dispose();
  });

  it("the chi-squared check does reject a biased picker", () => {
    // Guards the test itself: a picker that moves 3% of one target's picks to another must fail it.
    const counts = countPicks(weights, (random) => {
      const chosen = pickWeighted(weights, random);
      return chosen === 2 && Math.floor(random * 1e7) % 100 < 3 ? 3 : chosen;
    }, 3);
    const { statistic, degreesOfFreedom } = chiSquared(counts, weights);
    expect(statistic).toBeGreaterThan(CHI_SQUARED_CRITICAL_0_001[degreesOfFreedom]!);
  });

  it("hashes pick deterministically: every full cycle of hash % total follows the weights exactly", () => {
    const total = weights.reduce((a, b) => a + b, 0);
    const counts = weights.map(() => 0);
    for (let hash = 1; hash <= total * 1000; hash++) counts[pickWeighted(weights, hash)]!++;
    expect(counts).toEqual(weights.map((weight) => weight * 1000));
    // Hashes are unsigned 64-bit, as Envoy's: wider bigints are truncated first.
    expect(pickWeighted(weights, 2n ** 70n + 7n)).toBe(pickWeighted(weights, 7));
  });

  it("agrees with the reference picker on every selector", () => {
    const random = seededRandom(4);
    for (let i = 0; i < 10_000; i++) {
      const sample = Array.from({ length: 1 + Math.floor(random() * 6) }, () => Math.floor(random() * 4));
      const value = random() < 0.5 ? random() : 1 + Math.floor(random() * 1e6);
      expect(pickWeighted(sample, value)).toBe(pickWeightedReference(sample, value));
    }
  });

  it("returns -1 when every weight is zero or there are none, and refuses bad weights", () => {
    expect(pickWeighted([0, 0], 0.5)).toBe(-1);
    expect(pickWeighted([], 0.5)).toBe(-1);
    expect(() => pickWeighted([1, -1], 0.5)).toThrow(RangeError);
    expect(() => pickWeighted([1.5], 0.5)).toThrow(RangeError);
  });
});
