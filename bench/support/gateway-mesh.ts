// meshplane (`npm start`, temp SQLite) with one virtual gateway routing `/` → virtual service → virtual node at an
// upstream port, and the gateway (`npm run gateway`) serving it: what a new user sets up, measured as a whole.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot, startMeshplaneProcess, type MeshplaneProcess } from "../../test/support/process.js";
import { freePort, gatewayBundle, waitFor, xdsPortOf } from "../../test/gateway/support.js";

export interface BenchMesh {
  meshplane: MeshplaneProcess;
  xdsPort: number;
  /** The port the virtual gateway's listener has (the gateway binds it). */
  gatewayPort: number;
  /** The gRPC listener's port, when the mesh was made with a gRPC upstream. */
  grpcGatewayPort: number | undefined;
  stop(): Promise<void>;
}

export async function startBenchMesh(upstreamPort: number, options: { grpcUpstreamPort?: number } = {}): Promise<BenchMesh> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-bench-gateway-"));
  const meshplane = await startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "bench.db") });
  const put = async (pathname: string, body: unknown) => {
    const response = await fetch(`${meshplane.url}/v20190125/meshes${pathname}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (response.status >= 300) throw new Error(`PUT ${pathname}: ${response.status} ${await response.text()}`);
  };
  const gatewayPort = await freePort();
  await put("", { meshName: "bench" });
  await put("/bench/virtualNodes", { virtualNodeName: "upstream", spec: { listeners: [{ portMapping: { port: upstreamPort, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "localhost" } } } });
  await put("/bench/virtualServices", { virtualServiceName: "upstream.bench", spec: { provider: { virtualNode: { virtualNodeName: "upstream" } } } });
  let grpcGatewayPort: number | undefined;
  await put("/bench/virtualGateways", { virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port: gatewayPort, protocol: "http" } }] } });
  if (options.grpcUpstreamPort !== undefined) {
    // A virtual gateway of its own (gateway "grpc-gw"), served by a gateway process of its own.
    grpcGatewayPort = await freePort();
    await put("/bench/virtualNodes", { virtualNodeName: "grpc", spec: { listeners: [{ portMapping: { port: options.grpcUpstreamPort, protocol: "grpc" } }], serviceDiscovery: { dns: { hostname: "localhost" } } } });
    await put("/bench/virtualServices", { virtualServiceName: "grpc.bench", spec: { provider: { virtualNode: { virtualNodeName: "grpc" } } } });
    await put("/bench/virtualGateways", { virtualGatewayName: "grpc-gw", spec: { listeners: [{ portMapping: { port: grpcGatewayPort, protocol: "grpc" } }] } });
  }
  await put("/bench/virtualGateway/gw/gatewayRoutes", {
    gatewayRouteName: "all",
    spec: { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "upstream.bench" } } } } },
  });
  if (grpcGatewayPort !== undefined) {
    await put("/bench/virtualGateway/grpc-gw/gatewayRoutes", {
      gatewayRouteName: "grpc",
      spec: { grpcRoute: { match: { serviceName: "bench.Echo" }, action: { target: { virtualService: { virtualServiceName: "grpc.bench" } } } } },
    });
  }
  return {
    meshplane,
    xdsPort: await xdsPortOf(meshplane),
    gatewayPort,
    grpcGatewayPort,
    async stop() {
      await meshplane.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface BenchGateway {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `node [nodeFlags] functions/gateway/dist/main.mjs --workers N` (what `npm run gateway` runs) for the bench mesh's
 * virtual gateway, once it answers on `probePort`. `cpus` pins it (taskset list).
 */
export async function startBenchGateway(
  mesh: BenchMesh,
  options: { workers: number; probePort: number; virtualGateway?: string; nodeFlags?: string[]; cpus?: string; env?: Record<string, string>; root?: string },
): Promise<BenchGateway> {
  const root = options.root ?? repoRoot;
  // What `npm run gateway` runs (package.json), plus the caller's flags.
  const argv = [
    "--max-semi-space-size=32",
    "--no-allocation-site-pretenuring",
    ...(options.nodeFlags ?? []),
    gatewayBundle(root),
    "--node",
    `mesh/bench/virtualGateway/${options.virtualGateway ?? "gw"}`,
    "--xds",
    `127.0.0.1:${mesh.xdsPort}`,
    "--admin",
    "off",
    ...(options.workers > 0 ? ["--workers", String(options.workers)] : []),
  ];
  const [command, args] = options.cpus ? ["taskset", ["-c", options.cpus, process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(command, args, { cwd: root, env: { PATH: process.env.PATH, ...options.env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  // The gRPC gateway is ready once its port accepts (any HTTP/1.1 answer will do); the HTTP one once it routes.
  const routing = await waitFor(async () => {
    const response = await fetch(`http://127.0.0.1:${options.probePort}/`);
    await response.arrayBuffer();
    return options.virtualGateway === undefined ? response.status === 200 : true;
  }, 30_000);
  if (!routing) {
    await stop();
    throw new Error(`gateway not routing:\n${output}`);
  }
  return { child, output: () => output, stop };
}
