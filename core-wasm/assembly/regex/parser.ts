// RE2-syntax parser: pattern runes → RegexNode tree, or a message saying why the pattern is refused.
// Functions follow the grammar: alternation := concatenation ('|' concatenation)*,
// concatenation := (atom repetition?)*, atom := literal | '.' | class | group | escape | anchor.
import { Char, MAX_RUNE } from "../char";
import { RegexNode, NodeKind, AssertionKind, UNBOUNDED } from "./ast";
import { normalizeRanges, complementRanges, foldAsciiCase } from "./ranges";

/** RE2 refuses counted repetitions above this count. */
const MAX_REPEAT_COUNT: i32 = 1000;
/** RE2 refuses deeper nesting; it also bounds our recursion. */
const MAX_NESTING_DEPTH: i32 = 1000;

export const enum Flag {
  /** `(?i)`: ASCII case-insensitive */ IgnoreCase = 1,
  /** `(?m)`: `^`/`$` match at line boundaries */ MultiLine = 2,
  /** `(?s)`: `.` matches `\n` */ DotMatchesNewline = 4,
  /** `(?U)`: swaps greedy and non-greedy; irrelevant to a full match but accepted */ Ungreedy = 8,
}

export const LOOK_AROUND_MESSAGE = "look-around assertions (?=, ?!, ?<=, ?<!) are not supported by RE2";
export const BACK_REFERENCE_MESSAGE = "back-references (\\1, \\k<name>, (?P=name)) are not supported by RE2";

export class Parser {
  private pos: i32 = 0;
  private flags: i32 = 0;
  private depth: i32 = 0;
  error: string | null = null;

  constructor(private runes: Array<i32>) {}

  parse(): RegexNode | null {
    const node = this.parseAlternation();
    if (node == null) return null;
    if (this.pos < this.runes.length) {
      // parseAlternation only stops early at a ')' that no group opened.
      return this.fail("unexpected ): " + this.text(0, this.runes.length));
    }
    return node;
  }

  private fail(message: string): RegexNode | null {
    if (this.error == null) this.error = message;
    return null;
  }

  private peek(offset: i32 = 0): i32 {
    const at = this.pos + offset;
    return at < this.runes.length ? this.runes[at] : -1;
  }

  private text(from: i32, to: i32): string {
    let result = "";
    const end = to < this.runes.length ? to : this.runes.length;
    for (let i = from; i < end; i++) result += String.fromCodePoint(this.runes[i]);
    return result;
  }

  private parseAlternation(): RegexNode | null {
    const branches = new Array<RegexNode>();
    while (true) {
      const branch = this.parseConcatenation();
      if (branch == null) return null;
      branches.push(branch);
      if (this.peek() != Char.Pipe) break;
      this.pos++;
    }
    return branches.length == 1 ? branches[0] : RegexNode.group(NodeKind.Alternate, branches);
  }

  private parseConcatenation(): RegexNode | null {
    const items = new Array<RegexNode>();
    // RE2 (like Perl) refuses stacked repetition operators such as `a**` or `a{2}{3}`.
    let previousRepeatStart: i32 = -1;
    while (this.pos < this.runes.length) {
      const c = this.peek();
      if (c == Char.Pipe || c == Char.CloseParen) break;
      const start = this.pos;
      let min: i32 = -2;
      let max: i32 = 0;
      if (c == Char.Asterisk || c == Char.Plus || c == Char.Question) {
        this.pos++;
        min = c == Char.Plus ? 1 : 0;
        max = c == Char.Question ? 1 : UNBOUNDED;
      } else if (c == Char.OpenBrace && this.tryParseCountedRepeat()) {
        min = this.repeatMin;
        max = this.repeatMax;
        if (min > MAX_REPEAT_COUNT || max > MAX_REPEAT_COUNT || (max != UNBOUNDED && max < min)) {
          return this.fail("bad repetition operator: " + this.text(start, this.pos));
        }
      }
      if (min != -2) {
        if (this.peek() == Char.Question) this.pos++; // non-greedy: the same language for a full match
        if (items.length == 0) return this.fail("missing argument to repetition operator: " + this.text(start, this.pos));
        if (previousRepeatStart >= 0) {
          return this.fail("bad repetition operator: " + this.text(previousRepeatStart, this.pos));
        }
        const last = items.length - 1;
        items[last] = RegexNode.repeat(items[last], min, max);
        previousRepeatStart = start;
        continue;
      }
      previousRepeatStart = -1;
      const atom = this.parseAtom();
      if (this.error != null) return null;
      if (atom != null) items.push(atom);
    }
    if (items.length == 0) return new RegexNode(NodeKind.Empty);
    return items.length == 1 ? items[0] : RegexNode.group(NodeKind.Concat, items);
  }

