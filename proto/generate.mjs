// Envoy protos → TypeScript (protobuf-es v2), run by scripts/build.mjs on `npm install`. No network needed:
// 1. copy the protos that @grpc/grpc-js-xds ships into proto/vendor/ (git-ignored);
// 2. patch validate.proto, which is older than the envoy-api beside it (buf would fail with
//    "cannot resolve message field name for validate.StringRules": the `ignore_empty` fields are missing);
// 3. `buf generate` the set listed in buf.gen.yaml into proto/gen/ (git-ignored, wiped on each run).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const protoDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(protoDir, "..");
const vendorDir = path.join(protoDir, "vendor");
const require = createRequire(import.meta.url);

function findDeps() {
  const pkg = require.resolve("@grpc/grpc-js-xds/package.json", { paths: [root] });
  return path.join(path.dirname(pkg), "deps");
}

function vendorProtos(deps) {
  rmSync(vendorDir, { recursive: true, force: true });
  const trees = [
    ["envoy-api/envoy", "envoy"],
    ["xds/xds", "xds"],
    ["xds/udpa", "udpa"],
    ["googleapis/google", "google"],
    ["protoc-gen-validate/validate", "validate"],
  ];
  for (const [from, to] of trees) {
    cpSync(path.join(deps, from), path.join(vendorDir, to), {
      recursive: true,
      filter: (src) => {
        const base = path.basename(src);
        return !base.startsWith(".") && (!base.includes(".") || base.endsWith(".proto"));
      },
    });
  }
}

// Field numbers are those of upstream protoc-gen-validate; `optional` keeps presence like upstream.
const ignoreEmptyFields = { StringRules: 26, BytesRules: 14, RepeatedRules: 5, MapRules: 6 };

function patchValidateProto() {
  const file = path.join(vendorDir, "validate", "validate.proto");
  let text = readFileSync(file, "utf8");
  for (const [message, number] of Object.entries(ignoreEmptyFields)) {
    const opening = `message ${message} {`;
    if (!text.includes(opening)) throw new Error(`validate.proto: no ${message}`);
    if (new RegExp(`message ${message} \\{[^}]*ignore_empty`).test(text)) continue;
    text = text.replace(opening, `${opening}\n    optional bool ignore_empty = ${number};`);
  }
  writeFileSync(file, text);
}

function runBuf() {
  const bin = path.join(root, "node_modules", ".bin");
  const buf = path.join(bin, process.platform === "win32" ? "buf.cmd" : "buf");
  if (!existsSync(buf)) throw new Error(`buf not found at ${buf}: run npm install`);
  const result = spawnSync(buf, ["generate"], {
    cwd: protoDir,
    stdio: "inherit",
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` },
  });
  if (result.status !== 0) throw new Error(`buf generate failed (exit ${result.status})`);
}

vendorProtos(findDeps());
patchValidateProto();
runBuf();
