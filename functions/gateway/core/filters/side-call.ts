// Requests a filter makes of its own (an authorization check, a JWKS fetch, a mirrored copy), sent by the runtime
// to a host of a cluster of the snapshot: Node over its sockets, the Worker with fetch. The core decides what to
// send and what the answer means; the runtime only carries it.
import type { UpstreamHost } from "../host-set.js";
import type { UpstreamCluster } from "../upstream-cluster.js";

export interface SideRequest {
  method: string;
  /** Path and query. */
  path: string;
  authority: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: Uint8Array;
  /** The call is abandoned (and rejects) after this long. */
  timeoutMs: number;
}

export interface SideResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** HTTP/2 trailers (gRPC's grpc-status); empty over HTTP/1.1. */
  trailers: Record<string, string>;
}

export interface SideCallTransport {
  /**
   * Sends `request` to one host of `cluster` (chosen by the cluster's load balancer), in the cluster's protocol
   * (HTTP/2 prior knowledge when it asks for it). Rejects when no host is reachable, the connection fails or resets,
   * or the timeout passes; any response, whatever its status, resolves.
   */
  call(cluster: UpstreamCluster, request: SideRequest): Promise<SideResponse>;
  /**
   * Why this runtime can never send a side call to `cluster` (it would need TLS origination, or HTTP/2 where only
   * HTTP/1.1 is possible), or undefined when it can. A check that can never be made is refused, not failed open.
   */
  unreachable(cluster: UpstreamCluster): string | undefined;
}

/** Side calls are plain requests of the gateway's own: neither runtime originates TLS for them. */
export const tlsSideCallRefusal = (cluster: UpstreamCluster): string | undefined => (cluster.config.tls ? `cluster ${cluster.name}: side calls do not originate TLS` : undefined);

/**
 * A runtime's SideCallTransport from what differs between runtimes: which clusters it can never reach, and how it
 * sends one request to one host. The host is the cluster's load balancer's pick.
 */
export function createSideCallTransport(
  unreachable: (cluster: UpstreamCluster) => string | undefined,
  send: (host: UpstreamHost, cluster: UpstreamCluster, request: SideRequest) => Promise<SideResponse>,
): SideCallTransport {
  return {
    unreachable,
    async call(cluster, request) {
      const refused = unreachable(cluster);
      if (refused) throw new Error(refused);
      const host = cluster.pick(undefined);
      if (!host) throw new Error(`cluster ${cluster.name} has no hosts`);
      return send(host, cluster, request);
    },
  };
}
