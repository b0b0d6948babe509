import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { toCloudFormationTemplate } from "../../../functions/migrate/index.js";
import { fullMesh } from "../../support/full-mesh.js";
import { comparable, importText } from "../../support/round-trip.js";

describe("toCloudFormationTemplate", () => {
  it("writes a template that imports back to the same resources, as YAML and as JSON", () => {
    const template = toCloudFormationTemplate(fullMesh);
    expect(comparable(importText("full.yaml", stringify(template)))).toEqual(comparable(fullMesh));
    expect(comparable(importText("full.json", JSON.stringify(template)))).toEqual(comparable(fullMesh));
  });

  it("spells properties as CloudFormation does and orders resources by what App Mesh needs first", () => {
    const template = toCloudFormationTemplate(fullMesh) as { Resources: Record<string, any> };
    const route = template.Resources.RouteFullBackendRouterByHeader;
    expect(route.Type).toBe("AWS::AppMesh::Route");
    expect(route.DependsOn).toEqual(["MeshFull", "VirtualNodeFullBackendCanary", "VirtualNodeFullBackendV1", "VirtualRouterFullBackendRouter"]);
    expect(route.Properties).toMatchObject({ MeshName: "full", VirtualRouterName: "backend-router", RouteName: "by-header", Tags: [{ Key: "purpose", Value: "canary" }] });
    expect(route.Properties.Spec.HttpRoute.Match.Headers[1]).toEqual({ Name: "x-range", Match: { Range: { Start: 1, End: 100 } } });
    const node = template.Resources.VirtualNodeFullBackendV1.Properties.Spec;
    expect(Object.keys(node.Listeners[0])).toEqual(["PortMapping", "HealthCheck", "OutlierDetection", "ConnectionPool", "Timeout", "TLS"]);
    expect(node.ServiceDiscovery.AWSCloudMap.NamespaceName).toBe("full.local");
    expect(Object.keys(template.Resources)[0]).toBe("MeshFull");
  });
});
