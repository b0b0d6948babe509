// `npm run gateway -- --workers 2` against a real meshplane: two worker processes share the virtual gateway's
// listener (node:cluster), fed by the primary's one xDS stream. A weight change reaches both workers; the admin
// port and /stats/prometheus add up what both answered; SIGTERM lets every worker finish its in-flight requests.
import { CreateMeshCommand, CreateVirtualGatewayCommand, type AppMeshClient } from "@aws-sdk/client-app-mesh";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMeshClient } from "../../support/control-plane.js";
import { startMeshplaneProcess, type MeshplaneProcess } from "../../support/process.js";
import {
  createLocalhostNodes,
  createRoutedService,
  freePort,
  get,
  MakeWeightedRouteSpec,
  startBackend,
  startGatewayProcess,
  waitFor,
  xdsPortOf,
  type Backend,
  type GatewayProcess,
} from "../support.js";

const mesh = "gateway-workers";

interface WorkerStatus {
  id: number;
  pid: number;
  ready: boolean;
  activeRequests: number;
  requests: number;
}

const workersOf = async (gateway: GatewayProcess): Promise<WorkerStatus[]> => (await fetch(`${gateway.adminUrl}/workers`)).json() as Promise<WorkerStatus[]>;

/** A backend that answers after `delayMs` (an in-flight request a drain must wait for). */
function startSlowBackend(delayMs: number): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((request, response) => {
    request.resume();
    setTimeout(() => response.end(JSON.stringify({ backend: "slow", path: request.url })), delayMs);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () => {
          server.close();
          sockets.forEach((socket) => socket.destroy());
        },
      }),
    ),
  );
}

/** One GET on its own connection (so that connections spread over the workers). */
function getOnNewConnection(port: number, pathAndQuery: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path: pathAndQuery, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      response.on("error", () => resolve({ status: 0, body }));
    });
    request.setTimeout(20_000, () => request.destroy(new Error("client timeout")));
    request.on("error", () => resolve({ status: 0, body: "" }));
  });
}

