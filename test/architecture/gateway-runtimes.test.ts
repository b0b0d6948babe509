// The gateway's runtime layers, checked on the real imports: the shared core (functions/gateway/core/) speaks web
// standards only and knows neither adapter; the Worker adapter imports nothing of Node's.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const gateway = path.join(root, "functions/gateway");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? sources(full) : entry.endsWith(".ts") ? [full] : [];
  });
}

/** Every import specifier of the files under `folder` (relative ones resolved to paths from the gateway folder), as "file → target". */
function importsUnder(folder: string): string[] {
  return sources(path.join(gateway, folder)).flatMap((file) =>
    ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map(({ fileName }) => {
      const target = fileName.startsWith(".") ? path.relative(gateway, path.resolve(path.dirname(file), fileName)) : fileName;
      return `${path.relative(gateway, file)} → ${target}`;
    }),
  );
}

describe("the gateway's runtime layers", () => {
  it("has a core, a Node adapter and a Worker adapter to check", () => {
    for (const folder of ["core", "node", "worker"]) expect(sources(path.join(gateway, folder)).length).toBeGreaterThan(3);
  });

  it("keeps the core free of Node built-ins and of both adapters", () => {
    expect(importsUnder("core").filter((line) => / → (node:|node\/|worker\/|xds-client\/(?!types\.js))/.test(line))).toEqual([]);
  });

  it("keeps the Worker adapter free of Node built-ins, the Node adapter and the gRPC clients", () => {
    expect(importsUnder("worker").filter((line) => / → (node:|node\/|xds-client\/(?!types\.js|unpack-resources\.js)|@connectrpc\/connect-node)/.test(line))).toEqual([]);
  });
});
