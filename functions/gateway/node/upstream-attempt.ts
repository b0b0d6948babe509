// One upstream attempt on Node, over HTTP/1.1 (the host's connection pool: http1-attempt.ts) or HTTP/2 with prior
// knowledge (one session per host, for clusters whose HttpProtocolOptions ask for it — App Mesh http2 and grpc
// listeners: http2-attempt.ts). Resolves at the response headers or at the failure, classified the way Envoy's
// retry_on needs (connect failure, reset, refused stream). The connect timeout is the cluster's; per-try and route
// timeouts are the core's (cancel()).
import type { RunningAttempt, UpstreamAttempt } from "../core/index.js";
import type { ClusterConnections } from "./cluster-connections.js";
import { Http1Attempt } from "./http1-attempt.js";
import { Http2Attempt } from "./http2-attempt.js";
import type { RequestBody } from "./request-body.js";
import type { NodeUpstreamResponse } from "./upstream-response.js";

export type { NodeUpstreamResponse } from "./upstream-response.js";

/** Starts one attempt against the attempt's host in the cluster's protocol. */
export function startAttempt(connections: ClusterConnections, attempt: UpstreamAttempt<RequestBody>): RunningAttempt<NodeUpstreamResponse> {
  if (connections.config.http2) return new Http2Attempt(connections.http2Connection(attempt.host), attempt, connections.secure ? "https" : "http");
  return new Http1Attempt(connections.pool(attempt.host), attempt);
}
