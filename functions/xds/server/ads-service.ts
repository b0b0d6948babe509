// The AggregatedDiscoveryService on Connect: StreamAggregatedResources (state of the world) and
// DeltaAggregatedResources (incremental). One stream = one reader task applying requests to per-type state, plus the
// handler's generator that sends whatever that state and the node's latest snapshot call for. Nothing is queued:
// a slow proxy only ever has "the latest snapshot" pending, one response per type at most, so it delays no one.
//
// State of the world, per type (as go-control-plane models it): the version is the content hash of what the
// subscription selects; a response is sent when it differs from the last one sent, and only after the previous
// response of that type was ACKed or NACKed (its nonce came back). A NACK leaves the proxy on its last accepted
// version; the rejected version is not resent; the next different version is. Requests carrying a nonce other than
// the last one sent for the type are stale and ignored. Pending types go out in make-before-break order.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import {
  DeltaDiscoveryResponseSchema,
  DiscoveryResponseSchema,
  ResourceSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { AggregatedDiscoveryService } from "../../../proto/gen/envoy/service/discovery/v3/ads_pb.js";
import type { NodeWatch, XdsCache } from "../cache/cache.js";
import { subscriptionVersion } from "./versions.js";
import { NodeIdError, type NodeSnapshot, type TypeResources } from "../cache/types.js";
import { pushOrder, TypeUrl, type ResourceType } from "../../envoy/index.js";
import type { XdsMetrics } from "./metrics.js";
import { typeStatus, type ProxyRegistry, type ProxyStatus } from "./proxies.js";

/** The peer address ("ip:port") of the connection a call arrived on; set by the transport adapter. */
export const peerAddressKey = createContextKey<string>("unknown");

const typeByUrl = new Map<string, ResourceType>(Object.entries(TypeUrl).map(([type, url]) => [url, type as ResourceType]));

export interface AdsServiceOptions {
  cache: XdsCache;
  metrics: XdsMetrics;
  proxies: ProxyRegistry;
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

/** Wakes one waiter; a notify with no waiter is remembered until the next wait. */
class Signal {
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

function nodeError(error: unknown): ConnectError {
  if (error instanceof NodeIdError) return new ConnectError(error.message, Code.InvalidArgument);
  if (error instanceof ConnectError) return error;
  return new ConnectError(error instanceof Error ? error.message : String(error), Code.Internal);
}

/** What the two stream kinds share: node watch, lifecycle, wake-ups, status record. */
abstract class AdsStream<Req, Res> {
  readonly signal = new Signal();
  snapshot: NodeSnapshot | null = null;
  watch: NodeWatch | null = null;
  failure: ConnectError | null = null;
  ended = false;
  nonceCounter = 0;
  /** A snapshot arrived since the last send round: responses it causes count toward push latency. */
  pushedAt: number | null = null;

  constructor(
    readonly options: AdsServiceOptions,
    readonly status: ProxyStatus,
  ) {}

  node: Node | null = null;
  apiListenersKey = "";
  watchGeneration = 0;

  abstract onRequest(request: Req): void | Promise<void>;
  /** The next response the state calls for, or null when nothing is pending. */
  abstract nextResponse(): Res | null;

  async start(node: Node | undefined): Promise<void> {
    if (!node || node.id === "") throw new ConnectError("the first request of a stream must carry node.id", Code.InvalidArgument);
    this.status.nodeId = node.id;
    this.status.nodeCluster = node.cluster;
    this.status.userAgent = `${node.userAgentName} ${node.userAgentVersionType.case === "userAgentVersion" ? node.userAgentVersionType.value : ""}`.trim();
    this.node = node;
    await this.rewatch([]);
  }

