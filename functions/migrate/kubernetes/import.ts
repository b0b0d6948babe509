// App Mesh controller manifests (appmesh.k8s.aws/v1beta2) → App Mesh resources, by the controller's rules:
// names from `awsName`, else `<name>_<namespace>` (a VirtualService `<name>.<namespace>`, a Mesh its own name);
// a namespaced object's mesh from `meshRef`, else the Mesh whose namespaceSelector matches its Namespace's
// labels, else `--mesh`; a GatewayRoute's gateway from `virtualGatewayRef`, else the VirtualGateway whose
// namespaceSelector (and gatewayRouteSelector) select it; `*Ref`/`*ARN` references become names; a
// VirtualRouter's `routes` become Route resources; BackendGroups expand into backends. Kubernetes-only fields
// (selectors) are dropped with a notice; other objects (Deployments, Services, …) are skipped with one.
// Source of the rules: aws/aws-app-mesh-controller-for-k8s (apis/appmesh/v1beta2, docs/guide).
import { kindDescriptors, parseArn, type ResourceKind } from "../../appmesh/index.js";
import { MigrateError } from "../migrate-error.js";
import { createModelMapper, type ValueSite } from "../model-mapping.js";
import type { Notice } from "../notice.js";
import type { Tag, WantedResource } from "../resource.js";
import type { Origins, SourceDocument } from "../source.js";
import { kubernetesNaming } from "./field-names.js";
import { appMeshApiGroup, appMeshApiVersion, readObjects, type KubernetesObject } from "./objects.js";
import { matchesSelector } from "./selectors.js";
import { parseRouteTags, parseTags, routeTagsAnnotation, tagsAnnotation } from "./annotations.js";

export interface KubernetesOptions {
  /** `--mesh`: the App Mesh mesh of objects whose namespace no Mesh selects. */
  mesh?: string;
  /** `--namespace`: the namespace of objects written without one (default "default", as kubectl). */
  namespace?: string;
}

const crdKinds = ["Mesh", "VirtualNode", "VirtualService", "VirtualRouter", "VirtualGateway", "GatewayRoute", "BackendGroup"] as const;
type CrdKind = (typeof crdKinds)[number];

const modelKind: Record<Exclude<CrdKind, "BackendGroup">, ResourceKind> = {
  Mesh: "mesh",
  VirtualNode: "virtualNode",
  VirtualService: "virtualService",
  VirtualRouter: "virtualRouter",
  VirtualGateway: "virtualGateway",
  GatewayRoute: "gatewayRoute",
};

/**
 * Fields of each CRD that have no App Mesh counterpart: read for names and membership (selectors of
 * namespaces and gateway routes), or dropped (pod selectors: pods are Kubernetes' business).
 */
