// The Worker's per-isolate revision cache on a real SQLite store written through the App Mesh service: one
// translation per node and revision, one revision read per fetch, and the very versions Node's cache serves; Cloud
// Map and ACM changes outdate only the meshes that use them.
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../../db/store.js";
import { createAppMeshService, defaultQuotas, loadMeshSnapshot, type AppMeshService } from "../../../functions/appmesh/index.js";
import { chooseKeyVault, createAwsApp, createAwsStandIns, type AwsStandIns } from "../../../functions/aws/index.js";
import { createXdsCache } from "../../../functions/xds/cache/cache.js";
import { appMeshTranslation } from "../../../functions/xds/cache/translation.js";
import { NodeIdError, type XdsTranslation } from "../../../functions/xds/cache/types.js";
import { createRevisionCache } from "../../../functions/xds/worker/revision-cache.js";
import { NodeSchema } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { openTemporaryStore, type TemporaryStore } from "../../support/sqlite-store.js";

const node = (id: string) => create(NodeSchema, { id, cluster: id });

/** Counts what reaches the store and the translator. */
function counting(store: Store, translation: XdsTranslation) {
  const counts = { getRevisions: 0, readMesh: 0, translate: 0 };
  const countedStore: Pick<Store, "readMesh" | "listEndpoints" | "getRevisions"> = {
    getRevisions: (scopes) => (counts.getRevisions++, store.getRevisions(scopes)),
    readMesh: (name) => (counts.readMesh++, store.readMesh(name)),
    listEndpoints: (filter) => store.listEndpoints(filter),
  };
  const countedTranslation: XdsTranslation = {
    identify: (n) => translation.identify(n),
    forSnapshot(snapshot) {
      const translator = translation.forSnapshot(snapshot);
      return { ...translator, translate: (n, request) => (counts.translate++, translator.translate(n, request)) };
    },
  };
  return { counts, store: countedStore, translation: countedTranslation };
}