  /** (Re)creates the node's watch for a set of proxyless API listeners (the names of a non-wildcard LDS request). */
  async rewatch(apiListeners: readonly string[]): Promise<void> {
    const sorted = [...new Set(apiListeners)].sort();
    const key = sorted.join("\u0000");
    if (this.watch && key === this.apiListenersKey) return;
    const generation = ++this.watchGeneration;
    let watch: NodeWatch;
    try {
      watch = await this.options.cache.watch(
        this.node!,
        (snapshot) => {
          if (generation !== this.watchGeneration) return;
          this.snapshot = snapshot;
          this.pushedAt ??= snapshot.changedAt;
          this.signal.notify();
        },
        sorted.length > 0 ? { apiListeners: sorted } : {},
      );
    } catch (error) {
      throw nodeError(error);
    }
    this.watch?.cancel();
    this.watch = watch;
    this.apiListenersKey = key;
    this.snapshot = watch.snapshot;
    if (this.ended) watch.cancel();
  }

  async read(requests: AsyncIterable<Req>, firstNode: (request: Req) => Node | undefined): Promise<void> {
    try {
      for await (const request of requests) {
        if (this.ended) break;
        if (!this.watch) await this.start(firstNode(request));
        await this.onRequest(request);
        this.signal.notify();
      }
    } catch (error) {
      this.failure = error instanceof ConnectError ? error : nodeError(error);
    } finally {
      this.ended = true;
      this.signal.notify();
    }
  }

  nonce(): string {
    return (++this.nonceCounter).toString(36);
  }

  close(): void {
    this.ended = true;
    this.watch?.cancel();
    this.signal.notify();
  }
}

// ---- state of the world ---------------------------------------------------------------------------------------

interface SotwTypeState {
  readonly type: ResourceType;
  readonly typeUrl: string;
  requested: boolean;
  wildcard: boolean;
  names: ReadonlySet<string>;
  /** A response must go out even if the version did not move (first request, subscription change). */
  force: boolean;
  awaitingAck: boolean;
  sentVersion: string | null;
  nonce: string | null;
}

class SotwStream extends AdsStream<DiscoveryRequest, DiscoveryResponse> {
  readonly types = new Map<ResourceType, SotwTypeState>();

  state(type: ResourceType): SotwTypeState {
    let state = this.types.get(type);
    if (!state) {
      state = { type, typeUrl: TypeUrl[type], requested: false, wildcard: false, names: new Set(), force: false, awaitingAck: false, sentVersion: null, nonce: null };
      this.types.set(type, state);
    }
    return state;
  }

  async onRequest(request: DiscoveryRequest): Promise<void> {
    const type = typeByUrl.get(request.typeUrl);
    if (!type) return; // a type meshplane does not serve: nothing will ever be sent for it
    const state = this.state(type);
    const metrics = this.options.metrics;
    if (request.responseNonce !== "") {
      if (request.responseNonce !== state.nonce) return; // stale: superseded by a response the proxy has not seen yet
      state.awaitingAck = false;
      const status = typeStatus(this.status, state.typeUrl);
      if (request.errorDetail) {
        status.nackedVersion = state.sentVersion;
        status.lastNackError = request.errorDetail.message || `code ${request.errorDetail.code}`;
        status.lastNackAt = new Date().toISOString();
        metrics.nacks.inc({ type_url: state.typeUrl });
      } else {
        status.ackedVersion = request.versionInfo;
        metrics.acks.inc({ type_url: state.typeUrl });
      }
    } else {
      // No nonce: the first request of this type on the stream (or a proxy restarting its subscription).
      state.force = true;
      state.awaitingAck = false;
    }
    const names = request.resourceNames;
    const wildcard = names.includes("*") || (!state.requested && names.length === 0) || (state.wildcard && names.length === 0);
    const nameSet = new Set(names.filter((name) => name !== "*"));
    if (wildcard !== state.wildcard || !sameSet(nameSet, state.names)) {
      state.wildcard = wildcard;
      state.names = nameSet;
      state.force = true;
    }
    state.requested = true;
    if (type === "listener") await this.rewatch(state.wildcard ? [] : [...state.names]);
  }