  private repeatMin: i32 = 0;
  private repeatMax: i32 = 0;

  /** `{n}`, `{n,}` or `{n,m}` at pos; anything else leaves pos alone so `{` reads as a literal, as in RE2. */
  private tryParseCountedRepeat(): bool {
    let at = this.pos + 1;
    const min = this.readDecimal(at);
    if (min < 0) return false;
    at = this.decimalEnd;
    let max = min;
    if (at < this.runes.length && this.runes[at] == Char.Comma) {
      at++;
      if (at < this.runes.length && this.runes[at] == Char.CloseBrace) {
        max = UNBOUNDED;
      } else {
        max = this.readDecimal(at);
        if (max < 0) return false;
        at = this.decimalEnd;
      }
    }
    if (at >= this.runes.length || this.runes[at] != Char.CloseBrace) return false;
    this.pos = at + 1;
    this.repeatMin = min;
    this.repeatMax = max;
    return true;
  }

  private decimalEnd: i32 = 0;

  /** Digits at `at` (saturating above MAX_REPEAT_COUNT so huge counts stay refusable), or -1 when none. */
  private readDecimal(at: i32): i32 {
    let value: i32 = -1;
    while (at < this.runes.length) {
      const c = this.runes[at];
      if (c < Char.Digit0 || c > Char.Digit9) break;
      value = value < 0 ? c - Char.Digit0 : value * 10 + (c - Char.Digit0);
      if (value > MAX_REPEAT_COUNT) value = MAX_REPEAT_COUNT + 1;
      at++;
    }
    this.decimalEnd = at;
    return value;
  }

  /** One atom, or null without an error for a flag group like `(?i)` that only changes flags. */
  private parseAtom(): RegexNode | null {
    const c = this.peek();
    if (c == Char.OpenParen) return this.parseGroup();
    if (c == Char.OpenBracket) return this.parseClass();
    this.pos++;
    if (c == Char.Dot) {
      const ranges = (this.flags & Flag.DotMatchesNewline) != 0 ? [0, MAX_RUNE] : [0, Char.LineFeed - 1, Char.LineFeed + 1, MAX_RUNE];
      return RegexNode.chars(ranges);
    }
    if (c == Char.Caret) {
      return RegexNode.assertion((this.flags & Flag.MultiLine) != 0 ? AssertionKind.BeginLine : AssertionKind.BeginText);
    }
    if (c == Char.Dollar) {
      return RegexNode.assertion((this.flags & Flag.MultiLine) != 0 ? AssertionKind.EndLine : AssertionKind.EndText);
    }
    if (c == Char.Backslash) return this.parseEscapeAtom();
    return this.literal(c);
  }

  private literal(rune: i32): RegexNode {
    return RegexNode.chars(this.maybeFold([rune, rune]));
  }

  private maybeFold(ranges: Array<i32>): Array<i32> {
    return (this.flags & Flag.IgnoreCase) != 0 ? foldAsciiCase(ranges) : ranges;
  }

  private parseGroup(): RegexNode | null {
    const start = this.pos;
    this.pos++; // (
    const savedFlags = this.flags;
    if (this.peek() == Char.Question) {
      const next = this.peek(1);
      if (next == Char.Equals || next == Char.Exclamation) return this.fail(LOOK_AROUND_MESSAGE);
      if (next == Char.LessThan && (this.peek(2) == Char.Equals || this.peek(2) == Char.Exclamation)) {
        return this.fail(LOOK_AROUND_MESSAGE);
      }
      if (next == Char.UpperP && this.peek(2) == Char.Equals) return this.fail(BACK_REFERENCE_MESSAGE);
      if (next == Char.LessThan || (next == Char.UpperP && this.peek(2) == Char.LessThan)) {
        this.pos += next == Char.LessThan ? 2 : 3;
        if (!this.skipGroupName(start)) return null;
      } else {
        this.pos++; // ?
        if (!this.parseFlags(start)) return null;
        if (this.runes[this.pos - 1] == Char.CloseParen) return null; // `(?flags)`: applies to the rest of the group
      }
    }
    this.depth++;
    if (this.depth > MAX_NESTING_DEPTH) return this.fail("expression nests too deeply");
    const inner = this.parseAlternation();
    this.depth--;
    if (inner == null) return null;
    if (this.peek() != Char.CloseParen) return this.fail("missing ): " + this.text(0, this.runes.length));
    this.pos++;
    this.flags = savedFlags;
    return inner;
  }