describe("gateway --workers 2", () => {
  let dir: string;
  let meshplane: MeshplaneProcess;
  let appMesh: AppMeshClient;
  let gateway: GatewayProcess;
  let gatewayPort: number;
  let xdsPort: number;
  const backends: Backend[] = [];
  const closers: Array<() => void> = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-gateway-workers-"));
    meshplane = await startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "meshplane.db") });
    xdsPort = await xdsPortOf(meshplane);
    appMesh = createAppMeshClient(meshplane.url);
    gatewayPort = await freePort();
    await appMesh.send(new CreateMeshCommand({ meshName: mesh }));
    await appMesh.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port: gatewayPort, protocol: "http" } }] } }));
    gateway = await startGatewayProcess(["--node", `mesh/${mesh}/virtualGateway/gw`, "--xds", `127.0.0.1:${xdsPort}`, "--workers", "2"]);
    expect(await waitFor(async () => (await workersOf(gateway)).length === 2, 30_000), gateway.output()).toBe(true);
  });

  afterAll(async () => {
    await gateway?.stop();
    await meshplane?.stop();
    appMesh?.destroy();
    await Promise.all(backends.map((backend) => backend.close()));
    closers.forEach((close) => close());
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function startNodes(...names: string[]): Promise<Backend[]> {
    const started = await Promise.all(names.map((name) => startBackend(name)));
    backends.push(...started);
    await createLocalhostNodes(appMesh, mesh, started.map((backend) => [backend.name, backend] as const));
    return started;
  }

  it("moves both workers to the new weights of a route update", async () => {
    await startNodes("flipOld", "flipNew");
    const service = await createRoutedService(appMesh, mesh, { service: "flip.local", gateway: "gw", prefix: "/flip", routes: { split: MakeWeightedRouteSpec([["flipOld", 100], ["flipNew", 0]]) } });
    expect(await waitFor(async () => (await get(gatewayPort, "/flip")).backend === "flipOld", 20_000), gateway.output()).toBe(true);
    await service.updateRoute("split", MakeWeightedRouteSpec([["flipOld", 0], ["flipNew", 100]]));
    // Both workers have it once a burst over fresh connections (spread round robin over the workers) all lands on the new node.
    const allNew = async () => (await Promise.all(Array.from({ length: 8 }, () => getOnNewConnection(gatewayPort, "/flip")))).every((reply) => reply.body.includes('"flipNew"'));
    expect(await waitFor(allNew, 20_000)).toBe(true);
    const before = await workersOf(gateway);
    const replies = await Promise.all(Array.from({ length: 40 }, () => getOnNewConnection(gatewayPort, "/flip")));
    const after = await workersOf(gateway);
    const seen = replies.map((reply) => `${reply.status} ${reply.status === 200 ? (JSON.parse(reply.body) as { backend: string }).backend : reply.body}`);
    expect(new Set(seen)).toEqual(new Set(["200 flipNew"]));
    expect(after.map((worker) => worker.pid).sort()).toEqual(before.map((worker) => worker.pid).sort());
    for (const worker of after) expect(worker.requests, JSON.stringify(after)).toBeGreaterThan(before.find((b) => b.pid === worker.pid)!.requests);
  });

  it("adds up both workers' requests in /stats/prometheus and reports ready on /ready", async () => {
    await startNodes("counted");
    await createRoutedService(appMesh, mesh, { service: "counted.local", gateway: "gw", prefix: "/counted", routes: { counted: MakeWeightedRouteSpec([["counted", 100]]) } });
    expect(await waitFor(async () => (await get(gatewayPort, "/counted")).backend === "counted", 20_000)).toBe(true);
    const routeCount = async () => {
      const match = /meshplane_gateway_requests_total\{[^}]*route="counted"[^}]*status="200"[^}]*\} (\d+)/.exec(await gateway.metrics());
      return match ? Number(match[1]) : 0;
    };
    const start = await routeCount();
    const replies = await Promise.all(Array.from({ length: 30 }, () => getOnNewConnection(gatewayPort, "/counted")));
    expect(replies.every((reply) => reply.status === 200)).toBe(true);
    expect((await workersOf(gateway)).every((worker) => worker.requests > 0)).toBe(true);
    expect(await routeCount()).toBe(start + 30);
    expect((await fetch(`${gateway.adminUrl}/ready`)).status).toBe(200);
    // One stream for both workers: the primary and each worker count the same accepted updates once (not three times).
    const metrics = await gateway.metrics();
    expect(metrics).toMatch(/envoy_control_plane_connected_state 1/);
    const routeUpdates = Number(/meshplane_gateway_xds_update_success\{type="route"\} (\d+)/.exec(metrics)?.[1]);
    const dump = (await (await fetch(`${gateway.adminUrl}/config_dump`)).json()) as { versions: Record<string, string> };
    expect(routeUpdates).toBeGreaterThan(0);
    expect(Object.keys(dump.versions)).toEqual(expect.arrayContaining(["listener", "route", "cluster"]));
  });

  it("finishes the in-flight requests of every worker on SIGTERM, then exits 0", async () => {
    const slow = await startSlowBackend(1_500);
    closers.push(slow.close);
    await createLocalhostNodes(appMesh, mesh, [["slow", { name: "slow", host: "127.0.0.1", port: slow.port, paths: [], close: async () => {} }]]);
    await createRoutedService(appMesh, mesh, { service: "slow.local", gateway: "gw", prefix: "/slow", routes: { slow: MakeWeightedRouteSpec([["slow", 100]]) } });
    // A gateway of its own for this case (another port for the same listener), so the shared one keeps running.
    const listenerName = Object.keys((await (await fetch(`${gateway.adminUrl}/listeners`)).json()) as Record<string, number>)[0]!;
    const drainPort = await freePort();
    const draining = await startGatewayProcess(["--node", `mesh/${mesh}/virtualGateway/gw`, "--xds", `127.0.0.1:${xdsPort}`, "--workers", "2", "--listener-port", `${listenerName}=${drainPort}`]);
    try {
      expect(await waitFor(async () => (await getOnNewConnection(drainPort, "/slow")).status === 200, 30_000), draining.output()).toBe(true);
      const inFlight = Array.from({ length: 8 }, () => getOnNewConnection(drainPort, "/slow"));
      expect(await waitFor(async () => {
        const workers = await workersOf(draining);
        return workers.length === 2 && workers.every((worker) => worker.activeRequests > 0);
      }, 10_000)).toBe(true);
      draining.child.kill("SIGTERM");
      const replies = await Promise.all(inFlight);
      expect(replies.map((reply) => reply.status)).toEqual(Array(8).fill(200));
      await draining.stop();
      expect(draining.child.exitCode, draining.output()).toBe(0);
      expect((await getOnNewConnection(drainPort, "/slow")).status).toBe(0);
    } finally {
      await draining.stop();
    }
  });
});
