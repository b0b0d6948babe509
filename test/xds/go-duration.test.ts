import { describe, expect, it } from "vitest";
import { parseGoDuration } from "../../functions/xds/go-duration.js";

describe("parseGoDuration", () => {
  it("reads Go durations as milliseconds: units, fractions, sequences, a bare 0", () => {
    expect(parseGoDuration("10s")).toBe(10_000);
    expect(parseGoDuration("1m30s")).toBe(90_000);
    expect(parseGoDuration("1.5h")).toBe(5_400_000);
    expect(parseGoDuration("250ms")).toBe(250);
    expect(parseGoDuration("1500us")).toBe(1.5);
    expect(parseGoDuration("0")).toBe(0);
    expect(parseGoDuration("-2s")).toBe(-2000);
  });

  it("refuses what Go refuses: no unit, unknown units, empty text", () => {
    for (const text of ["10", "5d", "", "s", "1 m"]) expect(parseGoDuration(text), text).toBeUndefined();
  });
});
