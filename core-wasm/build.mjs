// Compiles core-wasm/assembly (AssemblyScript) into core-wasm/build/core.wasm: optimised, no imports (abort is
// compiled out). The minimal runtime's collector runs only when the module calls it (see assembly/index.ts) and
// keeps no shadow stack, which the incremental runtime pays for on every call. Run by scripts/build.mjs on install.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const asc = path.join(root, "node_modules", "assemblyscript", "bin", "asc.js");
mkdirSync(path.join(here, "build"), { recursive: true });

const args = [
  asc,
  path.join(here, "assembly", "index.ts"),
  "--outFile", path.join(here, "build", "core.wasm"),
  "-O3",
  "--noAssert",
  "--runtime", "minimal",
  "--exportRuntime",
  "--use", "abort=",
  "--initialMemory", "4",
];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
