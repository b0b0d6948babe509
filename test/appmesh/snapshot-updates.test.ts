// Updating a mesh snapshot from the change log, on a real SQLite store: for random sequences of meshes written as
// the service commits them (one guarded batch and change-log entry per changed resource), the updated snapshot equals
// a whole read of the mesh, came from the changed rows alone (no whole-mesh read), and keeps every unchanged item
// as the very object of the previous snapshot. Gaps in the log fall back to a whole read.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../db/store.js";
import { loadMeshSnapshot } from "../../functions/appmesh/snapshot-loader.js";
import { updateMeshSnapshot } from "../../functions/appmesh/snapshot-updates.js";
import type { MeshSnapshot } from "../../functions/appmesh/snapshot.js";
import { createMeshWriter } from "../support/mesh-writer.js";
import { openTemporaryStore, type TemporaryStore } from "../support/sqlite-store.js";
import { buildSnapshot, meshArb } from "../xds/translate/helpers/mesh-arbitrary.js";
import { MakeDnsNode, MakeSnapshot } from "../xds/translate/fixtures.js";

/** The store, counting whole-mesh reads. */
function counting(store: Store) {
  const calls = { readMesh: 0, readMeshChanges: 0 };
  return {
    calls,
    store: {
      ...store,
      readMesh: (meshName: string) => {
        calls.readMesh++;
        return store.readMesh(meshName);
      },
      readMeshChanges: (meshName: string, after: number, limit: number) => {
        calls.readMeshChanges++;
        return store.readMeshChanges(meshName, after, limit);
      },
    },
  };
}

const items = (snapshot: MeshSnapshot) => [
  ...snapshot.virtualServices,
  ...snapshot.virtualNodes,
  ...snapshot.virtualRouters,
  ...snapshot.routes,
  ...snapshot.virtualGateways,
  ...snapshot.gatewayRoutes,
];