  nextResponse(): DiscoveryResponse | null {
    const snapshot = this.snapshot;
    if (!snapshot) return null;
    for (const type of pushOrder) {
      const state = this.types.get(type);
      if (!state || !state.requested) continue;
      const resources = snapshot.types[type];
      const version = subscriptionVersion(resources, state.wildcard, state.names);
      if (!state.force && version === state.sentVersion) continue;
      // Make-before-break: while an earlier type has a newer version queued behind an unanswered response, later
      // types wait too, so e.g. routes never reach a proxy before the clusters they name.
      if (state.awaitingAck) return null;
      const pushed = !state.force;
      state.force = false;
      state.sentVersion = version;
      state.nonce = this.nonce();
      state.awaitingAck = true;
      typeStatus(this.status, state.typeUrl).sentVersion = version;
      const selected = state.wildcard
        ? [...resources.resources.values()]
        : [...state.names].sort().map((name) => resources.resources.get(name)).filter((r) => r !== undefined);
      this.options.metrics.pushes.inc({ type_url: state.typeUrl, protocol: "sotw" });
      if (pushed && this.pushedAt !== null) this.options.metrics.pushLatency.observe((performance.now() - this.pushedAt) / 1000);
      return create(DiscoveryResponseSchema, {
        versionInfo: version,
        typeUrl: state.typeUrl,
        nonce: state.nonce,
        resources: selected.map((resource) => resource.any),
        controlPlane: { identifier: this.options.controlPlaneId ?? "meshplane" },
      });
    }
    this.pushedAt = null;
    return null;
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}

// ---- delta ----------------------------------------------------------------------------------------------------

interface DeltaTypeState {
  readonly type: ResourceType;
  readonly typeUrl: string;
  requested: boolean;
  wildcard: boolean;
  readonly names: Set<string>;
  /** Resource name → version the proxy holds (as sent, or as it told us on reconnect). */
  readonly known: Map<string, string>;
  /** Names the proxy (re)subscribed to explicitly: answered even when it already holds the version. */
  readonly forced: Set<string>;
  /** The first request of the type still needs an answer, even an empty one. */
  initial: boolean;
  nonce: string | null;
  sentVersion: string | null;
}

class DeltaStream extends AdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  readonly types = new Map<ResourceType, DeltaTypeState>();

  async onRequest(request: DeltaDiscoveryRequest): Promise<void> {
    const type = typeByUrl.get(request.typeUrl);
    if (!type) return;
    let state = this.types.get(type);
    const metrics = this.options.metrics;
    if (!state) {
      state = { type, typeUrl: TypeUrl[type], requested: true, wildcard: false, names: new Set(), known: new Map(), forced: new Set(), initial: true, nonce: null, sentVersion: null };
      this.types.set(type, state);
      // Legacy wildcard: a first request that names nothing subscribes to everything.
      if (request.resourceNamesSubscribe.length === 0) state.wildcard = true;
      for (const [name, version] of Object.entries(request.initialResourceVersions)) state.known.set(name, version);
    }
    if (request.responseNonce !== "" && request.responseNonce === state.nonce) {
      const status = typeStatus(this.status, state.typeUrl);
      if (request.errorDetail) {
        status.nackedVersion = state.sentVersion;
        status.lastNackError = request.errorDetail.message || `code ${request.errorDetail.code}`;
        status.lastNackAt = new Date().toISOString();
        metrics.nacks.inc({ type_url: state.typeUrl });
      } else {
        status.ackedVersion = state.sentVersion;
        metrics.acks.inc({ type_url: state.typeUrl });
      }
    }
    for (const name of request.resourceNamesSubscribe) {
      if (name === "*") state.wildcard = true;
      else {
        state.names.add(name);
        state.forced.add(name);
      }
    }
    for (const name of request.resourceNamesUnsubscribe) {
      if (name === "*") state.wildcard = false;
      else {
        state.names.delete(name);
        state.forced.delete(name);
        if (!state.wildcard) state.known.delete(name);
      }
    }
    if (type === "listener") await this.rewatch(state.wildcard ? [] : [...state.names]);
  }

