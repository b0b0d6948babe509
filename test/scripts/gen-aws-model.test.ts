// The model generator run as a user runs it: node on the script, from files the repository tracks.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const committedModel = path.join(root, "functions/appmesh/model");
/** Every model in the generator's table, and the folder its committed output lives in. */
const generatedFolders = {
  appmesh: "functions/appmesh/model",
  servicediscovery: "functions/aws/servicediscovery/model",
  acm: "functions/aws/acm/model",
  "acm-pca": "functions/aws/acm-pca/model",
} as const;
const generatedFiles = ["errors.generated.ts", "model.generated.ts", "operations.generated.ts", "types.generated.ts"];
const temporary = mkdtempSync(path.join(os.tmpdir(), "meshplane-gen-model-"));

afterAll(() => rmSync(temporary, { recursive: true, force: true }));

/** The files git tracks under `folder`, as they are in the working tree. */
function trackedFiles(folder: string): string[] {
  return execFileSync("git", ["ls-files", "-z", "--", folder], { cwd: root, encoding: "utf8" }).split("\0").filter((file) => file !== "");
}

function runGenerator(scriptRoot: string, args: string[]) {
  return spawnSync(process.execPath, [path.join(scriptRoot, "scripts/gen-aws-model.mjs"), ...args], { cwd: scriptRoot, encoding: "utf8" });
}

describe("gen-aws-model", () => {
  it("regenerates every model folder byte for byte from a checkout holding only the tracked scripts/ files", () => {
    const checkout = path.join(temporary, "checkout");
    const scripts = trackedFiles("scripts");
    for (const name of Object.keys(generatedFolders)) expect(scripts).toContain(`scripts/models/${name}/service-2.json`);
    for (const file of scripts) {
      mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
      cpSync(path.join(root, file), path.join(checkout, file));
    }

    const run = runGenerator(checkout, []);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);

    for (const folder of Object.values(generatedFolders)) {
      const generatedDir = path.join(checkout, folder);
      const generated = readdirSync(generatedDir).sort();
      expect(generated).toEqual(generatedFiles);
      expect(readdirSync(path.join(root, folder)).sort()).toEqual(generated);
      for (const file of generated) {
        const fresh = readFileSync(path.join(generatedDir, file));
        const committed = readFileSync(path.join(root, folder, file));
        expect(fresh.equals(committed), `${folder}/${file} differs from the committed copy; run node scripts/gen-aws-model.mjs`).toBe(true);
      }
    }
  });

  it("writes one model into --out, removing generated files it no longer produces and keeping other files", () => {
    const out = path.join(temporary, "out");
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, "stale.generated.ts"), "export {};\n");
    writeFileSync(path.join(out, "notes.md"), "kept\n");

    const run = runGenerator(root, ["appmesh", "--out", out]);
    expect(run.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["errors.generated.ts", "model.generated.ts", "notes.md", "operations.generated.ts", "types.generated.ts"]);
    expect(readFileSync(path.join(out, "types.generated.ts")).equals(readFileSync(path.join(committedModel, "types.generated.ts")))).toBe(true);
  });

  it("refuses a model name it has no entry for, writing nothing", () => {
    const out = path.join(temporary, "unknown");
    const run = runGenerator(root, ["nosuchservice", "--out", out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("no model named nosuchservice; known: appmesh, servicediscovery, acm, acm-pca");
    expect(existsSync(out)).toBe(false);
  });
});
