// The Worker's poll recorder behind the real REST xDS app and revision cache (SQLite store): what it forwards to
// the mesh hubs for `/v1/xds/proxies`, and how it throttles a node that polls without anything moving.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMeshService, defaultQuotas } from "../../../functions/appmesh/index.js";
import { TypeUrl } from "../../../functions/envoy/index.js";
import { appMeshTranslation } from "../../../functions/xds/cache/translation.js";
import { createRestXdsApp } from "../../../functions/xds/rest-xds.js";
import { createPollRecorder, type PollRecorder } from "../../../functions/xds/worker/poll-recorder.js";
import { createRevisionCache } from "../../../functions/xds/worker/revision-cache.js";
import { openTemporaryStore, type TemporaryStore } from "../../support/sqlite-store.js";

describe("createPollRecorder", () => {
  let temporary: TemporaryStore;
  const node = { id: "mesh/polled/virtualNode/solo", cluster: "solo", userAgentName: "envoy" };

  beforeAll(async () => {
    temporary = await openTemporaryStore("poll-recorder");
    const service = createAppMeshService(temporary.store, { region: "us-east-1", accountId: "111122223333", quotas: { ...defaultQuotas }, checkRegex: () => ({ ok: true }) });
    await service.execute("CreateMesh", { meshName: "polled" });
    await service.execute("CreateVirtualNode", { meshName: "polled", virtualNodeName: "solo", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "solo.local" } } } });
  });
  afterAll(async () => temporary?.remove());

  function setup(clock: { now: number }) {
    const recorder: PollRecorder = createPollRecorder({ intervalMs: 10_000, now: () => clock.now });
    const app = createRestXdsApp({ cache: recorder.wrap(createRevisionCache({ store: temporary.store, translation: appMeshTranslation() })), observers: [recorder.observer] });
    const post = async (body: object) => {
      const response = await app.request("/v3/discovery:listeners", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: response.status, versionInfo: response.status === 200 ? ((await response.json()) as { versionInfo: string }).versionInfo : "" };
    };
    return { recorder, post };
  }

  it("forwards a served poll with what was sent and what the node holds, under the node's mesh", async () => {
    const clock = { now: 1_800_000_000_000 };
    const { recorder, post } = setup(clock);
    const first = await post({ node });
    const taken = recorder.take(true);
    expect([...taken.keys()]).toEqual(["polled"]);
    expect(taken.get("polled")).toEqual([
      { at: new Date(clock.now).toISOString(), nodeId: node.id, nodeCluster: "solo", userAgent: "envoy", typeUrl: TypeUrl.listener, heldVersion: "", nack: null, sentVersion: first.versionInfo },
    ]);
  });

  it("forwards a 304 when it moves what the node holds, then nothing until the interval passed", async () => {
    const clock = { now: 1_800_000_000_000 };
    const { recorder, post } = setup(clock);
    const { versionInfo } = await post({ node });
    recorder.take(true);
    expect((await post({ node, versionInfo })).status).toBe(304);
    expect(recorder.take(true).get("polled")?.map((event) => [event.heldVersion, event.sentVersion])).toEqual([[versionInfo, null]]);
    clock.now += 9_000;
    await post({ node, versionInfo });
    expect(recorder.take(true).size).toBe(0);
    clock.now += 2_000;
    await post({ node, versionInfo });
    expect(recorder.take(true).get("polled")?.length).toBe(1);
  });

  it("forwards a NACK at once, with its reason", async () => {
    const clock = { now: 1_800_000_000_000 };
    const { recorder, post } = setup(clock);
    const { versionInfo } = await post({ node });
    await post({ node, versionInfo });
    recorder.take(true);
    await post({ node, versionInfo, errorDetail: { code: 3, message: "listener rejected" } });
    expect(recorder.take(true).get("polled")?.map((event) => event.nack)).toEqual(["listener rejected"]);
  });

  it("keeps a 304 while polls are in flight, and never forwards a poll of a node that does not exist", async () => {
    const clock = { now: 1_800_000_000_000 };
    const { recorder, post } = setup(clock);
    const { versionInfo } = await post({ node });
    recorder.take(true);
    await post({ node, versionInfo });
    expect(recorder.take(false).size).toBe(0);
    expect(recorder.take(true).get("polled")?.length).toBe(1);
    expect((await post({ node: { id: "mesh/polled/virtualNode/ghost" } })).status).toBe(400);
    expect((await post({ node: { id: "mesh/invented/virtualNode/solo" } })).status).toBe(400);
    expect(recorder.take(true).size).toBe(0);
  });
});
