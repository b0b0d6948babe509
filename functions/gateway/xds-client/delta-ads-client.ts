// The gateway's ADS client, incremental ("delta") variant: DeltaAggregatedResources. The server sends only what
// changed (resources with their versions, and removed names); the client keeps the full set per type and hands it
// to the runtime as state of the world, ACKs by nonce, NACKs with error_detail, and on reconnect tells the server
// the versions it holds (initial_resource_versions) so nothing unchanged is resent.
// https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#incremental-xds
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AggregatedDiscoveryService } from "../../../proto/gen/envoy/service/discovery/v3/ads_pb.js";
import { DeltaDiscoveryRequestSchema, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { TypeUrl, type ResourceType } from "../../envoy/index.js";
import { callHeaders, type AdsClientOptions } from "./ads-client.js";
import { runAdsStreams } from "./ads-streams.js";
import type { AdsClient, XdsResources, XdsSubscriber } from "./types.js";
import { unpackResource } from "./unpack-resources.js";

/** Secrets first: listeners and clusters wait for their material (make-before-break). */
const SUBSCRIBED: readonly ResourceType[] = ["secret", "cluster", "listener", "endpoint", "route"];
const typeByUrl = new Map<string, ResourceType>(SUBSCRIBED.map((type) => [TypeUrl[type], type]));
const isWildcard = (type: ResourceType): boolean => type === "cluster" || type === "listener";

interface DeltaTypeState {
  /** Accepted resources and their versions. */
  resources: Map<string, { version: string; message: unknown }>;
  /** Names subscribed (RDS/EDS); wildcard types ignore it. */
  names: Set<string>;
}

/** Same contract as startAdsClient, over the incremental protocol. */
export function startDeltaAdsClient(options: AdsClientOptions, subscriber: XdsSubscriber): AdsClient {
  const transport = createGrpcTransport({ baseUrl: `http://${options.address}`, pingIntervalMs: 10_000, pingTimeoutMs: 5_000 });
  const client = createClient(AggregatedDiscoveryService, transport);
  const log = options.log ?? (() => {});
  const node = { id: options.nodeId, cluster: options.nodeCluster ?? options.nodeId, userAgentName: "meshplane-gateway" };
  const state = new Map<ResourceType, DeltaTypeState>(SUBSCRIBED.map((type) => [type, { resources: new Map(), names: new Set() }]));

  const snapshotOf = (resources: Map<string, { message: unknown }>): XdsResources => new Map([...resources].map(([name, { message }]) => [name, message]));

  const updateSubscriptions = (): void => {
    const wanted = subscriber.wantedNames();
    for (const type of ["secret", "endpoint", "route"] as const) {
      const typeState = state.get(type)!;
      const names = wanted[type] ?? new Set<string>();
      const added = [...names].filter((name) => !typeState.names.has(name));
      const removed = [...typeState.names].filter((name) => !names.has(name));
      if (added.length === 0 && removed.length === 0) continue;
      typeState.names = new Set(names);
      streams.send(create(DeltaDiscoveryRequestSchema, { typeUrl: TypeUrl[type], resourceNamesSubscribe: added, resourceNamesUnsubscribe: removed }));
      if (removed.length > 0) {
        for (const name of removed) typeState.resources.delete(name);
        subscriber.apply(type, snapshotOf(typeState.resources), "");
      }
    }
  };

  const onResponse = (response: DeltaDiscoveryResponse): void => {
    const type = typeByUrl.get(response.typeUrl);
    if (!type) {
      streams.send(create(DeltaDiscoveryRequestSchema, { typeUrl: response.typeUrl, responseNonce: response.nonce, errorDetail: { code: 12, message: "type not supported" } }));
      return;
    }
    const typeState = state.get(type)!;
    const next = new Map(typeState.resources);
    let error: string | undefined;
    try {
      for (const resource of response.resources) {
        if (!resource.resource) continue;
        next.set(resource.name, { version: resource.version, message: unpackResource(resource.resource) });
      }
      for (const name of response.removedResources) next.delete(name);
      const result = subscriber.apply(type, snapshotOf(next), response.systemVersionInfo);
      if (!result.ok) error = result.message;
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    if (error === undefined) {
      typeState.resources = next;
      streams.send(create(DeltaDiscoveryRequestSchema, { typeUrl: response.typeUrl, responseNonce: response.nonce }));
      log(`xds (delta): accepted ${type}: ${response.resources.length} changed, ${response.removedResources.length} removed`);
      updateSubscriptions();
    } else {
      streams.send(create(DeltaDiscoveryRequestSchema, { typeUrl: response.typeUrl, responseNonce: response.nonce, errorDetail: { code: 3, message: error } }));
      log(`xds (delta): rejected ${type}: ${error}`);
    }
  };

  const streams = runAdsStreams<DeltaDiscoveryRequest, DeltaDiscoveryResponse>({
    label: "xds (delta)",
    log,
    initialBackoffMs: options.initialBackoffMs ?? 250,
    maxBackoffMs: options.maxBackoffMs ?? 10_000,
    open: (requests, signal) => client.deltaAggregatedResources(requests, { signal, ...callHeaders(options) }),
    start(send) {
      let first = true;
      for (const type of SUBSCRIBED) {
        const typeState = state.get(type)!;
        if (!isWildcard(type) && typeState.names.size === 0) continue;
        send(
          create(DeltaDiscoveryRequestSchema, {
            ...(first ? { node } : {}),
            typeUrl: TypeUrl[type],
            resourceNamesSubscribe: isWildcard(type) ? [] : [...typeState.names],
            initialResourceVersions: Object.fromEntries([...typeState.resources].map(([name, { version }]) => [name, version])),
          }),
        );
        first = false;
      }
    },
    onResponse,
    onConnection: (up) => subscriber.onConnection(up),
  });
  return streams;
}
