// A reconnect storm: 1,000 ADS streams dropped at once and re-established at once, after a change made while they
// were away. Every new stream converges to the current versions, the server stays up, and once the storm's
// streams are gone memory returns near its level before the storm (generous bound, after GC; no timing asserts).
import v8 from "node:v8";
import vm from "node:vm";
import { UpdateVirtualNodeCommand } from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeUrl } from "../../../functions/envoy/index.js";
import { createDemoMesh } from "./fixtures.js";
import { adsClient, SotwClient, startMeshplane, type Meshplane, type WireResponse } from "./support.js";

const STREAMS = 1000;
const CONNECTIONS = 100;

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/** Heap after closed connections have been torn down: GC until two readings agree within 1 MB (bounded). */
async function settledHeap(): Promise<number> {
  let previous = Infinity;
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    gc();
    const used = process.memoryUsage().heapUsed;
    if (Math.abs(used - previous) < 1024 * 1024) return used;
    previous = used;
  }
  return previous;
}

interface Wave {
  clients: Array<ReturnType<typeof adsClient>>;
  streams: SotwClient[];
}

/** Opens STREAMS streams over CONNECTIONS connections; each subscribes to CDS and LDS and ACKs what it gets. */
async function openWave(address: string, nodeId: string): Promise<Wave & { first: Array<Map<string, WireResponse>> }> {
  const clients = Array.from({ length: CONNECTIONS }, () => adsClient(address));
  const streams = Array.from({ length: STREAMS }, (_, i) => new SotwClient(clients[i % CONNECTIONS]!, { id: nodeId }));
  for (const stream of streams) {
    stream.send({ typeUrl: TypeUrl.cluster });
    stream.send({ typeUrl: TypeUrl.listener });
  }
  const first = await Promise.all(
    streams.map(async (stream) => {
      const got = new Map<string, WireResponse>();
      while (got.size < 2) {
        const response = await stream.next(60_000);
        got.set(response.typeUrl, response);
        stream.ack(response);
      }
      return got;
    }),
  );
  return { clients, streams, first };
}

function dropWave(wave: Wave): void {
  for (const stream of wave.streams) stream.call.cancel();
  for (const client of wave.clients) client.close();
}

async function connectedProxies(meshplane: Meshplane): Promise<number> {
  const response = await fetch(`${meshplane.url}/v1/xds/proxies`);
  return ((await response.json()) as { proxies: unknown[] }).proxies.length;
}

async function until(check: () => Promise<boolean>, attempts = 400): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

describe("reconnect storm", () => {
  let meshplane: Meshplane;
  const mesh = "storm";
  const nodeId = `mesh/${mesh}/virtualNode/front`;

  beforeAll(async () => {
    // Every storm stream is the same virtual node: lift the per-node proxy quota (default 50) above the storm.
    meshplane = await startMeshplane({ MESHPLANE_ADS_PROXY_QUOTA: String(STREAMS * 2) });
    await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName: mesh });
  });
  afterAll(async () => {
    await meshplane?.close();
  });

  it(`${STREAMS} streams dropped and re-established at once converge to the current versions`, async () => {
    // Warm up code paths and pools once so the baseline is not measured cold.
    dropWave(await openWave(meshplane.xdsAddress, nodeId));
    expect(await until(async () => (await connectedProxies(meshplane)) === 0)).toBe(true);
    const baseline = await settledHeap();

    // The test keeps only version strings of each wave, so what remains after the storm is the server's doing.
    let before: Awaited<ReturnType<typeof openWave>> | undefined = await openWave(meshplane.xdsAddress, nodeId);
    const oldClusters = before.first[0]!.get(TypeUrl.cluster)!.versionInfo;
    expect(before.first.every((got) => got.get(TypeUrl.cluster)!.versionInfo === oldClusters)).toBe(true);
    expect(await connectedProxies(meshplane)).toBe(STREAMS);

    // Drop every stream, change the mesh while they are away, and reconnect them all at once.
    dropWave(before);
    before = undefined;
    await meshplane.appMesh.send(
      new UpdateVirtualNodeCommand({
        meshName: mesh,
        virtualNodeName: "front",
        spec: { backends: [{ virtualService: { virtualServiceName: "svc.local" } }], serviceDiscovery: { awsCloudMap: { namespaceName: mesh, serviceName: "front" } } },
      }),
    );
    let after: Awaited<ReturnType<typeof openWave>> | undefined = await openWave(meshplane.xdsAddress, nodeId);

    // The reference: one fresh stream opened after the storm.
    const probeClient = adsClient(meshplane.xdsAddress);
    const probe = new SotwClient(probeClient, { id: nodeId });
    probe.send({ typeUrl: TypeUrl.cluster });
    const current = await probe.next();
    probe.end();
    probeClient.close();
    expect(current.versionInfo).not.toBe(oldClusters);
    const versions = new Set(after.first.map((got) => got.get(TypeUrl.cluster)!.versionInfo));
    expect(versions).toEqual(new Set([current.versionInfo]));
    expect(after.first.every((got) => got.get(TypeUrl.cluster)!.resources.length === current.resources.length)).toBe(true);

    // The server is up and serving: the status endpoint lists every storm stream.
    expect(await until(async () => (await connectedProxies(meshplane)) === STREAMS)).toBe(true);
    dropWave(after);
    after = undefined;
    expect(await until(async () => (await connectedProxies(meshplane)) === 0)).toBe(true);

    const settled = await settledHeap();
    console.log(`reconnect storm: heap ${(baseline / 2 ** 20).toFixed(1)} MiB before, ${(settled / 2 ** 20).toFixed(1)} MiB after`);
    // 1,000 streams hold roughly 55 KB each while open (≈ 55 MB); after they are gone the heap must be back within
    // a generous margin of the baseline, i.e. nothing per stream is retained.
    expect(settled - baseline).toBeLessThan(25 * 1024 * 1024);
  });
});
