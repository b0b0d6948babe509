// App Mesh API throughput: meshplane (a real `npm start` process on an embedded SQLite file) and moto_server (the
// in-memory Python mock of AWS, the reference), side by side in one run, with the same client (wrk), the same
// requests and the same mesh: DescribeVirtualNode, ListVirtualNodes (limit 100 over 100 nodes) and CreateVirtualNode
// with unique names. GET /healthz shows what meshplane's HTTP stack alone costs. Issue 15 targets ≥ 10× moto.
// wrk rather than autocannon: moto's server closes the connection after each response, and autocannon, reconnecting,
// stalls (6 req/s against moto where wrk gets 200+), which would flatter the ratio.
//
// `BENCH_API_SECONDS` shortens each row (default 6 s) to check the script runs.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startMeshplaneProcess } from "../test/support/process.js";

interface Measured {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

interface Target {
  name: string;
  url: string;
}

interface Request {
  url: string;
  /** A wrk Lua script (e.g. one building each request's body). */
  script?: string;
}

const durationSeconds = Number(process.env.BENCH_API_SECONDS ?? 6);
const connections = 16;
// A server is measured warm: under Create load V8's optimising compiler still took ~14 % of meshplane's CPU in the
// first 6 s and ~1.5 % after 20 s (perf, 2026-12-01), so a 2 s warm-up measured the compiler as much as the server.
const warmupSeconds = Number(process.env.BENCH_API_WARMUP_SECONDS ?? 6);
const listedNodes = 100;
// moto routes a request to its service by the credential scope of a SigV4 Authorization header; it checks no
// signature. meshplane in open mode (loopback, no MESHPLANE_AUTH_FILE) ignores it. Both get the same header.
const headers = {
  "content-type": "application/json",
  authorization: "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/appmesh/aws4_request, SignedHeaders=host, Signature=00",
};
const nodeSpec = { listeners: [{ portMapping: { port: 80, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "node.bench.local" } } };
const run = promisify(execFile);

/** wrk's duration ("1.23ms", "850.00us", "1.02s") in milliseconds. */
function milliseconds(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`wrk latency ${text} not understood`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as "us" | "ms" | "s" | "m"];
  return Number(match[1]) * scale;
}

async function measure(request: Request, dir: string, seconds = durationSeconds): Promise<Measured> {
  const args = ["-t", "2", "-c", String(connections), "-d", `${seconds}s`, "--latency"];
  for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
  if (request.script) {
    const file = path.join(dir, `request-${Math.random().toString(36).slice(2)}.lua`);
    writeFileSync(file, request.script);
    args.push("-s", file);
  }
  const { stdout } = await run("wrk", [...args, request.url], { timeout: (seconds + 60) * 1000 });
  const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50: milliseconds(/\s50%\s+(\S+)/.exec(stdout)![1]!),
    p99: milliseconds(/\s99%\s+(\S+)/.exec(stdout)![1]!),
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/),
    errors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    total: number(/(\d+) requests in/),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** moto_server on a free loopback port, in its own process group (the pyenv shim starts Python as a child). */
async function startMoto(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}):\n${output}`);
    try {
      await fetch(`${url}/moto-api/`);
      break;
    } catch {
      if (attempt > 300) throw new Error(`moto_server did not listen on ${url}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGTERM");
      await exited;
    },
  };
}

