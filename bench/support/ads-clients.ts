// One client process of the ADS benchmark (bench/ads.bench.ts forks several, so that decoding responses on the client
// side does not share a thread with the other clients). It opens state-of-the-world ADS streams with @grpc/grpc-js
// (messages written and read by discovery-envelope.ts: the envelope only),
// subscribes like Envoy (CDS and LDS wildcard, then RDS by name), ACKs every response, and answers the parent over
// the IPC channel: when every stream has its first snapshot, when chosen streams receive their next
// RouteConfiguration, and how many responses each stream received.
import * as grpc from "@grpc/grpc-js";
import type { ClientMessage, ParentMessage } from "./ads-protocol.js";
import { decodeResponseEnvelope, encodeDiscoveryRequest, type EnvelopeRequest, type ResponseEnvelope } from "./discovery-envelope.js";

const TypeUrls = {
  cluster: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
  listener: "type.googleapis.com/envoy.config.listener.v3.Listener",
  route: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
};
// Only the envelope is decoded: resources stay packed, as a proxy would hand them on (discovery-envelope.ts).
const Ads = grpc.makeGenericClientConstructor(
  {
    StreamAggregatedResources: {
      path: "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources",
      requestStream: true,
      responseStream: true,
      requestSerialize: encodeDiscoveryRequest,
      requestDeserialize: () => ({}) as EnvelopeRequest,
      responseSerialize: () => Buffer.alloc(0),
      responseDeserialize: decodeResponseEnvelope,
    },
  },
  "AggregatedDiscoveryService",
) as unknown as new (address: string, credentials: grpc.ChannelCredentials, options: object) => AdsClient;
type Call = grpc.ClientDuplexStream<EnvelopeRequest, ResponseEnvelope>;
type AdsClient = grpc.Client & { StreamAggregatedResources(options?: grpc.CallOptions): Call };

const now = () => performance.timeOrigin + performance.now();
const send = (message: ClientMessage) => process.send!(message);

interface StreamState {
  call: Call | null;
  types: Set<string>;
  pushes: number;
}

let channels: AdsClient[] = [];
let streams: StreamState[] = [];
let nodeIds: string[] = [];
let routeNames: string[] = [];
let connectionCount = 1;
let ready = 0;
let generation = 0;
let counting = false;
let waiting: { id: number; pending: Set<number>; arrivals: number[] } | null = null;

function openChannels(address: string): void {
  channels = Array.from(
    { length: connectionCount },
    () =>
      new Ads(address, grpc.credentials.createInsecure(), {
        "grpc.use_local_subchannel_pool": 1,
        "grpc.enable_channelz": 0,
        // A cold start: the clients wait for the server to listen, retrying quickly.
        "grpc.initial_reconnect_backoff_ms": 50,
        "grpc.max_reconnect_backoff_ms": 250,
        "grpc.max_receive_message_length": 64 * 1024 * 1024,
      }),
  );
}

function openStream(index: number, deadline: number): void {
  const state = streams[index]!;
  const streamGeneration = generation;
  const call = channels[index % channels.length]!.StreamAggregatedResources({ deadline: Infinity, waitForReady: true } as grpc.CallOptions);
  state.call = call;
  state.types = new Set();
  call.on("error", () => {
    // A stream that failed before its first snapshot (the server not up yet) is opened again, within the deadline.
    if (streamGeneration !== generation || state.types.size === 3 || now() > deadline) return;
    setTimeout(() => streamGeneration === generation && openStream(index, deadline), 100);
  });
  call.on("data", (response: ResponseEnvelope) => {
    call.write({ typeUrl: response.typeUrl, versionInfo: response.versionInfo, responseNonce: response.nonce, resourceNames: response.typeUrl === TypeUrls.route ? routeNames : [] });
    if (counting) state.pushes++;
    if (!state.types.has(response.typeUrl)) {
      state.types.add(response.typeUrl);
      if (response.typeUrl === TypeUrls.listener) call.write({ typeUrl: TypeUrls.route, resourceNames: routeNames });
      if (state.types.size === 3 && ++ready === streams.length) send({ kind: "ready", at: now() });
      return;
    }
    if (waiting && response.typeUrl === TypeUrls.route && waiting.pending.delete(index)) {
      waiting.arrivals.push(now());
      if (waiting.pending.size === 0) {
        send({ kind: "arrived", id: waiting.id, arrivals: waiting.arrivals });
        waiting = null;
      }
    }
  });
  const node = { id: nodeIds[index]!, cluster: nodeIds[index]! };
  call.write({ node, typeUrl: TypeUrls.cluster, resourceNames: [] });
  call.write({ node, typeUrl: TypeUrls.listener, resourceNames: [] });
}

function closeAll(): void {
  generation++;
  for (const state of streams) state.call?.cancel();
  for (const channel of channels) channel.close();
  channels = [];
}

function connect(address: string, timeoutMs: number): void {
  ready = 0;
  openChannels(address);
  streams = nodeIds.map(() => ({ call: null, types: new Set(), pushes: 0 }));
  const deadline = now() + timeoutMs;
  for (let i = 0; i < nodeIds.length; i++) openStream(i, deadline);
}

process.on("message", (message: ParentMessage) => {
  switch (message.kind) {
    case "connect":
      nodeIds = message.nodeIds;
      routeNames = message.routeNames;
      connectionCount = message.connections;
      connect(message.address, message.timeoutMs);
      break;
    case "reconnect":
      closeAll();
      connect(message.address, message.timeoutMs);
      break;
    case "count":
      counting = true;
      for (const state of streams) state.pushes = 0;
      send({ kind: "counting" });
      break;
    case "expect":
      waiting = { id: message.id, pending: new Set(message.streams), arrivals: [] };
      send({ kind: "armed", id: message.id });
      if (waiting.pending.size === 0) {
        send({ kind: "arrived", id: message.id, arrivals: [] });
        waiting = null;
      }
      break;
    case "stats":
      send({ kind: "stats", pushes: streams.map((state) => state.pushes), ready });
      break;
    case "close":
      closeAll();
      send({ kind: "closed" });
      process.disconnect();
      break;
  }
});
send({ kind: "started" });
