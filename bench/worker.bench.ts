// The control-plane Worker under `wrangler dev` (workerd, local D1), offline: what REST xDS polling costs it and how
// fast a write reaches a gateway Worker through the mesh hub (the Durable Object), each beside a baseline measured in
// the same run.
//   1. Poll cost: 100 virtual nodes poll CDS, LDS, RDS and EDS as Envoy's REST subscription does, all at once, round
//      after round. Unchanged polls (version_info current: 304) and full polls (version_info "": a DiscoveryResponse
//      from the isolate's revision cache), p50/p99 per poll, against GET /healthz on the same Worker at the same
//      concurrency (the Worker's HTTP and framework cost, no D1). The first full round is also each node's first
//      translation in the isolate.
//   2. Push latency: a gateway Worker with polling off (XDS_POLL_MS=0) is sent a 0/100 weight flip; the time from
//      UpdateRoute's answer to the first request the gateway sends to the new backend, against the same flip on a
//      gateway Worker that only polls, every second (XDS_SUBSCRIBE=off, XDS_POLL_MS=1000).
// `npm run bench -- worker`; MESHPLANE_BENCH_ROUNDS (default 20 poll rounds) and MESHPLANE_BENCH_FLIPS (default 10).
import { create, toJson } from "@bufbuild/protobuf";
import { CreateMeshCommand, CreateVirtualGatewayCommand, CreateVirtualNodeCommand, type AppMeshClient } from "@aws-sdk/client-app-mesh";
import { envoyRegistry, TypeUrl, type ResourceType } from "../functions/envoy/index.js";
import { DiscoveryRequestSchema } from "../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { createAppMeshClient } from "../test/support/control-plane.js";
import { startControlPlaneWorker, startGatewayWorker, type RunningWorker } from "../test/support/wrangler.js";
import { createLocalhostNodes, createRoutedService, MakeWeightedRouteSpec, startBackend, waitFor, type RoutedService } from "../test/gateway/support.js";

const mesh = "bench";
const nodes = 100;
const rounds = Number(process.env.MESHPLANE_BENCH_ROUNDS ?? 20);
const flips = Number(process.env.MESHPLANE_BENCH_FLIPS ?? 10);
const polledTypes = { cluster: "clusters", listener: "listeners", route: "routes", endpoint: "endpoints" } as const satisfies Partial<Record<ResourceType, string>>;
type PolledType = keyof typeof polledTypes;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Latencies {
  name: string;
  samples: number[];
  failures: number;
  /** What the failed samples answered, by status (0: the request itself failed). */
  failedWith: Map<number, number>;
}

const latencies = (name: string): Latencies => ({ name, samples: [], failures: 0, failedWith: new Map() });

async function timed(run: () => Promise<boolean>): Promise<number | null> {
  const started = performance.now();
  return (await run()) ? performance.now() - started : null;
}

const readVersion = (response: { version_info?: string; versionInfo?: string }): string | null => response.versionInfo ?? response.version_info ?? null;

