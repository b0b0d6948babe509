// The gateway's ADS client, state of the world (envoy xDS protocol, "Aggregated Discovery Service"): one gRPC stream
// to meshplane carrying LDS, CDS, RDS and EDS. Listeners and clusters are wildcard subscriptions; route
// configurations and cluster load assignments are subscribed by name as listeners and EDS clusters name them.
// Each response is ACKed (version_info + nonce) or NACKed (the last accepted version + nonce + error_detail).
// https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ack-nack-and-resource-type-instance-version
//
// Routes and endpoints are kept across responses by name, since the server may send only those that changed
// (functions/envoy/sotw-incremental.ts); the node says so with a client feature.
//
// When the stream breaks the client reconnects with jittered exponential backoff, re-sending the versions and
// names it holds so the server only resends what changed; meanwhile the gateway keeps its last accepted config.
import { create } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AggregatedDiscoveryService } from "../../../proto/gen/envoy/service/discovery/v3/ads_pb.js";
import { DiscoveryRequestSchema, type DiscoveryRequest, type DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { KEEPS_SOTW_INCREMENTAL_RESOURCES, SOTW_INCREMENTAL_TYPES, TypeUrl, type ResourceType } from "../../envoy/index.js";
import { runAdsStreams } from "./ads-streams.js";
import type { AdsClient, XdsResources, XdsSubscriber, XdsUpdateResult } from "./types.js";
import { unpackResources } from "./unpack-resources.js";

export type { AdsClient, XdsStreamError } from "./types.js";

export interface AdsClientOptions {
  /** `host:port` of meshplane's XDS_PORT. */
  address: string;
  /** Envoy node id, e.g. `mesh/app/virtualGateway/gw`. */
  nodeId: string;
  /** Envoy node cluster (App Mesh's image sends the node id). */
  nodeCluster?: string;
  /** Sent as `authorization: Bearer <token>` when meshplane runs with authentication (a key issued with --bearer). */
  token?: string;
  /** First and largest reconnect delay (default 250 ms and 10 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (message: string) => void;
}

/** The four types the gateway consumes, in the order it subscribes to them. */
/** Secrets first: listeners and clusters wait for their material (make-before-break). */
const SUBSCRIBED: readonly ResourceType[] = ["secret", "cluster", "listener", "endpoint", "route"];
const typeByUrl = new Map<string, ResourceType>(SUBSCRIBED.map((type) => [TypeUrl[type], type]));

interface TypeState {
  /** Last accepted version (sent back on NACK and on reconnect). */
  version: string;
  /** Nonce of the last response of this type on the current stream. */
  nonce: string;
  /** Names subscribed; null = wildcard. */
  names: string[] | null;
  /** The accepted resources, for the types whose responses may carry only what changed. */
  accepted: XdsResources;
}

/** Call options carrying the bearer token, if any. */
export function callHeaders(options: AdsClientOptions): { headers?: Record<string, string> } {
  return options.token ? { headers: { authorization: `Bearer ${options.token}` } } : {};
}

/**
 * Starts the ADS stream; `subscriber.apply` is called with every response's decoded resources and decides ACK or
 * NACK; `subscriber.wantedNames` tells which RDS/EDS names the accepted config references.
 *
 * @example
 * const client = startAdsClient({ address: "127.0.0.1:18000", nodeId: "mesh/app/virtualGateway/gw" }, runtime);
 */
export function startAdsClient(options: AdsClientOptions, subscriber: XdsSubscriber): AdsClient {
  const transport = createGrpcTransport({ baseUrl: `http://${options.address}`, pingIntervalMs: 10_000, pingTimeoutMs: 5_000 });
  const client: Client<typeof AggregatedDiscoveryService> = createClient(AggregatedDiscoveryService, transport);
  const log = options.log ?? (() => {});
  const state = new Map<ResourceType, TypeState>(SUBSCRIBED.map((type) => [type, { version: "", nonce: "", names: type === "cluster" || type === "listener" ? null : [], accepted: new Map() }]));
  const node = { id: options.nodeId, cluster: options.nodeCluster ?? options.nodeId, userAgentName: "meshplane-gateway", clientFeatures: [KEEPS_SOTW_INCREMENTAL_RESOURCES] };

  const request = (type: ResourceType, errorMessage?: string): DiscoveryRequest => {
    const typeState = state.get(type)!;
    return create(DiscoveryRequestSchema, {
      node,
      typeUrl: TypeUrl[type],
      versionInfo: typeState.version,
      responseNonce: typeState.nonce,
      resourceNames: typeState.names ?? [],
      errorDetail: errorMessage === undefined ? undefined : { code: 3, message: errorMessage },
    });
  };

  /** Re-subscribes RDS/EDS when the accepted listeners/clusters name a different set. */
  const updateSubscriptions = (): void => {
    const wanted = subscriber.wantedNames();
    for (const type of ["secret", "endpoint", "route"] as const) {
      const typeState = state.get(type)!;
      const names = [...(wanted[type] ?? [])].sort();
      if (typeState.names && typeState.names.length === 0 && typeState.version === "" && names.length === 0) continue;
      if (typeState.names && names.join("\u0000") === typeState.names.join("\u0000")) continue;
      typeState.names = names;
      streams.send(request(type));
    }
  };

  const onResponse = (response: DiscoveryResponse): void => {
    const type = typeByUrl.get(response.typeUrl);
    if (!type) {
      streams.send(create(DiscoveryRequestSchema, { node, typeUrl: response.typeUrl, responseNonce: response.nonce, errorDetail: { code: 12, message: "type not supported by meshplane gateway" } }));
      return;
    }
    const typeState = state.get(type)!;
    typeState.nonce = response.nonce;
    let result: XdsUpdateResult;
    let resources: XdsResources = new Map();
    try {
      resources = unpackResources(response.resources);
      if (SOTW_INCREMENTAL_TYPES.has(type) && typeState.names) resources = withKeptResources(resources, typeState.accepted, typeState.names);
      result = subscriber.apply(type, resources, response.versionInfo);
    } catch (error) {
      result = { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    if (result.ok) {
      typeState.version = response.versionInfo;
      if (SOTW_INCREMENTAL_TYPES.has(type)) typeState.accepted = resources;
      streams.send(request(type));
      log(`xds: accepted ${type} version ${response.versionInfo} (${response.resources.length} resources)`);
      updateSubscriptions();
    } else {
      // NACK: the last accepted version, this nonce, and why (google.rpc.Status, INVALID_ARGUMENT).
      streams.send(request(type, result.message));
      log(`xds: rejected ${type} version ${response.versionInfo}: ${result.message}`);
    }
  };

  const streams = runAdsStreams<DiscoveryRequest, DiscoveryResponse>({
    label: "xds",
    log,
    initialBackoffMs: options.initialBackoffMs ?? 250,
    maxBackoffMs: options.maxBackoffMs ?? 10_000,
    open: (requests, signal) => client.streamAggregatedResources(requests, { signal, ...callHeaders(options) }),
    start(send) {
      for (const typeState of state.values()) typeState.nonce = "";
      for (const type of SUBSCRIBED) {
        const typeState = state.get(type)!;
        // An empty first request would mean "wildcard"; RDS/EDS wait until a listener or cluster names something.
        if (typeState.names !== null && typeState.names.length === 0) continue;
        send(request(type));
      }
    },
    onResponse,
    onConnection: (up) => subscriber.onConnection(up),
  });
  return streams;
}

/** A response's resources completed with the accepted ones it left out that are still subscribed. */
function withKeptResources(received: XdsResources, accepted: XdsResources, names: readonly string[]): XdsResources {
  const resources = new Map(received);
  for (const name of names) {
    const kept = accepted.get(name);
    if (kept !== undefined && !resources.has(name)) resources.set(name, kept);
  }
  return resources;
}
