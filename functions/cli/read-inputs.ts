// The files an import reads: each argument a file, a directory (its .yaml, .yml, .json and .template files,
// not recursing; in a CDK cloud assembly such as cdk.out only the *.template.json files), or "-" for stdin.
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import type { InputFile } from "../migrate/index.js";
import { CliFailure } from "./cli-error.js";

const templateExtensions = [".yaml", ".yml", ".json", ".template"];

async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function directoryFiles(directory: string): string[] {
  const names = readdirSync(directory).filter((name) => statSync(path.join(directory, name)).isFile());
  const isCdkAssembly = existsSync(path.join(directory, "manifest.json")) && names.some((name) => name.endsWith(".template.json"));
  const chosen = isCdkAssembly ? names.filter((name) => name.endsWith(".template.json")) : names.filter((name) => templateExtensions.some((extension) => name.endsWith(extension)));
  return chosen.sort().map((name) => path.join(directory, name));
}

export async function readInputFiles(args: readonly string[], stdin: Readable, cwd: string): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const arg of args) {
    if (arg === "-") {
      files.push({ name: "(stdin)", text: await readStream(stdin) });
      continue;
    }
    const full = path.resolve(cwd, arg);
    let stats;
    try {
      stats = statSync(full);
    } catch {
      throw new CliFailure(`cannot read ${arg}: no such file or directory`);
    }
    if (stats.isDirectory()) {
      const found = directoryFiles(full);
      if (found.length === 0) throw new CliFailure(`${arg} holds no .yaml, .yml, .json or .template files`);
      for (const file of found) files.push({ name: path.relative(cwd, file) || file, text: readFileSync(file, "utf8"), scanned: true });
    } else {
      files.push({ name: arg, text: readFileSync(full, "utf8") });
    }
  }
  return files;
}
