// StreamAggregatedResources, state of the world (as go-control-plane models it in pkg/server/sotw/v3): per type, the
// version is the content hash of what the subscription selects; a response is sent when it differs from the last one
// sent, and only after the previous response of that type was ACKed or NACKed (its nonce came back). A NACK leaves
// the proxy on its last accepted version; the rejected version is not resent; the next different version is.
// Requests carrying a nonce other than the last one sent for the type are stale and ignored. Pending types go out in
// make-before-break order.
import type { DiscoveryRequest, DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { pushOrder } from "../../envoy/index.js";
import { AdsStream, type AdsStreamOptions, type OutgoingResponse } from "./ads-stream.js";
import type { Subscription } from "./subscription.js";

export class SotwStream extends AdsStream<DiscoveryRequest, DiscoveryResponse> {
  constructor(options: AdsStreamOptions) {
    super(options, "sotw");
  }

  protected apply(request: DiscoveryRequest, subscription: Subscription): void {
    if (request.responseNonce !== "") {
      if (!subscription.answers(request.responseNonce)) return; // stale: superseded by a response the proxy has not seen yet
      this.answered(subscription, request.errorDetail, request.versionInfo);
    } else {
      // No nonce: the first request of this type on the stream (or a proxy restarting its subscription).
      subscription.responseOwed = true;
      subscription.awaitingAck = false;
    }
    subscription.setResourceNames(request.resourceNames);
  }

  nextResponse(): OutgoingResponse<DiscoveryResponse> | null {
    const snapshot = this.snapshot;
    if (!snapshot) return null;
    for (const type of pushOrder) {
      const subscription = this.subscriptions.get(type);
      if (!subscription?.requested) continue;
      const resources = snapshot.types[type];
      const version = subscription.versionOf(resources);
      if (!subscription.responseOwed && version === subscription.sentVersion) continue;
      // Make-before-break: while an earlier type has a newer version queued behind an unanswered response, later
      // types wait too, so e.g. routes never reach a proxy before the clusters they name.
      if (subscription.awaitingAck) return null;
      const pushed = !subscription.responseOwed;
      // Encoded once per (node, type, version, selection); this stream adds only its nonce.
      const encoded = this.options.encodings.sotw({ subscription, resources, version });
      return this.respond(subscription, version, pushed, (nonce) => ({
        get message() {
          return { ...encoded.message, nonce };
        },
        parts: [this.options.encodings.sotwNonce(nonce), encoded.bytes],
      }));
    }
    this.settled();
    return null;
  }
}
