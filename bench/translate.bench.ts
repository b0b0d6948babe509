// Translation cost for one node of a 200-node mesh (10 backends each), cold (a fresh translator: index, every
// shared piece built) against warm (the per-snapshot translator has already built the shared pieces for other
// nodes), plus translating the whole mesh both ways. Ratios are against the cold single-node translation.
import { performance } from "node:perf_hooks";
import type { MeshSnapshot } from "../functions/appmesh/snapshot.js";
import { createMeshTranslator } from "../functions/xds/translate/index.js";
import { validateNodeResources } from "../functions/xds/translate/validate-envoy.js";
import {
  MakeDnsNode,
  MakeRoute,
  MakeSnapshot,
  MakeVirtualRouter,
  MakeVirtualService,
  MESH,
} from "../test/xds/translate/fixtures.js";

const NODES = 200;
const BACKENDS = 10;

/** Even services are router-provided (weighted 90/10 across two nodes, with a header route), odd ones node-provided. */
function buildMesh(): MeshSnapshot {
  const service = (i: number) => `svc${i % NODES}.${MESH}.local`;
  const virtualNodes = Array.from({ length: NODES }, (_, i) =>
    MakeDnsNode(`node${i}`, 8080, "http", { backends: Array.from({ length: BACKENDS }, (_, k) => ({ virtualService: { virtualServiceName: service(i + k + 1) } })) }),
  );
  const virtualServices = Array.from({ length: NODES }, (_, i) =>
    MakeVirtualService(service(i), i % 2 === 0 ? { provider: { virtualRouter: { virtualRouterName: `router${i}` } } } : { provider: { virtualNode: { virtualNodeName: `node${i}` } } }),
  );
  const evens = Array.from({ length: NODES / 2 }, (_, j) => 2 * j);
  const virtualRouters = evens.map((i) => MakeVirtualRouter(`router${i}`, { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] }));
  const routes = evens.flatMap((i) => [
    MakeRoute(`router${i}`, "canary", {
      priority: 1,
      httpRoute: { match: { prefix: "/", headers: [{ name: "x-canary", match: { exact: "1" } }] }, action: { weightedTargets: [{ virtualNode: `node${(i + 1) % NODES}`, weight: 1 }] } },
    }),
    MakeRoute(`router${i}`, "main", {
      priority: 2,
      httpRoute: {
        match: { prefix: "/" },
        action: { weightedTargets: [{ virtualNode: `node${i}`, weight: 90 }, { virtualNode: `node${(i + 1) % NODES}`, weight: 10 }] },
        retryPolicy: { maxRetries: 3, perRetryTimeout: { value: 2, unit: "s" }, httpRetryEvents: ["server-error"] },
      },
    }),
  ]);
  return MakeSnapshot({ virtualNodes, virtualServices, virtualRouters, routes });
}

/** Median milliseconds per call over `batches` batches, each long enough to be timed reliably. */
function measure(run: () => void, batches = 9, minBatchMs = 150): number {
  run();
  let perBatch = 1;
  for (;;) {
    const started = performance.now();
    for (let i = 0; i < perBatch; i++) run();
    if (performance.now() - started >= minBatchMs) break;
    perBatch *= 2;
  }
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const started = performance.now();
    for (let i = 0; i < perBatch; i++) run();
    samples.push((performance.now() - started) / perBatch);
  }
  return samples.sort((a, c) => a - c)[Math.floor(samples.length / 2)]!;
}

export default async function translateBenchmark(): Promise<string> {
  const snapshot = buildMesh();
  const target = { meshName: MESH, kind: "virtualNode" as const, name: "node100" };
  const all = snapshot.virtualNodes.map((n) => ({ meshName: MESH, kind: "virtualNode" as const, name: n.virtualNodeName }));

  const sample = createMeshTranslator(snapshot).translateNode(target);
  const violations = validateNodeResources(sample);
  if (violations.length > 0) throw new Error(`benchmark mesh translates to invalid resources: ${JSON.stringify(violations[0])}`);

  const cold = measure(() => createMeshTranslator(snapshot).translateNode(target));
  const warmTranslator = createMeshTranslator(snapshot);
  for (const node of all) warmTranslator.translateNode(node);
  const warm = measure(() => warmTranslator.translateNode(target));
  const wholeCold = measure(() => {
    for (const node of all) createMeshTranslator(snapshot).translateNode(node);
  }, 5, 300);
  const wholeShared = measure(() => {
    const translator = createMeshTranslator(snapshot);
    for (const node of all) translator.translateNode(node);
  }, 5, 300);
  const counts = (() => {
    const t = createMeshTranslator(snapshot);
    for (const node of all) t.translateNode(node);
    return t.builds;
  })();

  const row = (what: string, ms: number, base: number) => `| ${what} | ${ms.toFixed(3)} ms | ${(ms / base).toFixed(2)}× |`;
  return [
    `Mesh: ${NODES} virtual nodes, each with ${BACKENDS} backends (half router-provided with 2 routes and a 90/10 split, half node-provided).`,
    `One node's result: ${sample.listeners.length} listeners, ${sample.clusters.length} clusters, ${sample.routes.length} route configurations (${sample.routes.reduce((n, r) => n + r.virtualHosts.length, 0)} virtual hosts).`,
    "",
    "| translation | time | vs cold single node |",
    "|---|---|---|",
    row("one node, cold (fresh translator: index + every shared piece)", cold, cold),
    row("one node, shared pieces memoised (translator already served the mesh)", warm, cold),
    row(`all ${NODES} nodes, a fresh translator per node`, wholeCold, cold),
    row(`all ${NODES} nodes, one translator per (mesh, revision)`, wholeShared, cold),
    "",
    `Memoised one node is ${(cold / warm).toFixed(1)}× faster than cold; the whole mesh with sharing is ${(wholeCold / wholeShared).toFixed(1)}× faster than without.`,
    `Shared pieces built for the whole mesh: ${counts.servicePorts} service port sets, ${counts.virtualHosts} virtual hosts, ${counts.egressClusters} egress clusters (without sharing: ${NODES * BACKENDS} of each).`,
    "",
  ].join("\n");
}
