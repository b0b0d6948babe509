// What the two ADS stream kinds share (sotw-stream.ts, delta-stream.ts): the node and its cache watch, one
// Subscription per type, nonces, wake-ups, and reporting to the observer. The transport hands a stream each request
// as it arrives (`receive`, applied in order); whenever a request or a new snapshot may call for a response the
// stream asks the service to flush it (`wake`), and the service asks `nextResponse()` for whatever the subscriptions
// and the node's latest snapshot call for. Nothing is queued on the way out: a slow proxy only ever has "the latest
// snapshot" pending, one response per type at most, so it delays no one.
import { Code, ConnectError } from "@connectrpc/connect";
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { Status } from "../../../proto/gen/google/rpc/status_pb.js";
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { NodeWatch, XdsCache } from "../cache/cache.js";
import { MeshUnavailableError, NodeIdError, type NodeRequest, type NodeSnapshot } from "../cache/types.js";
import { TypeUrl, type ResourceType } from "../../envoy/index.js";
import type { SentResponse, StreamInfo, StreamProtocol, XdsObserver } from "./observer.js";
import { boundStatusMessage, MAX_STATUS_MESSAGE_LENGTH } from "./grpc-framing.js";
import type { ResponseEncodings } from "./response-encoding.js";
import type { StreamIdentity } from "./stream-identity.js";
import { Subscription } from "./subscription.js";

const typeByUrl = new Map<string, ResourceType>(Object.entries(TypeUrl).map(([type, url]) => [url, type as ResourceType]));

/** Anything thrown while serving a stream, as the status the stream ends with. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof NodeIdError) return new ConnectError(boundStatusMessage(error.message), Code.InvalidArgument);
  if (error instanceof MeshUnavailableError) return new ConnectError(boundStatusMessage(error.message), Code.Unavailable);
  if (error instanceof ConnectError) return error.rawMessage.length <= MAX_STATUS_MESSAGE_LENGTH ? error : new ConnectError(boundStatusMessage(error.rawMessage), error.code);
  return new ConnectError(boundStatusMessage(error instanceof Error ? error.message : String(error)), Code.Internal);
}

export interface AdsStreamOptions {
  id: number;
  peerAddress: string;
  identity: StreamIdentity | null;
  cache: Pick<XdsCache, "watch">;
  observer: XdsObserver;
  encodings: ResponseEncodings;
  /** Called when the stream may have something to send, or has ended: the service then flushes it (soon, not now). */
  wake: () => void;
}

/** A response ready for the transport: the message (for observers; may be built when first read) and its encoding in parts, to be sent in order. */
export interface OutgoingResponse<Res> {
  readonly message: Res;
  readonly parts: readonly Uint8Array[];
}

/**
 * A response as observers see it. The message is built only for an observer that reads it: a push storm sends bytes,
 * and most observers count. (A class, not an object literal with a getter: one is made per response of a storm.)
 */
class ReportedResponse<Res extends DiscoveryResponse | DeltaDiscoveryResponse> implements SentResponse {
  readonly #response: OutgoingResponse<Res>;
  constructor(
    readonly typeUrl: string,
    readonly version: string,
    readonly nonce: string,
    readonly changedAt: number | null,
    response: OutgoingResponse<Res>,
  ) {
    this.#response = response;
  }
  get message(): Res {
    return this.#response.message;
  }
}

export abstract class AdsStream<Req extends DiscoveryRequest | DeltaDiscoveryRequest, Res extends DiscoveryResponse | DeltaDiscoveryResponse> {
  readonly subscriptions = new Map<ResourceType, Subscription>();
  snapshot: NodeSnapshot | null = null;
  failure: ConnectError | null = null;
  ended = false;
  readonly #info: { -readonly [K in keyof StreamInfo]: StreamInfo[K] };
  #watch: NodeWatch | null = null;
  #apiListenersKey = "";
  #watchGeneration = 0;
  #nonceCounter = 0;
  /** When the earliest snapshot not yet fully pushed was produced (responses it causes count toward push latency). */
  #changedAt: number | null = null;
  /**
   * The last `nextResponse()` found nothing to send, and no snapshot arrived since: a request that changes no
   * selection cannot make it send anything (after a push storm, a thousand ACKs need no flush).
   */
  #settled = false;
  /** The request being applied may call for a response (set by `#applyToSubscription`). */
  #mayRespond = false;
  /** Requests received while an earlier one is still being applied (its node's watch may be loading). */
  readonly #queue: Req[] = [];
  #applying = false;
  #finished = false;

  constructor(
    protected readonly options: AdsStreamOptions,
    protocol: StreamProtocol,
  ) {
    this.#info = { id: options.id, protocol, peerAddress: options.peerAddress, node: null, identity: options.identity };
  }

  /** This stream as observers see it. */
  get info(): StreamInfo {
    return this.#info;
  }

  /**
   * Applies one request to the subscription of its type (the node is already known and watched). Returns false when
   * the request cannot call for a response by itself (a stale one, an ACK or NACK that leaves the selection as it
   * was); a stream with nothing left to send then is not flushed for it.
   */
  protected abstract apply(request: Req, subscription: Subscription): boolean;
  /** The next response the subscriptions and the snapshot call for, or null when nothing can be sent now. */
  abstract nextResponse(): OutgoingResponse<Res> | null;