  private skipGroupName(groupStart: i32): bool {
    const nameStart = this.pos;
    while (this.pos < this.runes.length && this.peek() != Char.GreaterThan) {
      const c = this.peek();
      const isWord = (c >= Char.LowerA && c <= Char.LowerZ) || (c >= Char.UpperA && c <= Char.UpperZ) ||
        (c >= Char.Digit0 && c <= Char.Digit9) || c == Char.Underscore;
      if (!isWord) break;
      this.pos++;
    }
    if (this.peek() != Char.GreaterThan || this.pos == nameStart) {
      this.fail("invalid named capture group: " + this.text(groupStart, this.pos + 1));
      return false;
    }
    this.pos++;
    return true;
  }

  /** `[imsU]*(-[imsU]+)?` then `:` or `)`; sets this.flags. */
  private parseFlags(groupStart: i32): bool {
    let flags = this.flags;
    let negated = false;
    let sawFlag = false;
    while (this.pos < this.runes.length) {
      const c = this.runes[this.pos++];
      let bit = 0;
      if (c == 0x69) bit = Flag.IgnoreCase; // i
      else if (c == 0x6d) bit = Flag.MultiLine; // m
      else if (c == 0x73) bit = Flag.DotMatchesNewline; // s
      else if (c == 0x55) bit = Flag.Ungreedy; // U
      else if (c == Char.Minus && !negated) {
        negated = true;
        sawFlag = false;
        continue;
      } else if ((c == Char.Colon || c == Char.CloseParen) && sawFlag) {
        this.flags = flags;
        return true;
      } else if ((c == Char.Colon || c == Char.CloseParen) && !negated && this.pos - groupStart == 3 && c == Char.Colon) {
        return true; // `(?:`
      } else {
        break;
      }
      flags = negated ? flags & ~bit : flags | bit;
      sawFlag = true;
    }
    if (this.pos - groupStart == 3 && this.runes[groupStart + 2] == Char.GreaterThan) {
      this.fail("atomic groups (?>…) are not supported by RE2");
    } else {
      this.fail("invalid or unsupported Perl syntax: " + this.text(groupStart, this.pos));
    }
    return false;
  }

  private parseClass(): RegexNode | null {
    const start = this.pos;
    this.pos++; // [
    let negated = false;
    if (this.peek() == Char.Caret) {
      negated = true;
      this.pos++;
    }
    const ranges = new Array<i32>();
    let first = true;
    while (true) {
      if (this.pos >= this.runes.length) return this.fail("missing closing ]: " + this.text(start, this.pos));
      const c = this.peek();
      if (c == Char.CloseBracket && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c == Char.OpenBracket && this.peek(1) == Char.Colon) {
        if (this.tryParsePosixClass(ranges)) continue;
        if (this.error != null) return null;
      }
      const lo = this.parseClassChar(ranges);
      if (this.error != null) return null;
      if (lo < 0) continue; // a Perl class such as \d was added whole
      let hi = lo;
      if (this.peek() == Char.Minus && this.peek(1) != Char.CloseBracket && this.peek(1) != -1) {
        const rangeStart = this.pos - 1;
        this.pos++;
        hi = this.parseClassChar(ranges);
        if (this.error != null) return null;
        if (hi < lo) return this.fail("bad character class range: " + this.text(rangeStart, this.pos));
      }
      const single = this.maybeFold([lo, hi]);
      for (let i = 0; i < single.length; i++) ranges.push(single[i]);
    }
    const normalized = normalizeRanges(ranges);
    return RegexNode.chars(negated ? complementRanges(normalized) : normalized);
  }

