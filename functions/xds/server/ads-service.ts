// The AggregatedDiscoveryService, apart from any transport: StreamAggregatedResources (state of the world,
// sotw-stream.ts) and DeltaAggregatedResources (incremental, delta-stream.ts). A transport (ads-http2.ts on Node) opens
// a call per gRPC stream and feeds it the decoded requests; the service admits the stream on its first request (the
// node id arrives there), numbers it, tells the observer when it opens and closes, and sends whatever each stream has
// to send from one push queue that runs in time slices, so a change that wakes ten thousand streams does not hold the
// event loop the API shares. Responses are encoded once and shared between streams (response-encoding.ts).
import { Code, ConnectError } from "@connectrpc/connect";
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { XdsCache } from "../cache/cache.js";
import { createTimeSlicing, type TimeSlicing } from "../cache/time-slicer.js";
import { toConnectError, type AdsStream, type AdsStreamOptions } from "./ads-stream.js";
import { DeltaStream } from "./delta-stream.js";
import { createObserverList, type StreamProtocol, type XdsObserver } from "./observer.js";
import { createResponseEncodings, type ResponseEncodings } from "./response-encoding.js";
import { SotwStream } from "./sotw-stream.js";
import type { StreamIdentity } from "./stream-identity.js";

/** What a transport knows of a stream before its first request, for the admission decision. */
export interface AdsAdmissionRequest {
  /** Request headers (gRPC metadata) as the transport received them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The node id of the stream's first request. */
  nodeId: string;
  /** `:authority` and `:path` of the request. */
  authority: string;
  path: string;
  /** "ip:port" of the peer, or "unknown". */
  peerAddress: string;
}

/** `ok`: serve the stream as `identity`, and call `release` when it ends; otherwise end it with `code`. */
export type AdsAdmissionVerdict = { ok: true; identity: StreamIdentity | null; release?: () => void } | { ok: false; code: Code; message: string };

/** Decides whether a stream is served; asked once per stream, with its first request (e.g. functions/auth's ADS admission). */
export type AdsAdmission = (request: AdsAdmissionRequest) => Promise<AdsAdmissionVerdict>;

/** What the service needs of the transport for one call. */
export interface AdsCallSink {
  /** Sends one response message, given as parts of its encoding, in order. */
  write(parts: readonly Uint8Array[]): void;
  /** Ends the call: with `error`'s status, or OK when null. Called once; nothing is written after it. */
  end(error: ConnectError | null): void;
}

/** What the transport tells the service about one call. */
export interface AdsCall<Req> {
  /** The next decoded request. */
  receive(request: Req): void;
  /** The client half-closed the call: it sends nothing more. */
  finish(): void;
  /** The client went away (reset, connection lost): the call ends without a status. */
  cancel(): void;
  /** The call failed in the transport (a malformed message): it ends with this status. */
  fail(error: ConnectError): void;
}

export interface AdsCallInfo {
  protocol: StreamProtocol;
  headers: AdsAdmissionRequest["headers"];
  authority: string;
  path: string;
  peerAddress: string;
}

export interface AdsServiceOptions {
  /** Streams watch their node through the cache's public interface, as REST xDS fetches through it. */
  cache: Pick<XdsCache, "watch">;
  /** Told of every stream event, in this order (metrics, the proxy registry, an audit trail, tests). */
  observers?: readonly XdsObserver[];
  /** The server's metrics and proxy registry, observers like the others: the same as listing them first in `observers`. */
  metrics?: XdsObserver;
  proxies?: XdsObserver;
  /** Admits each stream on its first request; without it every stream is served, with no identity. */
  admission?: AdsAdmission;
  /** Identifies this control plane in responses. */
  controlPlaneId?: string;
  /**
   * How the push queue yields to the event loop and gives way to API requests; the cache's, so that translation and
   * pushes together keep to one slice budget per turn. Default: one of its own.
   */
  timeSlicing?: TimeSlicing;
}

export interface AdsService {
  /** A new gRPC stream of one of the two methods; `sink` is where its responses and its end go. */
  open<P extends StreamProtocol>(info: AdsCallInfo & { protocol: P }, sink: AdsCallSink): AdsCall<P extends "sotw" ? DiscoveryRequest : DeltaDiscoveryRequest>;
  /** Ends every open stream with status 0 (OK) so proxies reconnect (elsewhere); new streams are refused. */
  drain(): void;
  /** Open streams. */
  readonly size: number;
  /** How often responses were encoded, and sent again from an earlier encoding. */
  readonly encodings: ResponseEncodings["counts"];
  /** Streams the push queue asked for what they have to send (tests see which requests wake a stream through this). */
  readonly flushes: number;
}

type AnyStream = AdsStream<DiscoveryRequest | DeltaDiscoveryRequest, DiscoveryResponse | DeltaDiscoveryResponse>;

interface OpenCall {
  stream: AnyStream;
  sink: AdsCallSink;
  release: (() => void) | undefined;
  closed: boolean;
}

