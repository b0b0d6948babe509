// App Mesh resources → App Mesh controller manifests (appmesh.k8s.aws/v1beta2) that the importer (and the
// controller) read back to the same resources: per mesh a Namespace labelled `meshplane/mesh`, a Mesh whose
// namespaceSelector matches it, and the mesh's objects in that namespace. Every object carries `awsName`, so
// App Mesh names survive Kubernetes' stricter object names; references become `*Ref`s to the objects' names
// (an ARN for a backend service that does not exist); routes are embedded in their router; a gateway selects
// its gateway routes by the label `meshplane/gateway`; tags ride in meshplane's annotations.
import { kindDescriptors, type ResourceKind } from "../../appmesh/index.js";
import { renameFromModel } from "../model-mapping.js";
import { compareForApply, compareText, resourceKey, type WantedResource } from "../resource.js";
import { routeTagsAnnotation, tagsAnnotation } from "./annotations.js";
import { kubernetesNaming } from "./field-names.js";
import { appMeshApiVersion } from "./objects.js";

/** Export input: a resource and, for meshes, its ARN (to write ARNs of backends that do not exist). */
export type ExportedResource = WantedResource & { arn?: string };

export const meshLabel = "meshplane/mesh";
export const gatewayLabel = "meshplane/gateway";

const crdKind: Record<Exclude<ResourceKind, "route">, string> = {
  mesh: "Mesh",
  virtualNode: "VirtualNode",
  virtualService: "VirtualService",
  virtualRouter: "VirtualRouter",
  virtualGateway: "VirtualGateway",
  gatewayRoute: "GatewayRoute",
};

/** A DNS-1123 name for an object (lowercase letters, digits, '-', '.'; at most 253). */
function objectName(text: string): string {
  const name = text.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "").slice(0, 253).replace(/[-.]+$/, "");
  return name === "" ? "x" : name;
}

/** A label value (at most 63 of letters, digits, '-', '_', '.', starting and ending alphanumeric). */
function labelValue(text: string): string {
  let value = text.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  if (value.length > 63) {
    let hash = 0;
    for (const char of text) hash = (Math.imul(hash, 31) + char.codePointAt(0)!) >>> 0;
    value = `${value.slice(0, 54).replace(/[^A-Za-z0-9]+$/, "")}-${hash.toString(16).padStart(8, "0")}`;
  }
  return value === "" ? "x" : value;
}

/** `blue` for `blue_colors` in namespace colors (`color.colors` for a service): the name the controller would default. */
function withoutDefaultSuffix(resource: WantedResource, namespace: string): string {
  const suffix = resource.kind === "virtualService" ? `.${namespace}` : `_${namespace}`;
  return resource.name.endsWith(suffix) && resource.name.length > suffix.length ? resource.name.slice(0, -suffix.length) : resource.name;
}

const tagAnnotations = (resource: WantedResource): Record<string, string> =>
  resource.tags && resource.tags.length > 0 ? { [tagsAnnotation]: JSON.stringify(resource.tags) } : {};