  /** One class member: its rune, or -1 after adding a whole Perl class (`\d`, `\W`, …) to `into`. */
  private parseClassChar(into: Array<i32>): i32 {
    const c = this.runes[this.pos++];
    if (c != Char.Backslash) return c;
    const escapeStart = this.pos - 1;
    if (this.pos >= this.runes.length) {
      this.fail("trailing \\");
      return 0;
    }
    const letter = this.runes[this.pos];
    const perl = this.perlClass(letter);
    if (perl != null) {
      this.pos++;
      for (let i = 0; i < perl.length; i++) into.push(perl[i]);
      return -1;
    }
    return this.parseEscapedRune(escapeStart);
  }

  private tryParsePosixClass(into: Array<i32>): bool {
    // [:name:] or [:^name:]
    let at = this.pos + 2;
    let negated = false;
    if (at < this.runes.length && this.runes[at] == Char.Caret) {
      negated = true;
      at++;
    }
    const nameStart = at;
    while (at < this.runes.length && this.runes[at] != Char.Colon) at++;
    if (at + 1 >= this.runes.length || this.runes[at + 1] != Char.CloseBracket) return false;
    const name = this.text(nameStart, at);
    let ranges: Array<i32> | null = posixClass(name);
    if (ranges == null) {
      this.fail("invalid character class range: " + this.text(this.pos, at + 2));
      return false;
    }
    let members = this.maybeFold(ranges);
    if (negated) members = complementRanges(normalizeRanges(members));
    for (let i = 0; i < members.length; i++) into.push(members[i]);
    this.pos = at + 2;
    return true;
  }

  /** `\d \D \s \S \w \W` as ranges (folded, then negated, as RE2 does), or null for other letters. */
  private perlClass(letter: i32): Array<i32> | null {
    let ranges: Array<i32> | null = null;
    const lower = letter | 0x20;
    if (lower == 0x64) ranges = [Char.Digit0, Char.Digit9]; // d
    else if (lower == 0x73) ranges = [Char.Tab, Char.LineFeed, Char.FormFeed, Char.CarriageReturn, Char.Space, Char.Space]; // s
    else if (lower == 0x77) ranges = [Char.Digit0, Char.Digit9, Char.UpperA, Char.UpperZ, Char.Underscore, Char.Underscore, Char.LowerA, Char.LowerZ]; // w
    if (ranges == null) return null;
    const members = normalizeRanges(this.maybeFold(ranges));
    return letter == lower ? members : complementRanges(members);
  }

  private parseEscapeAtom(): RegexNode | null {
    const escapeStart = this.pos - 1;
    if (this.pos >= this.runes.length) return this.fail("trailing \\");
    const letter = this.runes[this.pos];
    const perl = this.perlClass(letter);
    if (perl != null) {
      this.pos++;
      return RegexNode.chars(perl);
    }
    if (letter == 0x62) { this.pos++; return RegexNode.assertion(AssertionKind.WordBoundary); } // b
    if (letter == 0x42) { this.pos++; return RegexNode.assertion(AssertionKind.NotWordBoundary); } // B
    if (letter == Char.UpperA) { this.pos++; return RegexNode.assertion(AssertionKind.BeginText); }
    if (letter == Char.LowerZ) { this.pos++; return RegexNode.assertion(AssertionKind.EndText); }
    if (letter == Char.UpperQ) return this.parseQuotedLiteral();
    const rune = this.parseEscapedRune(escapeStart);
    if (this.error != null) return null;
    return this.literal(rune);
  }

  /** `\Q…\E`: everything up to `\E` (or the end) is literal. */
  private parseQuotedLiteral(): RegexNode | null {
    this.pos++; // Q
    const items = new Array<RegexNode>();
    while (this.pos < this.runes.length) {
      if (this.peek() == Char.Backslash && this.peek(1) == Char.UpperE) {
        this.pos += 2;
        break;
      }
      if (this.peek() == Char.Backslash && this.peek(1) == Char.Backslash) this.pos++;
      items.push(this.literal(this.runes[this.pos++]));
    }
    if (items.length == 0) return null;
    return items.length == 1 ? items[0] : RegexNode.group(NodeKind.Concat, items);
  }