describe("createRevisionCache", () => {
  let temporary: TemporaryStore;
  let service: AppMeshService;
  let standIns: AwsStandIns;

  const weights = (blue: number, green: number) => ({
    httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "blue", weight: blue }, { virtualNode: "green", weight: green }] } },
  });

  async function createMesh(meshName: string, discovery: "dns" | "cloudMap"): Promise<void> {
    await service.execute("CreateMesh", { meshName });
    for (const name of ["blue", "green"]) {
      const serviceDiscovery = discovery === "dns" ? { dns: { hostname: `${name}.${meshName}.local` } } : { awsCloudMap: { namespaceName: meshName, serviceName: name } };
      await service.execute("CreateVirtualNode", { meshName, virtualNodeName: name, spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }], serviceDiscovery } });
    }
    await service.execute("CreateVirtualRouter", { meshName, virtualRouterName: "router", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } });
    await service.execute("CreateRoute", { meshName, virtualRouterName: "router", routeName: "split", spec: weights(50, 50) });
    await service.execute("CreateVirtualService", { meshName, virtualServiceName: "svc.local", spec: { provider: { virtualRouter: { virtualRouterName: "router" } } } });
    await service.execute("CreateVirtualNode", { meshName, virtualNodeName: "front", spec: { backends: [{ virtualService: { virtualServiceName: "svc.local" } }] } });
  }

  beforeAll(async () => {
    temporary = await openTemporaryStore("revision-cache");
    service = createAppMeshService(temporary.store, { region: "us-east-1", accountId: "111122223333", quotas: { ...defaultQuotas }, checkRegex: () => ({ ok: true }) });
    standIns = createAwsStandIns({ store: temporary.store, region: "us-east-1", accountId: "111122223333", keyVault: chooseKeyVault({ open: true }) });
    await createMesh("dns", "dns");
    await createMesh("mapped", "cloudMap");
  });
  afterAll(async () => temporary?.remove());

  it("serves repeated fetches of one revision from one translation and one mesh read, one revision read each", async () => {
    const probe = counting(temporary.store, appMeshTranslation());
    const cache = createRevisionCache({ store: probe.store, translation: probe.translation });
    const first = await cache.fetch(node("mesh/dns/virtualNode/front"));
    const again = await cache.fetch(node("mesh/dns/virtualNode/front"));
    await cache.fetch(node("mesh/dns/virtualNode/blue"));
    expect(probe.counts).toEqual({ getRevisions: 3, readMesh: 1, translate: 2 });
    expect(again.types).toBe(first.types);
    expect(cache.stats()).toEqual({ meshes: 1, generations: 1 });
  });

  it("hands out the versions Node's own cache computes for the same store", async () => {
    const cache = createRevisionCache({ store: temporary.store, translation: appMeshTranslation() });
    const nodeCache = createXdsCache({ store: temporary.store, translation: appMeshTranslation() });
    const fromWorker = await cache.fetch(node("mesh/mapped/virtualNode/front"));
    const fromNode = await nodeCache.fetch(node("mesh/mapped/virtualNode/front"));
    for (const type of ["listener", "cluster", "route", "endpoint", "secret"] as const) expect(fromWorker.types[type].version).toBe(fromNode.types[type].version);
    nodeCache.close();
  });

  it("translates again after a write moves the mesh revision, and the route version moves with it", async () => {
    const probe = counting(temporary.store, appMeshTranslation());
    const cache = createRevisionCache({ store: probe.store, translation: probe.translation });
    const before = await cache.fetch(node("mesh/dns/virtualNode/front"));
    await service.execute("UpdateRoute", { meshName: "dns", virtualRouterName: "router", routeName: "split", spec: weights(75, 25) });
    const after = await cache.fetch(node("mesh/dns/virtualNode/front"));
    expect(probe.counts).toMatchObject({ readMesh: 2, translate: 2 });
    expect(after.meshRevision).toBeGreaterThan(before.meshRevision);
    expect(after.types.route.version).not.toBe(before.types.route.version);
    expect(after.types.cluster.version).toBe(before.types.cluster.version);
  });

  it("re-reads after an endpoint registration only the meshes that discover through Cloud Map", async () => {
    const probe = counting(temporary.store, appMeshTranslation());
    const cache = createRevisionCache({ store: probe.store, translation: probe.translation });
    const mappedBefore = await cache.fetch(node("mesh/mapped/virtualNode/front"));
    await cache.fetch(node("mesh/dns/virtualNode/front"));
    expect(probe.counts.readMesh).toBe(2);
    // Registered through /v1/endpoints, the view over Cloud Map (it creates the namespace and service).
    const registered = await standIns.endpointsView.request("/v1/endpoints/mapped/blue/blue-1", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ address: "127.0.0.1", port: 9001 }) });
    expect(registered.status).toBe(200);
    const mappedAfter = await cache.fetch(node("mesh/mapped/virtualNode/front"));
    await cache.fetch(node("mesh/dns/virtualNode/front"));
    expect(probe.counts.readMesh).toBe(3);
    expect(mappedAfter.types.endpoint.version).not.toBe(mappedBefore.types.endpoint.version);
  });

  it("re-reads after an ACM renewal only the meshes whose TLS names ACM material, and serves the renewed Secret", async () => {
    const aws = createAwsApp(standIns);
    const call = async (target: string, input: object) => {
      const answer = await aws.request("/", { method: "POST", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target }, body: JSON.stringify(input) });
      expect(answer.status, target).toBe(200);
      return (await answer.json()) as Record<string, string>;
    };
    const configuration = { KeyAlgorithm: "EC_prime256v1", SigningAlgorithm: "SHA256WITHECDSA", Subject: { CommonName: "Revision Cache Root" } };
    const { CertificateAuthorityArn } = await call("ACMPrivateCA.CreateCertificateAuthority", { CertificateAuthorityType: "ROOT", CertificateAuthorityConfiguration: configuration });
    const { CertificateArn: certificateArn } = await call("CertificateManager.RequestCertificate", { DomainName: "front.tls.local", CertificateAuthorityArn });
    await service.execute("CreateMesh", { meshName: "tls" });
    const listener = { portMapping: { port: 443, protocol: "http" as const }, tls: { mode: "STRICT" as const, certificate: { acm: { certificateArn } } } };
    await service.execute("CreateVirtualNode", { meshName: "tls", virtualNodeName: "front", spec: { listeners: [listener], serviceDiscovery: { dns: { hostname: "front.tls.local" } } } });

    const probe = counting(temporary.store, appMeshTranslation());
    const cache = createRevisionCache({ store: probe.store, translation: probe.translation, loadSnapshot: (name) => loadMeshSnapshot(probe.store, name, { tlsMaterial: standIns.tlsMaterial }) });
    const tlsBefore = await cache.fetch(node("mesh/tls/virtualNode/front"));
    await cache.fetch(node("mesh/dns/virtualNode/front"));
    expect(probe.counts.readMesh).toBe(2);
    await call("CertificateManager.RenewCertificate", { CertificateArn: certificateArn! });
    const tlsAfter = await cache.fetch(node("mesh/tls/virtualNode/front"));
    await cache.fetch(node("mesh/dns/virtualNode/front"));
    expect(probe.counts.readMesh).toBe(3);
    expect(tlsAfter.types.secret.version).not.toBe(tlsBefore.types.secret.version);
    expect(tlsAfter.meshRevision).toBe(tlsBefore.meshRevision);
  });

  it("serves a mesh deleted and created again under the same name from its new content", async () => {
    const cache = createRevisionCache({ store: temporary.store, translation: appMeshTranslation() });
    await service.execute("CreateMesh", { meshName: "again" });
    await service.execute("CreateVirtualNode", { meshName: "again", virtualNodeName: "solo", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "solo.local" } } } });
    const first = await cache.fetch(node("mesh/again/virtualNode/solo"));
    await service.execute("DeleteVirtualNode", { meshName: "again", virtualNodeName: "solo" });
    await service.execute("DeleteMesh", { meshName: "again" });
    await service.execute("CreateMesh", { meshName: "again" });
    await service.execute("CreateVirtualNode", { meshName: "again", virtualNodeName: "solo", spec: { listeners: [{ portMapping: { port: 9090, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "solo.local" } } } });
    const second = await cache.fetch(node("mesh/again/virtualNode/solo"));
    expect(second.types.listener.version).not.toBe(first.types.listener.version);
  });

  it("refuses unknown meshes and nodes with NodeIdError and keeps nothing for a made-up mesh", async () => {
    const cache = createRevisionCache({ store: temporary.store, translation: appMeshTranslation() });
    await expect(cache.fetch(node("mesh/nowhere/virtualNode/front"))).rejects.toBeInstanceOf(NodeIdError);
    await expect(cache.fetch(node("mesh/dns/virtualNode/nobody"))).rejects.toBeInstanceOf(NodeIdError);
    await expect(cache.fetch(node("front"))).rejects.toBeInstanceOf(NodeIdError);
    expect(cache.stats().meshes).toBe(1);
  });
});
