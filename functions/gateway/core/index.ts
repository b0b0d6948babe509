// The gateway core: everything the Node gateway and the Worker gateway share, in web standards only (no node:
// imports, no sockets, no fetch). A runtime adapter implements UpstreamTransport, feeds xDS resources into a
// SnapshotBuilder, routes each request on the current snapshot and sends the verdict of an UpstreamExchange.
// @private: for functions/gateway/node/ and functions/gateway/worker/; the gateway's public API is ../index.ts.
//
// @example
// const builder = createSnapshotBuilder({ core, transport });          // xDS updates → builder.apply(type, resources)
// const decision = routeRequest(builder.snapshot(), listener, request);
// if (decision.kind === "forward") {
//   const exchange = new UpstreamExchange({ decision, body, replayable: () => true, transport, observer: noUpstreamObserver });
//   const verdict = await exchange.verdict;                            // send it, then exchange.end()
// }

// What an adapter implements.
export {
  noUpstreamObserver,
  type AttemptOutcome,
  type RunningAttempt,
  type TransportCluster,
  type UpstreamAttempt,
  type UpstreamObserver,
  type UpstreamResponseHead,
  type UpstreamTransport,
} from "./upstream-transport.js";

// From xDS resources to snapshots, routing, forwarding.
export { createSnapshotBuilder, type SnapshotBuilder, type SnapshotBuilderOptions, type WantedNames } from "./snapshot-builder.js";
export { validateSnapshot, type SnapshotCandidate } from "./snapshot-validation.js";
export type { GatewaySnapshot } from "./snapshot.js";
export { routeRequest, type ForwardDecision, type LocalReply, type ProxyRequest, type RoutingDecision } from "./router.js";
export type { HeaderChange, HeaderChanges, OperationReply, RequestOperation, ResponseOperation } from "./route-operations.js";
export type { RoutePlan, RouteTarget } from "./route-plan.js";
export { UpstreamExchange, type ExchangeOptions, type ExchangeVerdict } from "./upstream-exchange.js";
export { DeadlineQueue, type DeadlineTarget } from "./deadline-queue.js";
export { downstreamResponseHeaders, RESPONSE_HOP_BY_HOP } from "./response-headers.js";
export { RESPONSE_FLAG_HEADER, ResponseFlag, type ResponseFlagCode } from "./response-flags.js";

// The parts below are what the pieces above are made of, exported for adapters' own needs and for unit tests.
export { UpstreamCluster } from "./upstream-cluster.js";
export { HostSet, type UpstreamHost } from "./host-set.js";
export { isRetriableFailure, isRetriableResponse, parseRetryPolicy, retryBackOffMs, type AttemptFailure, type RetryPolicy } from "./retry-policy.js";
export { unrefTimer } from "./timers.js";
export type { ClusterConfig, EndpointConfig, HealthCheckConfig, OutlierConfig } from "./config/cluster-config.js";
export type { AccessLogConfig, ListenerConfig, TcpProxyConfig } from "./config/listener-config.js";
export type { DataRef, UpstreamTlsConfig } from "./config/tls-config.js";
export { aggregateStatsTags, AGGREGATE_STATS_FILTER, type AggregateStatsTags, type StatsTarget } from "./config/aggregate-stats.js";
