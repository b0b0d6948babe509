// The RE2-syntax check App Mesh applies to regex matchers, done by core-wasm's own regex parser so that the
// API accepts exactly the patterns the data plane (meshplane's gateway) can run, with the same program-size bound.
import type { Core } from "../core-wasm/index.js";
import type { RegexChecker } from "./appmesh/index.js";

export function createRegexChecker(core: Core): RegexChecker {
  return (pattern) => core.checkRegex(pattern);
}
