// The App Mesh API's throughput on Node and on Deno, side by side in one run, each a real process over its own
// embedded SQLite file: `npm start` (Node, @hono/node-server; the baseline), `deno run functions/node.ts` (Deno
// serving through its node:http compatibility, what a user gets without the Deno entry) and `deno task start`
// (functions/deno.ts: the REST API on Deno.serve). The ratios are what backs functions/deno.ts's choice of Deno.serve.
// `npm run bench -- deno`; MESHPLANE_BENCH_SECONDS shortens each row (default 6).
import autocannon from "autocannon";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { denoBinary, startMeshplaneProcess, type ProcessCommand } from "../test/support/process.js";

const durationSeconds = Number(process.env.MESHPLANE_BENCH_SECONDS ?? 6);
const connections = 16;

/** Deno running the Node entry as is (the permissions `deno task start` grants). */
const denoNodeCompat: ProcessCommand = {
  command: denoBinary,
  args: ["run", "--unstable-sloppy-imports", "--allow-net", "--allow-read", "--allow-write", "--allow-env", "--allow-ffi", "--allow-sys", "functions/node.ts"],
  group: false,
};

interface Server {
  name: string;
  start(env: Record<string, string>): ReturnType<typeof startMeshplaneProcess>;
}

const servers: Server[] = [
  { name: "Node (`npm start`)", start: (env) => startMeshplaneProcess(env, { runtime: "node" }) },
  { name: "Deno, node:http (`deno run functions/node.ts`)", start: (env) => startMeshplaneProcess(env, { command: denoNodeCompat }) },
  { name: "Deno, Deno.serve (`deno task start`)", start: (env) => startMeshplaneProcess(env, { runtime: "deno" }) },
];

interface Row {
  operation: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
}

const nodeSpec = { listeners: [{ portMapping: { port: 80, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "node.bench.local" } } };

async function measure(operation: string, options: autocannon.Options): Promise<Row> {
  const result = await autocannon({ duration: durationSeconds, connections, ...options });
  return { operation, requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}

/** Health, Describe, Create and List against one server, on a fresh database. */
async function measureServer(server: Server): Promise<Row[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-bench-deno-"));
  const running = await server.start({ MESHPLANE_DB: path.join(dir, "bench.db"), MESHPLANE_QUOTA_VIRTUAL_NODES_PER_MESH: "10000000" });
  try {
    const put = async (pathname: string, body: unknown) => {
      const answer = await fetch(`${running.url}${pathname}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (!answer.ok) throw new Error(`${server.name}: PUT ${pathname} answered ${answer.status}: ${await answer.text()}`);
    };
    await put("/v20190125/meshes", { meshName: "bench" });
    await put("/v20190125/meshes/bench/virtualNodes", { virtualNodeName: "node", spec: nodeSpec });
    // Warm the JIT and the connections first.
    await autocannon({ url: `${running.url}/v20190125/meshes/bench/virtualNodes/node`, duration: 1, connections });
    let counter = 0;
    return [
      await measure("GET /healthz", { url: `${running.url}/healthz` }),
      await measure("DescribeVirtualNode", { url: `${running.url}/v20190125/meshes/bench/virtualNodes/node` }),
      await measure("CreateVirtualNode", {
        url: `${running.url}/v20190125/meshes/bench/virtualNodes`,
        method: "PUT",
        headers: { "content-type": "application/json" },
        requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify({ virtualNodeName: `node-${counter++}`, spec: nodeSpec }) }) }],
      }),
      await measure("ListVirtualNodes (limit 100)", { url: `${running.url}/v20190125/meshes/bench/virtualNodes?limit=100` }),
    ];
  } finally {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function denoBenchmark(): Promise<string> {
  const measured: Array<{ server: Server; rows: Row[] }> = [];
  // One server at a time, so they do not compete for the cores.
  for (const server of servers) measured.push({ server, rows: await measureServer(server) });
  const baseline = measured[0]!.rows;
  const lines = measured.flatMap(({ server, rows }) =>
    rows.map((row, index) => {
      const ratio = row.requestsPerSecond / baseline[index]!.requestsPerSecond;
      return `| ${row.operation} | ${server.name} | ${row.requestsPerSecond.toFixed(0)} | ${ratio.toFixed(2)} | ${row.p50} | ${row.p99} | ${row.non2xx} |`;
    }),
  );
  return [
    `autocannon, ${connections} connections, ${durationSeconds} s per row; each runtime a fresh meshplane process over its own SQLite file, one after another.`,
    "Ratios are to Node's figure for the same operation.",
    "",
    "| operation | runtime | req/s | ratio to Node | p50 ms | p99 ms | non-2xx |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...lines.sort(),
    "",
  ].join("\n");
}
