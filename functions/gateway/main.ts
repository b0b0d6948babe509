// `npm run gateway -- --node mesh/<mesh>/virtualGateway/<name> --xds 127.0.0.1:18000 [--admin 127.0.0.1:9901] [--workers N]`
// Runs meshplane's lightweight gateway on Node: listener ports come from the Listener resources meshplane sends.
// With more than one worker this process is the primary (one xDS stream, the admin port) and forks the workers,
// which run this same file (node/worker-pool.ts).
import cluster from "node:cluster";
import os from "node:os";
import { parseArgs } from "node:util";
import { parseNodeId } from "../envoy/index.js";
import { runGatewayWorker } from "./node/gateway-worker.js";
import { defaultWorkersOnDeno, denoVersion, runtimeNotice } from "./node/runtime.js";
import { startGateway } from "./node/start.js";
import { startWorkerPool } from "./node/worker-pool.js";

const USAGE = `usage: npm run gateway -- --node mesh/<mesh>/virtualGateway/<name> --xds <host:port>
  [--admin <host:port>]        admin interface (Prometheus metrics at /stats/prometheus); default 127.0.0.1:9901, "off" for none
  [--bind <host>]              address listeners bind (default 127.0.0.1)
  [--token <bearer token>]     for meshplane with authentication (default: $MESHPLANE_XDS_TOKEN)
  [--delta]                    incremental xDS (DeltaAggregatedResources) instead of state of the world
  [--outbound]                 also bind OUTBOUND listeners (a virtual node's egress on 15001)
  [--listener-port <name>=<port>]  bind a listener on another port (repeatable)
  [--workers <N>]              processes sharing the listeners (default: $GATEWAY_WORKERS, else one per core; 1 on Deno); 1 = this process alone`;

/** --workers, else GATEWAY_WORKERS, else one per core (on Deno one: see defaultWorkersOnDeno). */
function parseWorkers(value: string | undefined): number {
  const text = value ?? process.env.GATEWAY_WORKERS;
  if (text === undefined || text === "") return denoVersion === undefined ? os.availableParallelism() : defaultWorkersOnDeno;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`--workers must be a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(value);
  if (!match) throw new Error(`${flag} must be host:port, got "${value}"`);
  return { host: match[1]!, port: Number(match[2]) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      node: { type: "string" },
      xds: { type: "string" },
      admin: { type: "string", default: "127.0.0.1:9901" },
      bind: { type: "string", default: "127.0.0.1" },
      outbound: { type: "boolean", default: false },
      delta: { type: "boolean", default: false },
      token: { type: "string" },
      "listener-port": { type: "string", multiple: true },
      workers: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || !values.node || !values.xds) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const identity = parseNodeId(values.node);
  if ("error" in identity) throw new Error(identity.error);
  parseHostPort(values.xds, "--xds");
  const portOverrides: Record<string, number> = {};
  for (const entry of values["listener-port"] ?? []) {
    const [name, port] = entry.split("=");
    if (!name || !port || !/^\d+$/.test(port)) throw new Error(`--listener-port must be <listener name>=<port>, got "${entry}"`);
    portOverrides[name] = Number(port);
  }
  const admin = values.admin === "off" ? undefined : parseHostPort(values.admin!, "--admin");
  const workers = parseWorkers(values.workers);
  const options = {
    nodeId: values.node,
    xdsAddress: values.xds,
    ...(admin ? { admin } : {}),
    bindHost: values.bind!,
    bindOutbound: values.outbound!,
    delta: values.delta!,
    ...((values.token ?? process.env.MESHPLANE_XDS_TOKEN) ? { token: (values.token ?? process.env.MESHPLANE_XDS_TOKEN)! } : {}),
    portOverrides,
    log: (message: string) => console.log(`meshplane-gateway: ${message}`),
  };
  const running = workers === 1 ? await startGateway(options) : await startWorkerPool({ ...options, workers });
  if (running.admin) console.log(`meshplane-gateway: admin on http://${admin!.host}:${running.admin.port}`);
  const notice = runtimeNotice();
  if (notice) console.log(`meshplane-gateway: ${notice}`);
  console.log(`meshplane-gateway: node ${values.node}, ADS ${values.xds} (${values.delta ? "delta" : "state of the world"}), ${workers} worker${workers === 1 ? "" : "s"}`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`meshplane-gateway: ${signal}, shutting down`);
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

if (cluster.isWorker) runGatewayWorker();
else main().catch((error) => {
  console.error("meshplane-gateway: failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
