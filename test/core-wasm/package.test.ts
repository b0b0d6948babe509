// core-wasm as a package someone else installs: `npm pack` on the workspace, the tarball installed offline into an
// empty project outside the repository, and the README's embedding examples run there as written — Node and Deno
// as child processes, the Worker under workerd (wrangler), the page in Chromium — each routing a real request.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_startWorker } from "wrangler";

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, "../..");
const deno = path.join(repo, "node_modules", ".bin", "deno");
const tsc = path.join(repo, "node_modules", ".bin", "tsc");

/** The README's code blocks that open with a comment naming their file (`// main.mjs …`, `<!-- index.html -->`). */
function readmeExamples(readme: string): Map<string, string> {
  const examples = new Map<string, string>();
  for (const [, body] of readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) {
    const name = /^(?:\/\/|<!--)\s*([\w.-]+\.(?:m?js|ts|html))\b/.exec(body!)?.[1];
    if (name) examples.set(name, body!);
  }
  return examples;
}

/**
 * The parent's environment minus npm's own variables: under `npm test` they name this repository (local prefix,
 * workspace), and a child npm would install into it instead of the temporary project.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return { ...env, NO_COLOR: "1", ...extra };
}

const canary = { virtualHost: 0, virtualHostName: "payments", route: 0, routeName: "canary", target: 0, cluster: "pay-v2" };
const byId = { virtualHost: 0, virtualHostName: "payments", route: 1, routeName: "by-id", target: 0, cluster: "orders" };

describe("@meshplane/core-wasm package", () => {
  let work: string;
  let project: string;
  let packedFiles: string[];
  let examples: Map<string, string>;

  /** Writes the README examples `names` (and routes.js, which they all import) into the project. */
  async function writeExamples(...names: string[]): Promise<void> {
    for (const name of ["routes.js", ...names]) {
      const body = examples.get(name);
      if (body === undefined) throw new Error(`core-wasm/README.md has no example named ${name}`);
      await writeFile(path.join(project, name), body);
    }
  }

  beforeAll(async () => {
    examples = readmeExamples(await readFile(path.join(repo, "core-wasm", "README.md"), "utf8"));
    work = await mkdtemp(path.join(tmpdir(), "meshplane-core-wasm-"));
    project = path.join(work, "embedder");
    // --ignore-scripts: the global setup built core-wasm already; the package's prepack would rebuild build/ and
    // dist/ while other suites running in parallel read them.
    const { stdout } = await run("npm", ["pack", "--workspace", "core-wasm", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: repo, env: childEnv() });
    const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
    packedFiles = packed.files.map((file) => file.path).sort();
    await mkdir(project);
    await writeFile(path.join(project, "package.json"), JSON.stringify({ name: "embedder", private: true, type: "module" }));
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", path.join(work, packed.filename)], { cwd: project, env: childEnv() });
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("packs the built binding, its declarations and the module, and no sources or build tooling", () => {
    expect(packedFiles).toEqual([
      "README.md",
      "dist/build/core.wasm",
      "dist/core-wasm-module.d.ts",
      "dist/envoy-json.d.ts",
      "dist/envoy-json.js",
      "dist/index.d.ts",
      "dist/index.js",
      "dist/node.d.ts",
      "dist/node.js",
      "dist/platform.d.ts",
      "dist/platform.js",
      "dist/spec.d.ts",
      "dist/spec.js",
      "package.json",
    ]);
  });

  it("installs as a dependency-free package named in the project's package.json", async () => {
    const manifest = JSON.parse(await readFile(path.join(project, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).toEqual(["@meshplane/core-wasm"]);
    const lock = JSON.parse(await readFile(path.join(project, "package-lock.json"), "utf8")) as { packages: Record<string, unknown> };
    expect(Object.keys(lock.packages).filter((key) => key !== "")).toEqual(["node_modules/@meshplane/core-wasm"]);
  });

  it("routes a request on Node with the README's example", async () => {
    await writeExamples("main.mjs");
    const { stdout } = await run(process.execPath, ["main.mjs"], { cwd: project, env: childEnv() });
    expect(JSON.parse(stdout)).toEqual(canary);
  });

  it("routes a request on Deno with the README's example, which type-checks against the package", async () => {
    await writeExamples("main.ts");
    const env = childEnv({ DENO_DIR: path.join(work, "deno-cache"), DENO_NO_UPDATE_CHECK: "1" });
    const { stdout } = await run(deno, ["run", "--allow-read", "main.ts"], { cwd: project, env });
    expect(JSON.parse(stdout)).toEqual(byId);
    await run(deno, ["check", "main.ts"], { cwd: project, env });
  });

  it("routes requests in a Worker under workerd with the README's example", async () => {
    await writeExamples("worker.ts");
    Object.assign(process.env, { WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", DO_NOT_TRACK: "1", CLOUDFLARE_CF_FETCH_ENABLED: "false" });
    const worker = await unstable_startWorker({
      name: "embedder",
      entrypoint: path.join(project, "worker.ts"),
      compatibilityDate: "2026-04-26",
      // request.url inside the Worker names the virtual host, as a route on that zone would.
      dev: { remote: false, watch: false, inspector: false, logLevel: "warn", server: { hostname: "127.0.0.1", port: 0 }, origin: { hostname: "payments.local" } },
    });
    try {
      const url = await worker.url;
      const weighted = await fetch(new URL("/pay/7", url), { headers: { "x-canary": "1" } });
      expect(weighted.status).toBe(200);
      const match = (await weighted.json()) as typeof canary;
      expect(match).toMatchObject({ routeName: "canary" });
      expect(["pay-v2", "pay-v1"]).toContain(match.cluster);
      const exact = await fetch(new URL("/orders/12", url));
      expect(await exact.json()).toEqual(byId);
      expect((await fetch(new URL("/", url), { method: "POST" })).status).toBe(200);
    } finally {
      await worker.dispose();
    }
  });

  it("routes a request in Chromium with the README's page", async () => {
    await writeExamples("index.html");
    const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
    const server = http.createServer((request, response) => {
      const file = path.join(project, path.normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname)));
      readFile(file).then(
        (body) => response.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" }).end(body),
        () => response.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`);
      // A string, evaluated in the page: the project's TypeScript lib has no DOM.
      await page.waitForFunction('(document.body?.textContent ?? "") !== ""');
      expect(errors).toEqual([]);
      expect(JSON.parse((await page.textContent("body")) ?? "")).toEqual(canary);
    } finally {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("type-checks the Worker and Deno examples with its declarations alone, and refuses a malformed spec", async () => {
    await writeExamples("worker.ts", "main.ts");
    await writeFile(path.join(project, "wrong.ts"), 'import { RouteTable } from "@meshplane/core-wasm";\nRouteTable.compile({ virtualHosts: [{ domains: "*", routes: [] }] });\n');
    /** tsc's diagnostics for `files` (empty when they type-check), with no Node or Workers types installed. */
    const check = async (name: string, files: string[], lib: string[]): Promise<string> => {
      const compilerOptions = { strict: true, target: "ES2022", module: "ESNext", moduleResolution: "Bundler", lib, types: [], allowJs: true, noEmit: true, skipLibCheck: false };
      await writeFile(path.join(project, name), JSON.stringify({ compilerOptions, files }));
      return run(tsc, ["-p", name], { cwd: project, env: childEnv() }).then(() => "", (error: { stdout: string }) => error.stdout);
    };
    // DOM for Request, Response and Headers, which Workers and Deno provide.
    expect(await check("tsconfig.examples.json", ["worker.ts", "main.ts"], ["ES2023", "DOM"])).toBe("");
    expect(await check("tsconfig.wrong.json", ["wrong.ts"], ["ES2023"])).toMatch(/^wrong\.ts\(2,\d+\): error TS2322: .*string\[\]/m);
  });
});
