// The xDS cache on the change log when policies come and go on a mesh it serves from kept translation pieces: a real
// SQLite store written by the mesh writer (App Mesh resources) and by the policy service (policies), twenty clients of
// one routed service watched as sidecars (one in a zone, one polling REST xDS, one proxyless). After every step each
// node is served byte for byte what a fresh translator of a whole read gives it, and each policy change makes the
// cache read the mesh whole.
import { create, fromBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCore } from "../../../core-wasm/node.js";
import { createCommitWithRetry } from "../../../functions/appmesh/index.js";
import { loadMeshSnapshot } from "../../../functions/appmesh/snapshot-loader.js";
import { ClusterSchema, xdsSubscriptionOfNode, type XdsSubscription } from "../../../functions/envoy/index.js";
import { createPolicyService, type PolicyService } from "../../../functions/policies/index.js";
import { createRegexChecker } from "../../../functions/regex-checker.js";
import { createXdsCache } from "../../../functions/xds/cache/cache.js";
import { appMeshTranslation } from "../../../functions/xds/cache/translation.js";
import type { NodeSnapshot } from "../../../functions/xds/cache/types.js";
import { checkEnvoyPatch, createMeshTranslator } from "../../../functions/xds/translate/index.js";
import { NodeSchema, type Node } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { createMeshWriter } from "../../support/mesh-writer.js";
import { openTemporaryStore, type TemporaryStore } from "../../support/sqlite-store.js";
import { fresh, routedClients, routedMesh, served } from "./served-resources.js";

const REST = { api_type: "REST", cluster: "cp.example.com", refresh_delay: "1s" };

describe("xDS cache on the change log, policies put, changed and deleted", () => {
  let temporary: TemporaryStore;
  beforeAll(async () => {
    temporary = await openTemporaryStore("cache-incremental-policies");
  });
  afterAll(async () => {
    await temporary.remove();
  });

  it("serves every node exactly a fresh translation's resources before, with and after policies, each policy change read whole", async () => {
    const meshName = "policied";
    const arn = (rest: string) => `arn:aws:appmesh:us-east-1:111122223333:mesh/${meshName}${rest}`;
    const writer = createMeshWriter(temporary.store, meshName);
    const policies: PolicyService = createPolicyService(temporary.store, {
      region: "us-east-1",
      accountId: "111122223333",
      quotas: { policiesPerMesh: 100 },
      checkRegex: createRegexChecker(loadCore()),
      checkEnvoyPatch,
      commit: createCommitWithRetry(temporary.store),
    });
    const clients = routedClients;
    const mesh = (weight: number) => routedMesh(meshName, weight);
    await writer.write(mesh(90));
    const cache = createXdsCache({ store: temporary.store, translation: appMeshTranslation() });
    const id = (name: string) => `mesh/${meshName}/virtualNode/${name}`;
    const watched: Array<{ node: Node; apiListeners: string[]; latest?: NodeSnapshot }> = [
      ...clients.map((client) => ({ node: create(NodeSchema, { id: id(client.virtualNodeName) }), apiListeners: [] })),
      { node: create(NodeSchema, { id: id("n3"), locality: { zone: "us-east-1a" } }), apiListeners: [] },
      { node: create(NodeSchema, { id: id("n4"), metadata: { "meshplane.xds": REST } }), apiListeners: [] },
      { node: create(NodeSchema, { id: id("n5") }), apiListeners: ["svc.local"] },
    ];
    for (const entry of watched) entry.latest = (await cache.watch(entry.node, (snapshot) => (entry.latest = snapshot), { apiListeners: entry.apiListeners })).snapshot;

    const revision = async () => (await temporary.store.getRevisions([`mesh/${meshName}`]))[`mesh/${meshName}`]!;
    const expectFresh = async () => {
      await cache.applyChange({ scope: `mesh/${meshName}`, revision: await revision() });
      await cache.idle();
      const translator = createMeshTranslator((await loadMeshSnapshot(temporary.store, meshName))!);
      for (const entry of watched) {
        const zone = entry.node.locality?.zone ? { zone: entry.node.locality.zone } : {};
        const xdsSubscription = xdsSubscriptionOfNode(entry.node) as XdsSubscription;
        const expected = translator.translateNode({ meshName, kind: "virtualNode", name: entry.node.id.split("/")[3]! }, { apiListeners: entry.apiListeners, xdsSubscription, ...zone });
        expect(served(entry.latest!), entry.node.id).toEqual(fresh(expected));
        expect(entry.latest!.warnings).toEqual(expected.warnings);
      }
    };
    const put = (name: string, target: string, spec: unknown) => policies.put(meshName, name, { targetRef: { arn: arn(target) }, spec });
    const fullReads = () => cache.stats().reads.full;

    // Kept pieces at work: a route change is applied from the change log.
    await writer.write(mesh(70));
    await expectFresh();
    expect(cache.stats().reads).toEqual({ incremental: 1, full: 1 });

    // Policies put: route headers, a zone-preferring balancer on a target, a patch on one Envoy, a mesh-wide limit.
    let before = fullReads();
    await put("headers", "/virtualRouter/r/route/split", { headers: { request: { set: [{ name: "x-policy", value: "on" }] }, response: { remove: ["server"] } } });
    await put("balance", "/virtualNode/n0", { loadBalancing: { algorithm: "LEAST_REQUEST", locality: { preferLocalZone: true } } });
    await put("patch", "/virtualNode/n2", { envoyPatch: { patches: [{ resource: "cluster", merge: { per_connection_buffer_limit_bytes: 32768 } }] } });
    await put("limit", "", { rateLimit: { requests: 100, interval: { value: 1, unit: "s" } } });
    await expectFresh();
    expect(fullReads()).toBeGreaterThan(before);
    // The patch reached n2's Envoy alone, though its clusters are built from pieces every client shares.
    const bufferLimits = (entry: (typeof watched)[number]) =>
      [...entry.latest!.types.cluster.resources.values()].map((r) => fromBinary(ClusterSchema, r.any.value).perConnectionBufferLimitBytes);
    expect(new Set(bufferLimits(watched[2]!))).toEqual(new Set([32768]));
    expect(bufferLimits(watched[1]!).every((limit) => limit === undefined)).toBe(true);

    // An App Mesh change while the mesh has policies.
    await writer.write(mesh(40));
    await expectFresh();

    // Policies changed.
    before = fullReads();
    await put("headers", "/virtualRouter/r/route/split", { headers: { request: { set: [{ name: "x-policy", value: "changed" }] } } });
    await put("patch", "/virtualNode/n2", { envoyPatch: { patches: [{ resource: "cluster", merge: { per_connection_buffer_limit_bytes: 65536 } }] } });
    await expectFresh();
    expect(fullReads()).toBeGreaterThan(before);

    // Policies deleted one by one, then the mesh is served from kept pieces again.
    for (const name of ["headers", "balance", "patch", "limit"]) {
      before = fullReads();
      await policies.remove(meshName, name);
      await expectFresh();
      expect(fullReads()).toBeGreaterThan(before);
    }
    await writer.write(mesh(20));
    await expectFresh();
    cache.close();
  });
});
