// Two meshplane processes on one PostgreSQL database behave as one control plane: what one acknowledges the other
// serves at once, and races between them end as they would on a single replica.
import {
  CreateMeshCommand,
  CreateVirtualGatewayCommand,
  CreateVirtualNodeCommand,
  CreateVirtualServiceCommand,
  DeleteVirtualNodeCommand,
  DescribeMeshCommand,
  DescribeVirtualNodeCommand,
  DescribeVirtualServiceCommand,
  ListMeshesCommand,
  ListVirtualGatewaysCommand,
  ListVirtualServicesCommand,
  type AppMeshClient,
} from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { startReplica, type ReplicaProcess } from "./replica-process.js";

/** What an SDK call ended in: "ok" or the error's name (e.g. "ConflictException"), with the HTTP status. */
async function outcome(call: Promise<unknown>): Promise<{ result: string; status: number | undefined }> {
  try {
    await call;
    return { result: "ok", status: 200 };
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    return { result: e.name ?? String(error), status: e.$metadata?.httpStatusCode };
  }
}

const listener = { portMapping: { port: 8080, protocol: "http" as const } };
const nodeSpec = { listeners: [listener], serviceDiscovery: { dns: { hostname: "node.shared.local" } } };

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

describe("two replicas on one PostgreSQL database", () => {
  let a: ReplicaProcess;
  let b: ReplicaProcess;
  beforeAll(async () => {
    // Both start at once on an empty database: migrations must not collide.
    [a, b] = await Promise.all([startReplica(pg.url), startReplica(pg.url)]);
    await a.client.send(new CreateMeshCommand({ meshName: "shared" }));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("serves through B a resource created through A, immediately", async () => {
    const created = await a.client.send(new CreateVirtualNodeCommand({ meshName: "shared", virtualNodeName: "node-1", spec: nodeSpec }));
    const described = await b.client.send(new DescribeVirtualNodeCommand({ meshName: "shared", virtualNodeName: "node-1" }));
    expect(described.virtualNode).toEqual(created.virtualNode);
    const mesh = await b.client.send(new DescribeMeshCommand({ meshName: "shared" }));
    expect(mesh.mesh?.status?.status).toBe("ACTIVE");
  });

  it("gives exactly one success per name to 200 concurrent conflicting creates split across A and B", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `svc-${i}`);
    const calls = Array.from({ length: 200 }, (_, i) => {
      const client: AppMeshClient = i % 2 === 0 ? a.client : b.client;
      const name = names[i % names.length]!;
      return outcome(client.send(new CreateVirtualServiceCommand({ meshName: "shared", virtualServiceName: name, spec: {} }))).then((o) => ({ name, ...o }));
    });
    const results = await Promise.all(calls);
    for (const name of names) {
      const forName = results.filter((r) => r.name === name);
      expect(forName.filter((r) => r.result === "ok"), name).toHaveLength(1);
      expect(forName.filter((r) => r.result !== "ok"), name).toEqual(Array(4).fill({ name, result: "ConflictException", status: 409 }));
    }
    const listed = await b.client.send(new ListVirtualServicesCommand({ meshName: "shared", limit: 100 }));
    expect(listed.virtualServices?.map((s) => s.virtualServiceName).sort()).toEqual([...names].sort());
  });

  it("replays one create for concurrent retries carrying the same clientToken on A and B", async () => {
    const input = { meshName: "shared", virtualNodeName: "tokened", spec: nodeSpec, clientToken: "token-replicas-1" };
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a.client : b.client).send(new CreateVirtualNodeCommand(input))));
    const uids = new Set(responses.map((r) => r.virtualNode?.metadata?.uid));
    expect(uids.size).toBe(1);
    const described = await a.client.send(new DescribeVirtualNodeCommand({ meshName: "shared", virtualNodeName: "tokened" }));
    expect(uids.has(described.virtualNode?.metadata?.uid)).toBe(true);
  });

  it("never both deletes a virtual node and creates a service that references it, when A and B race", async () => {
    for (let round = 0; round < 10; round++) {
      const node = `target-${round}`;
      await a.client.send(new CreateVirtualNodeCommand({ meshName: "shared", virtualNodeName: node, spec: nodeSpec }));
      const [deleted, referenced] = await Promise.all([
        outcome((round % 2 ? a : b).client.send(new DeleteVirtualNodeCommand({ meshName: "shared", virtualNodeName: node }))),
        outcome(
          (round % 2 ? b : a).client.send(
            new CreateVirtualServiceCommand({ meshName: "shared", virtualServiceName: `ref-${round}.local`, spec: { provider: { virtualNode: { virtualNodeName: node } } } }),
          ),
        ),
      ]);
      const pair = [deleted.result, referenced.result];
      // Either order is fine; both succeeding would leave a service pointing at nothing.
      expect([["ok", "NotFoundException"], ["ResourceInUseException", "ok"]], JSON.stringify(pair)).toContainEqual(pair);
      const nodeExists = await outcome(b.client.send(new DescribeVirtualNodeCommand({ meshName: "shared", virtualNodeName: node })));
      const serviceExists = await outcome(b.client.send(new DescribeVirtualServiceCommand({ meshName: "shared", virtualServiceName: `ref-${round}.local` })));
      expect([nodeExists.result, serviceExists.result]).toEqual(pair[0] === "ok" ? ["NotFoundException", "NotFoundException"] : ["ok", "ok"]);
    }
  });
});

