// StreamAggregatedResources, state of the world (as go-control-plane models it in pkg/server/sotw/v3): per type, the
// version is the content hash of what the subscription selects; a response is sent when it differs from the last one
// sent, and only after the previous response of that type was ACKed or NACKed (its nonce came back). A NACK leaves
// the proxy on its last accepted version; the rejected version is not resent; the next different version is.
// Requests carrying a nonce other than the last one sent for the type are stale and ignored. Pending types go out in
// make-before-break order.
//
// RDS and EDS responses are incremental (functions/envoy/sotw-incremental.ts): a push of a named RDS or EDS
// subscription carries only the resources that differ from what the client holds, and nodes whose changes are the
// very same resources share one encoding. A response answering a request without a nonce, a changed selection or a
// NACK carries everything the subscription selects.
import type { DiscoveryRequest, DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { KEEPS_SOTW_INCREMENTAL_RESOURCES, SOTW_INCREMENTAL_TYPES, pushOrder } from "../../envoy/index.js";
import { AdsStream, type AdsStreamOptions, type OutgoingResponse } from "./ads-stream.js";
import type { EncodedResponse } from "./response-encoding.js";
import type { Subscription } from "./subscription.js";

/**
 * Clients that take every state-of-the-world response as the whole set of its type, RDS and EDS included: meshplane
 * gateways older than KEEPS_SOTW_INCREMENTAL_RESOURCES replaced their routes and endpoints with each response. They
 * keep receiving complete responses.
 */
const REPLACING_CLIENTS: ReadonlySet<string> = new Set(["meshplane-gateway"]);

export class SotwStream extends AdsStream<DiscoveryRequest, DiscoveryResponse> {
  #keepsResources: boolean | undefined;

  constructor(options: AdsStreamOptions) {
    super(options, "sotw");
  }

  /** Whether the client keeps RDS and EDS resources across responses (every xDS client but older meshplane gateways). */
  get #incrementalClient(): boolean {
    const node = this.info.node;
    return (this.#keepsResources ??= !REPLACING_CLIENTS.has(node?.userAgentName ?? "") || (node?.clientFeatures.includes(KEEPS_SOTW_INCREMENTAL_RESOURCES) ?? false));
  }

  protected apply(request: DiscoveryRequest, subscription: Subscription): boolean {
    if (request.responseNonce !== "") {
      if (!subscription.answers(request.responseNonce)) return false; // stale: superseded by a response the proxy has not seen yet
      this.answered(subscription, request.errorDetail, request.versionInfo);
      // A rejected response may have been applied in part (Envoy hands each RDS/EDS resource to its own watch):
      // what the client holds is unknown, so the next response carries every resource it selects.
      if (request.errorDetail) subscription.held = null;
      // An answer owes nothing by itself: it only lets a newer version out, which a settled stream does not have
      // (the rejected version is not resent).
      return subscription.setResourceNames(request.resourceNames);
    }
    // No nonce: the first request of this type on the stream (or a proxy restarting its subscription).
    subscription.responseOwed = true;
    subscription.awaitingAck = false;
    subscription.held = null;
    subscription.setResourceNames(request.resourceNames);
    return true;
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
      const incremental = SOTW_INCREMENTAL_TYPES.has(type) && !subscription.wildcard && this.#incrementalClient;
      const held = pushed && incremental ? subscription.held : null;
      subscription.held = incremental ? resources : null;
      const { encodings } = this.options;
      if (held) {
        // Shared by every stream whose changes are these very resources; this stream adds its nonce and version.
        const { encoded, versionField } = encodings.sotwChanges({ subscription, held, resources, version });
        return this.respond(subscription, version, pushed, (nonce) => new SharedResponse(encoded, [encodings.sotwNonce(nonce), versionField, encoded.bytes], nonce, version));
      }
      // Encoded once per (node, type, version, selection); this stream adds only its nonce.
      const encoded = encodings.sotw({ subscription, resources, version });
      return this.respond(subscription, version, pushed, (nonce) => new SharedResponse(encoded, [encodings.sotwNonce(nonce), encoded.bytes], nonce, null));
    }
    this.settled();
    return null;
  }
}

/**
 * A stream's response from a shared encoding: its parts on the wire, and the message with this stream's nonce (and
 * version, when the shared encoding has none) built when read. A class, not an object literal with a getter: one is
 * made per stream of a push storm.
 */
class SharedResponse implements OutgoingResponse<DiscoveryResponse> {
  constructor(
    readonly encoded: EncodedResponse,
    readonly parts: readonly Uint8Array[],
    readonly nonce: string,
    /** The version this stream adds to an encoding without one (a push of changes); null when the encoding has it. */
    readonly versionInfo: string | null,
  ) {}
  get message(): DiscoveryResponse {
    const { nonce, versionInfo } = this;
    return versionInfo === null ? { ...this.encoded.message, nonce } : { ...this.encoded.message, versionInfo, nonce };
  }
}
