// Byte-string matchers: Envoy's StringMatcher (exact, prefix, suffix, contains, safe_regex; ignore_case is ASCII
// only, as in Envoy) and the signed 64-bit integer parse used by range matches.
import { Char, toLowerAscii } from "../char";
import { Matcher } from "../regex/vm";

export const enum StringKind {
  Exact,
  Prefix,
  Suffix,
  Contains,
  Regex,
}

export class StringMatcher {
  constructor(
    public kind: StringKind,
    public ignoreCase: bool,
    /** Lower-cased when ignoreCase. */
    public literal: StaticArray<u8>,
    public regex: Matcher | null,
  ) {}

  matches(ptr: usize, length: i32): bool {
    const literal = this.literal;
    const literalLength = literal.length;
    switch (this.kind) {
      case StringKind.Exact:
        return length == literalLength && bytesEqualAt(ptr, literal, this.ignoreCase);
      case StringKind.Prefix:
        return length >= literalLength && bytesEqualAt(ptr, literal, this.ignoreCase);
      case StringKind.Suffix:
        return length >= literalLength && bytesEqualAt(ptr + <usize>(length - literalLength), literal, this.ignoreCase);
      case StringKind.Contains:
        for (let at = 0; at + literalLength <= length; at++) {
          if (bytesEqualAt(ptr + <usize>at, literal, this.ignoreCase)) return true;
        }
        return false;
      case StringKind.Regex:
        return this.regex!.fullMatch(ptr, length);
    }
    return false;
  }
}

/** Whether the bytes at `ptr` start with `literal` (already lower-cased when `ignoreCase`). */
export function bytesEqualAt(ptr: usize, literal: StaticArray<u8>, ignoreCase: bool): bool {
  const length = literal.length;
  if (ignoreCase) {
    for (let i = 0; i < length; i++) {
      if (toLowerAscii(<i32>load<u8>(ptr + <usize>i)) != <i32>unchecked(literal[i])) return false;
    }
    return true;
  }
  for (let i = 0; i < length; i++) {
    if (load<u8>(ptr + <usize>i) != unchecked(literal[i])) return false;
  }
  return true;
}

export function copyBytes(ptr: usize, length: i32, lowerCase: bool): StaticArray<u8> {
  const bytes = new StaticArray<u8>(length);
  for (let i = 0; i < length; i++) {
    const b = <i32>load<u8>(ptr + <usize>i);
    bytes[i] = <u8>(lowerCase ? toLowerAscii(b) : b);
  }
  return bytes;
}

/** Set by parseInt64: whether the last parse succeeded. */
export let parsedInt64Ok: bool = false;

function isAsciiSpace(c: i32): bool {
  return c == Char.Space || (c >= Char.Tab && c <= Char.CarriageReturn);
}

/**
 * Parses a decimal signed 64-bit integer as absl::SimpleAtoi does for Envoy's range match: surrounding ASCII
 * whitespace allowed, optional sign, at least one digit, nothing else, no overflow.
 */
export function parseInt64(ptr: usize, length: i32): i64 {
  parsedInt64Ok = false;
  let start = 0;
  let end = length;
  while (start < end && isAsciiSpace(<i32>load<u8>(ptr + <usize>start))) start++;
  while (end > start && isAsciiSpace(<i32>load<u8>(ptr + <usize>(end - 1)))) end--;
  let negative = false;
  if (start < end) {
    const sign = <i32>load<u8>(ptr + <usize>start);
    if (sign == Char.Minus || sign == Char.Plus) {
      negative = sign == Char.Minus;
      start++;
    }
  }
  if (start >= end) return 0;
  // Accumulate as a negative number: its range reaches i64.MIN_VALUE, which the positive side cannot hold.
  let value: i64 = 0;
  for (let i = start; i < end; i++) {
    const digit = <i32>load<u8>(ptr + <usize>i) - Char.Digit0;
    if (digit < 0 || digit > 9) return 0;
    if (value < (i64.MIN_VALUE + digit) / 10) return 0;
    value = value * 10 - digit;
  }
  if (!negative) {
    if (value == i64.MIN_VALUE) return 0;
    value = -value;
  }
  parsedInt64Ok = true;
  return value;
}
