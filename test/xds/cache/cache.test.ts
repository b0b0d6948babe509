// The snapshot cache on its own: content versions, which changes re-translate which nodes, feed de-duplication,
// node id errors. Snapshots come from an in-memory "store"; translation is a small counting stand-in, plus one
// check with meshplane's real translation that unrelated changes leave versions untouched.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { createLocalChangeFeed } from "../../../db/change-feed.js";
import type { MeshSnapshot } from "../../../functions/appmesh/snapshot.js";
import { createXdsCache } from "../../../functions/xds/cache/cache.js";
import { appMeshTranslation } from "../../../functions/xds/cache/translation.js";
import { NodeIdError, type NodeSnapshot, type XdsTranslation } from "../../../functions/xds/cache/types.js";
import { ClusterSchema, ListenerSchema } from "../../../functions/envoy/index.js";
import { NodeSchema } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { MakeEndpoint, MakeMesh, MakeRoute, MakeVirtualNode, MakeVirtualRouter, MakeVirtualService } from "../translate/fixtures.js";

const node = (id: string) => create(NodeSchema, { id });
const withVersion = <T extends { metadata: { version: number } }>(resource: T, version: number): T => ({ ...resource, metadata: { ...resource.metadata, version } });

function snapshotOf(meshName: string, revision: number, nodes: string[], options: { cloudMap?: boolean; endpoints?: MeshSnapshot["endpoints"] } = {}): MeshSnapshot {
  return {
    mesh: MakeMesh({}, meshName),
    revision,
    virtualServices: [],
    virtualNodes: nodes.map((name) =>
      MakeVirtualNode(name, options.cloudMap ? { serviceDiscovery: { awsCloudMap: { namespaceName: "ns", serviceName: name } } } : { serviceDiscovery: { dns: { hostname: `${name}.local` } } }, meshName),
    ),
    virtualRouters: [],
    routes: [],
    virtualGateways: [],
    gatewayRoutes: [],
    endpoints: options.endpoints ?? [],
  };
}

/** A stand-in translation: node `mesh/<m>/virtualNode/<n>` gets one listener named after it and one cluster per endpoint. */
function countingTranslation() {
  const calls: string[] = [];
  const translation: XdsTranslation = {
    identify(n) {
      const parts = n.id.split("/");
      if (parts.length !== 4 || parts[0] !== "mesh") throw new NodeIdError(`bad id ${n.id}`);
      return { meshName: parts[1]!, key: n.id };
    },
    forSnapshot(snapshot) {
      return {
        exists: (n) => snapshot.virtualNodes.some((vn) => vn.virtualNodeName === n.id.split("/")[3]),
        translate(n) {
          calls.push(n.id);
          const name = n.id.split("/")[3]!;
          return {
            listeners: [create(ListenerSchema, { name: `listener-${name}` })],
            clusters: snapshot.endpoints.map((e) => create(ClusterSchema, { name: `cluster-${e.instanceId}-${e.port}` })),
            routes: [],
            endpoints: [],
            secrets: [],
          };
        },
      };
    },
  };
  return { translation, calls };
}

function memoryStore(initial: MeshSnapshot[]) {
  const meshes = new Map(initial.map((s) => [s.mesh.meshName, s]));
  const loads: string[] = [];
  return {
    meshes,
    loads,
    loadSnapshot: async (name: string) => {
      loads.push(name);
      return meshes.get(name) ?? null;
    },
    store: { readMesh: async () => ({ revision: 0, rows: [] }), listEndpoints: async () => [], getRevisions: async () => ({}) },
  };
}

