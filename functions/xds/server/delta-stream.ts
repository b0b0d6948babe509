// DeltaAggregatedResources, incremental xDS (as go-control-plane models it in pkg/server/delta/v3): per type, the
// stream remembers which version of each resource the proxy holds and sends only what was added, changed or removed
// among the resources it subscribed to, plus the names it (re)subscribed to explicitly. Responses are not held for
// ACKs; an ACK or NACK is recorded when its nonce is the last one sent for the type.
// https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#incremental-xds
import { create } from "@bufbuild/protobuf";
import {
  DeltaDiscoveryResponseSchema,
  ResourceSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { CachedResource, TypeResources } from "../cache/types.js";
import { pushOrder } from "../../envoy/index.js";
import { AdsStream, type AdsStreamOptions, type OutgoingResponse } from "./ads-stream.js";
import type { Subscription } from "./subscription.js";

/** What the proxy must hear about for one type: resources it lacks or holds in another version, and names gone. */
export function resourceChanges(subscription: Subscription, resources: TypeResources): { added: CachedResource[]; removed: string[] } {
  const added: CachedResource[] = [];
  for (const resource of resources.resources.values()) {
    if (!subscription.isSubscribed(resource.name)) continue;
    if (subscription.returned.get(resource.name) !== resource.version || subscription.resubscribed.has(resource.name)) added.push(resource);
  }
  const removed: string[] = [];
  for (const name of subscription.returned.keys()) if (!resources.resources.has(name) || !subscription.isSubscribed(name)) removed.push(name);
  for (const name of subscription.resubscribed) if (!resources.resources.has(name) && !subscription.returned.has(name)) removed.push(name);
  return { added, removed };
}

export class DeltaStream extends AdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  constructor(options: AdsStreamOptions) {
    super(options, "delta");
  }

  protected apply(request: DeltaDiscoveryRequest, subscription: Subscription): boolean {
    if (request.responseNonce !== "" && subscription.answers(request.responseNonce)) this.answered(subscription, request.errorDetail, subscription.sentVersion);
    subscription.updateResourceNames(request.resourceNamesSubscribe, request.resourceNamesUnsubscribe, request.initialResourceVersions);
    return true;
  }

  nextResponse(): OutgoingResponse<DeltaDiscoveryResponse> | null {
    const snapshot = this.snapshot;
    if (!snapshot) return null;
    for (const type of pushOrder) {
      const subscription = this.subscriptions.get(type);
      if (!subscription) continue;
      const resources = snapshot.types[type];
      const { added, removed } = resourceChanges(subscription, resources);
      if (added.length === 0 && removed.length === 0 && !subscription.responseOwed) continue;
      const pushed = !subscription.responseOwed && subscription.resubscribed.size === 0;
      subscription.resubscribed.clear();
      for (const resource of added) subscription.returned.set(resource.name, resource.version);
      for (const name of removed) subscription.returned.delete(name);
      const { typeUrl } = subscription;
      return this.respond(subscription, resources.version, pushed, (nonce) => ({
        message: create(DeltaDiscoveryResponseSchema, {
          systemVersionInfo: resources.version,
          typeUrl,
          nonce,
          resources: added.map((resource) => create(ResourceSchema, { name: resource.name, version: resource.version, resource: resource.any })),
          removedResources: removed,
          controlPlane: { identifier: this.options.encodings.controlPlaneId },
        }),
        // Each resource's bytes are encoded once for every stream that receives them.
        parts: [this.options.encodings.delta({ systemVersionInfo: resources.version, typeUrl, nonce, resources: added, removed })],
      }));
    }
    this.settled();
    return null;
  }
}