const kubernetesOnly: Record<CrdKind, { used: string[]; dropped: string[] }> = {
  Mesh: { used: ["awsName", "meshOwner", "namespaceSelector"], dropped: [] },
  VirtualNode: { used: ["awsName", "meshRef", "backendGroups"], dropped: ["podSelector"] },
  VirtualService: { used: ["awsName", "meshRef"], dropped: [] },
  VirtualRouter: { used: ["awsName", "meshRef", "routes"], dropped: [] },
  VirtualGateway: { used: ["awsName", "meshRef", "namespaceSelector", "gatewayRouteSelector"], dropped: ["podSelector"] },
  GatewayRoute: { used: ["awsName", "meshRef", "virtualGatewayRef"], dropped: [] },
  BackendGroup: { used: ["virtualservices", "meshRef"], dropped: [] },
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export function resolveKubernetes(documents: SourceDocument[], options: KubernetesOptions, origins: Origins, notices: Notice[]): WantedResource[] {
  const namespaceOf = (object: KubernetesObject) => object.namespace ?? options.namespace ?? "default";
  const namespaceLabels = new Map<string, Record<string, string>>();
  const byKind = new Map<CrdKind, Map<string, KubernetesObject>>(crdKinds.map((kind) => [kind, new Map()]));
  const keyOf = (kind: CrdKind, object: KubernetesObject) => (kind === "Mesh" ? object.name : `${namespaceOf(object)}/${object.name}`);
  const title = (object: KubernetesObject) => `${object.kind} ${object.kind === "Mesh" || object.kind === "Namespace" ? "" : `${namespaceOf(object)}/`}${object.name}`;

  for (const object of documents.flatMap((document) => readObjects(document, origins))) {
    if (object.apiVersion === "v1" && object.kind === "Namespace") {
      namespaceLabels.set(object.name, object.labels);
      notices.push({ message: `Namespace ${object.name}: read for its labels (they select its mesh and gateways); not an App Mesh resource`, location: object.location });
      continue;
    }
    if (!object.apiVersion.startsWith(`${appMeshApiGroup}/`)) {
      notices.push({ message: `skipped ${title(object)} (${object.apiVersion}): not an App Mesh object`, location: object.location });
      continue;
    }
    if (object.apiVersion !== appMeshApiVersion) throw new MigrateError(`${object.apiVersion} is not supported; the App Mesh controller's current API is ${appMeshApiVersion}`, object.location);
    if (!(crdKinds as readonly string[]).includes(object.kind)) throw new MigrateError(`unknown kind ${object.kind}; ${appMeshApiVersion} has ${crdKinds.join(", ")}`, object.location);
    const kind = object.kind as CrdKind;
    const existing = byKind.get(kind)!.get(keyOf(kind, object));
    if (existing) throw new MigrateError(`${title(object)} is defined twice (also at ${existing.location.file}, document ${existing.location.document})`, object.location);
    byKind.get(kind)!.set(keyOf(kind, object), object);
  }

  const awsName = (kind: CrdKind, object: KubernetesObject): string => {
    const given = object.spec.awsName;
    if (typeof given === "string" && given !== "") return given;
    if (kind === "Mesh") return object.name;
    return kind === "VirtualService" ? `${object.name}.${namespaceOf(object)}` : `${object.name}_${namespaceOf(object)}`;
  };

  const meshObjects = [...byKind.get("Mesh")!.values()];
  const meshOfNamespace = new Map<string, { meshName: string; mesh?: KubernetesObject }>();
  const meshOf = (object: KubernetesObject): { meshName: string; mesh?: KubernetesObject } => {
    const meshRef = object.spec.meshRef;
    if (isObject(meshRef) && typeof meshRef.name === "string") {
      const mesh = byKind.get("Mesh")!.get(meshRef.name);
      return mesh ? { meshName: awsName("Mesh", mesh), mesh } : { meshName: meshRef.name };
    }
    const namespace = namespaceOf(object);
    const known = meshOfNamespace.get(namespace);
    if (known) return known;
    const labels = namespaceLabels.get(namespace);
    const selecting = labels ? meshObjects.filter((mesh) => mesh.spec.namespaceSelector !== undefined && matchesSelector(mesh.spec.namespaceSelector, labels, origins)) : [];
    if (selecting.length > 1) {
      throw new MigrateError(`Namespace ${namespace} is selected by more than one Mesh (${selecting.map((mesh) => mesh.name).join(", ")})`, object.location);
    }
    let found: { meshName: string; mesh?: KubernetesObject } | undefined = selecting[0] ? { meshName: awsName("Mesh", selecting[0]), mesh: selecting[0] } : undefined;
    if (!found && options.mesh !== undefined) found = { meshName: options.mesh };
    if (!found) {
      throw new MigrateError(
        `${title(object)} belongs to no mesh: ${labels ? `no Mesh's namespaceSelector selects Namespace ${namespace}` : `the input has no Namespace ${namespace} whose labels a Mesh's namespaceSelector would match`}; add it, or pass --mesh NAME`,
        object.location,
      );
    }
    meshOfNamespace.set(namespace, found);
    return found;
  };

  /** The App Mesh name a `*Ref` stands for, checking the target is in the same mesh. */
  const resolveRef = (kind: "VirtualNode" | "VirtualService" | "VirtualRouter" | "VirtualGateway", ref: unknown, from: KubernetesObject, site: ValueSite): string => {
    if (!isObject(ref) || typeof ref.name !== "string") throw new MigrateError(`a reference to a ${kind} is {name, namespace}`, origins.locate(site.container, site.key));
    const namespace = typeof ref.namespace === "string" ? ref.namespace : namespaceOf(from);
    const target = byKind.get(kind)!.get(`${namespace}/${ref.name}`);
    if (!target) {
      const assumed = kind === "VirtualService" ? `${ref.name}.${namespace}` : `${ref.name}_${namespace}`;
      const location = origins.locate(site.container, site.key);
      notices.push({ message: `${kind} ${namespace}/${ref.name} is not in the input; assuming its App Mesh name is ${assumed}`, ...(location ? { location } : {}) });
      return assumed;
    }
    const fromMesh = meshOf(from).meshName;
    const targetMesh = meshOf(target).meshName;
    if (fromMesh !== targetMesh) throw new MigrateError(`${kind} ${namespace}/${ref.name} is in mesh ${targetMesh}, not ${fromMesh}`, origins.locate(site.container, site.key));
    return awsName(kind, target);
  };

  const resolveArn = (kind: ResourceKind, arn: unknown, from: KubernetesObject, site: ValueSite): string => {
    const parsed = typeof arn === "string" ? parseArn(arn) : null;
    if (!parsed || parsed.key.kind !== kind) throw new MigrateError(`${String(arn)} is not the ARN of a ${kindDescriptors[kind].title.toLowerCase()}`, origins.locate(site.container, site.key));
    const fromMesh = meshOf(from).meshName;
    if (parsed.key.meshName !== fromMesh) throw new MigrateError(`${String(arn)} is in mesh ${parsed.key.meshName}, not ${fromMesh}`, origins.locate(site.container, site.key));
    return parsed.key.name;
  };

  /** A hook for a model shape whose CRD form names its target by `<ref>` or `<arn>` instead of `member`. */
  const referenceHook =
    (from: KubernetesObject, targetKind: "VirtualNode" | "VirtualService" | "VirtualRouter", refField: string, arnField: string, member: string) =>
    (value: unknown, site: ValueSite, mapDefault: (value: unknown) => unknown) => {
      if (!isObject(value)) throw new MigrateError("expects an object", origins.locate(site.container, site.key));
      const { [refField]: ref, [arnField]: arn, ...rest } = value;
      if ((ref === undefined) === (arn === undefined)) throw origins.error(`needs exactly one of ${refField}, ${arnField}`, value);
      if (member in rest) throw origins.error(`unknown field ${member}; use ${refField} or ${arnField}`, value, member);
      const name = ref !== undefined ? resolveRef(targetKind, ref, from, { container: value, key: refField }) : resolveArn(modelKind[targetKind], arn, from, { container: value, key: arnField });
      return mapDefault(origins.inherit({ ...rest, [member]: name }, value));
    };

  const mapperFor = (from: KubernetesObject) =>
    createModelMapper({
      naming: kubernetesNaming,
      origins,
      hooks: {
        VirtualServiceBackend: referenceHook(from, "VirtualService", "virtualServiceRef", "virtualServiceARN", "virtualServiceName"),
        GatewayRouteVirtualService: referenceHook(from, "VirtualService", "virtualServiceRef", "virtualServiceARN", "virtualServiceName"),
        WeightedTarget: referenceHook(from, "VirtualNode", "virtualNodeRef", "virtualNodeARN", "virtualNode"),
        VirtualNodeServiceProvider: referenceHook(from, "VirtualNode", "virtualNodeRef", "virtualNodeARN", "virtualNodeName"),
        VirtualRouterServiceProvider: referenceHook(from, "VirtualRouter", "virtualRouterRef", "virtualRouterARN", "virtualRouterName"),
      },
    });

  /** The spec without the CRD's Kubernetes-only fields, keeping its origin for messages. */
  const modelPart = (kind: CrdKind, object: KubernetesObject, also: string[] = []) => {
    const { used, dropped } = kubernetesOnly[kind];
    const skip = new Set([...used, ...dropped, ...also]);
    const present = dropped.filter((field) => object.spec[field] !== undefined);
    if (present.length > 0) notices.push({ message: `${title(object)}: dropped ${present.join(", ")} (Kubernetes-only, no App Mesh counterpart)`, location: object.location });
    return origins.inherit(Object.fromEntries(Object.entries(object.spec).filter(([key]) => !skip.has(key))), object.spec);
  };

  const mapSpec = (object: KubernetesObject, model: Record<string, unknown>, shape: string) => {
    const mapper = mapperFor(object);
    const spec = mapper.map(model, shape, { container: object.value, key: "spec" }) as Record<string, unknown>;
    mapper.validate(spec, shape);
    return spec;
  };

  const tagsOf = (object: KubernetesObject): Tag[] | undefined => parseTags(object.annotations[tagsAnnotation], object);

  const wanted: WantedResource[] = [];
  const meshOwners = new Map<string, string>();
  for (const mesh of meshObjects) {
    const meshName = awsName("Mesh", mesh);
    if (typeof mesh.spec.meshOwner === "string") meshOwners.set(meshName, mesh.spec.meshOwner);
    const tags = tagsOf(mesh);
    wanted.push({ kind: "mesh", meshName, parentName: "", name: meshName, spec: mapSpec(mesh, modelPart("Mesh", mesh), "MeshSpec"), ...(tags ? { tags } : {}), source: mesh.location });
  }

  const add = (crdKind: Exclude<CrdKind, "Mesh" | "BackendGroup">, build?: (object: KubernetesObject, meshName: string, spec: Record<string, unknown>) => Record<string, unknown>) => {
    for (const object of byKind.get(crdKind)!.values()) {
      const { meshName } = meshOf(object);
      const kind = modelKind[crdKind];
      let model = modelPart(crdKind, object);
      if (build) model = build(object, meshName, model);
      const parentName = crdKind === "GatewayRoute" ? gatewayOf(object) : "";
      const tags = tagsOf(object);
      const owner = meshOwners.get(meshName);
      wanted.push({
        kind,
        meshName,
        parentName,
        name: awsName(crdKind, object),
        spec: mapSpec(object, model, kindDescriptors[kind].specShape),
        ...(tags ? { tags } : {}),
        ...(owner ? { meshOwner: owner } : {}),
        source: object.location,
      });
    }
  };

  const gatewayOf = (route: KubernetesObject): string => {
    const ref = route.spec.virtualGatewayRef;
    if (ref !== undefined) return resolveRef("VirtualGateway", ref, route, { container: route.spec, key: "virtualGatewayRef" });
    const labels = namespaceLabels.get(namespaceOf(route));
    if (!labels) {
      // Without the Namespace its labels are unknown; the one gateway of the route's mesh is the only candidate.
      const inMesh = [...byKind.get("VirtualGateway")!.values()].filter((gateway) => meshOf(gateway).meshName === meshOf(route).meshName);
      if (inMesh.length === 1) {
        notices.push({ message: `${title(route)}: the input has no Namespace ${namespaceOf(route)}; assuming the mesh's only VirtualGateway, ${inMesh[0]!.name}`, location: route.location });
        return awsName("VirtualGateway", inMesh[0]!);
      }
      throw new MigrateError(
        `${title(route)} has no virtualGatewayRef and the input has no Namespace ${namespaceOf(route)}, whose labels a VirtualGateway's namespaceSelector would match`,
        route.location,
      );
    }
    const selecting = [...byKind.get("VirtualGateway")!.values()].filter(
      (gateway) =>
        gateway.spec.namespaceSelector !== undefined &&
        matchesSelector(gateway.spec.namespaceSelector, labels, origins) &&
        (gateway.spec.gatewayRouteSelector === undefined || matchesSelector(gateway.spec.gatewayRouteSelector, route.labels, origins)),
    );
    if (selecting.length !== 1) {
      throw new MigrateError(
        `${title(route)}: ${selecting.length === 0 ? "no VirtualGateway selects it" : `found multiple matching VirtualGateways (${selecting.map((gateway) => gateway.name).join(", ")}), expecting 1`}`,
        route.location,
      );
    }
    return awsName("VirtualGateway", selecting[0]!);
  };

  add("VirtualNode", (node, meshName, model) => {
    const groups = node.spec.backendGroups;
    if (groups === undefined) return model;
    if (!Array.isArray(groups)) throw origins.error("backendGroups must be a list", node.spec, "backendGroups");
    const names = groups.flatMap((group, index) => backendGroupServices(group, node, meshName, { container: groups, key: index }));
    const backends = Array.isArray(model.backends) ? [...model.backends] : [];
    const explicit = new Set(backends.map((backend) => (isObject(backend) && isObject(backend.virtualService) && isObject(backend.virtualService.virtualServiceRef) ? String(backend.virtualService.virtualServiceRef.name) : "")));
    for (const { ref, name } of names) if (!explicit.has(name)) backends.push({ virtualService: { virtualServiceRef: ref } });
    return origins.inherit({ ...model, backends: origins.inherit(backends, model.backends ?? groups) }, model);
  });

  function backendGroupServices(group: unknown, node: KubernetesObject, meshName: string, site: ValueSite): Array<{ ref: Record<string, unknown>; name: string }> {
    if (!isObject(group) || typeof group.name !== "string") throw new MigrateError("a backend group reference is {name, namespace}", origins.locate(site.container, site.key));
    const namespace = typeof group.namespace === "string" ? group.namespace : namespaceOf(node);
    if (group.name === "*") {
      return [...byKind.get("VirtualService")!.values()]
        .filter((service) => namespaceOf(service) === namespace && meshOf(service).meshName === meshName)
        .map((service) => ({ ref: { name: service.name, namespace }, name: service.name }));
    }
    const backendGroup = byKind.get("BackendGroup")!.get(`${namespace}/${group.name}`);
    if (!backendGroup) throw new MigrateError(`BackendGroup ${namespace}/${group.name} is not in the input`, origins.locate(site.container, site.key));
    const services = backendGroup.spec.virtualservices ?? [];
    if (!Array.isArray(services)) throw origins.error("virtualservices must be a list", backendGroup.spec, "virtualservices");
    return services.map((service, index) => {
      if (!isObject(service) || typeof service.name !== "string") throw origins.error("a virtual service reference is {name, namespace}", services, index);
      return { ref: { name: service.name, namespace: typeof service.namespace === "string" ? service.namespace : namespaceOf(backendGroup) }, name: service.name };
    });
  }

  add("VirtualService");
  add("VirtualGateway");
  add("GatewayRoute");
  add("VirtualRouter");

  for (const router of byKind.get("VirtualRouter")!.values()) {
    const routes = router.spec.routes ?? [];
    if (!Array.isArray(routes)) throw origins.error("routes must be a list", router.spec, "routes");
    const { meshName } = meshOf(router);
    const routeTags = parseRouteTags(router.annotations[routeTagsAnnotation], router);
    const owner = meshOwners.get(meshName);
    for (const [index, route] of routes.entries()) {
      if (!isObject(route) || typeof route.name !== "string") throw origins.error("a route needs a name", routes, index);
      const { name, ...model } = route;
      const tags = routeTags?.[name] ?? (routeTags ? [] : undefined);
      wanted.push({
        kind: "route",
        meshName,
        parentName: awsName("VirtualRouter", router),
        name,
        spec: mapSpec(router, origins.inherit(model, route), "RouteSpec"),
        ...(tags ? { tags } : {}),
        ...(owner ? { meshOwner: owner } : {}),
        ...withLocation(origins.locate(routes, index)),
      });
    }
  }
  return wanted;
}

const withLocation = (location: WantedResource["source"]) => (location ? { source: location } : {});
