// ADS at scale: N virtual nodes all behind one virtual service, 5 state-of-the-world streams per node, the clients in
// separate processes (bench/support/ads-clients.ts, @grpc/grpc-js). Each measured change is one UpdateRoute through
// the REST API that changes the RouteConfiguration of every one of those nodes. Measured, per scenario: write → each
// affected stream has its new RouteConfiguration (p50/p99/max over all deliveries, and the time to the last one per
// change); pushes to a control group of unaffected streams (must be 0); the latency of an unrelated API write during
// the storm against the same write while idle; server heap and RSS per open stream; the time for all streams to
// connect and receive their first snapshot; and a cold start: a fresh `npm start` process on the same SQLite file
// until every stream is served again. The server runs in this process, so that its heap can be measured after GC.
import { fork, spawn, type ChildProcess } from "node:child_process";
import diagnostics from "node:diagnostics_channel";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { configFromEnv } from "../functions/config.js";
import { startControlPlane, type RunningControlPlane } from "../functions/node.js";
import type { ClientMessage, ParentMessage } from "./support/ads-protocol.js";
import { cpuSeconds } from "./support/cpu-time.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STREAMS_PER_NODE = 5;
const STREAMS_PER_CONNECTION = Number(process.env.ADS_BENCH_STREAMS_PER_CONNECTION ?? 10);
const CLIENT_PROCESSES = Number(process.env.ADS_BENCH_CLIENT_PROCESSES ?? 4);
const WARMUP = 3;
/** `<nodes>:<changes>` per scenario; e.g. ADS_BENCH_SCENARIOS=20:5 for a quick check. */
const SCENARIOS = (process.env.ADS_BENCH_SCENARIOS ?? "200:100,2000:30").split(",").map((entry) => {
  const [nodes, changes] = entry.split(":").map(Number);
  return { nodes: nodes!, changes: changes! };
});
const IDLE_WRITES = 20;
const CONNECT_TIMEOUT_MS = 300_000;
const ROUTE_NAMES = ["rds_egress_http_8080", "rds_ingress_http_8080"];
const tsxLoader = pathToFileURL(path.join(root, "node_modules/tsx/dist/loader.mjs")).href;
/** ADS_BENCH_CPU_PROFILE=<file>: a CPU profile of the server process while the measured changes run (open in DevTools). */
const CPU_PROFILE = process.env.ADS_BENCH_CPU_PROFILE;
const progress = (message: string) => {
  if (process.env.ADS_BENCH_VERBOSE) console.error(`ads bench: ${message}`);
};

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const now = () => performance.timeOrigin + performance.now();

/**
 * How long the server held the probe write, from Node parsing its request to the response's last byte handed to the
 * socket (node:http's diagnostics channels): the rest of the probe's latency is waiting for the event loop to read the
 * request, and for the bench's client to read the answer.
 */
class ProbeServerTimes {
  readonly #started = new WeakMap<object, number>();
  readonly times: number[] = [];
  #recording = false;

