// How the module loads: no imports (so a Worker can instantiate the .wasm module it imports, with no code
// generation and nothing to provide), and independent instances with their own memory.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CORE_WASM_PATH, instantiateCore, RouteTable } from "../../core-wasm/node.js";
import { webAssembly } from "../../core-wasm/platform.js";

interface ModuleIntrospection {
  imports(module: object): unknown[];
  exports(module: object): { name: string; kind: string }[];
}

describe("core.wasm", () => {
  const module = new webAssembly.Module(readFileSync(CORE_WASM_PATH));
  const introspect = webAssembly.Module as unknown as ModuleIntrospection;

  it("needs no imports", () => {
    expect(introspect.imports(module)).toEqual([]);
  });

  it("exports its memory and the functions the binding calls", () => {
    const names = introspect.exports(module).map((entry) => entry.name);
    for (const name of ["memory", "tableMatch", "tableExplain", "regexCheck", "pickWeighted", "tableDispose"]) {
      expect(names).toContain(name);
    }
  });

  it("instantiates synchronously from a compiled module, as in a Worker, into independent cores", () => {
    const first = instantiateCore(module);
    const second = instantiateCore(module);
    const spec = { virtualHosts: [{ domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "c" } }] }] };
    const table = RouteTable.compile(spec, { core: first });
    const before = second.memoryBytes;
    for (let i = 0; i < 200; i++) RouteTable.compile(spec, { core: first }).dispose();
    expect(second.memoryBytes).toBe(before);
    expect(table.match({ method: "GET", authority: "x", path: "/a" })?.cluster).toBe("c");
    expect(second.checkRegex("(?=x)").ok).toBe(false);
  });
});
