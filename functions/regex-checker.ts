// The RE2-syntax check App Mesh applies to regex matchers. Interim version built on the JavaScript engine's
// parser plus explicit refusal of the constructs RE2 lacks; replaced by core-wasm's checker (issue 3) so the
// API and the data plane share one regex grammar.
import type { RegexChecker } from "./appmesh/index.js";

export async function createRegexChecker(): Promise<RegexChecker> {
  return (pattern) => {
    if (/\(\?<?[=!]/.test(pattern)) return { ok: false, message: "look-around assertions (?=, ?!, ?<=, ?<!) are not supported by RE2." };
    if (/\\[1-9]|\\k</.test(pattern)) return { ok: false, message: "back-references are not supported by RE2." };
    try {
      new RegExp(pattern);
      return { ok: true };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : "invalid regular expression" };
    }
  };
}
