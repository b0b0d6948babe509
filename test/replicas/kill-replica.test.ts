// `kill -9` of a replica in the middle of a write burst: every write it acknowledged survives, and nothing it
// was in the middle of is left half-written (a row without its tags or change-log entry, a revision without a row).
// Envoys connected to it, pushed route changes meanwhile, reconnect to the other replica and converge there.
import {
  CreateMeshCommand,
  CreateVirtualServiceCommand,
  DescribeVirtualServiceCommand,
  ListTagsForResourceCommand,
  ListVirtualServicesCommand,
  type VirtualServiceData,
} from "@aws-sdk/client-app-mesh";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { createDemoMesh, setWeights } from "../xds/server/fixtures.js";
import { openEnvoyStream, routeWeights, type EnvoyStream } from "./envoy-stream.js";
import { startReplica, type ReplicaProcess } from "./replica-process.js";

describe("kill -9 of a replica during a write burst", () => {
  let pg: TestPostgres;
  let a: ReplicaProcess;
  let b: ReplicaProcess;
  let restarted: ReplicaProcess | undefined;
  let sql: postgres.Sql;
  beforeAll(async () => {
    pg = await startPostgres();
    [a, b] = await Promise.all([startReplica(pg.url), startReplica(pg.url)]);
    sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), restarted?.stop()]);
    await sql?.end();
    await pg?.stop();
  });

  it("loses no acknowledged write, leaves no half-written resource nor a gap in the change log, and its Envoys converge on the other replica", async () => {
    await a.client.send(new CreateMeshCommand({ meshName: "burst" }));
    await createDemoMesh(a.client, a.url, { meshName: "demo" });
    const envoys: EnvoyStream[] = [];
    for (let i = 0; i < 3; i++) envoys.push(await openEnvoyStream(a.xdsAddress, "mesh/demo/virtualNode/front"));
    const acknowledged = new Map<string, VirtualServiceData>();
    let failed = 0;
    let next = 0;
    let killing: Promise<void> | undefined;
    const killAfter = 60;
    const maxWrites = 600; // bounds the burst even if the kill never lands
    // Push load on A's Envoys while the burst runs: weight changes through B, which A pushes until it dies.
    let lastWeights = { blue: 50, green: 50 };
    const pushLoad = (async () => {
      for (let i = 0; i < 30 && !killing; i++) {
        const weights = { blue: 10 + (i % 9) * 10, green: 90 - (i % 9) * 10 };
        await setWeights(b.client, "demo", weights);
        lastWeights = weights;
      }
    })();
    const worker = async () => {
      while (next < maxWrites && !killing) {
        const name = `burst-${next++}.local`;
        try {
          const created = await a.client.send(
            new CreateVirtualServiceCommand({ meshName: "burst", virtualServiceName: name, spec: {}, tags: [{ key: "name", value: name }, { key: "team", value: "burst" }] }),
          );
          acknowledged.set(name, created.virtualService!);
          if (acknowledged.size >= killAfter) killing ??= a.kill9();
        } catch {
          failed++; // cut off by the kill: may or may not have committed, never half
          return;
        }
      }
    };
    // Writes keep going through B while A dies. B retries what it is told to retry: while A commits back to back
    // on the same mesh, B's optimistic commits can lose every round (see PostgresStore.withScopeLocks).
    const other = (async () => {
      for (let i = 0; i < 40; i++) {
        const name = `via-b-${i}.local`;
        for (let attempt = 1; ; attempt++) {
          try {
            await b.client.send(new CreateVirtualServiceCommand({ meshName: "burst", virtualServiceName: name, spec: {}, tags: [{ key: "name", value: name }, { key: "team", value: "burst" }] }));
            break;
          } catch (error) {
            if (attempt >= 20 || !/modified concurrently/.test(String((error as Error).message))) throw error;
          }
        }
      }
    })();
    await Promise.all(Array.from({ length: 16 }, worker));
    await killing;
    await other;
    await pushLoad;
    for (const envoy of envoys) envoy.close();
    expect(a.child.signalCode).toBe("SIGKILL");
    expect(acknowledged.size).toBeGreaterThanOrEqual(killAfter);

    // Every acknowledged write is there, through the surviving replica, exactly as acknowledged, tags included.
    for (const [name, data] of acknowledged) {
      const described = await b.client.send(new DescribeVirtualServiceCommand({ meshName: "burst", virtualServiceName: name }));
      expect(described.virtualService).toEqual(data);
      const tags = await b.client.send(new ListTagsForResourceCommand({ resourceArn: data.metadata!.arn! }));
      expect(tags.tags).toEqual([{ key: "name", value: name }, { key: "team", value: "burst" }]);
    }

    // Nothing half-written: each stored service has both its tags and its change-log entry, and the mesh
    // revision counts exactly the committed writes (mesh creation, then one per service).
    const [{ services, untagged, logged, revision }] = await sql<[{ services: number; untagged: number; logged: number; revision: number }]>`
      select
        (select count(*)::int from resources where mesh_name = 'burst' and kind = 'virtualService') as services,
        (select count(*)::int from resources r where mesh_name = 'burst' and kind = 'virtualService'
           and (select count(*) from tags t where t.resource_uid = r.uid) <> 2) as untagged,
        (select count(*)::int from change_log where scope = 'mesh/burst' and kind = 'virtualService' and action = 'create') as logged,
        (select revision::int from revisions where scope = 'mesh/burst') as revision`;
    expect(services).toBeGreaterThanOrEqual(acknowledged.size + 40);
    expect(services).toBeLessThanOrEqual(acknowledged.size + 40 + failed);
    expect(untagged).toBe(0);
    expect(logged).toBe(services);
    expect(revision).toBe(1 + services);
    // No gap: each mesh's change-log revisions run 2, 3, 4… up to the mesh's revision (revision 1, the mesh's
    // creation, is logged under the account scope).
    const scopes = await sql<Array<{ scope: string; revisions: number[]; revision: number }>>`
      select c.scope, array_agg(c.revision::int order by c.revision) as revisions, (select revision::int from revisions r where r.scope = c.scope) as revision
      from change_log c where c.scope in ('mesh/burst', 'mesh/demo') group by c.scope`;
    expect(scopes).toHaveLength(2);
    for (const { revisions, revision } of scopes) expect(revisions).toEqual(Array.from({ length: revision - 1 }, (_, i) => i + 2));

    // A's Envoys reconnect to B, as Envoy does to the next address of its xDS cluster, and get the last weights.
    for (let i = 0; i < 3; i++) {
      const envoy = await openEnvoyStream(b.xdsAddress, "mesh/demo/virtualNode/front");
      try {
        expect(Object.values(routeWeights(envoy.routes)).sort((x, y) => x - y)).toEqual([lastWeights.blue, lastWeights.green].sort((x, y) => x - y));
      } finally {
        envoy.close();
      }
    }

    const [{ open }] = await sql<[{ open: number }]>`select count(*)::int as open from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`;
    expect(open).toBe(0);

    // A replacement replica serves the same state and accepts writes.
    restarted = await startReplica(pg.url);
    const listed: string[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await restarted.client.send(new ListVirtualServicesCommand({ meshName: "burst", limit: 100, nextToken }));
      listed.push(...result.virtualServices!.map((s) => s.virtualServiceName!));
      nextToken = result.nextToken;
      if (!nextToken) break;
    }
    expect(listed).toHaveLength(services);
    for (const name of acknowledged.keys()) expect(listed).toContain(name);
    await restarted.client.send(new CreateVirtualServiceCommand({ meshName: "burst", virtualServiceName: "after-restart.local", spec: {} }));
  });
});
