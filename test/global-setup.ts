// Runs once before every suite: makes sure the generated artefacts exist (a clone that skipped
// `npm install`'s postinstall would otherwise fail with confusing import errors), and that the console's build
// is not older than its sources (the browser suites test what is built).
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
  else execFileSync(process.execPath, ["functions/console/build.mjs", "--if-stale"], { stdio: "inherit" });
}
