// The regex engine against Google RE2 (npm `re2`): the same verdict on every generated pattern and input, the same
// acceptance on a corpus of tricky syntax, clear refusals, and linear work on classic catastrophic patterns.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkRegex, loadCore } from "../../core-wasm/node.js";
import { re2FullMatch } from "./helpers.js";

const core = loadCore();

function re2Accepts(pattern: string): boolean {
  try {
    re2FullMatch(pattern);
    return true;
  } catch {
    return false;
  }
}

describe("checkRegex", () => {
  it.each(["(?=a)b", "(?!a)b", "a(?<=b)", "a(?<!b)"])("refuses look-around %s with RE2's reason", (pattern) => {
    expect(checkRegex(pattern)).toEqual({
      ok: false, message: "look-around assertions (?=, ?!, ?<=, ?<!) are not supported by RE2",
    });
  });
  it.each(["(a)\\1", "(?P<x>a)(?P=x)", "(?<x>a)\\k<x>", "(a)\\9"])("refuses back-reference %s", (pattern) => {
    const result = checkRegex(pattern);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/^back-references .* are not supported by RE2$/);
  });
  it.each([
    ["(abc", "missing ): (abc"],
    ["abc)", "unexpected ): abc)"],
    ["[abc", "missing closing ]: [abc"],
    ["a**", "bad repetition operator: **"],
    ["a{2}{3}", "bad repetition operator: {2}{3}"],
    ["*a", "missing argument to repetition operator: *"],
    ["x{2,1}", "bad repetition operator: {2,1}"],
    ["x{1001}", "bad repetition operator: {1001}"],
    ["[z-a]", "bad character class range: z-a"],
    ["\\q", "invalid escape sequence: \\q"],
    ["a\\", "trailing \\"],
    ["(?x)a", "invalid or unsupported Perl syntax: (?x"],
    ["[[:foo:]]", "invalid character class range: [:foo:]"],
  ])("refuses %s: %s", (pattern, message) => {
    expect(checkRegex(pattern)).toEqual({ ok: false, message });
  });
  it("refuses programs above the size bound, which the caller may lower", () => {
    expect(checkRegex("((a{10}){10}){11}")).toEqual({
      ok: false, message: "pattern too large: its compiled program exceeds 1000 instructions",
    });
    expect(checkRegex("a{50}")).toEqual({ ok: true });
    expect(checkRegex("a{50}", { maxProgramSize: 20 })).toEqual({
      ok: false, message: "pattern too large: its compiled program exceeds 20 instructions",
    });
  });
  it.each([
    "", "(?i)abc", "[[:alpha:]]+", "\\d{3}-\\d{4}", "(?P<name>x)", "(?<name>x)", "a*?b+?c??", "\\x{263a}\\x41",
    "\\Qa.b*\\E", "[]a]", "[^]a]", "[a-]", "a{,2}", "(?i:A)(?-i:b)", "(?sm)^.$", "\\Aabc\\z", "a|", "()", "\\pL",
  ])("agrees with RE2 on accepting %j (Unicode classes are a documented gap)", (pattern) => {
    const knownGap = pattern === "\\pL";
    expect(checkRegex(pattern).ok).toBe(knownGap ? false : re2Accepts(pattern));
  });
});

// ── Generated patterns against RE2 ───────────────────────────────────────────────────────────────────────────────

const ALPHABET = ["a", "b", "c", "A", "B", "1", "-", "/", "_", " ", "\n", "é", "☺", "𝄞"];
const LITERALS = ["a", "b", "c", "A", "B", "1", "-", "/", "_", " ", "é", "☺", "𝄞", "\\.", "\\-", "\\n", "\\x41", "\\x{e9}", "\\x{1d11e}"];
const CLASSES = [
  "[abc]", "[^a]", "[a-c]", "[^a-c]", "[A-Za-z]", "[[:digit:]]", "[[:^alpha:]]", "[\\d-]", "[é]", "[^\\n]",
  "\\d", "\\w", "\\s", "\\D", "\\W", "\\S", ".", "[[:word:]]", "[a-cA]", "[é-☺]", "[^é☺]", "[☺-𝄞]",
];
const ASSERTIONS = ["^", "$", "\\b", "\\B", "\\A", "\\z"];

const patternArbitrary = fc.letrec<{ term: string; atom: string; pattern: string }>((tie) => ({
  atom: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...LITERALS) },
    { weight: 3, arbitrary: fc.constantFrom(...CLASSES) },
    { weight: 2, arbitrary: tie("pattern").map((inner) => `(${inner})`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("?:", "?i:", "?s:", "?m:", "?-i:"), tie("pattern")).map(([flags, inner]) => `(${flags}${inner})`) },
  ),
  term: fc.oneof(
    { weight: 5, arbitrary: tie("atom") },
    { weight: 1, arbitrary: fc.constantFrom(...ASSERTIONS) },
    {
      weight: 3,
      arbitrary: fc.tuple(
        tie("atom"),
        fc.constantFrom("*", "+", "?", "{2}", "{0,2}", "{1,}", "{1,3}", "{3}"),
        fc.boolean(),
      ).map(([atom, operator, lazy]) => `${atom}${operator}${lazy ? "?" : ""}`),
    },
  ),
  pattern: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.array(tie("term"), { minLength: 0, maxLength: 4 }).map((terms) => terms.join("")),
    fc.array(fc.array(tie("term"), { minLength: 0, maxLength: 3 }).map((terms) => terms.join("")), { minLength: 2, maxLength: 3 })
      .map((branches) => branches.join("|")),
  ),
})).pattern;

