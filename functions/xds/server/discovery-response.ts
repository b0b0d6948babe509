// A state-of-the-world DiscoveryResponse built from the cache: the one place where the ADS stream and REST xDS turn
// a node's resources of one type and a subscription into the message they send ("compute first, then send"). Pure:
// same input, same message, and nothing in it belongs to one stream (a stream stamps its nonce on a shallow copy),
// so one message per node, type and version could serve every stream that needs it.
import { create } from "@bufbuild/protobuf";
import { DiscoveryResponseSchema, type DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { CachedResource, TypeResources } from "../cache/types.js";
import type { Subscription } from "./subscription.js";

/** What a subscription selects from one type: everything (wildcard), or the named resources that exist, in name order. */
export function selectResources(resources: TypeResources, subscription: Pick<Subscription, "wildcard" | "names">): CachedResource[] {
  if (subscription.wildcard) return [...resources.resources.values()];
  const selected: CachedResource[] = [];
  for (const name of [...subscription.names].sort()) {
    const resource = resources.resources.get(name);
    if (resource) selected.push(resource);
  }
  return selected;
}

/** The resources `subscription` selects from `resources` whose version differs from (or is missing in) `held`, in name order. */
export function changedResources(subscription: Pick<Subscription, "names">, held: TypeResources, resources: TypeResources): CachedResource[] {
  const changed: CachedResource[] = [];
  for (const name of [...subscription.names].sort()) {
    const resource = resources.resources.get(name);
    if (resource && held.resources.get(name)?.version !== resource.version) changed.push(resource);
  }
  return changed;
}

export interface DiscoveryResponseInput {
  subscription: Pick<Subscription, "typeUrl" | "wildcard" | "names" | "selectionKey">;
  /** The node's resources of the subscription's type. */
  resources: TypeResources;
  /** `subscriptionVersion(resources, …)`: computed first, since a stream sends only when it moved. */
  version: string;
  controlPlaneId: string;
}

/** `selected`: `selectResources(input.resources, input.subscription)` when the caller has it already. */
export function createDiscoveryResponse(input: DiscoveryResponseInput, selected = selectResources(input.resources, input.subscription)): DiscoveryResponse {
  return create(DiscoveryResponseSchema, {
    versionInfo: input.version,
    typeUrl: input.subscription.typeUrl,
    resources: selected.map((resource) => resource.any),
    controlPlane: { identifier: input.controlPlaneId },
  });
}
