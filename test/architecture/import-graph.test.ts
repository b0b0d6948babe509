// The layer rules of docs/architecture.md, checked on the real import graph: every relative import (static,
// dynamic, `export … from`, and `import("…")` types) of every TypeScript file the project owns.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const sourceRoots = ["functions", "db", "core-wasm", "proto"];
const skipped = new Set(["node_modules", "gen", "build", "vendor", "assembly", ".wrangler"]);

function listSources(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (skipped.has(entry)) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) files.push(...listSources(full));
    else if (/\.(ts|tsx|mts)$/.test(entry) && !entry.endsWith(".d.ts")) files.push(full);
  }
  return files;
}

/** Relative import specifiers of one file, resolved to project paths (relative to the repository root). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = new Set<string>();
  for (const ref of ts.preProcessFile(text, true, true).importedFiles) specifiers.add(ref.fileName);
  for (const match of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) specifiers.add(match[1]!);
  return [...specifiers]
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => {
      const target = path.relative(root, path.resolve(path.dirname(file), specifier)).replace(/\.(m?js|jsx)$/, ".ts");
      // `./app.js` may name `app.tsx` (the console's JSX).
      return target.endsWith(".ts") && !existsSync(path.join(root, target)) && existsSync(path.join(root, `${target}x`)) ? `${target}x` : target;
    });
}

const files = sourceRoots.flatMap((dir) => listSources(path.join(root, dir))).map((file) => path.relative(root, file));
const graph = new Map(files.map((file) => [file, importsOf(path.join(root, file))]));

function edgesFrom(prefix: string): Array<[string, string]> {
  return [...graph].filter(([file]) => file.startsWith(prefix)).flatMap(([file, targets]) => targets.map((target): [string, string] => [file, target]));
}

/** Imports from `from` into any of `forbidden` (folder prefixes), as "file → target" lines. */
function violations(from: string, forbidden: string[]): string[] {
  return edgesFrom(from)
    .filter(([, target]) => forbidden.some((prefix) => target.startsWith(prefix)))
    .map(([file, target]) => `${file} → ${target}`);
}

describe("the import graph", () => {
  it("has the files it is meant to check", () => {
    expect(files.filter((file) => file.startsWith("functions/gateway/")).length).toBeGreaterThan(10);
    expect(files.filter((file) => file.startsWith("functions/xds/")).length).toBeGreaterThan(10);
    expect(graph.get("functions/node.ts")).toContain("functions/xds/server/node-server.ts");
  });

  it("has no arrow from the gateway into the server, the API, the domain or the database", () => {
    expect(violations("functions/gateway/", ["functions/xds/", "functions/api/", "functions/appmesh/", "functions/auth/", "db/"])).toEqual([]);
  });

  it("has no arrow from the server's xDS code into the gateway", () => {
    expect(violations("functions/xds/", ["functions/gateway/"])).toEqual([]);
  });

  it("keeps Envoy's vocabulary free of the server and the gateway", () => {
    expect(violations("functions/envoy/", ["functions/xds/", "functions/gateway/", "functions/appmesh/", "functions/api/", "db/"])).toEqual([]);
  });

  it("keeps the domain free of HTTP, the API, xDS, the AWS stand-ins and the concrete stores", () => {
    expect(violations("functions/appmesh/", ["functions/api/", "functions/xds/", "functions/gateway/", "functions/auth/", "db/sqlite/", "db/postgres/"])).toEqual([]);
    // Of functions/aws/ the domain uses only what every AWS-compatible API shares (the model-driven validator).
    const intoAws = edgesFrom("functions/appmesh/").filter(([, target]) => target.startsWith("functions/aws/") && target !== "functions/aws/shared/index.ts");
    expect(intoAws).toEqual([]);
  });

  it("keeps the AWS stand-ins on the Store contract: no App Mesh domain, API, xDS, auth, gateway or concrete stores", () => {
    expect(violations("functions/aws/", ["functions/appmesh/", "functions/api/", "functions/xds/", "functions/gateway/", "functions/auth/", "db/sqlite/", "db/postgres/"])).toEqual([]);
  });

  it("keeps the database layer free of functions/", () => {
    expect(violations("db/", ["functions/"])).toEqual([]);
  });

  it("keeps core-wasm free of the project", () => {
    expect(violations("core-wasm/", ["functions/", "db/", "proto/"])).toEqual([]);
  });

  it("keeps the CLI off the database (it talks to meshplane over its public APIs)", () => {
    expect(violations("functions/cli/", ["db/", "functions/api/", "functions/xds/"])).toEqual([]);
  });

  it("keeps the importers pure: no database, API, server or Node built-in I/O", () => {
    expect(violations("functions/migrate/", ["db/", "functions/api/", "functions/xds/", "functions/gateway/", "functions/cli/"])).toEqual([]);
    const nodeImports = [...graph.keys()]
      .filter((file) => file.startsWith("functions/migrate/"))
      .filter((file) => /from\s+["']node:/.test(readFileSync(path.join(root, file), "utf8")));
    expect(nodeImports).toEqual([]);
  });

  it("keeps the console's browser code on the public HTTP API: none of the server, the stores or the gateway", () => {
    const server = ["db/", "proto/", "functions/api/", "functions/auth/", "functions/gateway/", "functions/envoy/", "functions/xds/server/", "functions/xds/cache/", "functions/xds/translate/", "functions/xds/index.ts"];
    expect(violations("functions/console/ui/", [...server, "functions/console/index.ts", "functions/console/console-app.ts", "functions/console/session-routes.ts"])).toEqual([]);
  });

  it("keeps route explain runnable in a browser: it imports core-wasm and nothing else of the project", () => {
    expect(edgesFrom("functions/xds/explain/").filter(([, target]) => !target.startsWith("functions/xds/explain/") && !target.startsWith("core-wasm/")).map(([file, target]) => `${file} → ${target}`)).toEqual([]);
  });

  it("has no import cycle", () => {
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, "visiting");
      stack.push(file);
      for (const target of graph.get(file) ?? []) {
        if (!graph.has(target)) continue;
        const seen = state.get(target);
        if (seen === "visiting") cycles.push([...stack.slice(stack.indexOf(target)), target].join(" → "));
        else if (seen === undefined) visit(target);
      }
      stack.pop();
      state.set(file, "done");
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
