// Envoy's response flags (https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags),
// the short names, sent back in `x-meshplane-flags` so a client can tell a gateway verdict from an upstream one.

export const RESPONSE_FLAG_HEADER = "x-meshplane-flags";

export const ResponseFlag = {
  /** No route configured for the request (404). */
  noRoute: "NR",
  /** The route's cluster is not known (503). */
  noClusterFound: "NC",
  /** No healthy upstream host (503). */
  noHealthyUpstream: "UH",
  /** Upstream connection failure (503). */
  upstreamConnectionFailure: "UF",
  /** Upstream request timeout (504). */
  upstreamRequestTimeout: "UT",
  /** Upstream connection terminated before a response. */
  upstreamConnectionTermination: "UC",
  /** Retries exhausted; the last attempt's outcome is returned. */
  upstreamRetryLimitExceeded: "URX",
  /** Circuit breaker overflow (503). */
  upstreamOverflow: "UO",
  /** Stream idle timeout (408 before a response, reset after). */
  streamIdleTimeout: "SI",
  /** The downstream went away before the response completed. */
  downstreamConnectionTermination: "DC",
} as const;

export type ResponseFlagCode = (typeof ResponseFlag)[keyof typeof ResponseFlag];
