// The backends a policy sends traffic of its own to (a mirror's shadow, a remote JWKS, an authorization service):
// which references they make (each must exist, and blocks its deletion), and the check, at write time, that each
// resolves to exactly one cluster: a virtual node's listener, or that of the node providing a virtual service.
import { AppMeshError } from "../appmesh/index.js";
import type { ResourceRef, ResourceRow } from "../../db/store.js";
import type { BackendRef, PolicySpec } from "./model/policy-model.js";

/** Every backendRef of a spec with the path it sits at (for messages). */
export function backendRefsOf(spec: PolicySpec): { ref: BackendRef; path: string; http2: boolean }[] {
  const found: { ref: BackendRef; path: string; http2: boolean }[] = [];
  if (spec.mirror) found.push({ ref: spec.mirror.backendRef, path: "spec.mirror.backendRef", http2: false });
  spec.jwt?.providers?.forEach((provider, index) => {
    if (provider.jwks.remote) found.push({ ref: provider.jwks.remote.backendRef, path: `spec.jwt.providers[${index}].jwks.remote.backendRef`, http2: false });
  });
  const authz = spec.externalAuthorization;
  if (authz?.backendRef) found.push({ ref: authz.backendRef, path: "spec.externalAuthorization.backendRef", http2: authz.protocol === "GRPC" });
  return found;
}

/** App Mesh references (kind and name) the backends make: deleting one of these is refused while the policy exists. */
export function backendReferences(spec: PolicySpec): ResourceRef[] {
  const refs = new Map<string, ResourceRef>();
  for (const { ref } of backendRefsOf(spec)) {
    const one: ResourceRef = ref.virtualNode ? { toKind: "virtualNode", toName: ref.virtualNode.virtualNodeName } : { toKind: "virtualService", toName: ref.virtualService!.virtualServiceName };
    refs.set(`${one.toKind}/${one.toName}`, one);
  }
  return [...refs.values()];
}

interface ListenerSpec {
  portMapping: { port: number; protocol: string };
}

/** Looks a resource of the mesh up by kind and name. */
export type ResourceLookup = (kind: "virtualNode" | "virtualService", name: string) => Promise<ResourceRow | null>;

const notFound = (message: string) => new AppMeshError("NotFoundException", message);
const refuse = (message: string) => new AppMeshError("BadRequestException", message);

/** Refuses a backendRef that does not resolve to exactly one listener of one virtual node. */
export async function checkBackendRef(entry: { ref: BackendRef; path: string; http2: boolean }, meshName: string, lookup: ResourceLookup): Promise<void> {
  const { ref, path } = entry;
  let nodeName: string;
  let port: number | undefined;
  let via = "";
  if (ref.virtualService) {
    const service = await lookup("virtualService", ref.virtualService.virtualServiceName);
    if (!service) throw notFound(`Virtual service ${ref.virtualService.virtualServiceName} referenced by '${path}' was not found in mesh ${meshName}.`);
    const provider = (service.spec as { provider?: { virtualNode?: { virtualNodeName: string }; virtualRouter?: { virtualRouterName: string } } }).provider;
    if (!provider?.virtualNode) {
      throw refuse(
        `'${path}' names virtual service ${ref.virtualService.virtualServiceName}, which is ${provider?.virtualRouter ? `provided by virtual router ${provider.virtualRouter.virtualRouterName}` : "without a provider"}; a policy's backend needs one cluster: a service provided by a virtual node, or a virtualNode reference.`,
      );
    }
    nodeName = provider.virtualNode.virtualNodeName;
    port = ref.virtualService.port;
    via = ` (the provider of ${ref.virtualService.virtualServiceName})`;
  } else {
    nodeName = ref.virtualNode!.virtualNodeName;
    port = ref.virtualNode!.port;
  }
  const node = await lookup("virtualNode", nodeName);
  if (!node) throw notFound(`Virtual node ${nodeName}${via} referenced by '${path}' was not found in mesh ${meshName}.`);
  const nodeSpec = node.spec as { listeners?: ListenerSpec[]; serviceDiscovery?: unknown };
  const listeners = nodeSpec.listeners ?? [];
  const listener = port === undefined ? (listeners.length === 1 ? listeners[0] : undefined) : listeners.find((l) => l.portMapping.port === port);
  if (!listener) {
    throw refuse(
      port === undefined
        ? `'${path}' must name a port: virtual node ${nodeName}${via} has ${listeners.length} listeners.`
        : `'${path}' names port ${port}, but virtual node ${nodeName}${via} has no listener on it.`,
    );
  }
  if (!nodeSpec.serviceDiscovery) throw refuse(`'${path}': virtual node ${nodeName}${via} has no service discovery, so nothing can reach it.`);
  if (listener.portMapping.protocol === "tcp") throw refuse(`'${path}': virtual node ${nodeName}${via} listens with tcp on port ${listener.portMapping.port}; a policy's backend speaks HTTP.`);
  if (entry.http2 && listener.portMapping.protocol === "http") {
    throw refuse(`'${path}': a gRPC authorization service needs an http2 or grpc listener; virtual node ${nodeName}${via} listens with http on port ${listener.portMapping.port}.`);
  }
}
