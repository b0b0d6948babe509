// App Mesh retry policies → Envoy RetryPolicy (docs/envoy-translation.md §8).
import { create } from "@bufbuild/protobuf";
import type { GrpcRetryPolicy, HttpRetryPolicy } from "../../appmesh/model/types.generated.js";
import { RetryPolicySchema, type RetryPolicy } from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { PreviousHostsPredicateSchema } from "../../../proto/gen/envoy/extensions/retry/host/previous_hosts/v3/previous_hosts_pb.js";
import { appMeshDurationMs, ms, typedConfig } from "./common.js";

/** HTTP retry event → the status codes it retries and whether it also retries upstream resets (API HttpRetryPolicy). */
const httpRetryEvents: Record<string, { codes: number[]; reset: boolean; token?: string }> = {
  "server-error": { codes: [500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511], reset: true },
  "gateway-error": { codes: [502, 503, 504], reset: true },
  "client-error": { codes: [409], reset: false },
  "stream-error": { codes: [], reset: false, token: "refused-stream" },
};

const tcpRetryEvents: Record<string, string> = { "connection-error": "connect-failure" };

// App Mesh always avoids the host that just failed, retrying host selection up to 5 times (VGDUMP, RM#229).
function previousHostsPredicate(): RetryPolicy["retryHostPredicate"] {
  return [
    {
      $typeName: "envoy.config.route.v3.RetryPolicy.RetryHostPredicate",
      name: "envoy.retry_host_predicates.previous_hosts",
      configType: typedConfig(PreviousHostsPredicateSchema, create(PreviousHostsPredicateSchema)),
    },
  ];
}

/**
 * `retry_on` tokens in a fixed order (reset, refused-stream, connect-failure, gRPC events, retriable-status-codes),
 * status codes as the union in event order: this reproduces App Mesh's observed `reset,refused-stream,retriable-status-codes`.
 */
export function translateRetryPolicy(policy: HttpRetryPolicy | GrpcRetryPolicy): RetryPolicy {
  const codes: number[] = [];
  let reset = false;
  let refusedStream = false;
  for (const event of policy.httpRetryEvents ?? []) {
    const mapping = httpRetryEvents[event];
    if (!mapping) continue;
    for (const code of mapping.codes) if (!codes.includes(code)) codes.push(code);
    reset ||= mapping.reset;
    refusedStream ||= mapping.token === "refused-stream";
  }
  const tokens: string[] = [];
  if (reset) tokens.push("reset");
  if (refusedStream) tokens.push("refused-stream");
  for (const event of policy.tcpRetryEvents ?? []) {
    const token = tcpRetryEvents[event];
    if (token && !tokens.includes(token)) tokens.push(token);
  }
  const grpcEvents = "grpcRetryEvents" in policy ? (policy.grpcRetryEvents ?? []) : [];
  for (const event of grpcEvents) if (!tokens.includes(event)) tokens.push(event);
  if (codes.length > 0) tokens.push("retriable-status-codes");
  const perTry = appMeshDurationMs(policy.perRetryTimeout);
  return create(RetryPolicySchema, {
    retryOn: tokens.join(","),
    numRetries: policy.maxRetries,
    perTryTimeout: perTry !== undefined && perTry > 0 ? ms(perTry) : undefined,
    retryHostPredicate: previousHostsPredicate(),
    hostSelectionRetryMaxAttempts: 5n,
    retriableStatusCodes: codes,
  });
}

/**
 * App Mesh's hidden default for routes without a retry policy (and for node-provider routes): 2 retries on gRPC
 * `unavailable`, HTTP 503, connect failures, refused streams and resets, in App Mesh's token order (envoyctl#2).
 */
export function defaultRetryPolicy(): RetryPolicy {
  return create(RetryPolicySchema, {
    retryOn: "unavailable,reset,connect-failure,refused-stream,retriable-status-codes",
    numRetries: 2,
    retryHostPredicate: previousHostsPredicate(),
    hostSelectionRetryMaxAttempts: 5n,
    retriableStatusCodes: [503],
  });
}
