// `--workers N`: the gateway as N processes sharing its listening sockets, as Envoy's --concurrency runs N worker
// threads. node:cluster gives the sharing: a worker's listen() goes through the primary, which accepts and hands
// connections to the workers in turn (SCHED_RR, so long-lived keep-alive connections spread evenly; Node 20 has
// no SO_REUSEPORT). One xDS stream, held by the primary, feeds them all (xds-fan-out.ts): the control plane sees
// one gateway, each update is checked and ACKed or NACKed once, and every worker moves to it together. The primary
// also serves the admin port, merging what the workers report, restarts a worker that dies, and on SIGTERM drains
// them all before it exits.
import cluster, { type Worker } from "node:cluster";
import { loadCore } from "../../../core-wasm/node.js";
import { startAdsClient, type AdsClient } from "../xds-client/ads-client.js";
import { startDeltaAdsClient } from "../xds-client/delta-ads-client.js";
import { configDumpOf, startAdminServer, type AdminServer, type AdminView, type HostHealth } from "./admin.js";
import { mergeMetricStates, renderMetricStates } from "./metric-families.js";
import { GatewayMetrics } from "./metrics.js";
import type { StartGatewayOptions } from "./start.js";
import type { PrimaryMessage, WorkerMessage, WorkerOptions, WorkerReport } from "./worker-messages.js";
import { createXdsFanOut } from "./xds-fan-out.js";

/** How long a worker may take to answer a report request before the admin answer goes without it. */
const REPORT_TIMEOUT_MS = 2_000;
/**
 * V8 flags for the workers; `npm run gateway` passes the same ones to a single-process gateway. A larger young
 * generation (V8's default semi-space is 16 MiB): requests in flight at high concurrency then die young instead of
 * being promoted, which cut the gateway's GC threads' CPU per request several times in the issue 16 measurements.
 * No allocation-site pretenuring: with it, V8 took allocation sites the request path uses for long-lived ones and
 * allocated about a quarter of each request's garbage (4-6 of ~20 KB) straight in the old generation, which only
 * full collections reclaim; `--trace-gc` showed ~6 MB of old-generation growth per scavenge, none with the flag, and
 * GC pauses fell from 777 to 131 ms over the same 6 s of load (issue 16). The minimal Node proxy of the bench never
 * had its sites pretenured.
 */
export const GATEWAY_V8_FLAGS: readonly string[] = ["--max-semi-space-size=32", "--no-allocation-site-pretenuring"];
/** A worker that died is restarted after this (a worker failing at start must not spin). */
const RESTART_DELAY_MS = 1_000;
/** How long workers get to finish in-flight requests on shutdown before they are killed. */
const DRAIN_TIMEOUT_MS = 15_000;

export interface RunningWorkerPool {
  ads: AdsClient;
  admin: AdminServer | undefined;
  /** Live workers' pids. */
  pids(): number[];
  /** Drains every worker (in-flight requests finish), then stops the stream and the admin port. */
  close(): Promise<void>;
}

interface WorkerSlot {
  id: number;
  worker: Worker;
  /** Said hello: it has the accepted state and gets every update. */
  live: boolean;
}

