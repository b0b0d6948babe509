// ADS push latency and isolation: 1,000 state-of-the-world streams on a 200-node mesh (10 backends each), driven by
// @grpc/grpc-js clients in a worker thread (so the main isolate's heap is the server's). For route changes made
// through the REST API: time from the write to the last affected stream receiving its RouteConfiguration (p50/p99),
// pushes to unaffected streams (must be 0), and server heap per open stream.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { Worker } from "node:worker_threads";
import { configFromEnv } from "../functions/config.js";
import { startControlPlane } from "../functions/node.js";

const NODES = 200;
const BACKENDS = 10;
const STREAMS = Number(process.env.ADS_BENCH_STREAMS ?? 1000);
const CONNECTIONS = 100;
const CHANGES = Number(process.env.ADS_BENCH_CHANGES ?? 100);
const WARMUP = 5;
const progress = (message: string) => {
  if (process.env.ADS_BENCH_VERBOSE) console.error(`ads bench: ${message}`);
};
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

// The client side, plain JS run in a worker thread: opens the streams, subscribes like Envoy (CDS and LDS wildcard,
// RDS by name), ACKs everything, and reports when chosen streams have received a RouteConfiguration.
const workerSource = String.raw`
const { workerData, parentPort } = require("node:worker_threads");
const { createRequire } = require("node:module");
const req = createRequire(workerData.base);
const grpc = req("@grpc/grpc-js");
const protoLoader = req("@grpc/proto-loader");
const def = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", { includeDirs: [workerData.protoDir], keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
const Ads = grpc.loadPackageDefinition(def).envoy.service.discovery.v3.AggregatedDiscoveryService;
const T = { cds: "type.googleapis.com/envoy.config.cluster.v3.Cluster", lds: "type.googleapis.com/envoy.config.listener.v3.Listener", rds: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration" };
const now = () => performance.timeOrigin + performance.now();
const clients = Array.from({ length: workerData.connections }, () => new Ads(workerData.address, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1, "grpc.enable_channelz": 0 }));
const streams = [];
let ready = 0;
let counting = false;
let waiting = null; // { set: Set<index>, last: number }
for (let i = 0; i < workerData.nodeIds.length; i++) {
  const call = clients[i % clients.length].StreamAggregatedResources();
  const s = { call, got: new Set(), pushes: 0 };
  streams.push(s);
  call.on("error", () => {});
  call.on("data", (r) => {
    call.write({ typeUrl: r.typeUrl, versionInfo: r.versionInfo, responseNonce: r.nonce, resourceNames: r.typeUrl === T.rds ? workerData.routeNames : [] });
    if (counting) s.pushes++;
    if (!s.got.has(r.typeUrl)) {
      s.got.add(r.typeUrl);
      if (r.typeUrl === T.lds) call.write({ typeUrl: T.rds, resourceNames: workerData.routeNames });
      if (s.got.size === 3 && ++ready === streams.length) parentPort.postMessage({ kind: "ready" });
      return;
    }
    if (waiting && r.typeUrl === T.rds && waiting.set.delete(i)) {
      waiting.last = now();
      if (waiting.set.size === 0) { parentPort.postMessage({ kind: "done", at: waiting.last }); waiting = null; }
    }
  });
  call.write({ node: { id: workerData.nodeIds[i], cluster: workerData.nodeIds[i] }, typeUrl: T.cds, resourceNames: [] });
  call.write({ typeUrl: T.lds, resourceNames: [] });
}
parentPort.on("message", (m) => {
  if (m.kind === "count") { counting = true; for (const s of streams) s.pushes = 0; parentPort.postMessage({ kind: "counting" }); }
  if (m.kind === "expect") { waiting = { set: new Set(m.streams), last: 0 }; parentPort.postMessage({ kind: "armed" }); }
  if (m.kind === "stats") parentPort.postMessage({ kind: "stats", pushes: streams.map((s) => s.pushes) });
  if (m.kind === "close") { for (const s of streams) s.call.cancel(); for (const c of clients) c.close(); parentPort.postMessage({ kind: "closed" }); }
});
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function settledHeap(): Promise<number> {
  let previous = Infinity;
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    gc();
    const used = process.memoryUsage().heapUsed;
    if (Math.abs(used - previous) < 512 * 1024) return used;
    previous = used;
  }
  return previous;
}

async function api(url: string, method: string, pathname: string, body?: unknown): Promise<void> {
  const response = await fetch(`${url}${pathname}`, { method, headers: { "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${await response.text()}`);
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