  constructor() {
    diagnostics.subscribe("http.server.request.start", (message) => {
      const { request } = message as { request: { url?: string } };
      if (this.#recording && request.url?.startsWith("/v20190125/meshes/probe/")) this.#started.set(request, performance.now());
    });
    diagnostics.subscribe("http.server.response.finish", (message) => {
      const started = this.#started.get((message as { request: object }).request);
      if (started !== undefined) this.times.push(performance.now() - started);
    });
  }

  /** Records the probe writes `run` makes. */
  async record<T>(run: () => Promise<T>): Promise<T> {
    this.#recording = true;
    try {
      return await run();
    } finally {
      this.#recording = false;
    }
  }
}
const probeServerTimes = new ProbeServerTimes();

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const sortedCopy = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function settledMemory(): Promise<{ heap: number; rss: number }> {
  let previous = Infinity;
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    gc();
    const used = process.memoryUsage().heapUsed;
    if (Math.abs(used - previous) < 512 * 1024) break;
    previous = used;
  }
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

async function api(url: string, method: string, pathname: string, body?: unknown): Promise<void> {
  const response = await fetch(`${url}${pathname}`, { method, headers: { "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = now();
  await run();
  return now() - started;
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

/** The client processes; stream `i` of the scenario is stream `i / processes` of process `i % processes`. */
class ClientFleet {
  readonly #children: ChildProcess[] = [];
  readonly #inbox: Array<{ from: number; message: ClientMessage }> = [];
  #wake: (() => void) | null = null;

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const child = fork(path.join(root, "bench/support/ads-clients.ts"), [], { execArgv: ["--import", tsxLoader], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      child.on("message", (message: ClientMessage) => {
        this.#inbox.push({ from: i, message });
        this.#wake?.();
      });
      this.#children.push(child);
    }
  }

  get size(): number {
    return this.#children.length;
  }

  /** CPU seconds (user + system) the client processes have spent so far, read from /proc. */
  cpuSeconds(): number {
    return this.#children.reduce((sum, child) => sum + (child.pid ? cpuSeconds(child.pid) : 0), 0);
  }

  send(index: number, message: ParentMessage): void {
    this.#children[index]!.send(message);
  }

  broadcast(message: ParentMessage): void {
    for (let i = 0; i < this.#children.length; i++) this.send(i, message);
  }

  /** One message of `kind` from every process, in process order; bounded by `timeoutMs`. */
  async collect<K extends ClientMessage["kind"]>(kind: K, timeoutMs = CONNECT_TIMEOUT_MS): Promise<Array<Extract<ClientMessage, { kind: K }>>> {
    const got = new Map<number, Extract<ClientMessage, { kind: K }>>();
    const deadline = now() + timeoutMs;
    while (got.size < this.#children.length) {
      const index = this.#inbox.findIndex((entry) => entry.message.kind === kind && !got.has(entry.from));
      if (index >= 0) {
        const [entry] = this.#inbox.splice(index, 1);
        got.set(entry!.from, entry!.message as Extract<ClientMessage, { kind: K }>);
        continue;
      }
      if (now() > deadline) throw new Error(`ads bench: timed out waiting for "${kind}" from the client processes`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return [...got.entries()].sort(([a], [b]) => a - b).map(([, message]) => message);
  }

  async close(): Promise<void> {
    for (const child of this.#children) if (child.connected) child.send({ kind: "close" } satisfies ParentMessage);
    await Promise.all(
      this.#children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
            child.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}

const routeSpec = (flip: boolean, targets: [string, string]) => ({
  httpRoute: {
    match: { prefix: "/" },
    action: { weightedTargets: [{ virtualNode: targets[0], weight: flip ? 10 : 90 }, { virtualNode: targets[1], weight: flip ? 90 : 10 }] },
  },
});

const nodeSpec = (name: string, backend: string) => ({
  listeners: [{ portMapping: { port: 8080, protocol: "http" } }],
  serviceDiscovery: { dns: { hostname: `${name}.bench.local` } },
  backends: [{ virtualService: { virtualServiceName: backend } }],
});

/** `nodes` virtual nodes behind svc.bench.local (router r), a control group behind other.bench.local, and a probe mesh. */
async function createMeshes(url: string, nodes: number, unaffected: number): Promise<void> {
  const base = "/v20190125/meshes/bench";
  await api(url, "PUT", "/v20190125/meshes", { meshName: "bench" });
  const names = [...Array.from({ length: nodes }, (_, i) => `n${i}`), ...Array.from({ length: unaffected }, (_, i) => `u${i}`)];
  await inBatches(names, 16, (name) =>
    api(url, "PUT", `${base}/virtualNodes`, { virtualNodeName: name, spec: nodeSpec(name, name.startsWith("n") ? "svc.bench.local" : "other.bench.local") }),
  );
  for (const [router, service, targets] of [
    ["r", "svc.bench.local", ["n0", "n1"]],
    ["ro", "other.bench.local", ["u0", "u1"]],
  ] as const) {
    await api(url, "PUT", `${base}/virtualRouters`, { virtualRouterName: router, spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } });
    await api(url, "PUT", `${base}/virtualRouter/${router}/routes`, { routeName: "split", spec: routeSpec(false, [...targets]) });
    await api(url, "PUT", `${base}/virtualServices`, { virtualServiceName: service, spec: { provider: { virtualRouter: { virtualRouterName: router } } } });
  }
  await api(url, "PUT", "/v20190125/meshes", { meshName: "probe" });
  await api(url, "PUT", "/v20190125/meshes/probe/virtualNodes", { virtualNodeName: "p", spec: nodeSpec("p", "svc.probe.local") });
}

/** An API write no stream depends on (another mesh, nobody watching): the measure of how responsive the API stays. */
function probeWrite(url: string, counter: number): Promise<void> {
  const spec = { ...nodeSpec("p", "svc.probe.local"), serviceDiscovery: { dns: { hostname: `p${counter}.probe.local` } } };
  return api(url, "PUT", "/v20190125/meshes/probe/virtualNodes/p", { spec });
}

function controlPlaneEnv(dbFile: string, streams: number, nodes: number): Record<string, string> {
  return {
    PORT: "0",
    XDS_PORT: "0",
    MESHPLANE_DB: dbFile,
    MESHPLANE_ADS_PROXY_QUOTA: String(streams * 2),
    MESHPLANE_QUOTA_VIRTUAL_NODES_PER_MESH: String(nodes * 2),
  };
}

interface ScenarioResult {
  nodes: number;
  streams: number;
  unaffectedStreams: number;
  changes: number;
  deliveries: number[];
  lastPerChange: number[];
  triggerWrites: number[];
  triggerWritesIdle: number[];
  probeIdle: number[];
  probeStorm: number[];
  /** The probe writes' time inside the server (ProbeServerTimes), idle and during the storm. */
  probeServerIdle: number[];
  probeServerStorm: number[];
  /** Event-loop delay of the server process from each write to its last delivery, over every measured change (ns). */
  loopDelay: IntervalHistogram;
  unaffectedPushes: number;
  affectedPushes: number;
  heapPerStreamKiB: number;
  rssPerStreamKiB: number;
  peakRssMiB: number;
  /** Server process CPU (user + system) from each write to its last delivery, per change. */
  cpuPerChange: number[];
  /** The client processes' CPU (user + system) over the measured changes, per change (ms). */
  clientCpuPerChange: number;
  /**
   * Per measured change: resources packed, responses encoded, responses sent from an earlier encoding, resources
   * encoded into responses and copied from an earlier encoding, whole mesh reads.
   */
  perChange: { packed: number; encoded: number; reused: number; resourcesEncoded: number; resourcesCopied: number; wholeReads: number; incrementalReads: number };
  connectMs: number;
  coldStartMs: number;
  coldListenMs: number;
}

async function runScenario(nodes: number, changes: number): Promise<ScenarioResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-bench-ads-"));
  const dbFile = path.join(dir, "bench.db");
  const unaffected = Math.max(2, Math.round(nodes / 20));
  const streams = nodes * STREAMS_PER_NODE;
  const unaffectedStreams = unaffected * STREAMS_PER_NODE;
  const totalStreams = streams + unaffectedStreams;
  const env = controlPlaneEnv(dbFile, totalStreams, nodes + unaffected);
  let running: RunningControlPlane | null = await startControlPlane(configFromEnv(env));
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  const fleet = new ClientFleet(CLIENT_PROCESSES);
  let coldServer: ChildProcess | null = null;
  try {
    const url = running.url;
    await createMeshes(url, nodes, unaffected);
    progress(`${nodes}-node mesh created`);
    // The trigger write with nobody connected: the write path alone.
    const triggerWritesIdle: number[] = [];
    for (let i = 0; i < IDLE_WRITES; i++) {
      triggerWritesIdle.push(await timed(() => api(url, "PUT", "/v20190125/meshes/bench/virtualRouter/r/routes/split", { spec: routeSpec(i % 2 === 0, ["n0", "n1"]) })));
    }
    let flip = IDLE_WRITES % 2 === 0;

    // Stream i belongs to node i % (nodes + unaffected); affected nodes come first.
    const nodeNames = [...Array.from({ length: nodes }, (_, i) => `n${i}`), ...Array.from({ length: unaffected }, (_, i) => `u${i}`)];
    const streamNode = (i: number) => nodeNames[i % nodeNames.length]!;
    const perProcess: number[][] = Array.from({ length: fleet.size }, () => []);
    for (let i = 0; i < totalStreams; i++) perProcess[i % fleet.size]!.push(i);
    const affectedLocal = perProcess.map((list) => list.flatMap((stream, local) => (streamNode(stream).startsWith("n") ? [local] : [])));

    await fleet.collect("started");
    const before = await settledMemory();
    const connectStarted = now();
    const address = `127.0.0.1:${running.xdsPort}`;
    perProcess.forEach((list, index) =>
      fleet.send(index, {
        kind: "connect",
        address,
        nodeIds: list.map((stream) => `mesh/bench/virtualNode/${streamNode(stream)}`),
        routeNames: ROUTE_NAMES,
        connections: Math.max(1, Math.ceil(list.length / STREAMS_PER_CONNECTION)),
        timeoutMs: CONNECT_TIMEOUT_MS,
      }),
    );
    const readyAt = await fleet.collect("ready");
    const connectMs = Math.max(...readyAt.map((message) => message.at)) - connectStarted;
    progress(`${totalStreams} streams ready in ${connectMs.toFixed(0)} ms`);
    const open = await settledMemory();

    const probeIdle: number[] = [];
    const probeServerIdle: number[] = [];
    for (let i = 0; i < IDLE_WRITES; i++) {
      probeIdle.push(await probeServerTimes.record(() => timed(() => probeWrite(url, i))));
      probeServerIdle.push(...probeServerTimes.times.splice(0));
    }

    const profiler = CPU_PROFILE ? new Session() : null;
    if (profiler) {
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.start");
    }
    const deliveries: number[] = [];
    const lastPerChange: number[] = [];
    const triggerWrites: number[] = [];
    const probeStorm: number[] = [];
    const probeServerStorm: number[] = [];
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    const cpuPerChange: number[] = [];
    const counters = () => {
      const stats = running!.xds.cache.stats();
      const encodings = running!.xds.ads.encodings;
      return {
        packed: stats.packed,
        encoded: encodings.built,
        reused: encodings.reused,
        resourcesEncoded: encodings.sotwResourcesBuilt,
        resourcesCopied: encodings.sotwResourcesReused,
        wholeReads: stats.reads.full,
        incrementalReads: stats.reads.incremental,
      };
    };
    let countersBefore = counters();
    let clientCpuBefore = 0;
    for (let change = 0; change < changes + WARMUP; change++) {
      if (change === WARMUP) {
        // The first changes warm up the JIT and the caches; they are not measured.
        fleet.broadcast({ kind: "count" });
        await fleet.collect("counting");
        countersBefore = counters();
        clientCpuBefore = fleet.cpuSeconds();
      }
      affectedLocal.forEach((list, index) => fleet.send(index, { kind: "expect", id: change, streams: list }));
      await fleet.collect("armed");
      if (change >= WARMUP) loopDelay.enable();
      const cpuStarted = process.cpuUsage();
      const started = now();
      await api(url, "PUT", "/v20190125/meshes/bench/virtualRouter/r/routes/split", { spec: routeSpec(flip, ["n0", "n1"]) });
      const written = now() - started;
      flip = !flip;
      // An unrelated write while the change is being translated and pushed.
      const probe = await probeServerTimes.record(() => timed(() => probeWrite(url, IDLE_WRITES + change)));
      const probeServer = probeServerTimes.times.splice(0);
      const arrived = await fleet.collect("arrived");
      loopDelay.disable();
      const cpu = process.cpuUsage(cpuStarted);
      const latencies = arrived.flatMap((message) => message.arrivals.map((at) => at - started));
      progress(`change ${change}: write ${written.toFixed(1)} ms, last stream ${Math.max(...latencies).toFixed(1)} ms, probe ${probe.toFixed(1)} ms`);
      if (change < WARMUP) continue;
      triggerWrites.push(written);
      probeStorm.push(probe);
      probeServerStorm.push(...probeServer);
      cpuPerChange.push((cpu.user + cpu.system) / 1000);
      deliveries.push(...latencies);
      lastPerChange.push(Math.max(...latencies));
    }
    const countersAfter = counters();
    const clientCpuPerChange = ((fleet.cpuSeconds() - clientCpuBefore) * 1000) / changes;
    const perChange = Object.fromEntries(
      Object.entries(countersAfter).map(([key, value]) => [key, (value - countersBefore[key as keyof typeof countersBefore]) / changes]),
    ) as ScenarioResult["perChange"];
    if (profiler) {
      const { profile } = await profiler.post("Profiler.stop");
      writeFileSync(`${CPU_PROFILE}.${nodes}.cpuprofile`, JSON.stringify(profile));
      profiler.disconnect();
    }
    fleet.broadcast({ kind: "stats" });
    const stats = await fleet.collect("stats");
    let unaffectedPushes = 0;
    let affectedPushes = 0;
    stats.forEach((message, index) =>
      message.pushes.forEach((count, local) => {
        if (streamNode(perProcess[index]![local]!).startsWith("n")) affectedPushes += count;
        else unaffectedPushes += count;
      }),
    );

    // Cold start: stop this control plane, start `npm start` on the same file, and reconnect every stream to it.
    await running.close();
    running = null;
    const xdsPort = await freePort();
    const coldStarted = now();
    coldServer = spawn(process.execPath, ["--import", tsxLoader, path.join(root, "functions/node.ts")], {
      cwd: root,
      env: { PATH: process.env.PATH, ...env, XDS_PORT: String(xdsPort) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const listening = new Promise<number>((resolve) => {
      let output = "";
      coldServer!.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("ADS (gRPC, h2c)")) resolve(now());
      });
    });
    fleet.broadcast({ kind: "reconnect", address: `127.0.0.1:${xdsPort}`, timeoutMs: CONNECT_TIMEOUT_MS });
    const coldReady = await fleet.collect("ready");
    const coldStartMs = Math.max(...coldReady.map((message) => message.at)) - coldStarted;
    const coldListenMs = (await listening) - coldStarted;
    progress(`cold start: listening after ${coldListenMs.toFixed(0)} ms, all streams served after ${coldStartMs.toFixed(0)} ms`);

    return {
      nodes,
      streams,
      unaffectedStreams,
      changes,
      deliveries,
      lastPerChange,
      triggerWrites,
      triggerWritesIdle,
      probeIdle,
      probeStorm,
      probeServerIdle,
      probeServerStorm,
      loopDelay,
      unaffectedPushes,
      affectedPushes,
      heapPerStreamKiB: (open.heap - before.heap) / totalStreams / 1024,
      rssPerStreamKiB: (open.rss - before.rss) / totalStreams / 1024,
      peakRssMiB: peakRss / 2 ** 20,
      cpuPerChange,
      clientCpuPerChange,
      perChange,
      connectMs,
      coldStartMs,
      coldListenMs,
    };
  } finally {
    clearInterval(sampler);
    await fleet.close();
    if (coldServer && coldServer.exitCode === null) {
      const exited = new Promise((resolve) => coldServer!.once("exit", resolve));
      coldServer.kill("SIGTERM");
      await exited;
    }
    if (running) await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

function describeResult(r: ScenarioResult): string[] {
  const deliveries = sortedCopy(r.deliveries);
  const last = sortedCopy(r.lastPerChange);
  const p50 = (values: number[]) => percentile(sortedCopy(values), 50);
  const stormRatio = p50(r.probeStorm) / p50(r.probeIdle);
  return [
    `### ${r.streams.toLocaleString("en-US")} streams on ${r.nodes.toLocaleString("en-US")} nodes`,
    "",
    "| measure | value |",
    "|---|---|",
    `| write → affected stream has the new RouteConfiguration, p50 / p99 / max (${deliveries.length.toLocaleString("en-US")} deliveries) | ${ms(percentile(deliveries, 50))} / ${ms(percentile(deliveries, 99))} / ${ms(deliveries[deliveries.length - 1] ?? NaN)} |`,
    `| write → the last of the ${r.streams.toLocaleString("en-US")} affected streams, p50 / p99 / max over ${r.changes} changes | ${ms(percentile(last, 50))} / ${ms(percentile(last, 99))} / ${ms(last[last.length - 1] ?? NaN)} |`,
    `| pushes to the ${r.unaffectedStreams} unaffected streams | ${r.unaffectedPushes} |`,
    `| pushes to affected streams (expected ${(r.changes * r.streams).toLocaleString("en-US")}: one RouteConfiguration each) | ${r.affectedPushes.toLocaleString("en-US")} |`,
    `| the UpdateRoute itself, p50: idle (no stream) / with streams | ${ms(p50(r.triggerWritesIdle))} / ${ms(p50(r.triggerWrites))} |`,
    `| unrelated API write (UpdateVirtualNode, other mesh), p50: idle / during the storm (ratio) | ${ms(p50(r.probeIdle))} / ${ms(p50(r.probeStorm))} (${stormRatio.toFixed(2)}×) |`,
    `| … p99: idle / during the storm | ${ms(percentile(sortedCopy(r.probeIdle), 99))} / ${ms(percentile(sortedCopy(r.probeStorm), 99))} |`,
    `| … of which inside the server (request parsed → response written), p50: idle / during the storm | ${ms(p50(r.probeServerIdle))} / ${ms(p50(r.probeServerStorm))} |`,
    `| event-loop delay of the server process from write to last delivery, p50 / p99 / max | ${ms(r.loopDelay.percentile(50) / 1e6)} / ${ms(r.loopDelay.percentile(99) / 1e6)} / ${ms(r.loopDelay.max / 1e6)} |`,
    `| server CPU (user + system) per change, p50 / max — includes the REST write and the probe write | ${ms(p50(r.cpuPerChange))} / ${ms(Math.max(...r.cpuPerChange))} |`,
    `| the ${CLIENT_PROCESSES} client processes' CPU per change (from /proc), mean / with the server's mean, spread over the ${os.cpus().length} cores: about the least time the last stream can take here | ${ms(r.clientCpuPerChange)} / ${ms((mean(r.cpuPerChange) + r.clientCpuPerChange) / os.cpus().length)} |`,
    `| per change: resources packed / responses encoded / responses sent from an earlier encoding | ${r.perChange.packed.toFixed(1)} / ${r.perChange.encoded.toFixed(1)} / ${r.perChange.reused.toFixed(1)} |`,
    `| per change: resources encoded into a response / copied into one from an earlier encoding | ${r.perChange.resourcesEncoded.toFixed(1)} / ${r.perChange.resourcesCopied.toFixed(1)} |`,
    `| per change: mesh updated from the change log / read whole | ${r.perChange.incrementalReads.toFixed(2)} / ${r.perChange.wholeReads.toFixed(2)} |`,
    `| server heap per open stream (after GC) | ${r.heapPerStreamKiB.toFixed(1)} KiB |`,
    `| server RSS per open stream / peak RSS of the bench process | ${r.rssPerStreamKiB.toFixed(1)} KiB / ${r.peakRssMiB.toFixed(0)} MiB |`,
    `| all ${(r.streams + r.unaffectedStreams).toLocaleString("en-US")} streams connected and served CDS, LDS, RDS | ${r.connectMs.toFixed(0)} ms |`,
    `| cold start: \`npm start\` on the ${r.nodes.toLocaleString("en-US")}-node file → listening / every stream served again | ${r.coldListenMs.toFixed(0)} ms / ${r.coldStartMs.toFixed(0)} ms |`,
    "",
  ];
}

export default async function ads(): Promise<string> {
  const results: ScenarioResult[] = [];
  for (const { nodes, changes } of SCENARIOS) results.push(await runScenario(nodes, changes));
  return [
    `Each scenario: N virtual nodes, each calling one virtual service (router \`r\`, one route splitting 90/10 between two nodes), ${STREAMS_PER_NODE} state-of-the-world ADS streams per node (CDS and LDS wildcard, RDS by name, every response ACKed) from @grpc/grpc-js clients in ${CLIENT_PROCESSES} separate processes, ${STREAMS_PER_CONNECTION} streams per HTTP/2 connection; plus a control group of N/20 nodes behind another service. The server is \`startControlPlane\` in the bench process on a temp SQLite file. Each measured change (after ${WARMUP} unmeasured ones) is one \`UpdateRoute\` on \`r\` through the REST API (weights flipped), which changes the egress RouteConfiguration of all N nodes; right after its response an unrelated write (UpdateVirtualNode in another mesh) measures how responsive the API stays during the push. Latencies include the REST write and the client processes' decoding; clients and server share the machine's cores.`,
    "",
    ...results.flatMap(describeResult),
  ].join("\n");
}
