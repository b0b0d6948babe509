// Pieces of the gateway acceptance tests: real HTTP backends on loopback, the gateway as a child process
// (the bundle of functions/gateway/main.ts that `npm run gateway` runs, or `deno task gateway`), meshplane's ADS port, and
// bounded load loops.
import { spawnSync, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import {
  CreateGatewayRouteCommand,
  CreateRouteCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  UpdateRouteCommand,
  type AppMeshClient,
  type RouteSpec,
} from "@aws-sdk/client-app-mesh";
import { MakeGatewayRouteSpec, MakeHttpRouteSpec, MakeVirtualRouterSpec } from "../support/fixtures.js";
import { announcedXdsPort, repoRoot, runtimeCommand, spawnRuntime, testRuntime, type ProcessCommand } from "../support/process.js";

export interface Backend {
  name: string;
  host: string;
  port: number;
  /** Requests seen, by path. */
  paths: string[];
  close(): Promise<void>;
}

/**
 * A backend answering `{"backend": name, "path": …}`. `/status/<code>` answers that code; POST bodies are echoed
 * back as they stream in.
 */
export function startBackend(name: string, options: { host?: string; port?: number } = {}): Promise<Backend> {
  const host = options.host ?? "127.0.0.1";
  const paths: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((request, response) => {
    paths.push(request.url ?? "");
    const status = /^\/status\/(\d{3})/.exec(request.url ?? "");
    if (request.method === "POST") {
      response.writeHead(200, { "content-type": "application/octet-stream", "x-backend": name });
      request.pipe(response);
      return;
    }
    request.resume();
    const body = JSON.stringify({ backend: name, path: request.url, host: request.headers.host, headers: request.headers });
    response.writeHead(status ? Number(status[1]) : 200, { "content-type": "application/json", "x-backend": name });
    response.end(body);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      const address = server.address() as net.AddressInfo;
      resolve({
        name,
        host,
        port: address.port,
        paths,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** The ADS port a meshplane child process announced. */
export const xdsPortOf = announcedXdsPort;

export interface GatewayProcess {
  child: ChildProcess;
  adminUrl: string;
  output(): string;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/** The runtime of gateway processes: MESHPLANE_TEST_GATEWAY_RUNTIME (the Deno project sets deno), default node. */
const gatewayRuntime = () => testRuntime("MESHPLANE_TEST_GATEWAY_RUNTIME");

/**
 * The worker counts a suite runs the gateway with: 1 and 2 on Node; on Deno only its default of 1, since with
 * `--workers 2` Deno 2.9 occasionally leaves one request in thousands unanswered (docs/serverless.md §6).
 */
export const gatewayWorkerCounts = (): number[] => (gatewayRuntime() === "deno" ? [1] : [1, 2]);

let bundleChecked = false;

/**
 * The Node gateway's entry as `npm run gateway` runs it: functions/gateway/dist/main.mjs, rebuilt first (once per
 * test process) when a source changed since the last build, as `npm run gateway`'s pregateway step does.
 */
export function gatewayBundle(root = repoRoot): string {
  if (!bundleChecked || root !== repoRoot) {
    const build = spawnSync(process.execPath, [path.join(root, "functions/gateway/build.mjs"), "--if-stale"], { cwd: root, encoding: "utf8" });
    if (build.status !== 0) throw new Error(`functions/gateway/build.mjs failed:\n${build.stderr}`);
    if (root === repoRoot) bundleChecked = true;
  }
  return path.join(root, "functions/gateway/dist/main.mjs");
}

/** `node functions/gateway/dist/main.mjs` (what `npm run gateway` runs, without its V8 flags), or `deno task gateway`. */
function gatewayCommand(): ProcessCommand {
  const runtime = gatewayRuntime();
  if (runtime === "deno") return runtimeCommand(runtime, { entry: "functions/gateway/main.ts", denoTask: "gateway" });
  return { command: process.execPath, args: [gatewayBundle()], group: false };
}

/** Starts the gateway as `npm run gateway` does, or as `deno task gateway`, and waits for its admin port. */
export function startGatewayProcess(args: string[]): Promise<GatewayProcess> {
  const command = gatewayCommand();
  const { child, kill } = spawnRuntime({ ...command, args: [...command.args, "--admin", "127.0.0.1:0", ...args] }, {}, repoRoot);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 30_000;
    const poll = setInterval(() => {
      const match = /admin on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearInterval(poll);
        const adminUrl = match[1]!;
        resolve({
          child,
          adminUrl,
          output: () => output,
          metrics: async () => (await fetch(`${adminUrl}/stats/prometheus`)).text(),
          async stop() {
            kill("SIGTERM");
            await exited;
          },
        });
      } else if (child.exitCode !== null || Date.now() > deadline) {
        clearInterval(poll);
        kill("SIGKILL");
        reject(new Error(`gateway did not start:\n${output}`));
      }
    }, 50);
  });
}

/** Polls `check` every 50 ms until it returns true or `timeoutMs` passes; returns whether it succeeded. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return true;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

export interface Reply {
  status: number;
  backend: string | undefined;
  path: string | undefined;
  flags: string | null;
  startedAt: number;
  error?: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One GET through the gateway (keep-alive, like a real client). Never throws: errors come back as status 0. */
export function get(port: number, pathAndQuery: string, headers: Record<string, string> = {}): Promise<Reply> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path: pathAndQuery, headers, agent }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => {
        let parsed: { backend?: string; path?: string } = {};
        try {
          parsed = JSON.parse(text) as { backend?: string; path?: string };
        } catch {
          // a gateway verdict (text/plain)
        }
        resolve({ status: response.statusCode ?? 0, backend: parsed.backend, path: parsed.path, flags: (response.headers["x-meshplane-flags"] as string | undefined) ?? null, startedAt });
      });
      response.on("error", (error) => resolve({ status: 0, backend: undefined, path: undefined, flags: null, startedAt, error: error.message }));
    });
    request.setTimeout(20_000, () => request.destroy(new Error("client timeout")));
    request.on("error", (error) => resolve({ status: 0, backend: undefined, path: undefined, flags: null, startedAt, error: error.message }));
  });
}

