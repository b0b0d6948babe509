// The gateway's cost per request: autocannon against a trivial upstream (a child process answering 200 "ok"),
// once straight and once through meshplane's gateway (`npm run gateway`, config over ADS from `npm start`) routing
// a virtual gateway's route → virtual service → virtual node, side by side in the same run.
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startMeshplaneProcess } from "../test/support/process.js";
import { freePort, get, startGatewayProcess, waitFor, xdsPortOf } from "../test/gateway/support.js";

interface Measured {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

const durationSeconds = 8;
const connections = 32;

async function measure(name: string, url: string): Promise<Measured> {
  // Warm keep-alive connections and JIT first.
  await autocannon({ url, duration: 2, connections });
  const result = await autocannon({ url, duration: durationSeconds, connections });
  return { name, requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

const UPSTREAM = `
const http = require("node:http");
const server = http.createServer((req, res) => { req.resume(); res.writeHead(200, { "content-type": "text/plain", "content-length": "2" }); res.end("ok"); });
server.keepAliveTimeout = 60000;
server.listen(Number(process.argv[1]), "127.0.0.1", () => console.log("upstream ready"));
`;

/** The floor any Node proxy pays here: a 6-line pass-through (no routing, retries, timeouts or metrics). */
const MINIMAL_PROXY = `
const http = require("node:http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 4096 });
const [target, port] = [Number(process.argv[1]), Number(process.argv[2])];
http.createServer((req, res) => {
  const upstream = http.request({ host: "127.0.0.1", port: target, path: req.url, method: req.method, headers: req.headers, agent }, (u) => { res.writeHead(u.statusCode, u.headers); u.pipe(res); });
  req.pipe(upstream);
}).listen(port, "127.0.0.1", () => console.log("proxy ready"));
`;

export default async function gatewayBenchmark(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-bench-gateway-"));
  const [upstreamPort, gatewayPort, minimalPort] = [await freePort(), await freePort(), await freePort()];
  const upstream = spawn(process.execPath, ["-e", UPSTREAM, String(upstreamPort)], { stdio: ["ignore", "pipe", "inherit"] });
  const minimal = spawn(process.execPath, ["-e", MINIMAL_PROXY, String(upstreamPort), String(minimalPort)], { stdio: ["ignore", "pipe", "inherit"] });
  const meshplane = await startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "bench.db") });
  let gateway: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
  try {
    await new Promise<void>((resolve) => upstream.stdout!.once("data", () => resolve()));
    await new Promise<void>((resolve) => minimal.stdout!.once("data", () => resolve()));
    const put = async (pathname: string, body: unknown) => {
      const response = await fetch(`${meshplane.url}/v20190125/meshes${pathname}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (response.status >= 300) throw new Error(`PUT ${pathname}: ${response.status} ${await response.text()}`);
    };
    await put("", { meshName: "bench" });
    await put("/bench/virtualNodes", { virtualNodeName: "upstream", spec: { listeners: [{ portMapping: { port: upstreamPort, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "localhost" } } } });
    await put("/bench/virtualServices", { virtualServiceName: "upstream.bench", spec: { provider: { virtualNode: { virtualNodeName: "upstream" } } } });
    await put("/bench/virtualGateways", { virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port: gatewayPort, protocol: "http" } }] } });
    await put("/bench/virtualGateway/gw/gatewayRoutes", {
      gatewayRouteName: "all",
      spec: { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "upstream.bench" } } } } },
    });
    gateway = await startGatewayProcess(["--node", "mesh/bench/virtualGateway/gw", "--xds", `127.0.0.1:${await xdsPortOf(meshplane)}`]);
    if (!(await waitFor(async () => (await get(gatewayPort, "/")).status === 200, 20_000))) throw new Error(`gateway not routing:\n${gateway.output()}`);

    const direct = await measure("upstream directly (baseline)", `http://127.0.0.1:${upstreamPort}/`);
    const floor = await measure("minimal Node pass-through proxy (reference)", `http://127.0.0.1:${minimalPort}/`);
    const proxied = await measure("through the gateway", `http://127.0.0.1:${gatewayPort}/`);
    const rows = [direct, floor, proxied].map(
      (m) => `| ${m.name} | ${Math.round(m.requestsPerSecond).toLocaleString("en-US")} | ${m.p50} | ${m.p99} | ${m.errors + m.non2xx} |`,
    );
    return [
      `autocannon, ${connections} keep-alive connections, ${durationSeconds} s after a 2 s warm-up, GET / answered "ok" by a`,
      "trivial Node upstream in its own process; the gateway routes it through the virtual gateway's two hops",
      "(ingress gateway route → in-process self-redirect → egress virtual host → LOGICAL_DNS cluster) with the",
      "default retry policy, in its own process. Load generator, upstream, gateway and meshplane share the machine.",
      "",
      "| target | requests/s | p50 ms | p99 ms | errors + non-2xx |",
      "|---|---:|---:|---:|---:|",
      ...rows,
      "",
      `- throughput ratio (gateway / direct): **${(proxied.requestsPerSecond / direct.requestsPerSecond).toFixed(2)}**`,
      `- added latency: p50 **+${(proxied.p50 - direct.p50).toFixed(1)} ms**, p99 **+${(proxied.p99 - direct.p99).toFixed(1)} ms**`,
      `- gateway / minimal Node proxy throughput: **${(proxied.requestsPerSecond / floor.requestsPerSecond).toFixed(2)}** (what routing, retries, timeouts and metrics cost over Node's HTTP stack)`,
      "",
    ].join("\n");
  } finally {
    await gateway?.stop();
    await meshplane.stop();
    upstream.kill("SIGTERM");
    minimal.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}