describe("quotas under a race between two replicas", () => {
  let a: ReplicaProcess;
  let b: ReplicaProcess;
  beforeAll(async () => {
    const url = await pg.createDatabase("quotas");
    [a, b] = await Promise.all([startReplica(url), startReplica(url)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("never exceeds the virtual gateways per mesh quota (3)", async () => {
    await a.client.send(new CreateMeshCommand({ meshName: "gateways" }));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        outcome((i % 2 ? a : b).client.send(new CreateVirtualGatewayCommand({ meshName: "gateways", virtualGatewayName: `gw-${i}`, spec: { listeners: [listener] } }))),
      ),
    );
    expect(results.filter((r) => r.result === "ok")).toHaveLength(3);
    expect(results.filter((r) => r.result !== "ok")).toEqual(Array(17).fill({ result: "LimitExceededException", status: 400 }));
    const listed = await a.client.send(new ListVirtualGatewaysCommand({ meshName: "gateways" }));
    expect(listed.virtualGateways).toHaveLength(3);
  });

  it("never exceeds the meshes per account quota (15)", async () => {
    const existing = (await b.client.send(new ListMeshesCommand({}))).meshes?.length ?? 0;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => outcome((i % 2 ? a : b).client.send(new CreateMeshCommand({ meshName: `quota-${i}` })))),
    );
    expect(results.filter((r) => r.result === "ok")).toHaveLength(15 - existing);
    expect(results.filter((r) => r.result !== "ok")).toEqual(Array(25 + existing).fill({ result: "LimitExceededException", status: 400 }));
    const listed = await b.client.send(new ListMeshesCommand({ limit: 100 }));
    expect(listed.meshes).toHaveLength(15);
  });
});

// Last: it restarts the database server under the replicas.
describe("two replicas across a database restart", () => {
  let a: ReplicaProcess;
  let b: ReplicaProcess;
  beforeAll(async () => {
    const url = await pg.createDatabase("restart");
    [a, b] = await Promise.all([startReplica(url), startReplica(url)]);
    await a.client.send(new CreateMeshCommand({ meshName: "restart" }));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("keeps serving after PostgreSQL restarts: writes through A are read through B", async () => {
    await pg.restart(500);
    // The pools noticed their connections close during the restart: the very first request must succeed.
    const created = await a.client.send(new CreateVirtualNodeCommand({ meshName: "restart", virtualNodeName: "after", spec: nodeSpec }));
    const described = await b.client.send(new DescribeVirtualNodeCommand({ meshName: "restart", virtualNodeName: "after" }));
    expect(described.virtualNode).toEqual(created.virtualNode);
  });
});
