// Regenerates the model/ folders of meshplane's AWS-compatible services from the botocore models in scripts/models/
// (see scripts/models/README.md for their sources). The output is committed; this rewrites it.
// Usage: node scripts/gen-aws-model.mjs [name…] [--out DIR]
//   no name: every model in the table; --out: write one model's files into DIR instead of its folder.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateModelFiles } from "./aws-model/generate.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Each generated service: its model (repository-relative), the folder its files go to, the prefix of aggregate type names. */
const models = {
  appmesh: { model: "scripts/models/appmesh/service-2.json", out: "functions/appmesh/model", typePrefix: "AppMesh" },
  servicediscovery: { model: "scripts/models/servicediscovery/service-2.json", out: "functions/aws/servicediscovery/model", typePrefix: "ServiceDiscovery" },
  acm: { model: "scripts/models/acm/service-2.json", out: "functions/aws/acm/model", typePrefix: "Acm" },
  "acm-pca": { model: "scripts/models/acm-pca/service-2.json", out: "functions/aws/acm-pca/model", typePrefix: "AcmPca" },
};

const { values, positionals } = parseArgs({ options: { out: { type: "string" } }, allowPositionals: true });
const selected = positionals.length > 0 ? positionals : Object.keys(models);
if (values.out !== undefined && selected.length !== 1) {
  console.error("gen-aws-model: --out takes exactly one model name");
  process.exit(2);
}

for (const name of selected) {
  const entry = models[name];
  if (!entry) {
    console.error(`gen-aws-model: no model named ${name}; known: ${Object.keys(models).join(", ")}`);
    process.exit(2);
  }
  const model = JSON.parse(readFileSync(path.join(root, entry.model), "utf8"));
  // Relative to the service's own folder (also when --out writes elsewhere), so that the text is the committed one.
  const sharedModel = path.relative(path.join(root, entry.out), path.join(root, "functions/aws/shared/index.js"));
  const files = generateModelFiles(model, { typePrefix: entry.typePrefix, modelPath: entry.model, sharedModelImport: sharedModel.split(path.sep).join("/") });
  const outDir = values.out !== undefined ? path.resolve(values.out) : path.join(root, entry.out);
  mkdirSync(outDir, { recursive: true });
  // The folder holds only generated files: ones this run no longer produces are stale and go.
  for (const file of readdirSync(outDir)) if (file.endsWith(".generated.ts") && !(file in files)) rmSync(path.join(outDir, file));
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(outDir, file), text);
  console.log(`gen-aws-model: ${name}: ${Object.keys(model.operations).length} operations, ${Object.keys(model.shapes).length} shapes → ${path.relative(root, outDir) || "."}`);
}
