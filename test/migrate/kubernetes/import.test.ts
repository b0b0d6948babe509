import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadInputs, type ImportSettings, type WantedResource } from "../../../functions/migrate/index.js";
import { migrateErrorOf } from "../../support/migrate-errors.js";

const fixture = (name: string) => ({ name: `k8s/${name}`, text: readFileSync(new URL(`../../fixtures/aws-app-mesh-examples/k8s/${name}`, import.meta.url), "utf8") });

function resolve(files: Array<{ name: string; text: string }>, kubernetes: ImportSettings["kubernetes"] = {}) {
  return loadInputs(files, { cloudFormation: { parameters: new Map(), importValues: new Map(), attributes: new Map(), region: "us-east-1" }, kubernetes }).resolve();
}
const manifest = (text: string) => [{ name: "m.yaml", text }];
const find = (resources: WantedResource[], kind: string, name: string) => resources.find((r) => r.kind === kind && r.name === name)!;


const meshAndNamespace = `apiVersion: v1
kind: Namespace
metadata: { name: apps, labels: { mesh: apps } }
---
apiVersion: appmesh.k8s.aws/v1beta2
kind: Mesh
metadata: { name: apps }
spec: { namespaceSelector: { matchLabels: { mesh: apps } } }
`;
const node = (name: string, extra = "") => `---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualNode
metadata: { name: ${name}, namespace: apps }
spec:
  listeners: [{ portMapping: { port: 80, protocol: http } }]
  serviceDiscovery: { dns: { hostname: ${name}.apps.svc } }
${extra}`;
const service = (name: string, provider = `virtualNode: { virtualNodeRef: { name: ${name} } }`) => `---
apiVersion: appmesh.k8s.aws/v1beta2
kind: VirtualService
metadata: { name: ${name}, namespace: apps }
spec: { provider: { ${provider} } }
`;