  /**
   * The next request of the client; requests are applied one after the other, in the order they arrive. Most (an ACK)
   * are applied at once; one that needs the node's watch first waits for it, and later ones queue behind it.
   */
  receive(request: Req): void {
    if (this.ended) return;
    if (this.#applying) {
      this.#queue.push(request);
      return;
    }
    let waiting: Promise<void> | undefined;
    this.#mayRespond = false;
    try {
      waiting = this.#applyOne(request);
    } catch (error) {
      return this.#fail(error);
    }
    if (waiting) {
      this.#applying = true;
      waiting.then(() => this.#applyQueued(), (error: unknown) => this.#fail(error));
    } else if (this.#mayRespond || !this.#settled) this.options.wake();
  }

  #fail(error: unknown): void {
    this.#applying = false;
    this.failure = toConnectError(error);
    this.#end();
  }

  /**
   * The client will send nothing more: once what it sent is applied, the stream sends what that calls for and ends
   * (OK). Nothing it sends afterwards could be acknowledged.
   */
  finish(): void {
    this.#finished = true;
    if (!this.#applying) this.#end();
  }

  /** The client half-closed: the service sends what is owed before ending the stream. */
  get halfClosed(): boolean {
    return this.#finished;
  }


  /** Applies what queued while a request waited for the node's watch. */
  async #applyQueued(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.ended) await this.#applyOne(this.#queue.shift()!);
    } catch (error) {
      return this.#fail(error);
    }
    this.#applying = false;
    if (this.#finished) this.#end();
    this.options.wake();
  }

  /** Applies one request; returns a promise only when it has to wait for the node's watch. */
  #applyOne(request: Req): Promise<void> | undefined {
    if (!this.#info.node) this.#identify(request.node);
    this.options.observer.onStreamRequest(this.info, request);
    if (!this.#watch) return this.#rewatch({})!.then(() => this.#applyToSubscription(request));
    return this.#applyToSubscription(request);
  }

  #applyToSubscription(request: Req): Promise<void> | undefined {
    // A type meshplane does not serve has no subscription: nothing will ever be sent for it.
    const subscription = this.#subscriptionFor(request.typeUrl);
    if (!subscription) return undefined;
    if (this.apply(request, subscription)) this.#mayRespond = true;
    // The names of a named LDS subscription are API listeners (proxyless gRPC): the node's translation depends on them.
    return subscription.type === "listener" ? this.#rewatch(subscription.nodeRequest()) : undefined;
  }

  #end(): void {
    if (this.ended) return;
    this.ended = true;
    this.#watch?.cancel();
    this.options.wake();
  }

  /** Ends the stream from outside (the client went away, the server drains): its watch is cancelled. */
  close(): void {
    this.#end();
  }

  #identify(node: Node | undefined): void {
    if (!node || node.id === "") throw new ConnectError("the first request of a stream must carry node.id", Code.InvalidArgument);
    this.#info.node = node;
    this.options.observer.onStreamNode(this.info, node);
  }

  /**
   * (Re)creates the node's watch for what a request needs beyond the node (the API listeners of a named LDS
   * subscription); undefined when the current watch already serves it.
   */
  #rewatch(request: NodeRequest): Promise<void> | undefined {
    const key = (request.apiListeners ?? []).join("\u0000");
    if (this.#watch && key === this.#apiListenersKey) return undefined;
    return this.#watchFor(request, key);
  }

  async #watchFor(request: NodeRequest, key: string): Promise<void> {
    const generation = ++this.#watchGeneration;
    let watch: NodeWatch;
    try {
      watch = await this.options.cache.watch(
        this.#info.node!,
        (snapshot) => {
          if (generation !== this.#watchGeneration) return;
          this.snapshot = snapshot;
          this.#settled = false;
          this.#changedAt ??= snapshot.changedAt;
          this.options.wake();
        },
        request,
      );
    } catch (error) {
      throw toConnectError(error);
    }
    this.#watch?.cancel();
    this.#watch = watch;
    this.#apiListenersKey = key;
    this.snapshot = watch.snapshot;
    this.#settled = false;
    if (this.ended) watch.cancel();
  }

  /** The subscription a request's type URL names, created on first use; undefined for a type meshplane does not serve. */
  #subscriptionFor(typeUrl: string): Subscription | undefined {
    const type = typeByUrl.get(typeUrl);
    if (!type) return undefined;
    let subscription = this.subscriptions.get(type);
    if (!subscription) {
      subscription = new Subscription(type);
      this.subscriptions.set(type, subscription);
    }
    return subscription;
  }

  /** A request answered the last response of `subscription`: with `errorDetail` it rejected it, otherwise it accepted `version`. */
  protected answered(subscription: Subscription, errorDetail: Status | undefined, version: string | null): void {
    subscription.awaitingAck = false;
    const { typeUrl } = subscription;
    if (errorDetail) {
      this.options.observer.onStreamNack(this.info, { typeUrl, version: subscription.sentVersion, message: errorDetail.message || `code ${errorDetail.code}` });
    } else {
      subscription.ackedVersion = version;
      this.options.observer.onStreamAck(this.info, { typeUrl, version });
    }
  }

  /**
   * Records a response as sent and reports it: `build` makes the message and its encoding from the nonce it is given.
   * `pushed`: the response carries a snapshot change, rather than answering a (re)subscription.
   */
  protected respond(subscription: Subscription, version: string, pushed: boolean, build: (nonce: string) => OutgoingResponse<Res>): OutgoingResponse<Res> {
    const nonce = (++this.#nonceCounter).toString(36);
    subscription.responseOwed = false;
    subscription.nonce = nonce;
    subscription.sentVersion = version;
    subscription.awaitingAck = true;
    const response = build(nonce);
    this.options.observer.onStreamResponse(this.info, new ReportedResponse(subscription.typeUrl, version, nonce, pushed ? this.#changedAt : null, response));
    return response;
  }

  /** Nothing is left to send: the next snapshot starts a new push. */
  protected settled(): void {
    this.#changedAt = null;
    this.#settled = true;
  }
}
