// The push queue shares the event loop with the REST API: one change that wakes a thousand streams is pushed in time
// slices, so an API write sent after the change is answered while the storm is still under way. Checked by order (how
// many of the storm's pushes had arrived when the write's response did), never by time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeUrl } from "../../../functions/envoy/index.js";
import { createDemoMesh, weightedRoute } from "./fixtures.js";
import { adsClient, SotwClient, startMeshplane, type Meshplane } from "./support.js";

const STREAMS = 1000;
const CONNECTIONS = 100;
const EGRESS_ROUTES = "rds_egress_http_8080";

async function api(url: string, method: string, pathname: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${pathname}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

describe("ADS push queue", () => {
  let meshplane: Meshplane;
  const mesh = "queue";
  const nodeId = `mesh/${mesh}/virtualNode/front`;

  beforeAll(async () => {
    // Every stream is the same virtual node: lift the per-node proxy quota (default 50) above the storm.
    meshplane = await startMeshplane({ MESHPLANE_ADS_PROXY_QUOTA: String(STREAMS * 2) });
    await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName: mesh, weights: { blue: 90, green: 10 } });
    await api(meshplane.url, "PUT", "/v20190125/meshes", { meshName: "elsewhere" });
  });
  afterAll(async () => {
    await meshplane?.close();
  });

  it("answers an API write sent after a change before the change's last push to a thousand streams arrives", async () => {
    const clients = Array.from({ length: CONNECTIONS }, () => adsClient(meshplane.xdsAddress));
    const streams = Array.from({ length: STREAMS }, (_, i) => new SotwClient(clients[i % CONNECTIONS]!, { id: nodeId }));
    try {
      // Subscribe like Envoy (CDS, LDS, then the egress routes by name) and ACK everything until each stream holds RDS.
      const routeVersions = await Promise.all(
        streams.map(async (stream) => {
          stream.send({ typeUrl: TypeUrl.cluster });
          stream.send({ typeUrl: TypeUrl.listener });
          stream.send({ typeUrl: TypeUrl.route, resourceNames: [EGRESS_ROUTES] });
          for (;;) {
            const response = await stream.next(60_000);
            stream.ack(response, response.typeUrl === TypeUrl.route ? [EGRESS_ROUTES] : undefined);
            if (response.typeUrl === TypeUrl.route) return response.versionInfo;
          }
        }),
      );
      expect(new Set(routeVersions).size).toBe(1);

      let arrived = 0;
      const pushed = streams.map(async (stream) => {
        const response = await stream.next(60_000);
        arrived++;
        stream.ack(response, [EGRESS_ROUTES]);
        return response;
      });
      await api(meshplane.url, "PUT", `/v20190125/meshes/${mesh}/virtualRouter/router/routes/split`, { spec: weightedRoute(mesh, "http", { blue: 10, green: 90 }) });
      // An unrelated write (another mesh, nobody watches it) while the storm is pushed.
      await api(meshplane.url, "PUT", "/v20190125/meshes/elsewhere", { spec: { egressFilter: { type: "ALLOW_ALL" } } });
      const arrivedWhenAnswered = arrived;
      const responses = await Promise.all(pushed);

      expect(responses.every((response) => response.typeUrl === TypeUrl.route && response.versionInfo !== routeVersions[0])).toBe(true);
      expect(arrived).toBe(STREAMS);
      // The write did not wait for the storm: when its response arrived, some streams were still to receive theirs.
      expect(arrivedWhenAnswered).toBeLessThan(STREAMS);
    } finally {
      for (const stream of streams) stream.call.cancel();
      for (const client of clients) client.close();
    }
  });
});
