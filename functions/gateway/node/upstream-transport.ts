// The Node runtime's UpstreamTransport: sockets. HTTP/1.1 over keep-alive connection pools and HTTP/2 sessions per cluster
// (cluster-connections.ts), TLS origination, DNS lookups for STRICT_DNS clusters and HTTP/gRPC/TCP health probes.
import { lookup } from "node:dns/promises";
import type { TransportCluster, UpstreamTransport } from "../core/index.js";
import { ClusterConnections } from "./cluster-connections.js";
import { runHealthCheck } from "./health-check.js";
import type { RequestBody } from "./request-body.js";
import type { MaterialReader } from "./tls-material.js";
import { startAttempt, type NodeUpstreamResponse } from "./upstream-attempt.js";

export type NodeUpstreamTransport = UpstreamTransport<RequestBody, NodeUpstreamResponse>;

/** `readMaterial` reads TLS material (files, inline PEMs, Secrets received over ADS). */
export function createNodeUpstreamTransport(readMaterial: MaterialReader): NodeUpstreamTransport {
  const connections = new WeakMap<TransportCluster, ClusterConnections>();
  const of = (cluster: TransportCluster): ClusterConnections => {
    let found = connections.get(cluster);
    if (!found) connections.set(cluster, (found = new ClusterConnections(cluster.config, readMaterial)));
    return found;
  };
  return {
    startAttempt: (attempt) => startAttempt(of(attempt.cluster), attempt),
    unreachable(cluster) {
      const error = of(cluster).tlsError;
      return error === undefined ? undefined : `upstream TLS: ${error}`;
    },
    clusterChanged(cluster, removed) {
      const existing = connections.get(cluster);
      if (removed) {
        existing?.close();
        connections.delete(cluster);
      } else if (existing) existing.update(cluster.config);
      else of(cluster);
    },
    resolve: async (hostname, family) => (await lookup(hostname, { all: true, family })).map(({ address }) => address),
    checkHealth: (host, check) => runHealthCheck(host.address, host.healthCheckPort ?? host.port, check),
  };
}