describe("resolveKubernetes", () => {
  it("names resources by the controller's rules and puts them in the mesh that selects their namespace", () => {
    const { resources } = resolve([fixture("ingress-gateway.yaml")]);
    const mesh = "howto-k8s-ingress-gateway";
    expect(resources.every((r) => r.meshName === mesh)).toBe(true);
    expect(resources.filter((r) => r.kind === "virtualNode").map((r) => r.name).sort()).toEqual(["blue", "green", "red", "white", "yellow"].map((n) => `${n}_${mesh}`));
    expect(find(resources, "virtualService", "color-headers.howto-k8s-ingress-gateway.svc.cluster.local").spec).toEqual({ provider: { virtualRouter: { virtualRouterName: `color-headers_${mesh}` } } });
    expect(resources.filter((r) => r.kind === "gatewayRoute").map((r) => [r.parentName, r.name])).toEqual([
      [`ingress-gw_${mesh}`, `gateway-route-headers_${mesh}`],
      [`ingress-gw_${mesh}`, `gateway-route-paths_${mesh}`],
    ]);
    const green = find(resources, "route", "color-route-green");
    expect(green.parentName).toBe(`color-headers_${mesh}`);
    expect(green.spec).toEqual({
      priority: 20,
      httpRoute: { match: { prefix: "/", headers: [{ name: "color_header", match: { regex: ".*green.*" } }] }, action: { weightedTargets: [{ virtualNode: `green_${mesh}`, weight: 1 }] } },
    });
    expect(find(resources, "gatewayRoute", `gateway-route-paths_${mesh}`).spec).toEqual({
      httpRoute: { match: { prefix: "/paths" }, action: { target: { virtualService: { virtualServiceName: "color-paths.howto-k8s-ingress-gateway.svc.cluster.local" } } } },
    });
    expect(resources).toHaveLength(23);
    expect(resources.every((r) => r.tags === undefined)).toBe(true);
  });

  it("lists the Kubernetes-only fields it drops and the objects it skips", () => {
    const { notices } = resolve([fixture("multiple-listeners.yaml")]);
    const messages = notices.map((n) => n.message);
    expect(messages).toContain("VirtualGateway colors/colors-gw: dropped podSelector (Kubernetes-only, no App Mesh counterpart)");
    expect(messages).toContain("VirtualNode colors/multi-colors: dropped podSelector (Kubernetes-only, no App Mesh counterpart)");
    expect(messages.some((m) => m.startsWith("Mesh colors"))).toBe(false);
    expect(messages).toContain("skipped Deployment colors/white (apps/v1): not an App Mesh object");
    expect(messages.filter((m) => m.startsWith("skipped "))).toHaveLength(6);
  });

  it("finds a namespace's mesh through a Namespace in another file, or takes --mesh", () => {
    expect(migrateErrorOf(() => resolve([fixture("metrics-djapp.yaml")])).message).toMatch(/^VirtualNode howto-metrics-extension\/djapp belongs to no mesh: .*pass --mesh NAME$/);
    const { resources } = resolve([fixture("metrics-namespace.yaml"), fixture("metrics-djapp.yaml")]);
    expect(resources.find((r) => r.kind === "virtualNode")!.meshName).toBe("howto-metrics-extension");
    const withFlag = resolve([fixture("metrics-djapp.yaml")], { mesh: "other" }).resources;
    expect(withFlag.filter((r) => r.kind !== "mesh").every((r) => r.meshName === "other")).toBe(true);
    expect(find(resources, "virtualNode", "djapp_howto-metrics-extension").spec.backends).toEqual([
      { virtualService: { virtualServiceName: "metal.howto-metrics-extension.svc.cluster.local" } },
      { virtualService: { virtualServiceName: "jazz.howto-metrics-extension.svc.cluster.local" } },
    ]);
  });

  it("uses awsName when given and names a VirtualService <name>.<namespace> otherwise", () => {
    const { resources } = resolve(manifest(meshAndNamespace + node("a", "  awsName: serviceA\n") + service("a")));
    expect(resources.map((r) => [r.kind, r.name])).toEqual([
      ["mesh", "apps"],
      ["virtualNode", "serviceA"],
      ["virtualService", "a.apps"],
    ]);
    expect(find(resources, "virtualService", "a.apps").spec).toEqual({ provider: { virtualNode: { virtualNodeName: "serviceA" } } });
  });

  it("assumes the default name of a referenced object missing from the input, with a located notice", () => {
    const { resources, notices } = resolve(manifest(meshAndNamespace + service("s", "virtualNode: { virtualNodeRef: { name: elsewhere } }")));
    expect(find(resources, "virtualService", "s.apps").spec).toEqual({ provider: { virtualNode: { virtualNodeName: "elsewhere_apps" } } });
    const notice = notices.find((n) => n.message.startsWith("VirtualNode apps/elsewhere"))!;
    expect(notice.message).toBe("VirtualNode apps/elsewhere is not in the input; assuming its App Mesh name is elsewhere_apps");
    expect(notice.location).toMatchObject({ file: "m.yaml", document: 3, field: "spec.provider.virtualNode.virtualNodeRef" });
  });

  it("resolves ARNs in the same mesh and refuses ones of another mesh", () => {
    const arn = (mesh: string) => `virtualNode: { virtualNodeARN: "arn:aws:appmesh:us-west-2:111122223333:mesh/${mesh}/virtualNode/legacy" }`;
    expect(find(resolve(manifest(meshAndNamespace + service("s", arn("apps")))).resources, "virtualService", "s.apps").spec).toEqual({ provider: { virtualNode: { virtualNodeName: "legacy" } } });
    expect(migrateErrorOf(() => resolve(manifest(meshAndNamespace + service("s", arn("other"))))).message).toBe(
      "arn:aws:appmesh:us-west-2:111122223333:mesh/other/virtualNode/legacy is in mesh other, not apps",
    );
  });

  it("expands BackendGroups, `*` standing for every VirtualService of a namespace", () => {
    const group = `---\napiVersion: appmesh.k8s.aws/v1beta2\nkind: BackendGroup\nmetadata: { name: colors, namespace: apps }\nspec: { virtualservices: [{ name: b }] }\n`;
    const withGroup = resolve(manifest(meshAndNamespace + node("a", "  backendGroups: [{ name: colors }]\n") + node("b") + service("b") + group)).resources;
    expect(find(withGroup, "virtualNode", "a_apps").spec.backends).toEqual([{ virtualService: { virtualServiceName: "b.apps" } }]);
    const withStar = resolve(manifest(meshAndNamespace + node("a", "  backendGroups: [{ name: '*', namespace: apps }]\n") + node("b") + service("a") + service("b"))).resources;
    expect(find(withStar, "virtualNode", "a_apps").spec.backends).toEqual([{ virtualService: { virtualServiceName: "a.apps" } }, { virtualService: { virtualServiceName: "b.apps" } }]);
  });

  it("reads objects of a List, as kubectl get -o yaml prints them, with meshRef and virtualGatewayRef", () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: appmesh.k8s.aws/v1beta2
    kind: VirtualGateway
    metadata: { name: gw, namespace: edge }
    spec: { meshRef: { name: apps, uid: x }, listeners: [{ portMapping: { port: 8080, protocol: http } }] }
  - apiVersion: appmesh.k8s.aws/v1beta2
    kind: GatewayRoute
    metadata: { name: root, namespace: edge }
    spec:
      meshRef: { name: apps, uid: x }
      virtualGatewayRef: { name: gw, namespace: edge, uid: y }
      httpRoute: { match: { prefix: / }, action: { target: { virtualService: { virtualServiceARN: "arn:aws:appmesh:us-east-1:111122223333:mesh/apps/virtualService/web" } } } }
`;
    const { resources } = resolve(manifest(list));
    expect(resources.map((r) => [r.kind, r.meshName, r.parentName, r.name])).toEqual([
      ["virtualGateway", "apps", "", "gw_edge"],
      ["gatewayRoute", "apps", "gw_edge", "root_edge"],
    ]);
  });

  it("refuses a GatewayRoute that several VirtualGateways select", () => {
    const gateway = (name: string) => `---\napiVersion: appmesh.k8s.aws/v1beta2\nkind: VirtualGateway\nmetadata: { name: ${name}, namespace: apps }\nspec: { namespaceSelector: {}, listeners: [{ portMapping: { port: 80, protocol: http } }] }\n`;
    const route = `---\napiVersion: appmesh.k8s.aws/v1beta2\nkind: GatewayRoute\nmetadata: { name: r, namespace: apps }\nspec: { httpRoute: { match: { prefix: / }, action: { target: { virtualService: { virtualServiceRef: { name: a } } } } } }\n`;
    expect(migrateErrorOf(() => resolve(manifest(meshAndNamespace + gateway("one") + gateway("two") + node("a") + service("a") + route))).message).toBe(
      "GatewayRoute apps/r: found multiple matching VirtualGateways (one, two), expecting 1",
    );
  });

  it("refuses unknown kinds and older API versions of the App Mesh group, naming the document", () => {
    const error = migrateErrorOf(() => resolve(manifest(`${meshAndNamespace}---\napiVersion: appmesh.k8s.aws/v1beta2\nkind: VirtualThing\nmetadata: { name: x, namespace: apps }\n`)));
    expect(error.describe()).toMatch(/^m\.yaml, document 3, line 10: unknown kind VirtualThing; appmesh\.k8s\.aws\/v1beta2 has Mesh, VirtualNode/);
    expect(migrateErrorOf(() => resolve(manifest("apiVersion: appmesh.k8s.aws/v1beta1\nkind: Mesh\nmetadata: { name: x }\n"))).message).toMatch(/^appmesh\.k8s\.aws\/v1beta1 is not supported/);
  });

  it("refuses a field the CRD does not have, naming its line", () => {
    const error = migrateErrorOf(() => resolve(manifest(meshAndNamespace + node("a", "  listenerz: []\n"))));
    expect(error.location).toMatchObject({ file: "m.yaml", document: 3, line: 16, field: "spec.listenerz" });
  });

  it("reads tags from meshplane's annotations", () => {
    const tagged = meshAndNamespace.replace("metadata: { name: apps }", `metadata: { name: apps, annotations: { meshplane/tags: '[{"key":"team","value":"blue"}]' } }`);
    expect(resolve(manifest(tagged)).resources[0]!.tags).toEqual([{ key: "team", value: "blue" }]);
  });
});
