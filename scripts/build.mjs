// Runs every generation step the project needs before it can start or test: Envoy protos → TypeScript
// (proto/generate.mjs), AssemblyScript → WebAssembly (core-wasm/build.mjs), the console's UI, which embeds
// core-wasm (functions/console/build.mjs), and the Node gateway's bundle (functions/gateway/build.mjs). Runs on
// `npm install`.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const steps = ["proto/generate.mjs", "core-wasm/build.mjs", "functions/console/build.mjs", "functions/gateway/build.mjs"];

for (const step of steps) {
  const script = path.join(root, step);
  if (!existsSync(script)) continue;
  const started = Date.now();
  const result = spawnSync(process.execPath, [script], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`build: ${step} failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
  console.log(`build: ${step} done in ${Date.now() - started} ms`);
}
