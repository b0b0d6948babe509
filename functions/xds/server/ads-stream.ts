// What the two ADS stream kinds share (sotw-stream.ts, delta-stream.ts): the node and its cache watch, one
// Subscription per type, nonces, wake-ups, and reporting to the observer. One stream is a reader task applying
// requests to its subscriptions, and the service's send loop asking `nextResponse()` for whatever those and the
// node's latest snapshot call for. Nothing is queued: a slow proxy only ever has "the latest snapshot" pending, one
// response per type at most, so it delays no one.
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
import type { StreamInfo, StreamProtocol, XdsObserver } from "./observer.js";
import type { StreamIdentity } from "./stream-identity.js";
import { Subscription } from "./subscription.js";

const typeByUrl = new Map<string, ResourceType>(Object.entries(TypeUrl).map(([type, url]) => [url, type as ResourceType]));

/** Wakes one waiter; a notify with no waiter is remembered until the next wait. */
export class Signal {
  #resolve: (() => void) | null = null;
  #pending = false;
  notify(): void {
    const resolve = this.#resolve;
    if (resolve) {
      this.#resolve = null;
      resolve();
    } else this.#pending = true;
  }
  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.#resolve = resolve));
  }
}

/**
 * The longest grpc-message a stream ends with. Messages quote what the client sent (its node id); unbounded, a
 * 100 KB node id made a trailer larger than the HTTP/2 frame size, and the session, with every stream the client
 * multiplexes on it, ended in FRAME_SIZE_ERROR instead of the one stream in INVALID_ARGUMENT.
 */
const MAX_STATUS_MESSAGE = 1024;
const bounded = (message: string) => (message.length <= MAX_STATUS_MESSAGE ? message : `${message.slice(0, MAX_STATUS_MESSAGE - 1)}…`);

/** Anything thrown while serving a stream, as the status the stream ends with. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof NodeIdError) return new ConnectError(bounded(error.message), Code.InvalidArgument);
  if (error instanceof MeshUnavailableError) return new ConnectError(bounded(error.message), Code.Unavailable);
  if (error instanceof ConnectError) return error.rawMessage.length <= MAX_STATUS_MESSAGE ? error : new ConnectError(bounded(error.rawMessage), error.code);
  return new ConnectError(bounded(error instanceof Error ? error.message : String(error)), Code.Internal);
}

export interface AdsStreamOptions {
  id: number;
  peerAddress: string;
  identity: StreamIdentity | null;
  cache: Pick<XdsCache, "watch">;
  observer: XdsObserver;
  controlPlaneId: string;
}

export abstract class AdsStream<Req extends DiscoveryRequest | DeltaDiscoveryRequest, Res extends DiscoveryResponse | DeltaDiscoveryResponse> {
  readonly signal = new Signal();
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

  /** Applies one request to the subscription of its type (the node is already known and watched). */
  protected abstract apply(request: Req, subscription: Subscription): void;
  /** The next response the subscriptions and the snapshot call for, or null when nothing can be sent now. */
  abstract nextResponse(): Res | null;

  /** Reads the client's requests until it stops or the stream closes; a failure ends the stream with its status. */
  async read(requests: AsyncIterable<Req>): Promise<void> {
    try {
      for await (const request of requests) {
        if (this.ended) break;
        if (!this.#info.node) this.#identify(request.node);
        this.options.observer.onStreamRequest(this.info, request);
        if (!this.#watch) await this.#rewatch({});
        // A type meshplane does not serve has no subscription: nothing will ever be sent for it.
        const subscription = this.#subscriptionFor(request.typeUrl);
        if (subscription) {
          this.apply(request, subscription);
          // The names of a named LDS subscription are API listeners (proxyless gRPC): the node's translation depends on them.
          if (subscription.type === "listener") await this.#rewatch(subscription.nodeRequest());
        }
        this.signal.notify();
      }
    } catch (error) {
      this.failure = toConnectError(error);
    } finally {
      this.ended = true;
      this.signal.notify();
    }
  }

  close(): void {
    this.ended = true;
    this.#watch?.cancel();
    this.signal.notify();
  }

  #identify(node: Node | undefined): void {
    if (!node || node.id === "") throw new ConnectError("the first request of a stream must carry node.id", Code.InvalidArgument);
    this.#info.node = node;
    this.options.observer.onStreamNode(this.info, node);
  }

  /** (Re)creates the node's watch for what a request needs beyond the node (the API listeners of a named LDS subscription). */
  async #rewatch(request: NodeRequest): Promise<void> {
    const key = (request.apiListeners ?? []).join("\u0000");
    if (this.#watch && key === this.#apiListenersKey) return;
    const generation = ++this.#watchGeneration;
    let watch: NodeWatch;
    try {
      watch = await this.options.cache.watch(
        this.#info.node!,
        (snapshot) => {
          if (generation !== this.#watchGeneration) return;
          this.snapshot = snapshot;
          this.#changedAt ??= snapshot.changedAt;
          this.signal.notify();
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
   * Records a response as sent and reports it: `build` makes the message from the nonce it is given. `pushed`: the
   * response carries a snapshot change, rather than answering a (re)subscription.
   */
  protected respond(subscription: Subscription, version: string, pushed: boolean, build: (nonce: string) => Res): Res {
    const nonce = (++this.#nonceCounter).toString(36);
    subscription.responseOwed = false;
    subscription.nonce = nonce;
    subscription.sentVersion = version;
    subscription.awaitingAck = true;
    const message = build(nonce);
    this.options.observer.onStreamResponse(this.info, { typeUrl: subscription.typeUrl, version, nonce, changedAt: pushed ? this.#changedAt : null, message });
    return message;
  }

  /** Nothing is left to send: the next snapshot starts a new push. */
  protected settled(): void {
    this.#changedAt = null;
  }
}
