// Builds the Node gateway (functions/gateway/main.ts) into one ES module, functions/gateway/dist/main.mjs
// (git-ignored), which `npm run gateway` runs with plain node. Measured against the same sources run through tsx
// (issue 16): tsx compiles each file with esbuild's keepNames, whose __name helper runs for the closures made per
// request, and loads the module graph through its loader hooks. Packages stay in node_modules (imported from there);
// only the project's own TypeScript is bundled. Run by scripts/build.mjs on install and before `npm run gateway`;
// `--if-stale` skips the work when no input changed since the last build.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const dist = path.join(here, "dist");
export const GATEWAY_BUNDLE = path.join(dist, "main.mjs");
const manifest = path.join(dist, "inputs.json");

/**
 * core-wasm/node.ts finds build/core.wasm beside itself (`new URL("./build/core.wasm", import.meta.url)`); inside the
 * bundle import.meta.url is the bundle's, so the URL is made relative to dist/ instead.
 */
const CORE_WASM_URL = 'new URL("./build/core.wasm", import.meta.url)';
const coreWasmFromDist = `new URL(${JSON.stringify(path.relative(dist, path.join(root, "core-wasm/build/core.wasm")).split(path.sep).join("/"))}, import.meta.url)`;

const coreWasmPath = {
  name: "core-wasm-path",
  setup(build) {
    build.onLoad({ filter: /[\\/]core-wasm[\\/]node\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!source.includes(CORE_WASM_URL)) throw new Error(`${args.path} no longer says ${CORE_WASM_URL}: update functions/gateway/build.mjs`);
      return { contents: source.replace(CORE_WASM_URL, coreWasmFromDist), loader: "ts" };
    });
  },
};

/** True when the last build's inputs (and this script) are all older than its output. */
function isFresh() {
  if (!existsSync(GATEWAY_BUNDLE) || !existsSync(manifest)) return false;
  const built = statSync(GATEWAY_BUNDLE).mtimeMs;
  let recorded;
  try {
    recorded = JSON.parse(readFileSync(manifest, "utf8"));
  } catch {
    return false;
  }
  const inputs = [...recorded, path.relative(root, fileURLToPath(import.meta.url))];
  return inputs.every((input) => existsSync(path.join(root, input)) && statSync(path.join(root, input)).mtimeMs < built);
}

/** Builds the bundle unless `ifStale` and it is current; returns its path. */
export async function buildGateway({ ifStale = false } = {}) {
  if (ifStale && isFresh()) return GATEWAY_BUNDLE;
  // Loaded only to build: checking freshness (before every `npm run gateway`) stays quick.
  const { build } = await import("esbuild");
  const result = await build({
    absWorkingDir: root,
    entryPoints: [path.join(here, "main.ts")],
    outfile: GATEWAY_BUNDLE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    // Stack traces map back to the sources with `node --enable-source-maps` (off by default: it slows every Error).
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: "warning",
    plugins: [coreWasmPath],
  });
  mkdirSync(dist, { recursive: true });
  // Written aside and renamed: test files build at once in parallel, and a gateway may be starting meanwhile.
  const writeWhole = (file, contents) => {
    const aside = `${file}.${process.pid}`;
    writeFileSync(aside, contents);
    renameSync(aside, file);
  };
  for (const file of result.outputFiles) writeWhole(file.path, file.contents);
  writeWhole(manifest, JSON.stringify(Object.keys(result.metafile.inputs).filter((input) => !input.includes("node_modules"))));
  return GATEWAY_BUNDLE;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildGateway({ ifStale: process.argv.includes("--if-stale") }).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
