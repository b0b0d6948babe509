// Across processes the cache follows the store: two meshplane instances share one SQLite file and nothing else;
// a route change made through instance B's API reaches a proxy connected to instance A (through A's change-log feed).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeUrl } from "../../../functions/envoy/index.js";
import { createDemoMesh, setWeights } from "./fixtures.js";
import { adsClient, SotwClient, startMeshplane, typeName, type Meshplane } from "./support.js";

describe("ADS follows writes made by another instance on the same database", () => {
  let a: Meshplane;
  let b: Meshplane;
  const mesh = "shared";

  beforeAll(async () => {
    a = await startMeshplane();
    b = await startMeshplane({ MESHPLANE_DB: a.running.config.sqliteFile });
    await createDemoMesh(a.appMesh, a.url, { meshName: mesh });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("pushes instance B's route change to a proxy connected to instance A", async () => {
    const client = adsClient(a.xdsAddress);
    const stream = new SotwClient(client, { id: `mesh/${mesh}/virtualNode/front` });
    try {
      stream.send({ typeUrl: TypeUrl.route, resourceNames: ["rds_egress_http_8080"] });
      const initial = await stream.next();
      stream.ack(initial, ["rds_egress_http_8080"]);
      await setWeights(b.appMesh, mesh, { blue: 1, green: 99 });
      const update = await stream.next();
      expect(typeName(update.typeUrl)).toBe("route");
      expect(update.versionInfo).not.toBe(initial.versionInfo);
      // Both instances translate the same content to the same version.
      const other = new SotwClient(adsClient(b.xdsAddress), { id: `mesh/${mesh}/virtualNode/front` });
      other.send({ typeUrl: TypeUrl.route, resourceNames: ["rds_egress_http_8080"] });
      expect((await other.next()).versionInfo).toBe(update.versionInfo);
      other.end();
      other.client.close();
    } finally {
      stream.end();
      client.close();
    }
  });
});
