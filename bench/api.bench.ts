// App Mesh API throughput: meshplane (a real `npm start` process on an embedded SQLite file) and moto_server (the
// in-memory Python mock of AWS, the reference), side by side in one run, with the same autocannon client, the same
// requests and the same mesh: DescribeVirtualNode, ListVirtualNodes (limit 100 over 100 nodes) and CreateVirtualNode
// with unique names. GET /healthz shows what meshplane's HTTP stack alone costs. Issue 15 targets ≥ 10× moto.
//
// `BENCH_API_SECONDS` shortens each row (default 6 s) to check the script runs.
import autocannon from "autocannon";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
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

const durationSeconds = Number(process.env.BENCH_API_SECONDS ?? 6);
const connections = 16;
const listedNodes = 100;
// moto routes a request to its service by the credential scope of a SigV4 Authorization header; it checks no
// signature. meshplane in open mode (loopback, no MESHPLANE_AUTH_FILE) ignores it. Both get the same header.
const headers = {
  "content-type": "application/json",
  authorization: "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/appmesh/aws4_request, SignedHeaders=host, Signature=00",
};
const nodeSpec = { listeners: [{ portMapping: { port: 80, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "node.bench.local" } } };

async function measure(options: autocannon.Options): Promise<Measured> {
  const result = await autocannon({ duration: durationSeconds, connections, headers, ...options });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
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

const operations: { name: string; options: (target: Target) => autocannon.Options }[] = [
  { name: "DescribeVirtualNode", options: (target) => ({ url: `${target.url}/v20190125/meshes/bench/virtualNodes/node-7` }) },
  { name: `ListVirtualNodes (limit 100, ${listedNodes} nodes)`, options: (target) => ({ url: `${target.url}/v20190125/meshes/bench/virtualNodes?limit=100` }) },
  {
    // Last: it adds nodes, and List above pages over exactly `listedNodes`.
    name: "CreateVirtualNode (unique names)",
    options: (target) => {
      let counter = 0;
      return {
        url: `${target.url}/v20190125/meshes/bench/virtualNodes`,
        method: "PUT",
        requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify({ virtualNodeName: `new-${counter++}`, spec: nodeSpec }) }) }],
      };
    },
  },
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
    const healthz = await measure({ url: `${server.url}/healthz` });
    const rows: string[] = [];
    const missed: string[] = [];
    for (const operation of operations) {
      // The reference first, then meshplane, one right after the other.
      const baseline = await measure(operation.options(reference));
      const ours = await measure(operation.options(meshplane));
      const ratio = ours.requestsPerSecond / baseline.requestsPerSecond;
      if (!(ratio >= 10)) missed.push(`${operation.name}: ${ratio.toFixed(1)}× (target 10×)`);
      for (const [name, m] of [["moto_server", baseline], ["meshplane", ours]] as const) {
        const shown = name === "meshplane" ? `**${ratio.toFixed(1)}×**` : "1.0×";
        rows.push(`| ${operation.name} | ${name} | ${m.requestsPerSecond.toFixed(0)} | ${shown} | ${m.p50} | ${m.p99} | ${m.total} | ${m.non2xx + m.errors} |`);
      }
    }
    const load = os.loadavg()[0]!.toFixed(1);
    return [
      `autocannon, ${connections} connections, ${durationSeconds} s per row, from the bench process. meshplane: one \`npm start\` process on an`,
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