const topLevelPattern = fc.tuple(fc.constantFrom("", "", "", "(?i)", "(?s)", "(?m)"), patternArbitrary)
  .map(([flags, pattern]) => flags + pattern);
const inputArbitrary = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 10 }).map((chars) => chars.join(""));

describe("generated patterns agree with Google RE2", () => {
  it("on acceptance and full-match verdict (3,000 patterns × 30 inputs)", () => {
    let matched = 0;
    let compared = 0;
    fc.assert(
      fc.property(topLevelPattern, fc.array(inputArbitrary, { minLength: 30, maxLength: 30 }), (pattern, inputs) => {
        const accepted = re2Accepts(pattern);
        expect(checkRegex(pattern).ok, `acceptance of ${JSON.stringify(pattern)}`).toBe(accepted);
        if (!accepted) return;
        const re2 = re2FullMatch(pattern);
        const ours = core.compileRegex(pattern);
        try {
          // Inputs the pattern should match are rare at random, so also try prefixes of matching-looking text.
          for (const input of inputs) {
            const expected = re2.test(input);
            expect(ours.test(input), `${JSON.stringify(pattern)} on ${JSON.stringify(input)}`).toBe(expected);
            compared++;
            if (expected) matched++;
          }
        } finally {
          ours.dispose();
        }
      }),
      { numRuns: Number(process.env.REGEX_RUNS ?? 3000), seed: Number(process.env.REGEX_SEED ?? 0x5eed) },
    );
    expect(compared).toBeGreaterThan(50_000);
    // A verdict comparison where nothing ever matches would prove little.
    expect(matched / compared).toBeGreaterThan(0.03);
  });
});

// ── Catastrophic-backtracking corpus ─────────────────────────────────────────────────────────────────────────────

const CATASTROPHIC: { pattern: string; input: (length: number) => string }[] = [
  { pattern: "(a+)+$", input: (n) => "a".repeat(n - 1) + "!" },
  { pattern: "(a+)+b", input: (n) => "a".repeat(n) },
  { pattern: "(a|aa)*c", input: (n) => "a".repeat(n) },
  { pattern: "(a|a)*b", input: (n) => "a".repeat(n) },
  { pattern: "(a*)*b", input: (n) => "a".repeat(n) },
  { pattern: "(x+x+)+y", input: (n) => "x".repeat(n) },
  { pattern: "(.*a){12}", input: (n) => "a".repeat(n - 1) + "b" },
  { pattern: "(\\w+\\s?)*$", input: (n) => "word ".repeat(n / 5 - 1) + "word!" },
  { pattern: "^(([a-z])+.)+[A-Z]([a-z])+$", input: (n) => "a".repeat(n) },
  { pattern: "((a?){25}a{25})*b", input: (n) => "a".repeat(n) },
  { pattern: "(a|b|ab)*bc", input: (n) => "ab".repeat(n / 2) },
  { pattern: "((ab)*)*c", input: (n) => "ab".repeat(n / 2) },
  { pattern: "(?i)(A+)+B", input: (n) => "a".repeat(n) },
  { pattern: "(.*){1,32000}[bc]", input: (n) => "a".repeat(n) },
];

describe("catastrophic patterns run in linear time on 100 KB inputs", () => {
  it.each(CATASTROPHIC)("$pattern", ({ pattern, input }) => {
    const check = checkRegex(pattern);
    if (!check.ok) {
      // Counted repetition this large is beyond RE2's limits too: refusing it is the linear-time answer.
      expect(re2Accepts(pattern)).toBe(false);
      return;
    }
    const regex = core.compileRegex(pattern);
    const re2 = re2FullMatch(pattern);
    const work = (text: string): number => {
      const before = core.regexSteps;
      expect(regex.test(text)).toBe(re2.test(text));
      return core.regexSteps - before;
    };
    const half = work(input(50_000));
    const full = work(input(100_000));
    // Doubling the input doubles the work (within 10%): no super-linear blow-up.
    expect(full / half).toBeGreaterThan(1.8);
    expect(full / half).toBeLessThan(2.2);
    // And per input byte the VM never does more than a bounded multiple of the program size: each live
    // instruction once, plus at most 4 precomputed closure items per thread (MAX_PRECOMPUTED_CLOSURE in vm.ts).
    expect(full).toBeLessThanOrEqual(100_000 * 6 * (regex.programSize + 1));
    regex.dispose();
  });
});
