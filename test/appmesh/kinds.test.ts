// The kind descriptor table: what each kind's spec refers to, and how its operations are named in the model.
import { describe, expect, it } from "vitest";
import { kindDescriptors, resourceKinds } from "../../functions/appmesh/kinds.js";
import { operationNames } from "../../functions/appmesh/model/model.generated.js";

describe("kindDescriptors", () => {
  it("names the five operations of every kind as the model does", () => {
    for (const kind of resourceKinds) {
      const { label, listKey } = kindDescriptors[kind];
      const list = `List${listKey[0]!.toUpperCase()}${listKey.slice(1)}`;
      expect(operationNames).toEqual(expect.arrayContaining([`Create${label}`, `Describe${label}`, `Update${label}`, `Delete${label}`, list]));
    }
  });

  it("has a route refer to each virtual node it targets once, whatever its protocol", () => {
    const weightedTargets = [
      { virtualNode: "a", weight: 1 },
      { virtualNode: "b", weight: 1 },
      { virtualNode: "a", weight: 2, port: 8080 },
    ];
    expect(kindDescriptors.route.references({ http2Route: { match: { prefix: "/" }, action: { weightedTargets } } })).toEqual([
      { toKind: "virtualNode", toName: "a" },
      { toKind: "virtualNode", toName: "b" },
    ]);
    expect(kindDescriptors.route.references({ tcpRoute: { action: { weightedTargets: [{ virtualNode: "t", weight: 1 }] } } })).toEqual([
      { toKind: "virtualNode", toName: "t" },
    ]);
  });

  it("has a virtual service refer to its provider and a gateway route to its target service", () => {
    expect(kindDescriptors.virtualService.references({ provider: { virtualRouter: { virtualRouterName: "r" } } })).toEqual([
      { toKind: "virtualRouter", toName: "r" },
    ]);
    expect(kindDescriptors.virtualService.references({})).toEqual([]);
    expect(
      kindDescriptors.gatewayRoute.references({
        grpcRoute: { match: { serviceName: "svc" }, action: { target: { virtualService: { virtualServiceName: "vs" } } } },
      }),
    ).toEqual([{ toKind: "virtualService", toName: "vs" }]);
  });

  it("has meshes, virtual nodes, routers and gateways refer to nothing", () => {
    expect(kindDescriptors.mesh.references({ egressFilter: { type: "ALLOW_ALL" } })).toEqual([]);
    expect(kindDescriptors.virtualNode.references({ backends: [{ virtualService: { virtualServiceName: "vs" } }] })).toEqual([]);
    expect(kindDescriptors.virtualRouter.references({ listeners: [] })).toEqual([]);
    expect(kindDescriptors.virtualGateway.references({ listeners: [] })).toEqual([]);
  });
});