export async function startWorkerPool(options: StartGatewayOptions & { workers: number }): Promise<RunningWorkerPool> {
  const log = options.log ?? (() => {});
  // Built with the same node id as the workers' own, so the App Mesh families merge label for label.
  const metrics = new GatewayMetrics(options.nodeId);
  const slots = new Map<number, WorkerSlot>();
  let closing = false;
  let nextReport = 1;
  const pendingReports = new Map<number, (report: WorkerReport) => void>();

  const post = (slot: WorkerSlot, message: PrimaryMessage) => {
    if (slot.worker.isConnected()) slot.worker.send(message);
  };
  const fanOut = createXdsFanOut({
    core: loadCore(),
    metrics,
    broadcast: (update) => slots.forEach((slot) => slot.live && post(slot, { kind: "apply", update })),
    broadcastConnection: (connected) => slots.forEach((slot) => slot.live && post(slot, { kind: "connection", connected })),
    log,
  });

  const workerOptions: WorkerOptions = { nodeId: options.nodeId, bindHost: options.bindHost ?? "127.0.0.1", bindOutbound: options.bindOutbound ?? false, portOverrides: options.portOverrides ?? {} };
  cluster.schedulingPolicy = cluster.SCHED_RR;
  // The primary's own flags win (a flag it was started with is not given twice).
  const flagName = (flag: string) => flag.split("=")[0]!.replace(/^--no-/, "--");
  const given = new Set(process.execArgv.map(flagName));
  const execArgv = [...GATEWAY_V8_FLAGS.filter((flag) => !given.has(flagName(flag))), ...process.execArgv];
  cluster.setupPrimary({ serialization: "advanced", execArgv });
  const fork = (id: number) => {
    const worker = cluster.fork({ GATEWAY_WORKER_ID: String(id), GATEWAY_WORKER_OPTIONS: JSON.stringify(workerOptions) });
    const slot: WorkerSlot = { id, worker, live: false };
    slots.set(id, slot);
    worker.on("message", (message: WorkerMessage) => {
      if (message.kind === "hello") {
        for (const update of fanOut.replay()) post(slot, { kind: "apply", update });
        post(slot, { kind: "connection", connected: fanOut.connected() });
        slot.live = true;
      } else if (message.kind === "report") {
        pendingReports.get(message.id)?.(message.report);
      }
    });
    worker.on("exit", (code, signal) => {
      if (slots.get(id) === slot) slots.delete(id);
      if (closing) return;
      log(`worker ${id} exited (${signal ?? code}); starting another in ${RESTART_DELAY_MS} ms`);
      setTimeout(() => closing || fork(id), RESTART_DELAY_MS);
    });
  };
  for (let id = 1; id <= options.workers; id++) fork(id);

  /** A worker's report, or undefined when it does not answer in time. */
  const reportOf = (slot: WorkerSlot): Promise<WorkerReport | undefined> =>
    new Promise((resolve) => {
      const id = nextReport++;
      const timer = setTimeout(() => {
        pendingReports.delete(id);
        resolve(undefined);
      }, REPORT_TIMEOUT_MS);
      pendingReports.set(id, (report) => {
        clearTimeout(timer);
        pendingReports.delete(id);
        resolve(report);
      });
      post(slot, { kind: "report", id });
    });
  /** Every live worker's report (a worker that does not answer in time is left out). */
  const reports = async (): Promise<WorkerReport[]> => {
    const answers = await Promise.all([...slots.values()].filter((slot) => slot.live).map(reportOf));
    return answers.filter((answer): answer is WorkerReport => answer !== undefined);
  };

  const view: AdminView = {
    async metricsText() {
      const states = (await reports()).map((report) => report.metrics);
      return renderMetricStates(mergeMetricStates([metrics.state(), ...states]));
    },
    async ready() {
      const all = await reports();
      return all.length === options.workers && all.every((report) => report.ready);
    },
    configDump: () => configDumpOf(fanOut.versions(), fanOut.builder.accepted()),
    async hostHealth() {
      // Health checks and outlier detection run in each worker: a host is flagged where any worker flags it.
      const merged = new Map<string, HostHealth>();
      for (const report of await reports()) {
        for (const host of report.hosts) {
          const key = `${host.cluster}\u0000${host.host}`;
          const known = merged.get(key);
          if (!known) merged.set(key, { ...host, flags: [...host.flags] });
          else for (const flag of host.flags) if (!known.flags.includes(flag)) known.flags.push(flag);
        }
      }
      return [...merged.values()];
    },
    listeners: async () => (await reports())[0]?.listeners ?? {},
    async workers() {
      const live = [...slots.values()].filter((slot) => slot.live);
      const all = await Promise.all(live.map(async (slot) => ({ slot, report: await reportOf(slot) })));
      return all.map(({ slot, report }) => ({ id: slot.id, pid: slot.worker.process.pid ?? 0, ready: report?.ready ?? false, activeRequests: report?.activeRequests ?? 0, requests: report?.requests ?? 0 }));
    },
  };
  const admin = options.admin ? await startAdminServer(view, options.admin.host, options.admin.port) : undefined;
  const adsOptions = { address: options.xdsAddress, nodeId: options.nodeId, ...(options.token ? { token: options.token } : {}), log };
  const ads = (options.delta ? startDeltaAdsClient : startAdsClient)(adsOptions, fanOut);
  return {
    ads,
    admin,
    pids: () => [...slots.values()].map((slot) => slot.worker.process.pid ?? 0),
    async close() {
      closing = true;
      const exits = [...slots.values()].map(
        (slot) =>
          new Promise<void>((resolve) => {
            if (slot.worker.isDead()) return resolve();
            const kill = setTimeout(() => slot.worker.process.kill("SIGKILL"), DRAIN_TIMEOUT_MS);
            slot.worker.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            post(slot, { kind: "drain" });
          }),
      );
      await Promise.all(exits);
      ads.close();
      fanOut.close();
      await admin?.close();
    },
  };
}
