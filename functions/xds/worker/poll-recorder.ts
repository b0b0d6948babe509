// Who polls the Worker's REST xDS, for `/v1/xds/proxies`: an XdsObserver of the REST xDS app that collects each
// poll and hands them to the mesh hubs after the response (`flush`, run under waitUntil). An isolate forwards a
// node's poll of a type only when something moved (what it holds, what it was sent, a NACK) or when the type was
// last forwarded more than `intervalMs` ago, so a fleet polling every second costs its hubs one write per node and
// type every few seconds, not one per poll; `lastPollAt` is accurate to that interval.
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { DiscoveryRequest, DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { parseNodeId } from "../../envoy/index.js";
import type { XdsCache } from "../cache/cache.js";
import { createXdsObserver, type XdsObserver } from "../server/observer.js";
import type { PollEvent } from "./hub-protocol.js";

export const POLL_RECORD_INTERVAL_MS = 10_000;

export interface PollRecorder {
  /** For the REST xDS app's observers. */
  readonly observer: XdsObserver;
  /** The REST xDS app's cache, wrapped: a poll is recorded only once its node was found (no hub for made-up meshes). */
  wrap(cache: Pick<XdsCache, "fetch">): Pick<XdsCache, "fetch">;
  /**
   * Takes the polls collected so far, by mesh, the ones worth recording. A poll that was not answered with a
   * DiscoveryResponse may be a 304 or still in flight: with `quiet` (no poll in flight in this isolate) it is taken
   * as a 304, otherwise it waits for a later take.
   */
  take(quiet: boolean): Map<string, PollEvent[]>;
}

interface Forwarded {
  at: number;
  fingerprint: string;
}

export function createPollRecorder(options: { intervalMs?: number; now?: () => number } = {}): PollRecorder {
  const intervalMs = options.intervalMs ?? POLL_RECORD_INTERVAL_MS;
  const now = options.now ?? Date.now;
  const pending = new Map<DiscoveryRequest, { meshName: string; event: PollEvent; served: boolean }>();
  /** The request each node object arrived in (the REST app hands the cache the request's own node). */
  const requestOf = new WeakMap<Node, DiscoveryRequest>();
  /** Per node and type URL: the last poll this isolate forwarded. Bounded by the nodes that poll it. */
  const forwarded = new Map<string, Forwarded>();

  const observer = createXdsObserver({
    onFetchRequest(request) {
      const node = request.node;
      if (!node) return;
      const identity = parseNodeId(node.id);
      if ("error" in identity) return;
      const userAgent = `${node.userAgentName} ${node.userAgentVersionType.case === "userAgentVersion" ? node.userAgentVersionType.value : ""}`.trim();
      requestOf.set(node, request);
      pending.set(request, {
        meshName: identity.meshName,
        served: false,
        event: {
          at: new Date(now()).toISOString(),
          nodeId: node.id,
          nodeCluster: node.cluster,
          userAgent,
          typeUrl: request.typeUrl,
          heldVersion: request.versionInfo,
          nack: request.errorDetail ? request.errorDetail.message || `code ${request.errorDetail.code}` : null,
          sentVersion: null,
        },
      });
    },
    onFetchResponse(request: DiscoveryRequest, response: DiscoveryResponse) {
      const entry = pending.get(request);
      if (entry) entry.event.sentVersion = response.versionInfo;
    },
  });

  return {
    observer,
    wrap(cache) {
      return {
        async fetch(node, nodeRequest) {
          const request = requestOf.get(node);
          try {
            const snapshot = await cache.fetch(node, nodeRequest);
            const entry = request && pending.get(request);
            if (entry) entry.served = true;
            return snapshot;
          } catch (error) {
            if (request) pending.delete(request);
            throw error;
          }
        },
      };
    },
    take(quiet) {
      const byMesh = new Map<string, PollEvent[]>();
      const at = now();
      for (const [request, { meshName, event, served }] of pending) {
        if (event.sentVersion === null && !(served && quiet)) continue;
        pending.delete(request);
        const key = `${event.nodeId}\u0000${event.typeUrl}`;
        const fingerprint = `${event.heldVersion}\u0000${event.sentVersion ?? ""}\u0000${event.nack ?? ""}`;
        const last = forwarded.get(key);
        if (last !== undefined && last.fingerprint === fingerprint && at - last.at < intervalMs) continue;
        forwarded.set(key, { at, fingerprint });
        byMesh.set(meshName, [...(byMesh.get(meshName) ?? []), event]);
      }
      return byMesh;
    },
  };
}
