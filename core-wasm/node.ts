// Node helpers: load core-wasm/build/core.wasm from disk (synchronously, once) and use it as the default core.
// Workers import the .wasm as a WebAssembly.Module and call instantiateCore from ./index.ts instead.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { instantiateCore, checkRegex as checkRegexWith, webAssembly, type Core, type RegexCheck } from "./index.js";

export * from "./index.js";

export const CORE_WASM_PATH = fileURLToPath(new URL("./build/core.wasm", import.meta.url));

let loaded: Core | undefined;

/** The core built at CORE_WASM_PATH (run `node core-wasm/build.mjs` if it is missing), instantiated once. */
export function loadCore(): Core {
  if (loaded === undefined) {
    const module = new webAssembly.Module(readFileSync(CORE_WASM_PATH));
    loaded = instantiateCore(module);
  }
  return loaded;
}

/** Another, independent instance (own memory): for tests and benchmarks that measure memory. */
export function loadFreshCore(): Core {
  return instantiateCore(new webAssembly.Module(readFileSync(CORE_WASM_PATH)));
}

/** checkRegex of ./index.ts, loading the core on first use. */
export function checkRegex(pattern: string, options: { maxProgramSize?: number } = {}): RegexCheck {
  return checkRegexWith(pattern, { ...options, core: loadCore() });
}
