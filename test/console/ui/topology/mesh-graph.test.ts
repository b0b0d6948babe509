// The mesh graph the topology draws, from described resources, and its layered layout.
import { describe, expect, it } from "vitest";
import type { MeshContents, ResourceData } from "../../../../functions/console/ui/api/appmesh.js";
import { layoutMeshGraph } from "../../../../functions/console/ui/topology/layout.js";
import { createMeshGraph } from "../../../../functions/console/ui/topology/mesh-graph.js";

const data = (fields: Record<string, unknown>, spec: Record<string, unknown>): ResourceData =>
  ({ meshName: "apps", metadata: { arn: "", uid: "", meshOwner: "", resourceOwner: "", version: 1, createdAt: 0, lastUpdatedAt: 0 }, status: { status: "ACTIVE" }, spec, ...fields }) as ResourceData;

const guide: MeshContents = {
  mesh: data({}, {}),
  virtualGateways: [data({ virtualGatewayName: "ingress" }, { listeners: [] })],
  gatewayRoutes: [data({ virtualGatewayName: "ingress", gatewayRouteName: "to-a" }, { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "servicea.apps.local" } } } } })],
  virtualServices: [
    data({ virtualServiceName: "servicea.apps.local" }, { provider: { virtualNode: { virtualNodeName: "serviceA" } } }),
    data({ virtualServiceName: "serviceb.apps.local" }, { provider: { virtualRouter: { virtualRouterName: "serviceB" } } }),
  ],
  virtualRouters: [data({ virtualRouterName: "serviceB" }, {})],
  routes: [data({ virtualRouterName: "serviceB", routeName: "split" }, { http2Route: { action: { weightedTargets: [{ virtualNode: "serviceB", weight: 3 }, { virtualNode: "serviceBv2", weight: 1 }] } } })],
  virtualNodes: [
    data({ virtualNodeName: "serviceA" }, { backends: [{ virtualService: { virtualServiceName: "serviceb.apps.local" } }, { virtualService: { virtualServiceName: "db.apps.local" } }] }),
    data({ virtualNodeName: "serviceB" }, {}),
    data({ virtualNodeName: "serviceBv2" }, {}),
  ],
};

describe("createMeshGraph", () => {
  const graph = createMeshGraph(guide);
  const edges = graph.edges.map((edge) => `${edge.from} -${edge.kind}-> ${edge.to}${edge.weight ? ` ${edge.weight.value} (${edge.weight.percent}%)` : ""}`);

  it("links gateways, gateway routes, services, routers, routes and nodes in the direction traffic flows", () => {
    expect(edges.sort()).toEqual([
      "gatewayRoute:ingress/to-a -provider-> virtualService:servicea.apps.local",
      "route:serviceB/split -target-> virtualNode:serviceB 3 (75%)",
      "route:serviceB/split -target-> virtualNode:serviceBv2 1 (25%)",
      "virtualGateway:ingress -route-> gatewayRoute:ingress/to-a",
      "virtualNode:serviceA -backend-> virtualService:db.apps.local",
      "virtualNode:serviceA -backend-> virtualService:serviceb.apps.local",
      "virtualRouter:serviceB -route-> route:serviceB/split",
      "virtualService:servicea.apps.local -provider-> virtualNode:serviceA",
      "virtualService:serviceb.apps.local -provider-> virtualRouter:serviceB",
    ]);
  });

  it("links each box to its console page, except names that are referenced but do not exist", () => {
    const byId = new Map(graph.nodes.map((node) => [node.id, node]));
    expect(byId.get("route:serviceB/split")?.path).toBe("/meshes/apps/virtual-routers/serviceB/routes/split");
    expect(byId.get("gatewayRoute:ingress/to-a")?.path).toBe("/meshes/apps/virtual-gateways/ingress/gateway-routes/to-a");
    expect(byId.get("virtualService:db.apps.local")).toEqual({ id: "virtualService:db.apps.local", kind: "virtualService", name: "db.apps.local" });
  });
});

describe("layoutMeshGraph", () => {
  it("places every box once, traffic flowing left to right, with a label position on weighted edges", () => {
    const layout = layoutMeshGraph(createMeshGraph(guide));
    const x = (id: string) => layout.nodes.find((node) => node.id === id)!.x;
    expect(layout.nodes).toHaveLength(createMeshGraph(guide).nodes.length);
    expect(x("virtualGateway:ingress")).toBeLessThan(x("gatewayRoute:ingress/to-a"));
    expect(x("virtualService:serviceb.apps.local")).toBeLessThan(x("virtualRouter:serviceB"));
    expect(x("virtualRouter:serviceB")).toBeLessThan(x("route:serviceB/split"));
    expect(x("route:serviceB/split")).toBeLessThan(x("virtualNode:serviceBv2"));
    expect(layout.edges.filter((edge) => edge.weight).every((edge) => edge.label !== undefined && edge.points.length >= 2)).toBe(true);
    expect(layout.width).toBeGreaterThan(0);
  });

  it("stacks the same graph top to bottom for narrow screens", () => {
    const layout = layoutMeshGraph(createMeshGraph(guide), "TB");
    const y = (id: string) => layout.nodes.find((node) => node.id === id)!.y;
    expect(y("virtualRouter:serviceB")).toBeLessThan(y("route:serviceB/split"));
    expect(layout.height).toBeGreaterThan(layout.width);
  });
});
