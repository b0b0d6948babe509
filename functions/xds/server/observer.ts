// What the xDS server tells the rest of the control plane: go-control-plane's `Callbacks`
// (envoyproxy/go-control-plane:pkg/server/v3/server.go). The ADS streams and the REST xDS handler report every stream
// event to one XdsObserver (usually the list `createObserverList` makes) and call nothing else outside themselves;
// the metrics (metrics.ts) and the proxy registry behind the status endpoint (proxies.ts) are observers.
//
// Every hook is called synchronously, on the stream's own task, in the order the events happen on that stream, and
// the list calls its observers in list order. A hook returns quickly and does not throw: it runs between reading a
// request and answering it, and a throw ends the stream with INTERNAL. An observer that does I/O starts it and returns.
import type { ConnectError } from "@connectrpc/connect";
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { StreamIdentity } from "./stream-identity.js";

/** The two ADS protocols: state of the world (StreamAggregatedResources) and incremental (DeltaAggregatedResources). */
export type StreamProtocol = "sotw" | "delta";

/** One ADS stream as observers see it. The stream owns it; observers read it and never change it. */
export interface StreamInfo {
  /** Unique within one ADS service, counting from 1; the status endpoint shows it as `streamId`. */
  readonly id: number;
  readonly protocol: StreamProtocol;
  /** The peer's "ip:port" as the transport reported it, or "unknown". */
  readonly peerAddress: string;
  /** The node of the stream's first request; null until `onStreamNode`. */
  readonly node: Node | null;
  /**
   * Who the proxy proved to be, as the service's admission established it (`AdsAdmission`) before
   * the stream opened; null when nothing authenticates streams.
   */
  readonly identity: StreamIdentity | null;
}

/** A response the stream is about to send. */
export interface SentResponse {
  readonly typeUrl: string;
  /** `version_info` (state of the world) or `system_version_info` (delta). */
  readonly version: string;
  readonly nonce: string;
  /**
   * `performance.now()` when the cache saw the store change this response carries to the proxy (push latency runs
   * from here); null when the response answers a request (a first request, a changed subscription) instead.
   */
  readonly changedAt: number | null;
  /** The message as it goes on the wire; shared with the transport, never to be changed. */
  readonly message: DiscoveryResponse | DeltaDiscoveryResponse;
}

/** The proxy accepted the last response of a type (its nonce came back without `error_detail`). */
export interface StreamAck {
  readonly typeUrl: string;
  /** State of the world: the `version_info` the proxy sent back; delta: the `system_version_info` it acknowledged. */
  readonly version: string | null;
}

/** The proxy rejected the last response of a type; it keeps the version it accepted before. */
export interface StreamNack {
  readonly typeUrl: string;
  /** The rejected version (as sent). */
  readonly version: string | null;
  /** `error_detail.message`, or "code N" when the proxy sent no message. */
  readonly message: string;
}

export interface XdsObserver {
  /** A stream was accepted, before its first request is read. Not called for a stream refused while draining. */
  onStreamOpen(stream: StreamInfo): void;
  /**
   * The stream's first request named its node (now also `stream.node`). Called before the node's snapshot is looked
   * up, so a node the cache refuses (unknown mesh, malformed id) is still reported before the stream closes.
   */
  onStreamNode(stream: StreamInfo, node: Node): void;
  /**
   * Every request the stream reads, in order, before it is applied; requests for types meshplane does not serve and
   * stale ones (answering an older nonce) included. The request is the stream's; do not keep or change it.
   */
  onStreamRequest(stream: StreamInfo, request: DiscoveryRequest | DeltaDiscoveryRequest): void;
  /** Immediately before a response is handed to the transport, after the stream recorded it as sent. */
  onStreamResponse(stream: StreamInfo, response: SentResponse): void;
  /** A request acknowledged the last response of its type. Called after `onStreamRequest` for that request. */
  onStreamAck(stream: StreamInfo, ack: StreamAck): void;
  /** A request rejected the last response of its type. Called after `onStreamRequest` for that request. */
  onStreamNack(stream: StreamInfo, nack: StreamNack): void;
  /**
   * The stream ended: exactly once for every `onStreamOpen`, and the last hook of that stream. `error` is the status
   * it ends with; null for OK (the proxy closed or cancelled it, or the server drained it).
   */
  onStreamClosed(stream: StreamInfo, error: ConnectError | null): void;
  /** REST xDS: a DiscoveryRequest with a node, before the cache is asked. */
  onFetchRequest(request: DiscoveryRequest): void;
  /** REST xDS: immediately before the response to `request` is returned. */
  onFetchResponse(request: DiscoveryRequest, response: DiscoveryResponse): void;
}

const ignore = (): void => undefined;

/**
 * An observer from the hooks a caller needs; the others do nothing (go-control-plane's `CallbackFuncs`).
 * @example
 * const nackLog = createXdsObserver({
 *   onStreamNack: (stream, nack) => console.warn(`${stream.node?.id} rejected ${nack.typeUrl}: ${nack.message}`),
 * });
 */
export function createXdsObserver(hooks: Partial<XdsObserver>): XdsObserver {
  return {
    onStreamOpen: hooks.onStreamOpen ?? ignore,
    onStreamNode: hooks.onStreamNode ?? ignore,
    onStreamRequest: hooks.onStreamRequest ?? ignore,
    onStreamResponse: hooks.onStreamResponse ?? ignore,
    onStreamAck: hooks.onStreamAck ?? ignore,
    onStreamNack: hooks.onStreamNack ?? ignore,
    onStreamClosed: hooks.onStreamClosed ?? ignore,
    onFetchRequest: hooks.onFetchRequest ?? ignore,
    onFetchResponse: hooks.onFetchResponse ?? ignore,
  };
}

/** One observer that tells each of `observers`, in order. */
export function createObserverList(observers: readonly XdsObserver[]): XdsObserver {
  const list = [...observers];
  return {
    onStreamOpen: (stream) => list.forEach((observer) => observer.onStreamOpen(stream)),
    onStreamNode: (stream, node) => list.forEach((observer) => observer.onStreamNode(stream, node)),
    // Plain loops for the three hooks a push storm calls once per stream (a closure per call would be garbage).
    onStreamRequest(stream, request) {
      for (const observer of list) observer.onStreamRequest(stream, request);
    },
    onStreamResponse(stream, response) {
      for (const observer of list) observer.onStreamResponse(stream, response);
    },
    onStreamAck(stream, ack) {
      for (const observer of list) observer.onStreamAck(stream, ack);
    },
    onStreamNack: (stream, nack) => list.forEach((observer) => observer.onStreamNack(stream, nack)),
    onStreamClosed: (stream, error) => list.forEach((observer) => observer.onStreamClosed(stream, error)),
    onFetchRequest: (request) => list.forEach((observer) => observer.onFetchRequest(request)),
    onFetchResponse: (request, response) => list.forEach((observer) => observer.onFetchResponse(request, response)),
  };
}
