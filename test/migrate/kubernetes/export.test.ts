import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { toKubernetesManifests, type ExportedResource } from "../../../functions/migrate/index.js";
import { fullMesh } from "../../support/full-mesh.js";
import { comparable, importText } from "../../support/round-trip.js";

const withArn: ExportedResource[] = fullMesh.map((resource) => (resource.kind === "mesh" ? { ...resource, arn: "arn:aws:appmesh:us-east-1:111122223333:mesh/full" } : resource));

describe("toKubernetesManifests", () => {
  it("writes manifests that import back to the same resources, tags included", () => {
    const documents = toKubernetesManifests(withArn);
    const yaml = documents.map((document) => `---\n${stringify(document)}`).join("");
    expect(comparable(importText("full.yaml", yaml))).toEqual(comparable(fullMesh));
    const list = JSON.stringify({ apiVersion: "v1", kind: "List", items: documents });
    expect(comparable(importText("full.json", list))).toEqual(comparable(fullMesh));
  });

  it("writes the controller's objects: awsName, references by object name, routes inside their router, ARNs for backends that do not exist", () => {
    const documents = toKubernetesManifests(withArn) as Array<{ kind: string; metadata: Record<string, any>; spec: Record<string, any> }>;
    expect(documents.slice(0, 2).map((d) => d.kind)).toEqual(["Namespace", "Mesh"]);
    const front = documents.find((d) => d.kind === "VirtualNode" && d.metadata.name === "front")!;
    expect(front.metadata.namespace).toBe("full");
    expect(front.spec.backends.map((b: any) => b.virtualService.virtualServiceRef ?? b.virtualService.virtualServiceARN)).toEqual([
      { name: "backend.full.local" },
      "arn:aws:appmesh:us-east-1:111122223333:mesh/full/virtualService/external.example.com",
    ]);
    const router = documents.find((d) => d.kind === "VirtualRouter" && d.metadata.name === "backend-router")!;
    expect(router.spec.routes.map((r: any) => r.name)).toEqual(["by-header", "by-path", "exact-path"]);
    expect(router.spec.routes[0].httpRoute.action.weightedTargets[0]).toEqual({ virtualNodeRef: { name: "backend-v1" }, weight: 90, port: 8080 });
    expect(JSON.parse(router.metadata.annotations["meshplane/route-tags"])).toEqual({ "by-header": [{ key: "purpose", value: "canary" }] });
    const grpcNode = documents.find((d) => d.metadata.name === "backend-grpc")!;
    expect(grpcNode.spec.listeners[0].tls.certificate.acm).toEqual({ certificateARN: "arn:aws:acm:us-east-1:111122223333:certificate/backend-grpc" });
    const route = documents.find((d) => d.kind === "GatewayRoute" && d.metadata.name === "api")!;
    expect(route.metadata.labels).toEqual({ "meshplane/gateway": "edge" });
  });
});
