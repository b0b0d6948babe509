// Types of `@meshplane/core-wasm/core.wasm` for bundlers that turn a `.wasm` import into a compiled
// WebAssembly.Module (wrangler and other Workers bundlers): hand it to instantiateCore. Plain Node and Deno do not
// import .wasm files this way; they use `@meshplane/core-wasm/node`.
import type { WasmModule } from "./index.js";

declare const coreModule: WasmModule;
export default coreModule;
