// The generic CRUD path driven by kind descriptors, on a real SQLite file, without the service around it.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteConnection } from "../../db/sqlite/connection.js";
import { openLibsqlStore } from "../../db/sqlite/libsql.js";
import type { Store } from "../../db/store.js";
import { openTemporaryStore, type TemporaryStore } from "../support/sqlite-store.js";
import { createCommitWithRetry } from "../../functions/appmesh/commit-retry.js";
import { createIdempotency } from "../../functions/appmesh/idempotency.js";
import { kindDescriptors } from "../../functions/appmesh/kinds.js";
import type { RouteData, RouteSpec, VirtualNodeData } from "../../functions/appmesh/model/types.generated.js";
import { defaultQuotas } from "../../functions/appmesh/quotas.js";
import { createResourceOperations } from "../../functions/appmesh/resource-operations.js";

describe("createResourceOperations", () => {
  const accountId = "123456789012";
  let temporary: TemporaryStore;
  let store: Store;
  let resources: ReturnType<typeof createResourceOperations>;
  let uid = 0;
  const { mesh, virtualNode, virtualRouter, route } = kindDescriptors;
  const routeSpec: RouteSpec = { httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "n", weight: 1 }] } } };

  beforeAll(async () => {
    temporary = await openTemporaryStore("resource-operations");
    store = temporary.store;
    const now = () => 1_800_000_000_000;
    resources = createResourceOperations(
      store,
      { region: "eu-west-1", accountId, quotas: { ...defaultQuotas }, checkRegex: () => ({ ok: true }), now, newUid: () => `uid-${++uid}` },
      { commit: createCommitWithRetry(store), idempotency: createIdempotency(store, { accountId, now, retentionMs: 60_000 }) },
    );
  });
  /** A mesh of its own for each case, created without a spec, holding virtual node n and virtual router r. */
  async function meshWithNodeAndRouter(meshName: string): Promise<void> {
    await resources.create("CreateMesh", mesh, { meshName });
    await resources.create("CreateVirtualNode", virtualNode, { meshName, virtualNodeName: "n", spec: {} });
    const listeners = [{ portMapping: { port: 8080, protocol: "http" as const } }];
    await resources.create("CreateVirtualRouter", virtualRouter, { meshName, virtualRouterName: "r", spec: { listeners } });
  }

  afterAll(() => temporary.remove());

  it("creates a route under its router in the route's own names, and lists it under the router", async () => {
    await meshWithNodeAndRouter("m");
    const created = await resources.create("CreateRoute", route, { meshName: "m", virtualRouterName: "r", routeName: "x", spec: routeSpec });
    expect(created).toMatchObject({ meshName: "m", virtualRouterName: "r", routeName: "x", spec: routeSpec, status: { status: "ACTIVE" } });
    expect(created.metadata.arn).toBe(`arn:aws:appmesh:eu-west-1:${accountId}:mesh/m/virtualRouter/r/route/x`);

    const listed = await resources.list(route, { meshName: "m", virtualRouterName: "r" });
    expect(listed.routes.map((ref) => [ref.virtualRouterName, ref.routeName])).toEqual([["r", "x"]]);
    expect(listed.nextToken).toBeUndefined();
  });

  it("keeps a resource that another one's spec references, and deletes it once nothing does", async () => {
    await meshWithNodeAndRouter("in-use");
    await resources.create("CreateRoute", route, { meshName: "in-use", virtualRouterName: "r", routeName: "to-n", spec: routeSpec });
    await expect(resources.remove(virtualNode, { meshName: "in-use", virtualNodeName: "n" })).rejects.toMatchObject({ name: "ResourceInUseException" });
    await resources.remove(route, { meshName: "in-use", virtualRouterName: "r", routeName: "to-n" });
    const deleted = await resources.remove(virtualNode, { meshName: "in-use", virtualNodeName: "n" });
    expect(deleted.status.status).toBe("DELETED");
    await expect(resources.describe(virtualNode, { meshName: "in-use", virtualNodeName: "n" })).rejects.toMatchObject({ name: "NotFoundException" });
  });

  it("answers a request for another account's mesh with NotFoundException", async () => {
    await meshWithNodeAndRouter("owned");
    await expect(resources.describe(mesh, { meshName: "owned", meshOwner: "210987654321" })).rejects.toMatchObject({
      name: "NotFoundException",
      message: `Mesh owned owned by 210987654321 was not found or is not shared with account ${accountId}.`,
    });
  });

  it("takes the empty spec for a mesh created without one", async () => {
    await meshWithNodeAndRouter("empty-spec");
    expect((await resources.describe(mesh, { meshName: "empty-spec" })).spec).toEqual({});
  });

  // Checked by the type checker (`npm test` runs tsc first); never called.
  function compileTimeChecks(): void {
    void (async () => {
      const data: RouteData = await resources.describe(route, { meshName: "m", virtualRouterName: "r", routeName: "x" });
      // @ts-expect-error: a route's data is not a virtual node's
      const wrongData: VirtualNodeData = data;
      // @ts-expect-error: routes are named by routeName under virtualRouterName, not by virtualNodeName
      await resources.describe(route, { meshName: "m", virtualNodeName: "n" });
      // @ts-expect-error: a virtual node's spec is not a route's
      await resources.update("UpdateRoute", route, { meshName: "m", virtualRouterName: "r", routeName: "x", spec: { listeners: [] } });
      return wrongData;
    })();
  }
  void compileTimeChecks;
});

