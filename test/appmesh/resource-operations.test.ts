// The generic CRUD path driven by kind descriptors, on a real SQLite file, without the service around it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