describe("updateMeshSnapshot", () => {
  let temporary: TemporaryStore;
  let meshCounter = 0;
  beforeAll(async () => {
    temporary = await openTemporaryStore("snapshot-updates");
  });
  afterAll(async () => {
    await temporary.remove();
  });

  it("equals a whole read after every step of random change sequences, reading only the changed rows", async () => {
    let steps = 0;
    let incremental = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(meshArb, { minLength: 2, maxLength: 5 }), async (samples) => {
        const meshName = `m${++meshCounter}`;
        const writer = createMeshWriter(temporary.store, meshName);
        const withName = (snapshot: MeshSnapshot) => ({ ...snapshot, mesh: { ...snapshot.mesh, meshName } });
        await writer.write(withName(buildSnapshot(samples[0]!)));
        let current = (await loadMeshSnapshot(temporary.store, meshName))!;
        for (const sample of samples.slice(1)) {
          const commits = await writer.write(withName(buildSnapshot(sample)));
          const { store, calls } = counting(temporary.store);
          const update = await updateMeshSnapshot(store, current);
          const whole = await loadMeshSnapshot(temporary.store, meshName);
          expect(update.snapshot).toEqual(whole);
          expect(update.incremental).toBe(true);
          expect(calls.readMesh).toBe(0);
          expect(calls.readMeshChanges).toBe(1);
          // What no commit touched is the previous snapshot's very object.
          const before = new Map(items(current).map((item) => [item.metadata.uid, item]));
          const reused = items(update.snapshot!).filter((item) => before.get(item.metadata.uid) === item).length;
          const touched = items(update.snapshot!).filter((item) => before.get(item.metadata.uid)?.metadata.version !== item.metadata.version).length;
          expect(reused).toBe(items(update.snapshot!).length - touched);
          if (commits > 0) incremental++;
          steps++;
          current = update.snapshot!;
        }
      }),
      { numRuns: Number(process.env.MESHPLANE_PROPERTY_RUNS ?? 60), seed: Number(process.env.MESHPLANE_PROPERTY_SEED ?? 20261201) },
    );
    expect(steps).toBeGreaterThan(0);
    expect(incremental).toBeGreaterThan(steps / 2);
  }, 240_000);

  it("reads the mesh whole when the change log does not account for every revision", async () => {
    const meshName = `gap${++meshCounter}`;
    const writer = createMeshWriter(temporary.store, meshName);
    await writer.write(MakeSnapshot({ mesh: { ...MakeSnapshot({}).mesh, meshName }, virtualNodes: [MakeDnsNode("a", 80, "http")] }));
    const before = (await loadMeshSnapshot(temporary.store, meshName))!;
    // A commit that bumps the mesh's revision without a change-log entry (as mesh creation does).
    await temporary.store.commit({ expect: [], bump: [`mesh/${meshName}`] });
    await writer.write(MakeSnapshot({ mesh: { ...MakeSnapshot({}).mesh, meshName }, virtualNodes: [MakeDnsNode("a", 80, "http"), MakeDnsNode("b", 80, "http")] }));
    const { store, calls } = counting(temporary.store);
    const update = await updateMeshSnapshot(store, before);
    expect(update.incremental).toBe(false);
    expect(calls.readMesh).toBe(1);
    expect(update.snapshot).toEqual(await loadMeshSnapshot(temporary.store, meshName));
    expect(update.snapshot!.virtualNodes.map((node) => node.virtualNodeName)).toEqual(["a", "b"]);
  });

  it("reads the mesh whole, with the given TLS material, once a node names ACM and for as long as its snapshot carries it", async () => {
    const meshName = `acm${++meshCounter}`;
    const certificateArn = "arn:aws:acm:us-west-2:111122223333:certificate/0f3c1a2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
    const asked: string[][] = [];
    // What the ACM stand-in returns for the ARNs asked (functions/aws/acm reads them from the store).
    const options = {
      tlsMaterial: async (references: { certificates: readonly string[]; authorities: readonly string[] }) => {
        asked.push([...references.certificates]);
        return { certificates: { [certificateArn]: { certificateChain: "CHAIN", privateKey: "KEY" } }, certificateAuthorities: {}, problems: [] };
      },
    };
    const mesh = { ...MakeSnapshot({}).mesh, meshName };
    const acmNode = MakeDnsNode("a", 80, "http", {
      listeners: [{ portMapping: { port: 80, protocol: "http" }, tls: { mode: "STRICT", certificate: { acm: { certificateArn } } } }],
    });
    const writer = createMeshWriter(temporary.store, meshName);
    await writer.write(MakeSnapshot({ mesh, virtualNodes: [MakeDnsNode("a", 80, "http")] }));
    const plain = (await loadMeshSnapshot(temporary.store, meshName, options))!;
    expect(plain.tls).toBeUndefined();

    await writer.write(MakeSnapshot({ mesh, virtualNodes: [acmNode] }));
    const first = counting(temporary.store);
    const named = await updateMeshSnapshot(first.store, plain, options);
    expect(named.incremental).toBe(false);
    expect(first.calls.readMesh).toBe(1);
    expect(named.snapshot!.tls!.certificates[certificateArn]).toEqual({ certificateChain: "CHAIN", privateKey: "KEY" });
    expect(named.snapshot).toEqual(await loadMeshSnapshot(temporary.store, meshName, options));

    await writer.write(MakeSnapshot({ mesh, virtualNodes: [acmNode, MakeDnsNode("b", 80, "http")] }));
    const second = counting(temporary.store);
    const after = await updateMeshSnapshot(second.store, named.snapshot!, options);
    expect(after.incremental).toBe(false);
    expect(second.calls).toEqual({ readMesh: 1, readMeshChanges: 0 });
    expect(after.snapshot!.virtualNodes.map((node) => node.virtualNodeName)).toEqual(["a", "b"]);
    expect(after.snapshot!.tls).toEqual(named.snapshot!.tls);
    expect(asked.every((arns) => arns.length === 1 && arns[0] === certificateArn)).toBe(true);
  });

  it("returns no snapshot once the mesh is deleted, and the same snapshot when nothing changed", async () => {
    const meshName = `gone${++meshCounter}`;
    const writer = createMeshWriter(temporary.store, meshName);
    await writer.write(MakeSnapshot({ mesh: { ...MakeSnapshot({}).mesh, meshName } }));
    const before = (await loadMeshSnapshot(temporary.store, meshName))!;
    expect((await updateMeshSnapshot(temporary.store, before)).snapshot).toBe(before);
    const revisions = await temporary.store.getRevisions(["account", `mesh/${meshName}`]);
    const meshRow = (await temporary.store.readMesh(meshName)).rows[0]!;
    await temporary.store.commit({
      expect: [
        { scope: "account", revision: revisions.account! },
        { scope: `mesh/${meshName}`, revision: revisions[`mesh/${meshName}`]! },
      ],
      delete: [meshRow.uid],
      changes: ["account", `mesh/${meshName}`].map((scope) => ({ scope, action: "delete", kind: "mesh", meshName, parentName: "", name: meshName, at: 1 })),
    });
    const update = await updateMeshSnapshot(temporary.store, before);
    expect(update).toEqual({ snapshot: null, incremental: true });
  });
});