  /** The rune an escape outside the Perl classes stands for; sets an error for unsupported escapes. */
  private parseEscapedRune(escapeStart: i32): i32 {
    const c = this.runes[this.pos++];
    if (c >= 0x31 && c <= Char.Digit7 && !(this.peek() >= Char.Digit0 && this.peek() <= Char.Digit7)) {
      this.fail(BACK_REFERENCE_MESSAGE);
      return 0;
    }
    if (c == 0x38 || c == Char.Digit9) {
      this.fail(BACK_REFERENCE_MESSAGE);
      return 0;
    }
    if (c >= Char.Digit0 && c <= Char.Digit7) {
      // Octal: up to three digits in all, as RE2 reads them.
      let value = c - Char.Digit0;
      for (let i = 0; i < 2 && this.peek() >= Char.Digit0 && this.peek() <= Char.Digit7; i++) {
        value = value * 8 + (this.runes[this.pos++] - Char.Digit0);
      }
      return value;
    }
    if (c == 0x78) return this.parseHexEscape(escapeStart); // x
    if (c == 0x61) return 0x07; // a
    if (c == 0x66) return Char.FormFeed; // f
    if (c == 0x6e) return Char.LineFeed; // n
    if (c == 0x72) return Char.CarriageReturn; // r
    if (c == 0x74) return Char.Tab; // t
    if (c == 0x76) return Char.VerticalTab; // v
    if (c == 0x6b && (this.peek() == Char.LessThan || this.peek() == Char.OpenBrace)) { // k
      this.fail(BACK_REFERENCE_MESSAGE);
      return 0;
    }
    if (c == 0x70 || c == Char.UpperP) {
      this.fail("Unicode character classes (\\p, \\P) are not supported by meshplane's regex engine: " + this.text(escapeStart, this.pos + 1));
      return 0;
    }
    if (c < 0x80 && !isAsciiAlphanumeric(c)) return c; // escaped punctuation stands for itself
    this.fail("invalid escape sequence: " + this.text(escapeStart, this.pos));
    return 0;
  }

  private parseHexEscape(escapeStart: i32): i32 {
    let value = 0;
    if (this.peek() == Char.OpenBrace) {
      this.pos++;
      let digits = 0;
      while (this.pos < this.runes.length && this.peek() != Char.CloseBrace) {
        const digit = hexValue(this.runes[this.pos++]);
        if (digit < 0 || value > MAX_RUNE) break;
        value = value * 16 + digit;
        digits++;
      }
      if (this.peek() != Char.CloseBrace || digits == 0 || value > MAX_RUNE) {
        this.fail("invalid escape sequence: " + this.text(escapeStart, this.pos + 1));
        return 0;
      }
      this.pos++;
      return value;
    }
    for (let i = 0; i < 2; i++) {
      const digit = this.pos < this.runes.length ? hexValue(this.runes[this.pos]) : -1;
      if (digit < 0) {
        this.fail("invalid escape sequence: " + this.text(escapeStart, this.pos + 1));
        return 0;
      }
      this.pos++;
      value = value * 16 + digit;
    }
    return value;
  }
}

function isAsciiAlphanumeric(c: i32): bool {
  return (c >= Char.Digit0 && c <= Char.Digit9) || (c >= Char.UpperA && c <= Char.UpperZ) || (c >= Char.LowerA && c <= Char.LowerZ);
}

function hexValue(c: i32): i32 {
  if (c >= Char.Digit0 && c <= Char.Digit9) return c - Char.Digit0;
  const lower = c | 0x20;
  if (lower >= Char.LowerA && lower <= Char.LowerF) return lower - Char.LowerA + 10;
  return -1;
}

function posixClass(name: string): Array<i32> | null {
  if (name == "alnum") return [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a];
  if (name == "alpha") return [0x41, 0x5a, 0x61, 0x7a];
  if (name == "ascii") return [0x00, 0x7f];
  if (name == "blank") return [0x09, 0x09, 0x20, 0x20];
  if (name == "cntrl") return [0x00, 0x1f, 0x7f, 0x7f];
  if (name == "digit") return [0x30, 0x39];
  if (name == "graph") return [0x21, 0x7e];
  if (name == "lower") return [0x61, 0x7a];
  if (name == "print") return [0x20, 0x7e];
  if (name == "punct") return [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e];
  if (name == "space") return [0x09, 0x0d, 0x20, 0x20];
  if (name == "upper") return [0x41, 0x5a];
  if (name == "word") return [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
  if (name == "xdigit") return [0x30, 0x39, 0x41, 0x46, 0x61, 0x66];
  return null;
}