  nextResponse(): DeltaDiscoveryResponse | null {
    const snapshot = this.snapshot;
    if (!snapshot) return null;
    for (const type of pushOrder) {
      const state = this.types.get(type);
      if (!state) continue;
      const resources = snapshot.types[type];
      const subscribed = (name: string) => state.wildcard || state.names.has(name);
      const added = [];
      for (const resource of resources.resources.values()) {
        if (!subscribed(resource.name)) continue;
        if (state.known.get(resource.name) !== resource.version || state.forced.has(resource.name)) added.push(resource);
      }
      const removed: string[] = [];
      for (const name of state.known.keys()) if (!resources.resources.has(name) || !subscribed(name)) removed.push(name);
      for (const name of state.forced) if (!resources.resources.has(name) && !state.known.has(name)) removed.push(name);
      if (added.length === 0 && removed.length === 0 && !state.initial) continue;
      const pushed = !state.initial && state.forced.size === 0;
      state.initial = false;
      state.forced.clear();
      for (const resource of added) state.known.set(resource.name, resource.version);
      for (const name of removed) state.known.delete(name);
      state.nonce = this.nonce();
      state.sentVersion = resources.version;
      typeStatus(this.status, state.typeUrl).sentVersion = resources.version;
      this.options.metrics.pushes.inc({ type_url: state.typeUrl, protocol: "delta" });
      if (pushed && this.pushedAt !== null) this.options.metrics.pushLatency.observe((performance.now() - this.pushedAt) / 1000);
      return create(DeltaDiscoveryResponseSchema, {
        systemVersionInfo: resources.version,
        typeUrl: state.typeUrl,
        nonce: state.nonce,
        resources: added.map((resource) => create(ResourceSchema, { name: resource.name, version: resource.version, resource: resource.any })),
        removedResources: removed,
        controlPlane: { identifier: this.options.controlPlaneId ?? "meshplane" },
      });
    }
    this.pushedAt = null;
    return null;
  }
}

// ---- the service ----------------------------------------------------------------------------------------------

export function createAdsService(options: AdsServiceOptions): AdsService {
  const open = new Set<AdsStream<unknown, unknown>>();
  let draining = false;

  async function* serve<Req, Res>(
    stream: AdsStream<Req, Res>,
    requests: AsyncIterable<Req>,
    context: HandlerContext,
    firstNode: (request: Req) => Node | undefined,
  ): AsyncGenerator<Res> {
    if (draining) {
      options.proxies.close(stream.status);
      throw new ConnectError("control plane is shutting down", Code.Unavailable);
    }
    const abort = () => stream.close();
    context.signal.addEventListener("abort", abort);
    open.add(stream as AdsStream<unknown, unknown>);
    options.metrics.streams.inc({ protocol: stream.status.protocol });
    const reading = stream.read(requests, firstNode);
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
      const failure = error instanceof ConnectError ? error : nodeError(error);
      options.metrics.streamErrors.inc({ code: Code[failure.code] ?? String(failure.code) });
      throw failure;
    } finally {
      context.signal.removeEventListener("abort", abort);
      stream.close();
      open.delete(stream as AdsStream<unknown, unknown>);
      options.proxies.close(stream.status);
      void reading;
    }
  }

  return {
    impl: {
      streamAggregatedResources(requests, context) {
        const stream = new SotwStream(options, options.proxies.open("sotw", context.values.get(peerAddressKey)));
        return serve(stream, requests, context, (request) => request.node);
      },
      deltaAggregatedResources(requests, context) {
        const stream = new DeltaStream(options, options.proxies.open("delta", context.values.get(peerAddressKey)));
        return serve(stream, requests, context, (request) => request.node);
      },
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
