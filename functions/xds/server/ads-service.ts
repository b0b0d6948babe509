// The AggregatedDiscoveryService on Connect: StreamAggregatedResources (state of the world, sotw-stream.ts) and
// DeltaAggregatedResources (incremental, delta-stream.ts). The service numbers the streams, runs each one's send
// loop, tells the observer when streams open and close, and drains them all on shutdown.
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { AggregatedDiscoveryService } from "../../../proto/gen/envoy/service/discovery/v3/ads_pb.js";
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { XdsCache } from "../cache/cache.js";
import { toConnectError, type AdsStream, type AdsStreamOptions } from "./ads-stream.js";
import { DeltaStream } from "./delta-stream.js";
import { createObserverList, type XdsObserver } from "./observer.js";
import { peerAddressKey } from "./peer-address.js";
import { SotwStream } from "./sotw-stream.js";
import { streamIdentityKey } from "./stream-identity.js";

export interface AdsServiceOptions {
  /** Streams watch their node through the cache's public interface, as REST xDS fetches through it. */
  cache: Pick<XdsCache, "watch">;
  /** Told of every stream event, in this order (metrics, the proxy registry, an audit trail, tests). */
  observers?: readonly XdsObserver[];
  /** The server's metrics and proxy registry, observers like the others: the same as listing them first in `observers`. */
  metrics?: XdsObserver;
  proxies?: XdsObserver;
  /** Identifies this control plane in responses. */
  controlPlaneId?: string;
}

export interface AdsService {
  impl: ServiceImpl<typeof AggregatedDiscoveryService>;
  /** Ends every open stream with status 0 (OK) so proxies reconnect (elsewhere); new streams are refused. */
  drain(): void;
  /** Open streams. */
  readonly size: number;
}

export function createAdsService(options: AdsServiceOptions): AdsService {
  const observer = createObserverList([options.metrics, options.proxies, ...(options.observers ?? [])].filter((each) => each !== undefined));
  const open = new Set<Pick<AdsStream<never, never>, "close">>();
  let draining = false;
  let lastStreamId = 0;

  async function* serve<Req extends DiscoveryRequest | DeltaDiscoveryRequest, Res extends DiscoveryResponse | DeltaDiscoveryResponse>(
    start: (options: AdsStreamOptions) => AdsStream<Req, Res>,
    requests: AsyncIterable<Req>,
    context: HandlerContext,
  ): AsyncGenerator<Res> {
    if (draining) throw new ConnectError("control plane is shutting down", Code.Unavailable);
    const stream = start({
      id: ++lastStreamId,
      peerAddress: context.values.get(peerAddressKey),
      identity: context.values.get(streamIdentityKey),
      cache: options.cache,
      observer,
      controlPlaneId: options.controlPlaneId ?? "meshplane",
    });
    const abort = () => stream.close();
    context.signal.addEventListener("abort", abort);
    open.add(stream);
    observer.onStreamOpen(stream.info);
    const reading = stream.read(requests);
    let failure: ConnectError | null = null;
    try {
      for (;;) {
        if (stream.failure) throw stream.failure;
        if (stream.ended) return;
        const response = stream.nextResponse();
        if (response) {
          yield response;
          continue;
        }
        await stream.signal.wait();
      }
    } catch (error) {
      failure = toConnectError(error);
      throw failure;
    } finally {
      context.signal.removeEventListener("abort", abort);
      stream.close();
      open.delete(stream);
      observer.onStreamClosed(stream.info, failure);
      void reading;
    }
  }

  return {
    impl: {
      streamAggregatedResources: (requests, context) => serve((streamOptions) => new SotwStream(streamOptions), requests, context),
      deltaAggregatedResources: (requests, context) => serve((streamOptions) => new DeltaStream(streamOptions), requests, context),
    },
    drain() {
      draining = true;
      for (const stream of open) stream.close();
    },
    get size() {
      return open.size;
    },
  };
}
