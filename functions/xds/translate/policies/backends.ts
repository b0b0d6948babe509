// A policy's backendRef → the one egress cluster it reaches: a virtual node's listener, or that of the node that
// provides a virtual service (the API refuses others; a provider changed since then makes the reference resolve to
// nothing, and the feature that needs it is left out).
import type { BackendRef } from "../../../policies/index.js";
import type { MeshIndex } from "../mesh-index.js";
import { resolveTarget, type ClusterRef } from "../service-routes.js";

export function resolveBackend(index: MeshIndex, ref: BackendRef): ClusterRef | undefined {
  if (ref.virtualNode) return resolveTarget(index, ref.virtualNode.virtualNodeName, ref.virtualNode.port);
  const service = index.virtualServices.get(ref.virtualService!.virtualServiceName);
  const provider = service?.spec.provider?.virtualNode?.virtualNodeName;
  return provider === undefined ? undefined : resolveTarget(index, provider, ref.virtualService!.port);
}

/** The authority a backend is addressed by: the virtual service's name (or the node's), with the port. */
export function backendAuthority(ref: BackendRef, cluster: ClusterRef | undefined): string {
  const name = ref.virtualService?.virtualServiceName ?? ref.virtualNode!.virtualNodeName;
  const port = cluster?.listener.portMapping.port ?? ref.virtualService?.port ?? ref.virtualNode?.port;
  return port === undefined ? name : `${name}:${port}`;
}

/**
 * The cluster a security policy calls. When its backend no longer resolves (its provider changed) the name of a
 * cluster that does not exist is used instead, so that calls fail and the policy fails closed: requests are
 * refused rather than let through unchecked.
 */
export function securityBackend(index: MeshIndex, ref: BackendRef, policyName: string): { name: string; cluster: ClusterRef | undefined } {
  const cluster = resolveBackend(index, ref);
  return { name: cluster?.name ?? `meshplane_unresolved_${policyName}`, cluster };
}
