// The xDS cache following a real SQLite store through its change log: for random sequences of meshes written as the
// service commits them, every watched node's resources after each change are byte for byte what a fresh translation
// of a whole read gives (the translator's memo and the change-log update change nothing a proxy sees); the cache read
// the mesh whole only once, and the warnings of each node and the lint of the mesh are a fresh translation's too. And a change behind a service every node calls packs one new resource for all of them.
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMeshSnapshot } from "../../../functions/appmesh/snapshot-loader.js";
import type { MeshSnapshot } from "../../../functions/appmesh/snapshot.js";
import { createXdsCache } from "../../../functions/xds/cache/cache.js";
import { appMeshTranslation } from "../../../functions/xds/cache/translation.js";
import type { NodeSnapshot } from "../../../functions/xds/cache/types.js";
import { createMeshTranslator, lintMesh } from "../../../functions/xds/translate/index.js";
import { NodeSchema, type Node } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { createMeshWriter } from "../../support/mesh-writer.js";
import { openTemporaryStore, type TemporaryStore } from "../../support/sqlite-store.js";
import { buildSnapshot, meshArb, NODES, SERVICES } from "../translate/helpers/mesh-arbitrary.js";
import { fresh, routedClients, routedMesh, served } from "./served-resources.js";

const withName = (snapshot: MeshSnapshot, meshName: string): MeshSnapshot => ({ ...snapshot, mesh: { ...snapshot.mesh, meshName } });

describe("xDS cache on the change log", () => {
  let temporary: TemporaryStore;
  let meshCounter = 0;
  beforeAll(async () => {
    temporary = await openTemporaryStore("cache-incremental");
  });
  afterAll(async () => {
    await temporary.remove();
  });

  it("serves after every change exactly what a fresh translation of the whole mesh gives, warnings and lint included, reading the mesh whole once", async () => {
    let compared = 0;
    let warned = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(meshArb, { minLength: 2, maxLength: 4 }), async (samples) => {
        const meshName = `m${++meshCounter}`;
        const writer = createMeshWriter(temporary.store, meshName);
        await writer.write(withName(buildSnapshot(samples[0]!), meshName));
        const cache = createXdsCache({ store: temporary.store, translation: appMeshTranslation() });
        // Every possible node as a sidecar, the first also as a proxyless client of every service, and a gateway.
        const watched: Array<{ node: Node; apiListeners: string[]; latest: NodeSnapshot | null }> = [
          ...NODES.map((name) => ({ node: create(NodeSchema, { id: `mesh/${meshName}/virtualNode/${name}` }), apiListeners: [], latest: null })),
          { node: create(NodeSchema, { id: `mesh/${meshName}/virtualNode/${NODES[0]}` }), apiListeners: SERVICES, latest: null },
          { node: create(NodeSchema, { id: `mesh/${meshName}/virtualGateway/gw` }), apiListeners: [], latest: null },
        ];
        let revision = (await temporary.store.getRevisions([`mesh/${meshName}`]))[`mesh/${meshName}`]!;
        for (const sample of samples.slice(1)) {
          for (const entry of watched) {
            if (entry.latest) continue;
            // Nodes that do not exist (yet) are refused; they are watched once they do.
            try {
              const watch = await cache.watch(entry.node, (snapshot) => (entry.latest = snapshot), { apiListeners: entry.apiListeners });
              entry.latest = watch.snapshot;
            } catch {
              entry.latest = null;
            }
          }
          await writer.write(withName(buildSnapshot(sample), meshName));
          revision = (await temporary.store.getRevisions([`mesh/${meshName}`]))[`mesh/${meshName}`]!;
          await cache.applyChange({ scope: `mesh/${meshName}`, revision });
          await cache.idle();
          const whole = (await loadMeshSnapshot(temporary.store, meshName))!;
          const translator = createMeshTranslator(whole);
          for (const entry of watched) {
            if (!entry.latest) continue;
            const [, , kind, name] = entry.node.id.split("/") as [string, string, "virtualNode" | "virtualGateway", string];
            const expected = translator.translateNode({ meshName, kind, name }, { apiListeners: entry.apiListeners });
            expect(served(entry.latest)).toEqual(fresh(expected));
            // Kept and shared pieces (service ports, route configurations, egress listeners) carry their warnings.
            expect(entry.latest.warnings).toEqual(expected.warnings);
            compared++;
            if (expected.warnings.length > 0) warned++;
          }
          expect((await cache.lint(meshName))?.warnings).toEqual(lintMesh(whole));
        }
        expect(cache.stats().reads.full).toBe(1);
        cache.close();
      }),
      { numRuns: Number(process.env.MESHPLANE_PROPERTY_RUNS ?? 40), seed: Number(process.env.MESHPLANE_PROPERTY_SEED ?? 20261201) },
    );
    expect(compared).toBeGreaterThan(40);
    expect(warned).toBeGreaterThan(0);
  }, 300_000);

  it("packs one RouteConfiguration for all clients of a service when its route changes", async () => {
    const meshName = `shared${++meshCounter}`;
    const writer = createMeshWriter(temporary.store, meshName);
    const clients = routedClients;
    const mesh = (weight: number) => routedMesh(meshName, weight);
    await writer.write(mesh(90));
    const cache = createXdsCache({ store: temporary.store, translation: appMeshTranslation() });
    const latest = new Map<string, NodeSnapshot>();
    for (const client of clients) {
      const node = create(NodeSchema, { id: `mesh/${meshName}/virtualNode/${client.virtualNodeName}` });
      latest.set(client.virtualNodeName, (await cache.watch(node, (snapshot) => latest.set(client.virtualNodeName, snapshot))).snapshot);
    }
    const before = new Map(latest);
    const packedBefore = cache.stats().packed;
    await writer.write(mesh(10));
    await cache.applyChange({ scope: `mesh/${meshName}`, revision: (await temporary.store.getRevisions([`mesh/${meshName}`]))[`mesh/${meshName}`]! });
    await cache.idle();
    // Every client got a new route type; the one new egress RouteConfiguration is the only resource packed.
    for (const client of clients) {
      const next = latest.get(client.virtualNodeName)!;
      const previous = before.get(client.virtualNodeName)!;
      expect(next.types.route.version).not.toBe(previous.types.route.version);
      for (const type of ["listener", "cluster", "endpoint", "secret"] as const) expect(next.types[type]).toBe(previous.types[type]);
    }
    expect(cache.stats().packed - packedBefore).toBe(1);
    const egress = [...new Set(clients.map((client) => latest.get(client.virtualNodeName)!.types.route.resources.get("rds_egress_http_8080")))];
    expect(egress).toHaveLength(1);
    expect(cache.stats().reads).toEqual({ incremental: 1, full: 1 });
    cache.close();
  });
});