/** A poll as Envoy's REST subscription sends it; answers the version it got, or null for a 304. */
async function poll(url: string, nodeId: string, type: PolledType, versionInfo: string): Promise<{ status: number; version: string | null }> {
  const request = create(DiscoveryRequestSchema, { node: { id: nodeId, cluster: nodeId, userAgentName: "envoy" }, typeUrl: TypeUrl[type], versionInfo });
  const answer = await fetch(`${url}/v3/discovery:${polledTypes[type]}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(toJson(DiscoveryRequestSchema, request, { registry: envoyRegistry })),
  });
  const body = await answer.text();
  return { status: answer.status, version: answer.status === 200 ? readVersion(JSON.parse(body) as { version_info?: string; versionInfo?: string }) : null };
}

/** `rounds` rounds of every node polling each type at once; `expected` is the status a good poll answers. */
async function pollRounds(name: string, step: (nodeId: string, type: PolledType) => Promise<number>, expected: number): Promise<Latencies> {
  const result = latencies(name);
  for (let round = 0; round < rounds; round++) {
    const polls = Array.from({ length: nodes }, (_, index) => `mesh/${mesh}/virtualNode/node-${index}`).flatMap((nodeId) =>
      (Object.keys(polledTypes) as PolledType[]).map(async (type) => {
        let status = 0;
        const took = await timed(async () => (status = await step(nodeId, type).catch(() => 0)) === expected);
        if (took !== null) result.samples.push(took);
        else {
          result.failures++;
          result.failedWith.set(status, (result.failedWith.get(status) ?? 0) + 1);
        }
      }),
    );
    await Promise.all(polls);
  }
  return result;
}

/** Flips the route `flips` times; each time, the ms from UpdateRoute's answer to the first request reaching the new backend. */
async function flipLatencies(name: string, gateway: RunningWorker, service: RoutedService, path: string): Promise<Latencies> {
  const result = latencies(name);
  const backendOf = async () => ((await (await fetch(`${gateway.url}${path}`)).json()) as { backend?: string }).backend;
  if (!(await waitFor(async () => (await backendOf()) === "one", 60_000))) throw new Error(`${name}: the gateway never routed ${path}`);
  let current = "one";
  for (let flip = 0; flip < flips; flip++) {
    const next = current === "one" ? "two" : "one";
    await service.updateRoute("r", MakeWeightedRouteSpec([["one", next === "one" ? 100 : 0], ["two", next === "two" ? 100 : 0]]));
    const took = await timed(() => waitFor(async () => (await backendOf()) === next, 60_000));
    if (took === null) result.failures++;
    else result.samples.push(took);
    current = next;
  }
  return result;
}

async function createPollingNodes(client: AppMeshClient): Promise<void> {
  for (let index = 0; index < nodes; index++) {
    await client.send(
      new CreateVirtualNodeCommand({
        meshName: mesh,
        virtualNodeName: `node-${index}`,
        spec: {
          listeners: [{ portMapping: { port: 8080, protocol: "http" } }],
          serviceDiscovery: { dns: { hostname: `node-${index}.bench.local` } },
          backends: [{ virtualService: { virtualServiceName: "poll.local" } }],
        },
      }),
    );
  }
}

function row(measured: Latencies, baseline: Latencies): string {
  const sorted = [...measured.samples].sort((a, b) => a - b);
  const base = [...baseline.samples].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  const failed = measured.failures === 0 ? "0" : `${measured.failures} (${[...measured.failedWith].map(([status, count]) => `${count}× ${status || "error"}`).join(", ")})`;
  return `| ${measured.name} | ${sorted.length} | ${failed} | ${p50.toFixed(1)} | ${p99.toFixed(1)} | ${(p50 / percentile(base, 50)).toFixed(2)} | ${(p99 / percentile(base, 99)).toFixed(2)} |`;
}

export default async function workerBenchmark(): Promise<string> {
  const [plane, one, two] = await Promise.all([startControlPlaneWorker(undefined, { logLevel: "none" }), startBackend("one"), startBackend("two")]);
  const client = createAppMeshClient(plane.url);
  const gateways: RunningWorker[] = [];
  try {
    await client.send(new CreateMeshCommand({ meshName: mesh }));
    await createLocalhostNodes(client, mesh, [["one", one], ["two", two]] as const);
    for (const gateway of ["gw-push", "gw-poll"]) {
      await client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: gateway, spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } }));
    }
    await createRoutedService(client, mesh, { service: "poll.local", gateway: "gw-poll", prefix: "/unused", routes: { r: MakeWeightedRouteSpec([["one", 75], ["two", 25]]) } });
    await createPollingNodes(client);

    // 1. Poll cost. Each node's current version per type, from one full poll, for the unchanged polls.
    const versions = new Map<string, string>();
    const full = await pollRounds("full poll (version_info \"\", 200)", async (nodeId, type) => {
      const answer = await poll(plane.url, nodeId, type, "");
      if (answer.version) versions.set(`${nodeId} ${type}`, answer.version);
      return answer.status;
    }, 200);
    const unchanged = await pollRounds("unchanged poll (current version_info, 304)", async (nodeId, type) => (await poll(plane.url, nodeId, type, versions.get(`${nodeId} ${type}`) ?? "")).status, 304);
    const health = await pollRounds("GET /healthz (baseline)", async () => (await fetch(`${plane.url}/healthz`).then(async (answer) => (await answer.text(), answer.status))), 200);

    // 2. Push latency through the mesh hub against polling every second.
    const pushed = await createRoutedService(client, mesh, { service: "push.local", gateway: "gw-push", prefix: "/push", routes: { r: MakeWeightedRouteSpec([["one", 100], ["two", 0]]) } });
    const polled = await createRoutedService(client, mesh, { service: "polled.local", gateway: "gw-poll", prefix: "/polled", routes: { r: MakeWeightedRouteSpec([["one", 100], ["two", 0]]) } });
    gateways.push(await startGatewayWorker(plane.url, `mesh/${mesh}/virtualGateway/gw-push`, { XDS_POLL_MS: "0" }));
    gateways.push(await startGatewayWorker(plane.url, `mesh/${mesh}/virtualGateway/gw-poll`, { XDS_SUBSCRIBE: "off", XDS_POLL_MS: "1000" }));
    const viaHub = await flipLatencies("weight flip, gateway subscribed to the mesh hub (no polling)", gateways[0]!, pushed, "/push/x");
    const viaPolling = await flipLatencies("weight flip, gateway polling every 1 s (baseline)", gateways[1]!, polled, "/polled/x");

    return [
      `The control-plane Worker and gateway Workers under wrangler dev (workerd, local D1) on loopback. Poll rows: ${nodes} virtual nodes`,
      `each polling CDS, LDS, RDS and EDS at once (${nodes * 4} concurrent polls), ${rounds} rounds; flip rows: ${flips} 0/100 weight flips`,
      "each, measured from UpdateRoute's answer to the first request the gateway sends to the new backend (the gateway is",
      "asked every 50 ms, so that is the resolution). Ratios are to the section's baseline row.",
      "",
      "| measurement | samples | failed | p50 ms | p99 ms | p50 ratio | p99 ratio |",
      "|---|---:|---:|---:|---:|---:|---:|",
      row(health, health),
      row(unchanged, health),
      row(full, health),
      row(viaPolling, viaPolling),
      row(viaHub, viaPolling),
      "",
    ].join("\n");
  } finally {
    for (const gateway of gateways) await gateway.dispose();
    client.destroy();
    await plane.dispose();
    await Promise.all([one.close(), two.close()]);
  }
}
