import { describe, expect, it } from "vitest";
import { applyWaves, MigrateError, planChanges, renderPlanText, type CurrentResource, type CurrentState, type WantedResource } from "../../../functions/migrate/index.js";

const wanted = (kind: WantedResource["kind"], name: string, spec: Record<string, unknown> = {}, extra: Partial<WantedResource> = {}): WantedResource => ({
  kind,
  meshName: "apps",
  parentName: "",
  name,
  spec,
  tags: [],
  ...extra,
});
const current = (resource: WantedResource, extra: Partial<CurrentResource> = {}): CurrentResource => ({
  ...resource,
  tags: resource.tags ?? [],
  arn: `arn:aws:appmesh:us-east-1:111122223333:mesh/apps/${resource.kind}/${resource.name}`,
  uid: `uid-${resource.name}`,
  version: 1,
  meshOwner: "111122223333",
  resourceOwner: "111122223333",
  ...extra,
});
const state = (...resources: CurrentResource[]): CurrentState => ({ meshes: new Map([["apps", resources.some((r) => r.kind === "mesh")]]), resources });

const nodeSpec = (port: number) => ({ listeners: [{ portMapping: { port, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "a.apps" } } });
const mesh = wanted("mesh", "apps");
const node = wanted("virtualNode", "a", nodeSpec(80));
const router = wanted("virtualRouter", "r", { listeners: [{ portMapping: { port: 80, protocol: "http" } }] });
const route = wanted("route", "x", { httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "a", weight: 1 }] } } }, { parentName: "r" });
const service = wanted("virtualService", "svc", { provider: { virtualRouter: { virtualRouterName: "r" } } });

describe("planChanges", () => {
  it("creates what does not exist, in App Mesh's order whatever the input's", () => {
    const plan = planChanges([route, service, node, router, mesh], state());
    expect(plan.changes.map((c) => `${c.action} ${c.resource.kind} ${c.resource.name}`)).toEqual([
      "create mesh apps",
      "create virtualNode a",
      "create virtualRouter r",
      "create virtualService svc",
      "create route x",
    ]);
  });

  it("finds what is unchanged, and the fields and tags that differ for updates", () => {
    const changed = { ...node, spec: nodeSpec(8080), tags: [{ key: "team", value: "blue" }] };
    const plan = planChanges([mesh, changed, router], state(current(mesh), current(node, { tags: [{ key: "old", value: "x" }] }), current(router, { spec: { ...router.spec, extra: null } })));
    expect(plan.changes.map((c) => c.action)).toEqual(["unchanged", "update", "unchanged"]);
    const update = plan.changes[1]!;
    expect(update.specChanges).toEqual([{ path: "spec.listeners[0].portMapping.port", before: 80, after: 8080 }]);
    expect(update.tagChanges).toEqual({ set: [{ key: "team", value: "blue" }], remove: ["old"] });
    expect(renderPlanText(plan)).toBe(
      [
        "mesh apps: 1 change (2 unchanged)",
        "  ~ update virtual node apps/a",
        "      ~ spec.listeners[0].portMapping.port: 80 → 8080",
        "      + tags: team=blue",
        "      - tags: old",
        "Plan: 0 to create, 1 to update, 0 to delete, 2 unchanged.",
        "",
      ].join("\n"),
    );
  });

  it("leaves tags alone when the input does not manage them", () => {
    const plan = planChanges([mesh, { ...node, tags: undefined }], state(current(mesh), current(node, { tags: [{ key: "k", value: "v" }] })));
    expect(plan.changes.map((c) => c.action)).toEqual(["unchanged", "unchanged"]);
  });

  it("with prune, deletes the touched meshes' other resources (routes before their routers), never the mesh", () => {
    const plan = planChanges([{ ...node, tags: undefined }], state(current(mesh), current(node), current(router), current(route), current(service)), { prune: true });
    expect(plan.changes.filter((c) => c.action === "delete").map((c) => c.resource.kind)).toEqual(["route", "virtualService", "virtualRouter"]);
    expect(planChanges([node], state(current(mesh), current(node), current(router))).changes.map((c) => c.action)).toEqual(["unchanged"]);
  });

  it("refuses an input whose mesh, parent or references neither exist nor are in it", () => {
    expect(() => planChanges([node], state())).toThrowError(new MigrateError("virtual node apps/a is in mesh apps, which does not exist and is not in the input"));
    expect(() => planChanges([mesh, route], state())).toThrowError("route apps/r/x belongs to virtual router r, which does not exist and is not in the input");
    expect(() => planChanges([mesh, router, route], state())).toThrowError("route apps/r/x refers to virtual node apps/a, which does not exist and is not in the input");
    expect(() => planChanges([mesh, service], state(current(mesh), current(router)), { prune: true })).toThrowError("virtual service apps/svc refers to virtual router apps/r, which does not exist and is not in the input");
  });

  it("refuses a resource defined twice", () => {
    expect(() => planChanges([mesh, node, { ...node, source: { file: "b.yaml", document: 1, line: 3 } }], state())).toThrowError("virtual node apps/a is defined twice");
  });
});

describe("applyWaves", () => {
  it("groups changes by tier, splits a tier where DependsOn orders it, and deletes last in reverse", () => {
    const b = wanted("virtualNode", "b", nodeSpec(81), { dependsOn: ["virtualNode/apps//a"] });
    const plan = planChanges([mesh, node, b, router, service, route], state(current(wanted("virtualGateway", "old-gw", { listeners: [] }))), { prune: true });
    expect(applyWaves(plan).map((wave) => wave.map((c) => `${c.action} ${c.resource.name}`))).toEqual([
      ["create apps"],
      ["create a", "create r"],
      ["create b"],
      ["create svc"],
      ["create x"],
      ["delete old-gw"],
    ]);
    const prune = planChanges([mesh], state(current(mesh), current(router), current(route)), { prune: true });
    expect(applyWaves(prune).map((wave) => wave.map((c) => `${c.action} ${c.resource.name}`))).toEqual([["delete x"], ["delete r"]]);
  });
});
