// The platform's WebAssembly namespace, typed with the little the binding uses. Private to the package: the
// project's TypeScript lib has no WebAssembly types (no DOM lib, and Worker types are not global everywhere), so
// the binding declares what it needs instead of augmenting the global scope.

/**
 * A compiled WebAssembly module (`WebAssembly.Module`): what `WebAssembly.compile`/`compileStreaming` resolve to,
 * what `new WebAssembly.Module(bytes)` returns, and what Workers bundlers make of a `.wasm` import.
 */
export type WasmModule = object;

export interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
}

/** Node, Deno, workerd and browsers all provide it. */
export const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
