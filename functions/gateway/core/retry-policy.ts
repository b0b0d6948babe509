// Envoy's route retry policy, read once per RouteConfiguration, and the two decisions the router takes with it:
// whether an attempt's outcome is retried (Envoy's RetryStateImpl::wouldRetryFromHeaders / wouldRetryFromReset),
// and how long to wait first (fully jittered exponential back-off, JitteredExponentialBackOffStrategy).
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-retrypolicy
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { RetryPolicy as EnvoyRetryPolicy } from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";

/**
 * The `retry_on` conditions Envoy knows (HTTP, then gRPC). Unknown tokens are ignored, as Envoy ignores them in
 * route configuration. `retriable-headers` and `http3-post-connect-failure` are known but never match here: the
 * gateway parses no retriable_headers matchers and speaks no HTTP/3.
 */
export const RETRY_ON = [
  "5xx",
  "gateway-error",
  "reset",
  "reset-before-request",
  "connect-failure",
  "envoy-ratelimited",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "retriable-headers",
  "http3-post-connect-failure",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
] as const;
export type RetryOn = (typeof RETRY_ON)[number];

/** How an attempt ended without response headers; `timeout` is the per-try timeout. */
export type AttemptFailure = "connect-failure" | "reset" | "refused-stream" | "timeout";

/** Envoy's route retry policy, parsed. */
export interface RetryPolicy {
  /** Retries after the first attempt (Envoy's default is 1). */
  numRetries: number;
  /** Per attempt, until its response headers; 0 = none (then only the route timeout applies). */
  perTryTimeoutMs: number;
  on: ReadonlySet<RetryOn>;
  /** Retried with `retriable-status-codes`. */
  statusCodes: ReadonlySet<number>;
  /** The previous_hosts retry host predicate: a retry avoids hosts already tried. */
  avoidPreviousHosts: boolean;
  /** host_selection_retry_max_attempts: how often host selection may skip a previous host. */
  hostSelectionAttempts: number;
  /** retry_back_off: the first retry waits up to `baseMs`, each next one up to twice as long, never above `maxMs`. */
  backOff: { baseMs: number; maxMs: number };
}

/** Envoy's default base interval (runtime `upstream.base_retry_backoff_ms`); the max interval defaults to 10 × base. */
export const DEFAULT_BACK_OFF_BASE_MS = 25;

const KNOWN = new Set<string>(RETRY_ON);
const isRetryOn = (token: string): token is RetryOn => KNOWN.has(token);

/** gRPC status codes of the gRPC retry conditions (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
const GRPC_RETRY_ON: Readonly<Record<number, RetryOn>> = { 1: "cancelled", 4: "deadline-exceeded", 8: "resource-exhausted", 13: "internal", 14: "unavailable" };

const PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";

/**
 * The route's (else the virtual host's) retry policy; undefined when it retries nothing. Throws what Envoy would
 * reject the route configuration for.
 * @example
 * parseRetryPolicy(route.action.value.retryPolicy) // { numRetries: 2, on: Set {"reset", "retriable-status-codes"}, … }
 */
export function parseRetryPolicy(policy: EnvoyRetryPolicy | undefined): RetryPolicy | undefined {
  if (!policy || policy.retryOn === "") return undefined;
  const backOff = policy.retryBackOff;
  const baseMs = backOff ? (backOff.baseInterval ? durationMs(backOff.baseInterval) : 0) : DEFAULT_BACK_OFF_BASE_MS;
  // protoc-gen-validate on RetryBackOff: base_interval is required and > 0, max_interval > 0 when set.
  if (baseMs <= 0) throw new Error("retry_back_off.base_interval must be greater than 0");
  const maxMs = backOff?.maxInterval ? durationMs(backOff.maxInterval) : baseMs * 10;
  if (maxMs <= 0) throw new Error("retry_back_off.max_interval must be greater than 0");
  if (maxMs < baseMs) throw new Error("retry_back_off.max_interval must be greater than or equal to the base_interval");
  return {
    numRetries: policy.numRetries ?? 1,
    perTryTimeoutMs: policy.perTryTimeout ? durationMs(policy.perTryTimeout) : 0,
    on: new Set(policy.retryOn.split(",").map((token) => token.trim()).filter(isRetryOn)),
    statusCodes: new Set(policy.retriableStatusCodes),
    avoidPreviousHosts: policy.retryHostPredicate.some((predicate) => predicate.name === PREVIOUS_HOSTS),
    hostSelectionAttempts: Math.max(1, Number(policy.hostSelectionRetryMaxAttempts || 1n)),
    backOff: { baseMs, maxMs },
  };
}

/**
 * Whether a response with `status` is retried. `header` reads a response header (lower-case name): responses
 * another Envoy marked `x-envoy-overloaded` are never retried, `x-envoy-ratelimited` ones only on
 * `envoy-ratelimited`, and the gRPC conditions read `grpc-status` from the headers (a trailers-only response).
 */
export function isRetriableResponse(policy: RetryPolicy, status: number, header: (name: string) => string | undefined): boolean {
  const on = policy.on;
  if (header("x-envoy-overloaded") !== undefined) return false;
  if (header("x-envoy-ratelimited") !== undefined) return on.has("envoy-ratelimited");
  if (on.has("5xx") && status >= 500 && status <= 599) return true;
  if (on.has("gateway-error") && status >= 502 && status <= 504) return true;
  // Envoy's only retriable 4xx is 409 Conflict.
  if (on.has("retriable-4xx") && status === 409) return true;
  if (on.has("retriable-status-codes") && policy.statusCodes.has(status)) return true;
  const grpcStatus = header("grpc-status");
  if (grpcStatus !== undefined) {
    const condition = GRPC_RETRY_ON[Number(grpcStatus)];
    if (condition !== undefined && on.has(condition)) return true;
  }
  return false;
}

/**
 * Whether an attempt that ended without response headers is retried. A reset (or a per-try timeout, which Envoy
 * handles as a local reset) counts as a 5xx for `5xx` and `gateway-error`; `connect-failure` and `refused-stream`
 * select only their own kind; `reset-before-request` takes failures before any request byte left (connect failures).
 */
export function isRetriableFailure(policy: RetryPolicy, failure: AttemptFailure): boolean {
  const on = policy.on;
  if (on.has("5xx") || on.has("gateway-error") || on.has("reset")) return true;
  if (failure === "connect-failure") return on.has("connect-failure") || on.has("reset-before-request");
  if (failure === "refused-stream") return on.has("refused-stream");
  return false;
}

/**
 * The wait before retry number `retry` (1 = the first retry): a uniformly random whole number of milliseconds below
 * min(base × 2^(retry-1), max), as Envoy's JitteredExponentialBackOffStrategy draws it.
 */
export function retryBackOffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const { baseMs, maxMs } = policy.backOff;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
