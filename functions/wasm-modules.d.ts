// Wrangler bundles `.wasm` imports as compiled WebAssembly modules (no runtime code generation in workerd).
declare module "*.wasm" {
  const module: object;
  export default module;
}
