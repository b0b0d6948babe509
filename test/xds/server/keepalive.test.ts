// HTTP/2 keepalive on the ADS port: a peer that stops answering PINGs is disconnected, while a live gRPC client's
// stream survives many keepalive rounds. The server runs on its own (startXdsServer) with a short interval.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalChangeFeed } from "../../../db/change-feed.js";
import type { Store } from "../../../db/store.js";
import { startXdsServer, type RunningXdsServer } from "../../../functions/xds/server/node-server.js";
import { NodeIdError, type XdsTranslation } from "../../../functions/xds/cache/types.js";
import { TypeUrl } from "../../../functions/envoy/index.js";
import type { MeshSnapshot } from "../../../functions/appmesh/snapshot.js";
import { MakeMesh, MakeVirtualNode } from "../translate/fixtures.js";
import { adsClient, SotwClient } from "./support.js";

const snapshot: MeshSnapshot = {
  mesh: MakeMesh({}, "ka"),
  revision: 1,
  virtualServices: [],
  virtualNodes: [MakeVirtualNode("n", {}, "ka")],
  virtualRouters: [],
  routes: [],
  virtualGateways: [],
  gatewayRoutes: [],
  endpoints: [],
};

const translation: XdsTranslation = {
  identify(node) {
    if (!node.id.startsWith("mesh/ka/")) throw new NodeIdError("unknown");
    return { meshName: "ka", key: node.id };
  },
  forSnapshot: () => ({ exists: () => true, translate: () => ({ listeners: [], clusters: [], routes: [], endpoints: [], secrets: [] }) }),
};

describe("ADS HTTP/2 keepalive", () => {
  let xds: RunningXdsServer;
  const feed = createLocalChangeFeed();

  beforeAll(async () => {
    xds = await startXdsServer({
      host: "127.0.0.1",
      port: 0,
      store: {} as Store,
      feeds: [feed],
      translation,
      loadSnapshot: async (name) => (name === "ka" ? snapshot : null),
      keepaliveMs: 50,
      keepaliveTimeoutMs: 200,
    });
  });
  afterAll(async () => {
    await xds?.close();
  });

  it("disconnects a peer that never answers PINGs", async () => {
    const socket = net.connect(xds.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    // The HTTP/2 client preface and an empty SETTINGS frame, then silence: PINGs go unanswered.
    socket.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    expect(socket.destroyed).toBe(true);
  });

  it("keeps a live client's stream open across many keepalive rounds", async () => {
    const client = adsClient(`127.0.0.1:${xds.port}`);
    const stream = new SotwClient(client, { id: "mesh/ka/virtualNode/n" });
    try {
      stream.send({ typeUrl: TypeUrl.cluster });
      stream.ack(await stream.next());
      for (let round = 0; round < 10; round++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(xds.proxies.list().map((proxy) => proxy.nodeId)).toEqual(["mesh/ka/virtualNode/n"]);
      expect(stream.inbox.error).toBeNull();
    } finally {
      stream.end();
      client.close();
    }
  });
});
