// The xDS server's observer hooks, seen from a recording observer on a real ADS server (startXdsServer, HTTP/2 on
// loopback) driven by @grpc/grpc-js clients: what each hook is told, in which order, for state of the world, delta,
// a refused node and REST xDS; and the helpers that build observers from a few hooks or from a list.
import { create } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";
import type { DeltaDiscoveryResponse, DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalChangeFeed } from "../../../db/change-feed.js";
import type { Store } from "../../../db/store.js";
import type { MeshSnapshot } from "../../../functions/appmesh/snapshot.js";
import { ClusterSchema, RouteConfigurationSchema, TypeUrl } from "../../../functions/envoy/index.js";
import { NodeIdError, type XdsTranslation } from "../../../functions/xds/cache/types.js";
import { createObserverList, createXdsObserver, type StreamInfo, type XdsObserver } from "../../../functions/xds/index.js";
import { startXdsServer, type RunningXdsServer } from "../../../functions/xds/server/node-server.js";
import { MakeMesh, MakeSnapshot, MakeVirtualNode } from "../translate/fixtures.js";
import { adsClient, DeltaClient, SotwClient, type WireAny, type WireDeltaResponse, type WireResponse } from "./support.js";

const MESH = "observed";
const NODE = `mesh/${MESH}/virtualNode/n`;

/** Every hook call as one line, per stream; `closed(id)` resolves when that stream's onStreamClosed ran. */
function recorder() {
  const lines = new Map<number, string[]>();
  /** `response.message` of every response, by stream. */
  const messages = new Map<number, unknown[]>();
  const fetches: string[] = [];
  const closings = new Map<number, () => void>();
  const closed = new Map<number, Promise<void>>();
  const line = (stream: StreamInfo, text: string) => {
    if (!lines.has(stream.id)) lines.set(stream.id, []);
    lines.get(stream.id)!.push(text);
  };
  const promiseFor = (id: number) => {
    if (!closed.has(id)) closed.set(id, new Promise((resolve) => closings.set(id, resolve)));
    return closed.get(id)!;
  };
  const observer = createXdsObserver({
    onStreamOpen: (stream) => {
      promiseFor(stream.id);
      line(stream, `open ${stream.protocol} node=${stream.node?.id ?? "-"}`);
    },
    onStreamNode: (stream, node) => line(stream, `node ${node.id} info=${stream.node?.id}`),
    onStreamRequest: (stream, request) => line(stream, `request ${request.typeUrl} nonce=${request.responseNonce}`),
    onStreamResponse: (stream, response) => {
      line(stream, `response ${response.typeUrl} nonce=${response.nonce} version=${response.version} push=${response.changedAt !== null}`);
      if (!messages.has(stream.id)) messages.set(stream.id, []);
      messages.get(stream.id)!.push(response.message);
    },
    onStreamAck: (stream, ack) => line(stream, `ack ${ack.typeUrl} version=${ack.version}`),
    onStreamNack: (stream, nack) => line(stream, `nack ${nack.typeUrl} version=${nack.version} ${nack.message}`),
    onStreamClosed: (stream, error: ConnectError | null) => {
      line(stream, `closed ${error ? error.code : "ok"}`);
      promiseFor(stream.id);
      closings.get(stream.id)!();
    },
    onFetchRequest: (request) => fetches.push(`fetch ${request.typeUrl} node=${request.node?.id}`),
    onFetchResponse: (request, response) => fetches.push(`fetched ${response.typeUrl} version=${response.versionInfo} resources=${response.resources.length}`),
  });
  return {
    observer,
    fetches,
    /** The lines of the one stream whose node is `nodeId`. */
    linesOf(nodeId: string): string[] {
      const found = [...lines.values()].filter((list) => list.some((text) => text.startsWith(`node ${nodeId} `)));
      expect(found.length).toBe(1);
      return found[0]!;
    },
    /** The messages observers were handed for the one stream whose node is `nodeId`. */
    messagesOf(nodeId: string): unknown[] {
      for (const [id, list] of lines) if (list.some((text) => text.startsWith(`node ${nodeId} `))) return messages.get(id) ?? [];
      throw new Error(`no stream for ${nodeId}`);
    },
    closedOf(nodeId: string): Promise<void> {
      for (const [id, list] of lines) if (list.some((text) => text.startsWith(`node ${nodeId} `))) return promiseFor(id);
      throw new Error(`no stream for ${nodeId}`);
    },
  };
}

