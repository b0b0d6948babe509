// Character codes the parsers and matchers compare against, one name per byte they care about.
export const enum Char {
  /** `\t` horizontal tab */ Tab = 0x09,
  /** `\n` line feed: `.` and `$`/`^` in multi-line mode care about it */ LineFeed = 0x0a,
  /** `\v` vertical tab */ VerticalTab = 0x0b,
  /** `\f` form feed */ FormFeed = 0x0c,
  /** `\r` carriage return */ CarriageReturn = 0x0d,
  /** ` ` space */ Space = 0x20,
  /** `!` negative look-ahead marker after `(?` */ Exclamation = 0x21,
  /** `#` starts a URL fragment */ Hash = 0x23,
  /** `$` end-of-text anchor */ Dollar = 0x24,
  /** `&` separates query parameters */ Ampersand = 0x26,
  /** `(` opens a group */ OpenParen = 0x28,
  /** `)` closes a group */ CloseParen = 0x29,
  /** `*` zero-or-more; a leading `*` in a domain is a suffix wildcard */ Asterisk = 0x2a,
  /** `+` one-or-more; also a sign in integers */ Plus = 0x2b,
  /** `,` separates repeat bounds and joined header values */ Comma = 0x2c,
  /** `-` class range separator; also a sign in integers */ Minus = 0x2d,
  /** `.` any character */ Dot = 0x2e,
  /** `0` */ Digit0 = 0x30,
  /** `7` highest octal digit */ Digit7 = 0x37,
  /** `9` */ Digit9 = 0x39,
  /** `:` separates a port from a host; delimits POSIX class names */ Colon = 0x3a,
  /** `;` parameter separator in content types */ Semicolon = 0x3b,
  /** `<` opens a group name or a look-behind */ LessThan = 0x3c,
  /** `=` look-ahead marker; separates a query parameter's name from its value */ Equals = 0x3d,
  /** `>` closes a group name */ GreaterThan = 0x3e,
  /** `?` zero-or-one, non-greedy suffix, group extension; starts a query string */ Question = 0x3f,
  /** `A` */ UpperA = 0x41,
  /** `E` ends a `\Q…\E` quote */ UpperE = 0x45,
  /** `P` in `(?P<name>` */ UpperP = 0x50,
  /** `Q` starts a `\Q…\E` quote */ UpperQ = 0x51,
  /** `Z` */ UpperZ = 0x5a,
  /** `[` opens a character class */ OpenBracket = 0x5b,
  /** `\` escape */ Backslash = 0x5c,
  /** `]` closes a character class or an IPv6 literal host */ CloseBracket = 0x5d,
  /** `^` beginning anchor; negates a class */ Caret = 0x5e,
  /** `_` counts as a word character */ Underscore = 0x5f,
  /** `a` */ LowerA = 0x61,
  /** `f` highest hex letter */ LowerF = 0x66,
  /** `z` */ LowerZ = 0x7a,
  /** `{` opens a counted repetition */ OpenBrace = 0x7b,
  /** `|` alternation */ Pipe = 0x7c,
  /** `}` closes a counted repetition */ CloseBrace = 0x7d,
}

/** The distance between an ASCII upper-case letter and its lower-case form. */
export const ASCII_CASE_OFFSET: i32 = 0x20;
/** The highest Unicode code point. */
export const MAX_RUNE: i32 = 0x10ffff;
/** What an undecodable byte reads as. */
export const REPLACEMENT_RUNE: i32 = 0xfffd;

// @ts-ignore: decorator
@inline
export function toLowerAscii(c: i32): i32 {
  return u32(c - Char.UpperA) <= u32(Char.UpperZ - Char.UpperA) ? c + ASCII_CASE_OFFSET : c;
}

// @ts-ignore: decorator
@inline
export function isWordChar(c: i32): bool {
  return (
    u32(c - Char.LowerA) <= u32(Char.LowerZ - Char.LowerA) ||
    u32(c - Char.UpperA) <= u32(Char.UpperZ - Char.UpperA) ||
    u32(c - Char.Digit0) <= u32(Char.Digit9 - Char.Digit0) ||
    c == Char.Underscore
  );
}

/** Set by `decodeRune`: how many bytes the last decoded rune took. */
export let decodedLength: i32 = 0;

/**
 * Decodes the UTF-8 rune at `ptr` (at most `available` bytes readable). Malformed or truncated sequences read as
 * U+FFFD one byte long, so every input is consumed in a bounded number of steps.
 */
export function decodeRune(ptr: usize, available: i32): i32 {
  const b0 = <i32>load<u8>(ptr);
  if (b0 < 0x80) {
    decodedLength = 1;
    return b0;
  }
  let need: i32;
  let rune: i32;
  let min: i32;
  if ((b0 & 0xe0) == 0xc0) {
    need = 1;
    rune = b0 & 0x1f;
    min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    need = 2;
    rune = b0 & 0x0f;
    min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    need = 3;
    rune = b0 & 0x07;
    min = 0x10000;
  } else {
    decodedLength = 1;
    return REPLACEMENT_RUNE;
  }
  if (need >= available) {
    decodedLength = 1;
    return REPLACEMENT_RUNE;
  }
  for (let i = 1; i <= need; i++) {
    const b = <i32>load<u8>(ptr + i);
    if ((b & 0xc0) != 0x80) {
      decodedLength = 1;
      return REPLACEMENT_RUNE;
    }
    rune = (rune << 6) | (b & 0x3f);
  }
  if (rune < min || rune > MAX_RUNE || (rune >= 0xd800 && rune <= 0xdfff)) {
    decodedLength = 1;
    return REPLACEMENT_RUNE;
  }
  decodedLength = need + 1;
  return rune;
}
