// Sets of code points as sorted inclusive ranges `[lo0, hi0, lo1, hi1, …]`: what character classes are made of.
import { Char, ASCII_CASE_OFFSET, MAX_RUNE } from "../char";

export function normalizeRanges(ranges: Array<i32>): Array<i32> {
  const pairCount = ranges.length >> 1;
  // Insertion sort by lower bound: classes are small, and this keeps the code free of comparator closures.
  for (let i = 1; i < pairCount; i++) {
    const lo = ranges[2 * i];
    const hi = ranges[2 * i + 1];
    let j = i - 1;
    while (j >= 0 && ranges[2 * j] > lo) {
      ranges[2 * j + 2] = ranges[2 * j];
      ranges[2 * j + 3] = ranges[2 * j + 1];
      j--;
    }
    ranges[2 * j + 2] = lo;
    ranges[2 * j + 3] = hi;
  }
  const merged = new Array<i32>();
  for (let i = 0; i < pairCount; i++) {
    const lo = ranges[2 * i];
    const hi = ranges[2 * i + 1];
    const last = merged.length;
    if (last > 0 && lo <= merged[last - 1] + 1) {
      if (hi > merged[last - 1]) merged[last - 1] = hi;
    } else {
      merged.push(lo);
      merged.push(hi);
    }
  }
  return merged;
}

/** Everything in [0, MAX_RUNE] not in `ranges` (which must be normalized). */
export function complementRanges(ranges: Array<i32>): Array<i32> {
  const result = new Array<i32>();
  let next = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i] > next) {
      result.push(next);
      result.push(ranges[i] - 1);
    }
    next = ranges[i + 1] + 1;
  }
  if (next <= MAX_RUNE) {
    result.push(next);
    result.push(MAX_RUNE);
  }
  return result;
}

/** Adds the other ASCII case of every letter in `ranges` (case folding is ASCII-only, see index.ts). */
export function foldAsciiCase(ranges: Array<i32>): Array<i32> {
  const result = ranges.slice(0);
  for (let i = 0; i < ranges.length; i += 2) {
    addShiftedOverlap(result, ranges[i], ranges[i + 1], Char.UpperA, Char.UpperZ, ASCII_CASE_OFFSET);
    addShiftedOverlap(result, ranges[i], ranges[i + 1], Char.LowerA, Char.LowerZ, -ASCII_CASE_OFFSET);
  }
  return normalizeRanges(result);
}

function addShiftedOverlap(into: Array<i32>, lo: i32, hi: i32, letterLo: i32, letterHi: i32, shift: i32): void {
  const overlapLo = lo > letterLo ? lo : letterLo;
  const overlapHi = hi < letterHi ? hi : letterHi;
  if (overlapLo <= overlapHi) {
    into.push(overlapLo + shift);
    into.push(overlapHi + shift);
  }
}

export function rangesContain(ranges: Array<i32>, rune: i32): bool {
  for (let i = 0; i < ranges.length; i += 2) {
    if (rune < ranges[i]) return false;
    if (rune <= ranges[i + 1]) return true;
  }
  return false;
}