describe("XdsObserver on the ADS server", () => {
  let xds: RunningXdsServer;
  let generation = 1;
  let revision = 1;
  const feed = createLocalChangeFeed();
  const recording = recorder();

  const snapshot = (): MeshSnapshot => MakeSnapshot({ mesh: MakeMesh({}, MESH), revision, virtualNodes: [MakeVirtualNode("n", {}, MESH)] });
  const translation: XdsTranslation = {
    identify(node) {
      if (!node.id.startsWith(`mesh/${MESH}/`)) throw new NodeIdError(`mesh of ${node.id} does not exist`);
      return { meshName: MESH, key: node.id };
    },
    forSnapshot: () => {
      const g = generation;
      const routes = [create(RouteConfigurationSchema, { name: "r-moving", virtualHosts: [{ name: `v${g}`, domains: ["*"] }] }), create(RouteConfigurationSchema, { name: "r-still" })];
      return { exists: () => true, translate: () => ({ listeners: [], clusters: [create(ClusterSchema, { name: "c", altStatName: `c${g}` })], routes, endpoints: [], secrets: [] }) };
    },
  };
  async function change(): Promise<void> {
    generation++;
    revision++;
    feed.publish({ scope: `mesh/${MESH}`, revision });
    await xds.cache.idle();
  }

  beforeAll(async () => {
    xds = await startXdsServer({
      host: "127.0.0.1",
      port: 0,
      store: {} as Store,
      feeds: [feed],
      translation,
      loadSnapshot: async (name) => (name === MESH ? snapshot() : null),
      observers: [recording.observer],
    });
  });
  afterAll(async () => {
    await xds?.close();
    await feed.close();
  });

  it("tells open, node, each request, the response, the ACK, a pushed change, its NACK and the close of a state-of-the-world stream, in order", async () => {
    const client = adsClient(`127.0.0.1:${xds.port}`);
    const stream = new SotwClient(client, { id: NODE });
    try {
      stream.send({ typeUrl: TypeUrl.cluster });
      const first = await stream.next();
      stream.ack(first);
      await change();
      const pushed = await stream.next();
      stream.nack(pushed, first.versionInfo, "cluster c is not for me");
      stream.end();
      await recording.closedOf(NODE);
      expect(recording.linesOf(NODE)).toEqual([
        "open sotw node=-",
        `node ${NODE} info=${NODE}`,
        `request ${TypeUrl.cluster} nonce=`,
        `response ${TypeUrl.cluster} nonce=1 version=${first.versionInfo} push=false`,
        `request ${TypeUrl.cluster} nonce=1`,
        `ack ${TypeUrl.cluster} version=${first.versionInfo}`,
        `response ${TypeUrl.cluster} nonce=2 version=${pushed.versionInfo} push=true`,
        `request ${TypeUrl.cluster} nonce=2`,
        `nack ${TypeUrl.cluster} version=${pushed.versionInfo} cluster c is not for me`,
        "closed ok",
      ]);
      expect(pushed.versionInfo).not.toBe(first.versionInfo);
    } finally {
      client.close();
    }
  });

  it("tells a delta stream's events with protocol delta and the acknowledged system version", async () => {
    const node = `mesh/${MESH}/virtualNode/delta`;
    const client = adsClient(`127.0.0.1:${xds.port}`);
    const stream = new DeltaClient(client, { id: node });
    try {
      stream.send({ typeUrl: TypeUrl.cluster });
      const first = await stream.next();
      stream.ack(first);
      stream.end();
      await recording.closedOf(node);
      expect(recording.linesOf(node)).toEqual([
        "open delta node=-",
        `node ${node} info=${node}`,
        `request ${TypeUrl.cluster} nonce=`,
        `response ${TypeUrl.cluster} nonce=1 version=${first.systemVersionInfo} push=false`,
        `request ${TypeUrl.cluster} nonce=1`,
        `ack ${TypeUrl.cluster} version=${first.systemVersionInfo}`,
        "closed ok",
      ]);
    } finally {
      client.close();
    }
  });

  it("hands observers the message each response carries on the wire, nonce and version included: complete, incremental (RDS) and delta", async () => {
    const node = `mesh/${MESH}/virtualNode/messages`;
    const deltaNode = `mesh/${MESH}/virtualNode/messages-delta`;
    const client = adsClient(`127.0.0.1:${xds.port}`);
    const stream = new SotwClient(client, { id: node });
    const delta = new DeltaClient(client, { id: deltaNode });
    const names = ["r-moving", "r-still"];
    const any = (value: { typeUrl: string; value: Uint8Array }): WireAny => ({ type_url: value.typeUrl, value: Buffer.from(value.value) });
    try {
      stream.send({ typeUrl: TypeUrl.route, resourceNames: names });
      delta.send({ typeUrl: TypeUrl.cluster });
      const first = await stream.next();
      stream.ack(first, names);
      const deltaFirst = await delta.next();
      delta.ack(deltaFirst);
      await change();
      const pushed = await stream.next();
      const deltaPushed = await delta.next();
      stream.end();
      delta.end();
      await Promise.all([recording.closedOf(node), recording.closedOf(deltaNode)]);

      // The push carries only the RouteConfiguration that changed: the stream's version and nonce on a shared encoding.
      expect([first.resources.length, pushed.resources.length]).toEqual([2, 1]);
      const wireAny = (value: WireAny): WireAny => ({ type_url: value.type_url, value: Buffer.from(value.value) });
      const observedSotw = (message: DiscoveryResponse) => ({ versionInfo: message.versionInfo, typeUrl: message.typeUrl, nonce: message.nonce, resources: message.resources.map(any) });
      const wireSotw = (message: WireResponse) => ({ versionInfo: message.versionInfo, typeUrl: message.typeUrl, nonce: message.nonce, resources: message.resources.map(wireAny) });
      expect(recording.messagesOf(node).map((message) => observedSotw(message as DiscoveryResponse))).toEqual([first, pushed].map(wireSotw));
      const observedDelta = (message: DeltaDiscoveryResponse) => ({
        systemVersionInfo: message.systemVersionInfo,
        typeUrl: message.typeUrl,
        nonce: message.nonce,
        resources: message.resources.map(({ name, version, resource }) => ({ name, version, resource: any(resource!) })),
        removedResources: message.removedResources,
      });
      const wireDelta = (message: WireDeltaResponse) => ({
        systemVersionInfo: message.systemVersionInfo,
        typeUrl: message.typeUrl,
        nonce: message.nonce,
        resources: message.resources.map(({ name, version, resource }) => ({ name, version, resource: wireAny(resource) })),
        removedResources: message.removedResources,
      });
      expect(recording.messagesOf(deltaNode).map((message) => observedDelta(message as DeltaDiscoveryResponse))).toEqual([deltaFirst, deltaPushed].map(wireDelta));
    } finally {
      client.close();
    }
  });

  it("reports the node of a stream the cache refuses, then its close with INVALID_ARGUMENT", async () => {
    const node = "mesh/elsewhere/virtualNode/n";
    const client = adsClient(`127.0.0.1:${xds.port}`);
    const stream = new SotwClient(client, { id: node });
    try {
      stream.send({ typeUrl: TypeUrl.cluster });
      expect((await stream.status).code).toBe(3);
      await recording.closedOf(node);
      expect(recording.linesOf(node)).toEqual(["open sotw node=-", `node ${node} info=${node}`, `request ${TypeUrl.cluster} nonce=`, "closed 3"]);
    } finally {
      client.close();
    }
  });

  it("tells REST xDS fetches to the same observers", async () => {
    const body = JSON.stringify({ node: { id: NODE, cluster: "n" }, typeUrl: TypeUrl.cluster, resourceNames: ["c"] });
    const response = await xds.httpApp.request("/v3/discovery:clusters", { method: "POST", headers: { "content-type": "application/json" }, body });
    const json = (await response.json()) as { versionInfo: string };
    expect(recording.fetches.slice(-2)).toEqual([`fetch ${TypeUrl.cluster} node=${NODE}`, `fetched ${TypeUrl.cluster} version=${json.versionInfo} resources=1`]);
  });
});

