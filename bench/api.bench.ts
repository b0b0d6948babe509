// App Mesh API throughput against the embedded SQLite store, with autocannon over loopback against a real
// `npm start` process. Baseline, run side by side on the same server: GET /healthz (HTTP stack and framework,
// no store), so the ratios show what validation, the domain and SQLite cost per request.
import autocannon from "autocannon";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startMeshplaneProcess } from "../test/support/process.js";

interface Measured {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  total: number;
}

const durationSeconds = 6;
const connections = 16;

async function measure(name: string, options: autocannon.Options): Promise<Measured> {
  const result = await autocannon({ duration: durationSeconds, connections, ...options });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

export default async function apiBenchmark(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-bench-api-"));
  const server = await startMeshplaneProcess({
    MESHPLANE_DB: path.join(dir, "bench.db"),
    MESHPLANE_QUOTA_VIRTUAL_NODES_PER_MESH: "10000000",
  });
  try {
    const put = (pathname: string, body: unknown) =>
      fetch(`${server.url}${pathname}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    await put("/v20190125/meshes", { meshName: "bench" });
    const nodeSpec = { listeners: [{ portMapping: { port: 80, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "node.bench.local" } } };
    await put("/v20190125/meshes/bench/virtualNodes", { virtualNodeName: "node", spec: nodeSpec });

    const baseline = await measure("GET /healthz (baseline)", { url: `${server.url}/healthz` });
    const describe = await measure("DescribeVirtualNode", { url: `${server.url}/v20190125/meshes/bench/virtualNodes/node` });
    let counter = 0;
    const create = await measure("CreateVirtualNode", {
      url: `${server.url}/v20190125/meshes/bench/virtualNodes`,
      method: "PUT",
      headers: { "content-type": "application/json" },
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({ virtualNodeName: `node-${counter++}`, spec: nodeSpec }),
          }),
        },
      ],
    });
    const list = await measure("ListVirtualNodes (limit 100)", { url: `${server.url}/v20190125/meshes/bench/virtualNodes?limit=100` });

    const rows = [baseline, describe, create, list].map(
      (m) =>
        `| ${m.name} | ${m.requestsPerSecond.toFixed(0)} | ${(m.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)} | ${m.p50} | ${m.p99} | ${m.total} | ${m.non2xx} |`,
    );
    return [
      `autocannon, ${connections} connections, ${durationSeconds} s per row, against one meshplane process (embedded SQLite file, WAL).`,
      "Create bodies are unique names in one mesh (its quota raised); List pages over everything created so far.",
      "",
      "| operation | req/s | ratio to baseline | p50 ms | p99 ms | requests | non-2xx |",
      "|---|---:|---:|---:|---:|---:|---:|",
      ...rows,
      "",
    ].join("\n");
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