export function toKubernetesManifests(input: readonly ExportedResource[]): Array<Record<string, unknown>> {
  const resources = [...input].sort(compareForApply);
  const documents: Array<Record<string, unknown>> = [];
  const meshes = [...new Set(resources.map((resource) => resource.meshName))].sort(compareText);
  const namespaces = new Map<string, string>();
  const taken = new Set<string>();
  for (const mesh of meshes) {
    let name = objectName(mesh);
    for (let n = 2; taken.has(name); n++) name = `${objectName(mesh).slice(0, 240)}-${n}`;
    taken.add(name);
    namespaces.set(mesh, name);
  }

  /** Object names per mesh and kind, unique within their namespace. */
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const resource of resources) {
    if (resource.kind === "route") continue;
    const scope = resource.kind === "mesh" ? "mesh" : `${resource.meshName}/${resource.kind}`;
    const base = resource.kind === "mesh" ? namespaces.get(resource.meshName)! : objectName(withoutDefaultSuffix(resource, namespaces.get(resource.meshName)!));
    let name = base;
    for (let n = 2; used.has(`${scope}/${name}`); n++) name = `${base.slice(0, 240)}-${n}`;
    used.add(`${scope}/${name}`);
    names.set(resourceKey(resource), name);
  }
  const nameOf = (kind: ResourceKind, meshName: string, name: string) => names.get(resourceKey({ kind, meshName, parentName: "", name }));
  const meshArns = new Map(resources.filter((resource) => resource.kind === "mesh" && resource.arn).map((resource) => [resource.meshName, resource.arn!]));

  const specFor = (resource: WantedResource, shape: string, spec: Record<string, unknown>) => {
    const ref = (kind: ResourceKind, target: string, refField: string, arnField: string) => {
      const name = nameOf(kind, resource.meshName, target);
      if (name !== undefined) return { [refField]: { name } };
      const meshArn = meshArns.get(resource.meshName);
      if (meshArn === undefined) throw new Error(`cannot write a reference to ${kind} ${target} of mesh ${resource.meshName}: it is not exported and the mesh ARN is unknown`);
      return { [arnField]: `${meshArn}/${kind}/${target}` };
    };
    const replace = (member: string, kind: ResourceKind, refField: string, arnField: string) => (value: Record<string, unknown>, renameDefault: (value: Record<string, unknown>) => Record<string, unknown>) => {
      const { [member]: target, ...rest } = value;
      return { ...ref(kind, String(target), refField, arnField), ...renameDefault(rest) };
    };
    return renameFromModel(spec, shape, kubernetesNaming, {
      VirtualServiceBackend: replace("virtualServiceName", "virtualService", "virtualServiceRef", "virtualServiceARN"),
      GatewayRouteVirtualService: replace("virtualServiceName", "virtualService", "virtualServiceRef", "virtualServiceARN"),
      WeightedTarget: replace("virtualNode", "virtualNode", "virtualNodeRef", "virtualNodeARN"),
      VirtualNodeServiceProvider: replace("virtualNodeName", "virtualNode", "virtualNodeRef", "virtualNodeARN"),
      VirtualRouterServiceProvider: replace("virtualRouterName", "virtualRouter", "virtualRouterRef", "virtualRouterARN"),
    }) as Record<string, unknown>;
  };

  for (const mesh of meshes) {
    const namespace = namespaces.get(mesh)!;
    const meshSelector = { matchLabels: { [meshLabel]: labelValue(mesh) } };
    documents.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { [meshLabel]: labelValue(mesh) } } });
    for (const resource of resources.filter((item) => item.meshName === mesh && item.kind !== "route")) {
      const descriptor = kindDescriptors[resource.kind];
      const annotations = tagAnnotations(resource);
      const labels: Record<string, string> = {};
      const spec: Record<string, unknown> = { awsName: resource.kind === "mesh" ? resource.meshName : resource.name };
      if (resource.kind === "mesh") {
        spec.namespaceSelector = meshSelector;
        if (resource.meshOwner !== undefined) spec.meshOwner = resource.meshOwner;
      }
      if (resource.kind === "virtualGateway") {
        spec.namespaceSelector = meshSelector;
        spec.gatewayRouteSelector = { matchLabels: { [gatewayLabel]: labelValue(names.get(resourceKey(resource))!) } };
      }
      if (resource.kind === "gatewayRoute") labels[gatewayLabel] = labelValue(nameOf("virtualGateway", mesh, resource.parentName)!);
      Object.assign(spec, specFor(resource, descriptor.specShape, resource.spec));
      if (resource.kind === "virtualRouter") {
        const routes = resources.filter((item) => item.kind === "route" && item.meshName === mesh && item.parentName === resource.name);
        spec.routes = routes.map((route) => ({ name: route.name, ...specFor(route, "RouteSpec", route.spec) }));
        const tagged = routes.filter((route) => route.tags && route.tags.length > 0);
        if (tagged.length > 0) annotations[routeTagsAnnotation] = JSON.stringify(Object.fromEntries(tagged.map((route) => [route.name, route.tags])));
      }
      documents.push({
        apiVersion: appMeshApiVersion,
        kind: crdKind[resource.kind as Exclude<ResourceKind, "route">],
        metadata: {
          name: names.get(resourceKey(resource))!,
          ...(resource.kind === "mesh" ? {} : { namespace }),
          ...(Object.keys(labels).length > 0 ? { labels } : {}),
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
        spec,
      });
    }
  }
  return documents;
}
