// @meshplane/core-wasm/node: the binding of ./index.ts plus loaders that read build/core.wasm from the file system
// (synchronously, once), for Node and Deno. Workers and browsers compile the module their own way and call
// instantiateCore from ./index.ts instead.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { instantiateCore, checkRegex as checkRegexWith, type Core, type RegexCheck } from "./index.js";
import { webAssembly } from "./platform.js";

export * from "./index.js";

/**
 * The module's path on disk. The package's dist/ mirrors the source layout (this file beside build/core.wasm), so
 * the same relative URL holds for the sources and for the installed package.
 */
export const CORE_WASM_PATH = fileURLToPath(new URL("./build/core.wasm", import.meta.url));

let loaded: Core | undefined;

/**
 * The core built at CORE_WASM_PATH, instantiated on the first call (which makes it the default core, unless one
 * was instantiated before); later calls return the same core.
 *
 * @example
 * import { loadCore, RouteTable } from "@meshplane/core-wasm/node";
 * loadCore();
 * const table = RouteTable.compile(spec);
 */
export function loadCore(): Core {
  if (loaded === undefined) {
    const module = new webAssembly.Module(readFileSync(CORE_WASM_PATH));
    loaded = instantiateCore(module);
  }
  return loaded;
}

/** Another, independent instance with its own memory (e.g. to measure what tables cost, or one per worker thread). */
export function loadFreshCore(): Core {
  return instantiateCore(new webAssembly.Module(readFileSync(CORE_WASM_PATH)));
}

/** checkRegex of ./index.ts, on the core loadCore() returns (loaded on first use). */
export function checkRegex(pattern: string, options: { maxProgramSize?: number } = {}): RegexCheck {
  return checkRegexWith(pattern, { ...options, core: loadCore() });
}
