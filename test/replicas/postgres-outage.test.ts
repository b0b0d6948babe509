// A replica that hears of a change just as PostgreSQL goes away: its mesh load fails, and it keeps retrying (with
// back-off) until the server is back, then pushes the change to every Envoy connected to it — with no further write.
// Replica B is paused (SIGSTOP) while A writes and the server stops, so B hears the change only when it cannot read
// it: the load under test is the one that fails, never one that happened to run before the outage.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeUrl } from "../../functions/envoy/index.js";
import type { MeshStatus } from "../../functions/xds/index.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { createDemoMesh, setWeights } from "../xds/server/fixtures.js";
import { openEnvoyStream, routeWeights, type EnvoyStream } from "./envoy-stream.js";
import { startReplica, type ReplicaProcess } from "./replica-process.js";

/** The sum of a counter's series in a Prometheus text exposition. */
function counterTotal(exposition: string, name: string): number {
  let total = 0;
  for (const line of exposition.split("\n")) {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)$`).exec(line);
    if (match) total += Number(match[1]);
  }
  return total;
}

describe("a replica's mesh reload across a PostgreSQL outage", () => {
  let pg: TestPostgres;
  let a: ReplicaProcess;
  let b: ReplicaProcess;
  const envoys: EnvoyStream[] = [];
  beforeAll(async () => {
    pg = await startPostgres();
    [a, b] = await Promise.all([startReplica(pg.url), startReplica(pg.url)]);
    await createDemoMesh(a.client, a.url, { meshName: "demo" });
  });
  afterAll(async () => {
    for (const envoy of envoys) envoy.close();
    if (b?.child.signalCode === null) b.child.kill("SIGCONT");
    await Promise.all([a?.stop(), b?.stop()]);
    await pg?.stop();
  });

  it("retries the failed load until PostgreSQL is back; every ADS client then converges to the change without another write, and the failures are counted", async () => {
    for (let i = 0; i < 3; i++) envoys.push(await openEnvoyStream(b.xdsAddress, "mesh/demo/virtualNode/front"));
    for (const envoy of envoys) expect(Object.values(routeWeights(envoy.routes)).sort()).toEqual([50, 50]);
    const metrics = async () => (await fetch(`${b.url}/metrics`)).text();
    const status = async () => (await (await fetch(`${b.url}/v1/xds/status`)).json()) as { behind: boolean; meshes: MeshStatus[] };
    const errorsBefore = counterTotal(await metrics(), "meshplane_xds_reload_errors_total");

    b.child.kill("SIGSTOP");
    await setWeights(a.client, "demo", { blue: 90, green: 10 });
    const pushes = envoys.map((envoy) => envoy.next(60_000));
    // B resumes while the server is down: the notification it finds waiting names a revision it cannot read, and its
    // status says so until the server is back.
    let behind: MeshStatus | undefined;
    await pg.restart(1_000, async () => {
      b.child.kill("SIGCONT");
      for (let poll = 0; poll < 200 && !(behind?.behind && behind.failedLoads >= 2); poll++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        behind = (await status()).meshes.find((mesh) => mesh.meshName === "demo");
      }
    });
    expect(behind).toMatchObject({ behind: true, lastError: expect.any(String) });
    expect(behind!.failedLoads).toBeGreaterThanOrEqual(2);
    expect(behind!.heardRevision).toBeGreaterThan(behind!.installedRevision!);

    for (const pushed of await Promise.all(pushes)) {
      expect(pushed.typeUrl).toBe(TypeUrl.route);
      expect(Object.values(routeWeights(pushed)).sort((x, y) => x - y)).toEqual([10, 90]);
    }
    expect(counterTotal(await metrics(), "meshplane_xds_reload_errors_total")).toBeGreaterThan(errorsBefore);
    const after = await status();
    expect(after.behind).toBe(false);
    expect(after.meshes.find((mesh) => mesh.meshName === "demo")).toMatchObject({ behind: false, failedLoads: 0, lastError: null, heardRevision: behind!.heardRevision, installedRevision: behind!.heardRevision });
  });
});