describe("observer helpers", () => {
  it("fills the hooks a caller leaves out with ones that do nothing", () => {
    const acks: string[] = [];
    const observer = createXdsObserver({ onStreamAck: (_stream, ack) => acks.push(ack.typeUrl) });
    const stream: StreamInfo = { id: 1, protocol: "sotw", peerAddress: "unknown", node: null, identity: null };
    observer.onStreamOpen(stream);
    observer.onStreamClosed(stream, null);
    observer.onStreamAck(stream, { typeUrl: TypeUrl.route, version: "v" });
    expect(acks).toEqual([TypeUrl.route]);
  });

  it("tells every observer of a list, in list order", () => {
    const heard: string[] = [];
    const named = (name: string): XdsObserver => createXdsObserver({ onStreamOpen: (stream) => heard.push(`${name}:${stream.id}`), onStreamClosed: (stream) => heard.push(`${name}:closed ${stream.id}`) });
    const list = createObserverList([named("metrics"), named("proxies"), named("audit")]);
    const stream: StreamInfo = { id: 7, protocol: "delta", peerAddress: "127.0.0.1:1", node: null, identity: null };
    list.onStreamOpen(stream);
    list.onStreamClosed(stream, null);
    expect(heard).toEqual(["metrics:7", "proxies:7", "audit:7", "metrics:closed 7", "proxies:closed 7", "audit:closed 7"]);
  });
});