describe("xDS snapshot cache", () => {
  it("re-translates only the nodes of the mesh that changed, and notifies only when a type version moved", async () => {
    const db = memoryStore([snapshotOf("a", 1, ["x", "y"]), snapshotOf("b", 1, ["z"])]);
    const { translation, calls } = countingTranslation();
    const feed = createLocalChangeFeed();
    const cache = createXdsCache({ store: db.store, loadSnapshot: db.loadSnapshot, translation, feeds: [feed] });
    const seen: Record<string, NodeSnapshot[]> = { x: [], y: [], z: [] };
    const x = await cache.watch(node("mesh/a/virtualNode/x"), (s) => seen.x!.push(s));
    await cache.watch(node("mesh/a/virtualNode/y"), (s) => seen.y!.push(s));
    const z = await cache.watch(node("mesh/b/virtualNode/z"), (s) => seen.z!.push(s));
    calls.length = 0;

    // Mesh b changes in a way that does not change z's resources: z is re-translated, nobody is notified.
    db.meshes.set("b", snapshotOf("b", 2, ["z", "w"]));
    feed.publish({ scope: "mesh/b", revision: 2 });
    await cache.idle();
    expect(calls).toEqual(["mesh/b/virtualNode/z"]);
    expect(seen.z).toEqual([]);

    // Mesh a's endpoints change: both of a's nodes get a new cluster version, listeners keep theirs.
    calls.length = 0;
    db.meshes.set("a", snapshotOf("a", 2, ["x", "y"], { endpoints: [MakeEndpoint("ns", "x", "i1", "10.0.0.1", 80)] }));
    feed.publish({ scope: "mesh/a", revision: 2 });
    await cache.idle();
    expect(calls.sort()).toEqual(["mesh/a/virtualNode/x", "mesh/a/virtualNode/y"]);
    expect(seen.x!.length).toBe(1);
    expect(seen.x![0]!.types.cluster.version).not.toBe(x.snapshot.types.cluster.version);
    expect(seen.x![0]!.types.listener).toBe(x.snapshot.types.listener);
    expect(seen.z).toEqual([]);
    expect(z.snapshot.meshRevision).toBe(1);
    cache.close();
  });

  it("derives versions from content: equal resources give equal versions in separate caches", async () => {
    const one = createXdsCache({ ...memoryStore([snapshotOf("a", 1, ["x"])]), translation: countingTranslation().translation });
    const two = createXdsCache({ ...memoryStore([snapshotOf("a", 7, ["x"])]), translation: countingTranslation().translation });
    const [s1, s2] = [await one.fetch(node("mesh/a/virtualNode/x")), await two.fetch(node("mesh/a/virtualNode/x"))];
    expect(s1.types.listener.version).toBe(s2.types.listener.version);
    expect(s1.types.listener.resources.get("listener-x")!.version).toBe(s2.types.listener.resources.get("listener-x")!.version);
    expect(s1.types.cluster.version).toBe(s2.types.cluster.version);
  });

  it("drops duplicate deliveries of the same revision from several feeds, and coalesces bursts", async () => {
    const db = memoryStore([snapshotOf("a", 1, ["x"])]);
    const local = createLocalChangeFeed();
    const external = createLocalChangeFeed();
    const cache = createXdsCache({ store: db.store, loadSnapshot: db.loadSnapshot, translation: countingTranslation().translation, feeds: [local, external] });
    await cache.watch(node("mesh/a/virtualNode/x"), () => {});
    db.loads.length = 0;
    db.meshes.set("a", snapshotOf("a", 2, ["x"]));
    local.publish({ scope: "mesh/a", revision: 2 });
    external.publish({ scope: "mesh/a", revision: 2 });
    await cache.idle();
    expect(db.loads).toEqual(["a"]);

    db.loads.length = 0;
    for (let revision = 3; revision <= 12; revision++) local.publish({ scope: "mesh/a", revision });
    await cache.idle();
    expect(db.loads.length).toBeLessThanOrEqual(2);
    cache.close();
  });

  it("reloads on endpoint-registry changes only the meshes that discover through it", async () => {
    const db = memoryStore([snapshotOf("cm", 1, ["x"], { cloudMap: true }), snapshotOf("dns", 1, ["y"])]);
    const feed = createLocalChangeFeed();
    const cache = createXdsCache({ store: db.store, loadSnapshot: db.loadSnapshot, translation: countingTranslation().translation, feeds: [feed] });
    const updates: string[] = [];
    await cache.watch(node("mesh/cm/virtualNode/x"), () => updates.push("x"));
    await cache.watch(node("mesh/dns/virtualNode/y"), () => updates.push("y"));
    db.loads.length = 0;
    db.meshes.set("cm", snapshotOf("cm", 1, ["x"], { cloudMap: true, endpoints: [MakeEndpoint("ns", "x", "i1", "10.0.0.1", 80)] }));
    feed.publish({ scope: "endpoints", revision: 5 });
    feed.publish({ scope: "endpoints", revision: 5 });
    await cache.idle();
    expect(db.loads).toEqual(["cm"]);
    expect(updates).toEqual(["x"]);
    cache.close();
  });

  it("reads whole the meshes a Cloud Map or ACM change reaches and every mesh with ACM material, the others from the change log", async () => {
    const tls = { certificates: {}, certificateAuthorities: {}, problems: ["ACM certificate arn:aws:acm:us-west-2:111122223333:certificate/c1: no such certificate"] };
    const db = memoryStore([snapshotOf("cm", 1, ["x"], { cloudMap: true }), { ...snapshotOf("tls", 1, ["y"]), tls }, snapshotOf("dns", 1, ["z"])]);
    const updates: string[] = [];
    const updateSnapshot = async (snapshot: MeshSnapshot) => {
      updates.push(snapshot.mesh.meshName);
      return { snapshot: db.meshes.get(snapshot.mesh.meshName) ?? null, incremental: true };
    };
    const feed = createLocalChangeFeed();
    const cache = createXdsCache({ store: db.store, loadSnapshot: db.loadSnapshot, updateSnapshot, translation: countingTranslation().translation, feeds: [feed] });
    for (const id of ["mesh/cm/virtualNode/x", "mesh/tls/virtualNode/y", "mesh/dns/virtualNode/z"]) await cache.watch(node(id), () => {});
    db.loads.length = 0;

    feed.publish({ scope: "endpoints", revision: 3 });
    feed.publish({ scope: "acm", revision: 4 });
    await cache.idle();
    expect([...db.loads].sort()).toEqual(["cm", "tls"]);
    expect(updates).toEqual([]);

    db.loads.length = 0;
    for (const name of ["cm", "tls", "dns"]) {
      const held = db.meshes.get(name)!;
      db.meshes.set(name, { ...held, revision: 2 });
      feed.publish({ scope: `mesh/${name}`, revision: 2 });
    }
    await cache.idle();
    expect(db.loads).toEqual(["tls"]);
    expect([...updates].sort()).toEqual(["cm", "dns"]);
    expect(cache.stats().reads).toEqual({ incremental: 2, full: 6 });
    cache.close();
  });

  it("rejects malformed ids, unknown meshes and unknown nodes with NodeIdError, keeping nothing for made-up meshes", async () => {
    const db = memoryStore([snapshotOf("a", 1, ["x"])]);
    const cache = createXdsCache({ store: db.store, loadSnapshot: db.loadSnapshot, translation: countingTranslation().translation });
    await expect(cache.watch(node("nonsense"), () => {})).rejects.toBeInstanceOf(NodeIdError);
    for (let i = 0; i < 20; i++) await expect(cache.watch(node(`mesh/nope${i}/virtualNode/x`), () => {})).rejects.toBeInstanceOf(NodeIdError);
    await expect(cache.watch(node("mesh/a/virtualNode/ghost"), () => {})).rejects.toBeInstanceOf(NodeIdError);
    expect(cache.stats().meshes).toBe(1);
  });

  it("revalidates against the store's revisions on fetch when no feed runs (REST xDS on Workers)", async () => {
    const db = memoryStore([snapshotOf("a", 1, ["x"])]);
    let revision = 1;
    const store = { ...db.store, getRevisions: async (scopes: string[]) => Object.fromEntries(scopes.map((scope) => [scope, scope === "mesh/a" ? revision : 0])) };
    const { translation, calls } = countingTranslation();
    const cache = createXdsCache({ store, loadSnapshot: db.loadSnapshot, translation, revalidateOnFetch: true });
    const first = await cache.fetch(node("mesh/a/virtualNode/x"));
    expect(await cache.fetch(node("mesh/a/virtualNode/x"))).toBe(first);
    expect(db.loads).toEqual(["a"]);
    db.meshes.set("a", snapshotOf("a", 2, ["x"], { endpoints: [MakeEndpoint("ns", "x", "i1", "10.0.0.1", 80)] }));
    revision = 2;
    const second = await cache.fetch(node("mesh/a/virtualNode/x"));
    expect(db.loads).toEqual(["a", "a"]);
    expect(second.types.cluster.version).not.toBe(first.types.cluster.version);
    expect(calls.length).toBe(2);
  });

  it("with the real translation, a route change re-translates only the nodes that call the router", async () => {
    const base = (weights: [number, number], revision: number): MeshSnapshot => ({
      ...snapshotOf("app", revision, []),
      virtualNodes: [
        MakeVirtualNode("blue", { listeners: [{ portMapping: { port: 8080, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "blue.local" } } }),
        MakeVirtualNode("green", { listeners: [{ portMapping: { port: 8080, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "green.local" } } }),
        MakeVirtualNode("caller", { backends: [{ virtualService: { virtualServiceName: "svc.local" } }] }),
        MakeVirtualNode("loner", { listeners: [{ portMapping: { port: 8080, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "loner.local" } } }),
      ],
      virtualRouters: [MakeVirtualRouter("router", { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] })],
      routes: [
        // As the API does, an update bumps the resource's metadata.version.
        withVersion(
          MakeRoute("router", "split", {
            httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "blue", weight: weights[0] }, { virtualNode: "green", weight: weights[1] }] } },
          }),
          revision,
        ),
      ],
      virtualServices: [MakeVirtualService("svc.local", { provider: { virtualRouter: { virtualRouterName: "router" } } })],
    });
    const db = memoryStore([base([50, 50], 1)]);
    const feed = createLocalChangeFeed();
    const translated: number[] = [];
    const cache = createXdsCache({ store: db.store, loadSnapshot: db.loadSnapshot, translation: appMeshTranslation(), feeds: [feed], onTranslate: (event) => translated.push(event.nodes) });
    const callerUpdates: NodeSnapshot[] = [];
    const lonerUpdates: NodeSnapshot[] = [];
    const caller = await cache.watch(node("mesh/app/virtualNode/caller"), (s) => callerUpdates.push(s));
    await cache.watch(node("mesh/app/virtualNode/loner"), (s) => lonerUpdates.push(s));
    db.meshes.set("app", base([90, 10], 2));
    feed.publish({ scope: "mesh/app", revision: 2 });
    await cache.idle();
    expect(lonerUpdates).toEqual([]);
    // Only the caller's dependencies changed: it alone is translated again.
    expect(translated).toEqual([1]);
    expect(callerUpdates.length).toBe(1);
    const after = callerUpdates[0]!;
    expect(after.types.route.version).not.toBe(caller.snapshot.types.route.version);
    expect(after.types.cluster).toBe(caller.snapshot.types.cluster);
    expect(after.types.listener).toBe(caller.snapshot.types.listener);
    expect(after.types.endpoint).toBe(caller.snapshot.types.endpoint);
    cache.close();
  });
  it("with the real translation, keeps Envoys of different version bands of one node apart and shares one entry per band", async () => {
    const mesh: MeshSnapshot = {
      ...snapshotOf("app", 1, ["blue"]),
      virtualNodes: [
        MakeVirtualNode("blue", { listeners: [{ portMapping: { port: 8080, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "blue.local" } } }),
        MakeVirtualNode("caller", { backends: [{ virtualService: { virtualServiceName: "svc.local" } }] }),
      ],
      virtualRouters: [MakeVirtualRouter("router", { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] })],
      routes: [MakeRoute("router", "r", { httpRoute: { match: { prefix: "/", headers: [{ name: "x-canary", match: { exact: "1" } }] }, action: { weightedTargets: [{ virtualNode: "blue", weight: 3 }] } } })],
      virtualServices: [MakeVirtualService("svc.local", { provider: { virtualRouter: { virtualRouterName: "router" } } })],
    };
    const db = memoryStore([mesh]);
    const cache = createXdsCache({ store: db.store, loadSnapshot: db.loadSnapshot, translation: appMeshTranslation() });
    const envoy = (minor: number, patch = 0) =>
      create(NodeSchema, { id: "mesh/app/virtualNode/caller", userAgentName: "envoy", userAgentVersionType: { case: "userAgentBuildVersion", value: { version: { majorNumber: 1, minorNumber: minor, patch } } } });
    const [old, oldToo, modern, unversioned] = await Promise.all([cache.fetch(envoy(16, 1)), cache.fetch(envoy(16, 4)), cache.fetch(envoy(34, 13)), cache.fetch(node("mesh/app/virtualNode/caller"))]);
    expect(old.types.route.version).not.toBe(modern.types.route.version);
    expect(oldToo).toBe(old);
    expect(unversioned).toBe(modern);
    expect(cache.stats().nodes).toBe(2);
    cache.close();
  });
});