async function put(target: Target, pathname: string, body: unknown): Promise<void> {
  const response = await fetch(`${target.url}${pathname}`, { method: "PUT", headers, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${target.name}: PUT ${pathname} answered ${response.status}: ${await response.text()}`);
}

/** The same mesh in both: `bench` with `listedNodes` virtual nodes. */
async function seed(target: Target): Promise<void> {
  await put(target, "/v20190125/meshes", { meshName: "bench" });
  for (let i = 0; i < listedNodes; i++) {
    await put(target, "/v20190125/meshes/bench/virtualNodes", { virtualNodeName: `node-${i}`, spec: nodeSpec });
  }
}

/** Each wrk thread of run `run` names its nodes `new-<run>-<thread>-<n>`: unique across the bench. */
let runs = 0;
const createScript = (run = ++runs) => `
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
function request()
  counter = counter + 1
  local body = string.format('{"virtualNodeName":"new-${run}-%d-%d","spec":${JSON.stringify(nodeSpec)}}', tid, counter)
  return wrk.format("PUT", nil, nil, body)
end
`;

const operations: { name: string; request: (target: Target) => Request }[] = [
  { name: "DescribeVirtualNode", request: (target) => ({ url: `${target.url}/v20190125/meshes/bench/virtualNodes/node-7` }) },
  { name: `ListVirtualNodes (limit 100, ${listedNodes} nodes)`, request: (target) => ({ url: `${target.url}/v20190125/meshes/bench/virtualNodes?limit=100` }) },
  // Last: it adds nodes, and List above pages over exactly `listedNodes`.
  { name: "CreateVirtualNode (unique names)", request: (target) => ({ url: `${target.url}/v20190125/meshes/bench/virtualNodes`, script: createScript() }) },
];

export default async function apiBenchmark(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-bench-api-"));
  const server = await startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "bench.db"), MESHPLANE_QUOTA_VIRTUAL_NODES_PER_MESH: "10000000" });
  const moto = await startMoto();
  try {
    const meshplane: Target = { name: "meshplane", url: server.url };
    const reference: Target = { name: "moto_server", url: moto.url };
    await seed(meshplane);
    await seed(reference);
    const healthz = await measure({ url: `${server.url}/healthz` }, dir);
    const rows: string[] = [];
    const missed: string[] = [];
    for (const operation of operations) {
      // Each server warms up on the requests first (JIT, caches, Python's imports), unmeasured; then the reference
      // and meshplane are measured one right after the other.
      await measure(operation.request(reference), dir, warmupSeconds);
      await measure(operation.request(meshplane), dir, warmupSeconds);
      const baseline = await measure(operation.request(reference), dir);
      const ours = await measure(operation.request(meshplane), dir);
      const ratio = ours.requestsPerSecond / baseline.requestsPerSecond;
      if (!(ratio >= 10)) missed.push(`${operation.name}: ${ratio.toFixed(1)}× (target 10×)`);
      for (const [name, m] of [["moto_server", baseline], ["meshplane", ours]] as const) {
        const shown = name === "meshplane" ? `**${ratio.toFixed(1)}×**` : "1.0×";
        rows.push(`| ${operation.name} | ${name} | ${m.requestsPerSecond.toFixed(0)} | ${shown} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ${m.total} | ${m.non2xx + m.errors} |`);
      }
    }
    const load = os.loadavg()[0]!.toFixed(1);
    return [
      `wrk, 2 threads, ${connections} connections, ${durationSeconds} s per row after ${warmupSeconds} s of warm-up. meshplane: one \`npm start\` process on an`,
      `embedded SQLite file (WAL), authentication off (loopback). Reference: moto_server (moto's in-memory App Mesh) in`,
      `its own process, measured right before meshplane on the same requests and the same mesh (${listedNodes} virtual nodes).`,
      `meshplane's GET /healthz (HTTP stack only): ${healthz.requestsPerSecond.toFixed(0)} req/s. 1-minute load average ${load} on ${os.cpus().length} cores at the end.`,
      "",
      "| operation | server | req/s | ratio to moto | p50 ms | p99 ms | requests | errors + non-2xx |",
      "|---|---|---:|---:|---:|---:|---:|---:|",
      ...rows,
      "",
      missed.length === 0 ? "Target (≥ 10× moto on each call): met." : `Target (≥ 10× moto on each call) missed: ${missed.join("; ")}.`,
      "",
    ].join("\n");
  } finally {
    await moto.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