const routeSpec = (k: number, flip: boolean) => ({
  httpRoute: {
    match: { prefix: "/" },
    action: {
      weightedTargets: [
        { virtualNode: `n${k}`, weight: flip ? 10 : 90 },
        { virtualNode: `n${(k + 1) % NODES}`, weight: flip ? 90 : 10 },
      ],
    },
  },
});

export default async function ads(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-bench-ads-"));
  const running = await startControlPlane(configFromEnv({ PORT: "0", XDS_PORT: "0", MESHPLANE_DB: path.join(dir, "bench.db"), MESHPLANE_ADS_PROXY_QUOTA: String(STREAMS) }));
  const log = console.log;
  const url = running.url;
  const mesh = "bench";
  const base = `/v20190125/meshes/${mesh}`;
  try {
    // The mesh: node n<i> calls svc<i+1> … svc<i+10>; svc<k> is router r<k> splitting between n<k> and n<k+1>.
    await api(url, "PUT", `/v20190125/meshes`, { meshName: mesh });
    const ks = Array.from({ length: NODES }, (_, k) => k);
    await inBatches(ks, 10, (k) =>
      api(url, "PUT", `${base}/virtualNodes`, {
        virtualNodeName: `n${k}`,
        spec: {
          listeners: [{ portMapping: { port: 8080, protocol: "http" } }],
          serviceDiscovery: { dns: { hostname: `n${k}.bench.local` } },
          backends: Array.from({ length: BACKENDS }, (_, b) => ({ virtualService: { virtualServiceName: `svc${(k + 1 + b) % NODES}.bench.local` } })),
        },
      }),
    );
    await inBatches(ks, 10, (k) => api(url, "PUT", `${base}/virtualRouters`, { virtualRouterName: `r${k}`, spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } }));
    await inBatches(ks, 10, (k) => api(url, "PUT", `${base}/virtualRouter/r${k}/routes`, { routeName: "split", spec: routeSpec(k, false) }));
    await inBatches(ks, 10, (k) =>
      api(url, "PUT", `${base}/virtualServices`, { virtualServiceName: `svc${k}.bench.local`, spec: { provider: { virtualRouter: { virtualRouterName: `r${k}` } } } }),
    );

    progress("mesh created");
    const nodeOf = (stream: number) => stream % NODES;
    const nodeIds = Array.from({ length: STREAMS }, (_, i) => `mesh/${mesh}/virtualNode/n${nodeOf(i)}`);
    const heapBefore = await settledHeap();
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: {
        base: path.join(root, "package.json"),
        protoDir: path.join(root, "proto/vendor"),
        address: `127.0.0.1:${running.xdsPort}`,
        connections: CONNECTIONS,
        nodeIds,
        routeNames: ["rds_egress_http_8080", "rds_ingress_http_8080"],
      },
    });
    const inbox: Array<Record<string, unknown>> = [];
    let wake: (() => void) | null = null;
    worker.on("message", (message: Record<string, unknown>) => {
      inbox.push(message);
      wake?.();
    });
    worker.on("error", (error) => log("ads bench worker:", error));
    const next = async (kind: string): Promise<Record<string, unknown>> => {
      for (;;) {
        const index = inbox.findIndex((message) => message.kind === kind);
        if (index >= 0) return inbox.splice(index, 1)[0]!;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    const connectStarted = performance.now();
    await next("ready");
    const connectMs = performance.now() - connectStarted;
    progress(`streams ready in ${connectMs.toFixed(0)} ms`);
    const heapOpen = await settledHeap();

    worker.postMessage({ kind: "count" });
    await next("counting");
    const latencies: number[] = [];
    const writes: number[] = [];
    const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? NaN);
    let translationBefore = { sum: 0, count: 0, nodes: 0 };
    const affectedAll = new Set<number>();
    for (let change = 0; change < CHANGES + WARMUP; change++) {
      if (change === WARMUP) {
        // The first changes warm up the JIT and the translator's code paths; they are not measured.
        latencies.length = 0;
        writes.length = 0;
        affectedAll.clear();
        worker.postMessage({ kind: "count" });
        await next("counting");
        translationBefore = {
          sum: await metric("meshplane_xds_translation_seconds_sum"),
          count: await metric("meshplane_xds_translation_seconds_count"),
          nodes: await metric("meshplane_xds_translated_nodes_total"),
        };
      }
      const router = (change * 37) % NODES;
      // Nodes whose backends include svc<router>: n<router-10> … n<router-1>.
      const affectedNodes = new Set(Array.from({ length: BACKENDS }, (_, b) => (router - 1 - b + NODES) % NODES));
      const affected = nodeIds.map((_, i) => i).filter((i) => affectedNodes.has(nodeOf(i)));
      affected.forEach((i) => affectedAll.add(i));
      worker.postMessage({ kind: "expect", streams: affected });
      await next("armed");
      const started = performance.timeOrigin + performance.now();
      // 37 is coprime with 200: every change hits a router still at its initial weights, so each one is a real change.
      await api(url, "PUT", `${base}/virtualRouter/r${router}/routes/split`, { spec: routeSpec(router, true) });
      writes.push(performance.timeOrigin + performance.now() - started);
      const done = await next("done");
      latencies.push((done.at as number) - started);
      progress(`change ${change}: ${latencies[latencies.length - 1]!.toFixed(1)} ms`);
    }
    const translations = (await metric("meshplane_xds_translation_seconds_count")) - translationBefore.count;
    const translationMs = (((await metric("meshplane_xds_translation_seconds_sum")) - translationBefore.sum) * 1000) / translations;
    const nodesPerChange = ((await metric("meshplane_xds_translated_nodes_total")) - translationBefore.nodes) / translations;
    worker.postMessage({ kind: "stats" });
    const pushes = (await next("stats")).pushes as number[];
    const unaffectedPushes = pushes.reduce((sum, count, i) => (affectedAll.has(i) ? sum : sum + count), 0);
    const affectedPushes = pushes.reduce((sum, count, i) => (affectedAll.has(i) ? sum + count : sum), 0);
    worker.postMessage({ kind: "close" });
    await next("closed");
    await worker.terminate();

    const sorted = [...latencies].sort((a, b) => a - b);
    const perStreamKiB = (heapOpen - heapBefore) / STREAMS / 1024;
    return [
      `${STREAMS} ADS streams (state of the world; CDS + LDS wildcard, RDS by name) over ${CONNECTIONS} HTTP/2 connections from @grpc/grpc-js clients in a worker thread, on a ${NODES}-node mesh (each node ${BACKENDS} backends, each backend a router splitting between two nodes), ${STREAMS / NODES} streams per node. Server: \`startControlPlane\` in-process on a temp SQLite file. Each of ${CHANGES} measured changes (after ${WARMUP} unmeasured warm-up changes) is one \`UpdateRoute\` through the REST API on a different router; it affects the ${(BACKENDS * STREAMS) / NODES} streams of the ${BACKENDS} nodes calling that router.`,
      "",
      "| measure | value |",
      "|---|---|",
      `| API write → last affected stream has its RouteConfiguration, p50 | ${percentile(sorted, 50).toFixed(1)} ms |`,
      `| … p99 | ${percentile(sorted, 99).toFixed(1)} ms |`,
      `| … max | ${sorted[sorted.length - 1]!.toFixed(1)} ms |`,
      `| … of which the REST write (response received), p50 | ${percentile([...writes].sort((a, b) => a - b), 50).toFixed(1)} ms |`,
      `| re-translation after a change: nodes translated (of ${NODES} watched) / time, mean | ${nodesPerChange.toFixed(1)} / ${translationMs.toFixed(1)} ms |`,
      `| pushes to unaffected streams during the ${CHANGES} changes | ${unaffectedPushes} |`,
      `| pushes to affected streams (expected ${CHANGES * (BACKENDS * STREAMS) / NODES}: one RouteConfiguration each) | ${affectedPushes} |`,
      `| server heap per open stream (after GC) | ${perStreamKiB.toFixed(1)} KiB |`,
      `| time for all ${STREAMS} streams to connect and receive CDS, LDS, RDS | ${connectMs.toFixed(0)} ms |`,
      "",
      "The latency includes the REST write itself (validation, SQLite commit), the cache reload and re-translation of the mesh's watched nodes, and the client threads' decoding; client and server share this machine's cores.",
    ].join("\n");
  } finally {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
