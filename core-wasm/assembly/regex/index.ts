// Pattern bytes → a linear-time Matcher, or the reason the pattern is refused (in `regexError`).
import { decodeRune, decodedLength } from "../char";
import { Parser } from "./parser";
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
  return new Matcher(new Compiler().compile(root));
}
