// `npm run bench [-- name …]`: runs every bench/<name>.bench.ts (or the named ones) one after another and
// writes each one's section into bench/RESULTS.md, keeping the sections of benchmarks that were not run.
// A benchmark module default-exports `async () => string`: a markdown section (no top heading) whose
// figures are ratios against a baseline measured side by side in the same run.
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

type Benchmark = () => Promise<string>;

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsFile = path.join(benchDir, "RESULTS.md");

function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? "unknown CPU";
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(0);
  return `${model}, ${cpus.length} cores, ${memGiB} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

function readSections(): Map<string, string> {
  const sections = new Map<string, string>();
  if (!existsSync(resultsFile)) return sections;
  const text = readFileSync(resultsFile, "utf8");
  const pattern = /<!-- bench:(\S+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g;
  for (const match of text.matchAll(pattern)) sections.set(match[1]!, match[2]!);
  return sections;
}

function writeResults(sections: Map<string, string>): void {
  const parts = [
    "# meshplane benchmark results",
    "",
    "Written by `npm run bench`. Each section names the machine and date it was measured on; numbers from",
    "different sections were not necessarily measured in the same run.",
    "",
  ];
  for (const name of [...sections.keys()].sort()) {
    parts.push(`<!-- bench:${name} -->\n${sections.get(name)!}<!-- /bench:${name} -->`, "");
  }
  writeFileSync(resultsFile, parts.join("\n"));
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const available = readdirSync(benchDir)
    .filter((file) => file.endsWith(".bench.ts"))
    .map((file) => file.slice(0, -".bench.ts".length))
    .sort();
  const names = wanted.length > 0 ? wanted : available;
  const unknown = names.filter((name) => !available.includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(", ")}; have: ${available.join(", ")}`);

  const sections = readSections();
  for (const name of names) {
    console.log(`bench: ${name} …`);
    const module = (await import(pathToFileURL(path.join(benchDir, `${name}.bench.ts`)).href)) as { default: Benchmark };
    const body = await module.default();
    const stamp = `_Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineLine()}._\n\n`;
    sections.set(name, `## ${name}\n\n${stamp}${body.trimEnd()}\n`);
    writeResults(sections);
    console.log(body);
  }
}

await main();
