// A network partition between one replica and PostgreSQL, made with a network namespace: replica B runs inside it
// and reaches the database over a veth link the test takes down; the test reaches B over a second link. While cut
// off, B answers writes with ServiceUnavailableException and keeps serving its Envoys (and new ones) the last good
// config; replica A, outside, keeps writing. When the link returns, B's Envoys converge on what A wrote meanwhile.
import { CreateVirtualServiceCommand } from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeUrl } from "../../functions/envoy/index.js";
import { createNetns, type TestNetns, type VethLink } from "../support/netns.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { createDemoMesh, setWeights } from "../xds/server/fixtures.js";
import { openEnvoyStream, routeWeights } from "./envoy-stream.js";
import { createReplicaClient, startReplica, type ReplicaProcess } from "./replica-process.js";

describe("a replica partitioned from PostgreSQL", () => {
  let netns: TestNetns;
  let databaseLink: VethLink;
  let pg: TestPostgres;
  let a: ReplicaProcess;
  let b: ReplicaProcess;
  /** B as the test reaches it: over the client link, forwarded to its loopback listeners inside the namespace. */
  let bUrl: string;
  let bXds: string;
  beforeAll(async () => {
    netns = createNetns();
    databaseLink = netns.addLink();
    const clientLink = netns.addLink();
    pg = await startPostgres({ extraAddresses: [databaseLink.hostAddress] });
    a = await startReplica(pg.url);
    const overLink = pg.url.replace("@127.0.0.1:", `@${databaseLink.hostAddress}:`);
    b = await startReplica(overLink, { MESHPLANE_DB_TIMEOUT: "2s" }, { netns: netns.name });
    const apiPort = Number(new URL(b.url).port);
    const xdsPort = Number(b.xdsAddress.split(":").at(-1));
    await netns.forward(clientLink.nsAddress, [apiPort, xdsPort]);
    bUrl = `http://${clientLink.nsAddress}:${apiPort}`;
    bXds = `${clientLink.nsAddress}:${xdsPort}`;
    await createDemoMesh(a.client, a.url, { meshName: "demo" });
  });
  afterAll(async () => {
    databaseLink?.setUp(true);
    await Promise.all([a?.stop(), b?.stop()]);
    await pg?.stop();
    netns?.remove();
  });

  it("answers writes with 503 while cut off, keeps serving its Envoys the last good config, and converges when the link returns", async () => {
    const bClient = createReplicaClient(bUrl);
    const envoy = await openEnvoyStream(bXds, "mesh/demo/virtualNode/front");
    try {
      expect(Object.values(routeWeights(envoy.routes)).sort()).toEqual([50, 50]);

      databaseLink.setUp(false);
      const refused = await bClient.send(new CreateVirtualServiceCommand({ meshName: "demo", virtualServiceName: "while-cut-off.local", spec: {} })).then(
        () => undefined,
        (error: Error & { $metadata?: { httpStatusCode?: number } }) => ({ name: error.name, status: error.$metadata?.httpStatusCode }),
      );
      expect(refused).toEqual({ name: "ServiceUnavailableException", status: 503 });
      // A new Envoy on B is served the last good config from B's cache, without the database.
      const late = await openEnvoyStream(bXds, "mesh/demo/virtualNode/front");
      expect(Object.values(routeWeights(late.routes)).sort()).toEqual([50, 50]);
      late.close();

      await setWeights(a.client, "demo", { blue: 80, green: 20 });
      const pushed = envoy.next(60_000);
      databaseLink.setUp(true);
      const response = await pushed;
      expect(response.typeUrl).toBe(TypeUrl.route);
      expect(Object.values(routeWeights(response)).sort((x, y) => x - y)).toEqual([20, 80]);

      // Writes through B work again.
      await bClient.send(new CreateVirtualServiceCommand({ meshName: "demo", virtualServiceName: "after-partition.local", spec: {} }));
    } finally {
      envoy.close();
      bClient.destroy();
    }
  });
});