/** `total` GETs with `concurrency` in flight. */
export async function load(port: number, total: number, concurrency: number, pathAndQuery = "/", headers: Record<string, string> = {}): Promise<Reply[]> {
  const replies: Reply[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      replies.push(await get(port, pathAndQuery, headers));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return replies;
}

/** GETs with `concurrency` in flight until `stop()` resolves true or `maxRequests` is reached. */
export function loadUntil(port: number, concurrency: number, maxRequests: number, headers: Record<string, string> = {}, pathAndQuery = "/"): { stop(): void; count(): number; done: Promise<Reply[]> } {
  const replies: Reply[] = [];
  let stopped = false;
  let issued = 0;
  const worker = async () => {
    while (!stopped && issued < maxRequests) {
      issued++;
      replies.push(await get(port, pathAndQuery, headers));
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, worker)).then(() => replies);
  return { stop: () => (stopped = true), count: () => replies.length, done };
}

export function countBy(replies: readonly Reply[], key: (reply: Reply) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const reply of replies) counts[key(reply)] = (counts[key(reply)] ?? 0) + 1;
  return counts;
}

/** Creates one virtual node per backend, each discovered by DNS at localhost on its backend's port. */
export async function createLocalhostNodes(client: AppMeshClient, meshName: string, backends: ReadonlyArray<readonly [string, Backend]>): Promise<void> {
  for (const [name, backend] of backends) {
    await client.send(
      new CreateVirtualNodeCommand({
        meshName,
        virtualNodeName: name,
        spec: { listeners: [{ portMapping: { port: backend.port, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "localhost" } } },
      }),
    );
  }
}

/** A route spec sending `prefix` (default "/") to virtual nodes by weight: `[["serviceB", 75], ["serviceBv2", 25]]`. */
export const MakeWeightedRouteSpec = (targets: ReadonlyArray<readonly [string, number]>, options: { prefix?: string; priority?: number } = {}): RouteSpec =>
  MakeHttpRouteSpec(targets.map(([node, weight]) => [node, weight]), options) as RouteSpec;

export interface RoutedService {
  /** The virtual router behind the service. */
  router: string;
  /** Replaces route `route`'s spec (one of those the service was created with). */
  updateRoute(route: string, spec: RouteSpec): Promise<void>;
}

/**
 * Virtual service `service` behind its own virtual router with `routes`, and a gateway route on `gateway` sending
 * `prefix` to it: a test's own slice of a mesh, so no test depends on routes another one changed.
 */
export async function createRoutedService(
  client: AppMeshClient,
  meshName: string,
  options: { service: string; gateway: string; prefix: string; routes: Readonly<Record<string, RouteSpec>> },
): Promise<RoutedService> {
  const name = options.service.replace(/\./g, "-");
  const router = `${name}-router`;
  await client.send(new CreateVirtualRouterCommand({ meshName, virtualRouterName: router, spec: MakeVirtualRouterSpec(80) }));
  for (const [routeName, spec] of Object.entries(options.routes)) await client.send(new CreateRouteCommand({ meshName, virtualRouterName: router, routeName, spec }));
  await client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: options.service, spec: { provider: { virtualRouter: { virtualRouterName: router } } } }));
  await client.send(new CreateGatewayRouteCommand({ meshName, virtualGatewayName: options.gateway, gatewayRouteName: name, spec: MakeGatewayRouteSpec(options.service, options.prefix) }));
  return {
    router,
    async updateRoute(routeName, spec) {
      await client.send(new UpdateRouteCommand({ meshName, virtualRouterName: router, routeName, spec }));
    },
  };
}

/** One sample of a Prometheus text exposition. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of `/stats/prometheus` output (comments skipped; label values unescaped). */
export function parsePrometheus(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? "").matchAll(/([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = value!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the sample named `name` whose label set is exactly `labels`; 0 when there is none. */
export function sampleValue(samples: readonly PrometheusSample[], name: string, labels: Readonly<Record<string, string>>): number {
  const wanted = Object.entries(labels);
  const found = samples.find((s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([key, value]) => s.labels[key] === value));
  return found?.value ?? 0;
}