export function createAdsService(options: AdsServiceOptions): AdsService {
  const observer = createObserverList([options.metrics, options.proxies, ...(options.observers ?? [])].filter((each) => each !== undefined));
  const encodings = createResponseEncodings(options.controlPlaneId ?? "meshplane");
  const slicing = options.timeSlicing ?? createTimeSlicing();
  const open = new Set<OpenCall>();
  const pending = new Set<OpenCall>();
  let flushing = false;
  let draining = false;
  let lastStreamId = 0;
  let flushes = 0;

  function close(call: OpenCall, error: ConnectError | null, sendStatus: boolean): void {
    if (call.closed) return;
    call.closed = true;
    call.stream.close();
    open.delete(call);
    pending.delete(call);
    call.release?.();
    if (sendStatus) call.sink.end(error);
    observer.onStreamClosed(call.stream.info, error);
  }

  /** Sends what one stream has to send now, or ends it. */
  function flush(call: OpenCall): void {
    if (call.closed) return;
    flushes++;
    const { stream } = call;
    try {
      if (stream.failure) return close(call, stream.failure, true);
      if (stream.ended && !stream.halfClosed) return close(call, null, true);
      for (let response = stream.nextResponse(); response; response = stream.nextResponse()) call.sink.write(response.parts);
      if (stream.ended) close(call, null, true);
    } catch (error) {
      close(call, toConnectError(error), true);
    }
  }

  /** The push queue: every woken stream is flushed, in time slices. */
  async function flushPending(): Promise<void> {
    flushing = true;
    const slicer = slicing.slicer();
    try {
      while (pending.size > 0) {
        for (const call of pending) {
          pending.delete(call);
          flush(call);
          const pause = slicer.pause();
          if (pause) await pause;
        }
      }
    } finally {
      flushing = false;
    }
  }

  function wake(call: OpenCall): void {
    if (call.closed) return;
    pending.add(call);
    if (!flushing) void flushPending();
  }

  return {
    open(info, sink) {
      const call: OpenCall = { stream: null as unknown as AnyStream, sink, release: undefined, closed: false };
      const streamOptions = (identity: StreamIdentity | null): AdsStreamOptions => ({
        id: ++lastStreamId,
        peerAddress: info.peerAddress,
        identity,
        cache: options.cache,
        observer,
        encodings,
        wake: () => wake(call),
      });
      let admitted = !options.admission;
      let early: Array<DiscoveryRequest | DeltaDiscoveryRequest> | null = admitted ? null : [];
      let finishedEarly = false;
      const start = (identity: StreamIdentity | null) => {
        call.stream = (info.protocol === "sotw" ? new SotwStream(streamOptions(identity)) : new DeltaStream(streamOptions(identity))) as AnyStream;
        open.add(call);
        observer.onStreamOpen(call.stream.info);
      };
      const refuse = (error: ConnectError) => {
        call.closed = true;
        sink.end(error);
      };
      if (draining) {
        refuse(new ConnectError("control plane is shutting down", Code.Unavailable));
      } else if (admitted) start(null);

      const admit = (first: DiscoveryRequest | DeltaDiscoveryRequest) => {
        const nodeId = first.node?.id ?? "";
        options.admission!({ headers: info.headers, nodeId, authority: info.authority, path: info.path, peerAddress: info.peerAddress }).then(
          (verdict) => {
            if (call.closed) {
              if (verdict.ok) verdict.release?.();
              return;
            }
            if (!verdict.ok) return refuse(new ConnectError(verdict.message, verdict.code));
            if (draining) {
              verdict.release?.();
              return refuse(new ConnectError("control plane is shutting down", Code.Unavailable));
            }
            admitted = true;
            call.release = verdict.release;
            start(verdict.identity);
            for (const request of early ?? []) call.stream.receive(request);
            early = null;
            if (finishedEarly) call.stream.finish();
          },
          (error: unknown) => refuse(toConnectError(error)),
        );
      };

      return {
        receive(request) {
          if (call.closed) return;
          if (admitted) return call.stream.receive(request);
          early!.push(request);
          if (early!.length === 1) admit(request);
        },
        finish() {
          if (call.closed) return;
          if (admitted) call.stream.finish();
          else if (early!.length === 0) {
            // Nothing to admit or serve: the call just ends.
            call.closed = true;
            sink.end(null);
          } else finishedEarly = true;
        },
        cancel() {
          if (call.closed) return;
          if (admitted) close(call, null, false);
          else call.closed = true;
        },
        fail(error) {
          if (call.closed) return;
          if (admitted) close(call, error, true);
          else refuse(error);
        },
      };
    },
    drain() {
      draining = true;
      for (const call of [...open]) close(call, null, true);
    },
    get size() {
      return open.size;
    },
    encodings: encodings.counts,
    get flushes() {
      return flushes;
    },
  };
}
