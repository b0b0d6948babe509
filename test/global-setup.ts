// Runs once before every suite: makes sure the generated artefacts exist (a clone that skipped
// `npm install`'s postinstall would otherwise fail with confusing import errors).
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";

export default function setup(): void {
  const needsBuild = [
    "core-wasm/build.mjs:core-wasm/build/core.wasm",
    "core-wasm/build.mjs:core-wasm/dist/index.js",
    "proto/generate.mjs:proto/gen",
  ].some((pair) => {
    const [script, output] = pair.split(":") as [string, string];
    return existsSync(script) && !existsSync(output);
  });
  if (needsBuild) execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
}
