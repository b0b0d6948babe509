// Pattern bytes → a linear-time Matcher, or the reason the pattern is refused (in `regexError`).
import { decodeRune, decodedLength } from "../char";
import { Parser } from "./parser";
import { RegexNode, NodeKind, AssertionKind } from "./ast";
import { Compiler, programSize } from "./compiler";
import { Matcher } from "./vm";

export let regexError: string = "";

export function compilePattern(ptr: usize, length: i32, maxProgramSize: i32): Matcher | null {
  const runes = new Array<i32>();
  for (let at = 0; at < length; ) {
    runes.push(decodeRune(ptr + at, length - at));
    at += decodedLength;
  }
  const parser = new Parser(runes);
  const root = parser.parse();
  if (root == null) {
    regexError = parser.error!;
    return null;
  }
  if (programSize(root, maxProgramSize) > maxProgramSize) {
    regexError = "pattern too large: its compiled program exceeds " + maxProgramSize.toString() + " instructions";
    return null;
  }
  const prefix = new Array<u8>();
  prefixInstructions = 0;
  collectLiteralPrefix(root, prefix);
  const literalPrefix = new StaticArray<u8>(prefix.length);
  for (let i = 0; i < prefix.length; i++) literalPrefix[i] = prefix[i];
  return new Matcher(new Compiler().compile(root), literalPrefix, prefixInstructions);
}

/** Instructions collectLiteralPrefix walked over: the compiler emits them first, in this order. */
let prefixInstructions: i32 = 0;

/**
 * Appends to `into` the ASCII characters that every full match of `node` must start with; returns whether all of
 * `node` was such a literal (so that what follows it may extend the prefix).
 */
function collectLiteralPrefix(node: RegexNode, into: Array<u8>): bool {
  if (node.kind == NodeKind.Chars) {
    const ranges = node.ranges!;
    if (ranges.length != 2 || ranges[0] != ranges[1] || ranges[0] >= 0x80) return false;
    into.push(<u8>ranges[0]);
    prefixInstructions++;
    return true;
  }
  if (node.kind == NodeKind.Assertion) {
    // \A or ^ before anything else holds at the start of every full match and consumes nothing.
    if (into.length != 0 || node.assertion != AssertionKind.BeginText) return false;
    prefixInstructions++;
    return true;
  }
  if (node.kind == NodeKind.Concat) {
    const children = node.children!;
    for (let i = 0; i < children.length; i++) if (!collectLiteralPrefix(children[i], into)) return false;
    return true;
  }
  return node.kind == NodeKind.Empty;
}
