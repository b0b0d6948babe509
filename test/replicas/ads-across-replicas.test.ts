// An Envoy connected to replica B is told about a change written through replica A: B learns of the commit from
// the shared database (its change feed), reloads the mesh and pushes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeUrl } from "../../functions/envoy/index.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { createDemoMesh, setWeights } from "../xds/server/fixtures.js";
import { openEnvoyStream, routeWeights } from "./envoy-stream.js";
import { startReplica, type ReplicaProcess } from "./replica-process.js";

describe("ADS across replicas", () => {
  let pg: TestPostgres;
  let a: ReplicaProcess;
  let b: ReplicaProcess;
  beforeAll(async () => {
    pg = await startPostgres();
    [a, b] = await Promise.all([startReplica(pg.url), startReplica(pg.url)]);
    await createDemoMesh(a.client, a.url, { meshName: "demo" });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await pg?.stop();
  });

  it("pushes to an Envoy on B the route weights changed through A, and only the routes", async () => {
    const envoy = await openEnvoyStream(b.xdsAddress, "mesh/demo/virtualNode/front");
    try {
      expect(Object.values(routeWeights(envoy.routes)).sort()).toEqual([50, 50]);
      for (const weights of [{ blue: 90, green: 10 }, { blue: 20, green: 80 }]) {
        await setWeights(a.client, "demo", weights);
        const pushed = await envoy.next();
        expect(pushed.typeUrl).toBe(TypeUrl.route);
        expect(Object.values(routeWeights(pushed)).sort((x, y) => x - y)).toEqual([weights.blue, weights.green].sort((x, y) => x - y));
      }
    } finally {
      envoy.close();
    }
  });
});
