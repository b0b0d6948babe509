// What the gateway core asks of a runtime: reaching a cluster's hosts. Everything else (routing, retries and their
// back-off, host choice, outlier ejection, circuit breakers, timeouts, health-check and DNS schedules, snapshots)
// is the core's. Implemented by node/upstream-transport.ts (sockets: keep-alive HTTP/1.1, HTTP/2, TLS origination,
// DNS, HTTP/gRPC/TCP health probes) and worker/upstream-transport.ts (fetch).
import type { ClusterConfig, HealthCheckConfig } from "./config/cluster-config.js";
import type { UpstreamHost } from "./host-set.js";
import type { ProxyRequest } from "./proxy-request.js";

/**
 * A cluster as the transport sees it (the core's UpstreamCluster): the same object for the cluster's whole life,
 * so a runtime may key its connection pools by it.
 */
export interface TransportCluster {
  readonly name: string;
  /** The config now in force; replaced (never mutated) on updates, which clusterChanged announces. */
  readonly config: ClusterConfig;
}

/** What the core needs of an upstream response before deciding to pass it on or retry. */
export interface UpstreamResponseHead {
  readonly status: number;
  /** A response header by lower-case name (several values joined with ","); undefined when absent. */
  header(name: string): string | undefined;
  /** Calls `visit` for each response header as received (lower-case names; pseudo-headers are skipped by readers). */
  forEachHeader(visit: (name: string, value: string | string[]) => void): void;
  /** Drops the response and its connection's claim on it (a retried attempt, a late answer). */
  discard(): void;
}

/** How one attempt ended. `aborted`: the request body can no longer be sent (it streamed past the replay buffer). */
export type AttemptOutcome<Response extends UpstreamResponseHead> =
  | { kind: "response"; response: Response }
  | { kind: "connect-failure" }
  | { kind: "reset" }
  | { kind: "refused-stream" }
  | { kind: "aborted" };

export interface RunningAttempt<Response extends UpstreamResponseHead> {
  /** Settles once, at the response headers or at the failure; never rejects. */
  readonly outcome: Promise<AttemptOutcome<Response>>;
  /**
   * Stops the attempt (per-try or route timeout, downstream gone): the request is reset and `outcome` settles
   * (as `aborted` unless it already had). Safe to call after it settled.
   */
  cancel(): void;
}

/** One attempt of a request to one host. */
export interface UpstreamAttempt<Body> {
  readonly cluster: TransportCluster;
  readonly host: UpstreamHost;
  /** The request as the upstream sees it, attempt headers (x-envoy-attempt-count, …) included. */
  readonly request: ProxyRequest;
  /** The downstream body, as the runtime's adapter holds it (Node: a replaying stream; Worker: bytes or a stream). */
  readonly body: Body;
}

/** A runtime's way to reach upstream hosts. One instance serves every cluster of a gateway. */
export interface UpstreamTransport<Body = unknown, Response extends UpstreamResponseHead = UpstreamResponseHead> {
  /** Starts one attempt; the runtime applies the cluster's connect timeout, protocol and TLS. */
  startAttempt(attempt: UpstreamAttempt<Body>): RunningAttempt<Response>;
  /**
   * Why no attempt can reach `cluster` now (TLS material not received, a feature this runtime lacks), for a 503 UF
   * without attempts; undefined when it can be tried.
   */
  unreachable(cluster: TransportCluster): string | undefined;
  /** Called when a cluster's config was applied (new or changed) or the cluster was removed: pooled connections made with old settings go. */
  clusterChanged(cluster: TransportCluster, removed: boolean): void;
  /**
   * Resolves a STRICT_DNS cluster's hostname to addresses (family 0: any). Absent where the runtime resolves at
   * connect time itself (fetch): DNS clusters then keep their hostnames as hosts.
   */
  readonly resolve?: (hostname: string, family: 0 | 4 | 6) => Promise<string[]>;
  /** Runs one active health check against `host`. Absent where the runtime cannot probe in the background (Workers). */
  readonly checkHealth?: (host: UpstreamHost, check: HealthCheckConfig) => Promise<boolean>;
}

/**
 * What the core reports while it forwards and keeps hosts (Node: Envoy-named Prometheus counters; the Worker: none).
 * Every member is called synchronously, most on the request path: it must be cheap and must not throw.
 */
export interface UpstreamObserver {
  /** An attempt (the first or a retry) is sent to a host of `cluster`. */
  attemptStarted(cluster: string): void;
  /** An attempt got response headers after `upstreamMs`, whether the response is then passed on or retried. */
  responseReceived(cluster: string, status: number, upstreamMs: number): void;
  /** An attempt ended without response headers (`timeout`: its per-try timeout). */
  attemptFailed(cluster: string, failure: "connect-failure" | "reset" | "refused-stream" | "timeout"): void;
  /** A retry was decided (before its back-off). */
  retried(cluster: string): void;
  /** The route timeout ended the request before its response headers. */
  routeTimedOut(cluster: string): void;
  /** Circuit breakers of `cluster` (the routed one or a hop on the way) refused the request. */
  overflowed(cluster: string): void;
  /** Outlier detection ejected `host` (`address:port`). */
  hostEjected(cluster: string, host: string): void;
  /** An active health check of one of the cluster's hosts finished. */
  healthChecked(cluster: string, healthy: boolean): void;
}

export const noUpstreamObserver: UpstreamObserver = {
  attemptStarted() {},
  responseReceived() {},
  attemptFailed() {},
  retried() {},
  routeTimedOut() {},
  overflowed() {},
  hostEjected() {},
  healthChecked() {},
};
