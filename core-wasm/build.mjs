// Builds the @meshplane/core-wasm package: core-wasm/assembly (AssemblyScript) → build/core.wasm, optimised, no
// imports (abort is compiled out), then the host binding (TypeScript) → dist/ as JavaScript with declarations,
// beside a copy of the module at dist/build/core.wasm. dist/ mirrors the source layout, so that node.ts finds
// the module at the same relative URL from the sources (run by tsx and vitest) and from the installed package.
// The minimal runtime's collector runs only when the module calls it (see assembly/index.ts) and keeps no shadow
// stack, which the incremental runtime pays for on every call. Run by scripts/build.mjs on install, and on pack.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const bin = (pkg, file) => path.join(root, "node_modules", pkg, "bin", file);
const dist = path.join(here, "dist");

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

mkdirSync(path.join(here, "build"), { recursive: true });
run([
  bin("assemblyscript", "asc.js"),
  path.join(here, "assembly", "index.ts"),
  "--outFile", path.join(here, "build", "core.wasm"),
  "-O3",
  "--noAssert",
  "--runtime", "minimal",
  "--exportRuntime",
  "--use", "abort=",
  "--initialMemory", "4",
]);

rmSync(dist, { recursive: true, force: true });
run([bin("typescript", "tsc"), "-p", path.join(here, "tsconfig.build.json")]);
mkdirSync(path.join(dist, "build"), { recursive: true });
copyFileSync(path.join(here, "build", "core.wasm"), path.join(dist, "build", "core.wasm"));
copyFileSync(path.join(here, "core-wasm-module.d.ts"), path.join(dist, "core-wasm-module.d.ts"));