describe("createResourceOperations quota check", () => {
  const accountId = "123456789012";
  let dir: string;
  let store: Store;
  let resources: ReturnType<typeof createResourceOperations>;
  const { mesh, virtualNode } = kindDescriptors;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-quota-"));
    store = await openLibsqlStore(path.join(dir, "quota.db"));
    const now = () => 1_800_000_000_000;
    let uid = 0;
    resources = createResourceOperations(
      store,
      { region: "eu-west-1", accountId, quotas: { ...defaultQuotas, virtualNodesPerMesh: 3 }, checkRegex: () => ({ ok: true }), now, newUid: () => `q-${++uid}` },
      { commit: createCommitWithRetry(store), idempotency: createIdempotency(store, { accountId, now, retentionMs: 60_000 }) },
    );
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What a replica of a version before collection_sizes leaves behind: rows written without keeping the size. */
  function setKeptSize(meshName: string, size: number): void {
    const connection = openSqliteConnection(path.join(dir, "quota.db"));
    connection.exec(`update collection_sizes set size = ${size} where kind = 'virtualNode' and mesh_name = '${meshName}' and parent_name = ''`);
    connection.close();
  }

  it("admits a create the kept size would refuse when the collection's rows are under the quota", async () => {
    await resources.create("CreateMesh", mesh, { meshName: "drifted" });
    await resources.create("CreateVirtualNode", virtualNode, { meshName: "drifted", virtualNodeName: "a", spec: {} });
    setKeptSize("drifted", 3);
    const created = await resources.create("CreateVirtualNode", virtualNode, { meshName: "drifted", virtualNodeName: "b", spec: {} });
    expect(created.virtualNodeName).toBe("b");
  });

  it("refuses with LimitExceededException when the rows themselves reach the quota, storing nothing", async () => {
    await resources.create("CreateMesh", mesh, { meshName: "full" });
    for (const name of ["a", "b", "c"]) await resources.create("CreateVirtualNode", virtualNode, { meshName: "full", virtualNodeName: name, spec: {} });
    setKeptSize("full", 5);
    await resources.create("CreateVirtualNode", virtualNode, { meshName: "full", virtualNodeName: "d", spec: {} }).then(
      () => expect.unreachable("a fourth node was admitted"),
      (error: unknown) => expect(error).toMatchObject({ name: "LimitExceededException" }),
    );
    expect(await store.getResource({ kind: "virtualNode", meshName: "full", parentName: "", name: "d" })).toBeNull();
  });
});
