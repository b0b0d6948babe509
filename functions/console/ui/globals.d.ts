// Build-time values and asset imports esbuild resolves (functions/console/build.mjs).

/** URL of core-wasm's module, content-hashed, under /console/assets/. */
declare const MESHPLANE_CORE_WASM_URL: string;

declare module "*.css";
