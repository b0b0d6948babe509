// The gateway core: everything the Node gateway and the Worker gateway share, in web standards only (no node:
// imports, no sockets, no fetch). A runtime adapter implements UpstreamTransport, feeds xDS resources into a
// SnapshotBuilder, routes each request on the current snapshot and sends the verdict of an UpstreamExchange.
// @private: for functions/gateway/node/ and functions/gateway/worker/; the gateway's public API is ../index.ts.
export { createSnapshotBuilder, type SnapshotBuilder, type SnapshotBuilderOptions, type WantedNames } from "./snapshot-builder.js";
export { validateSnapshot, isWarm, type SnapshotCandidate } from "./snapshot-validation.js";
export { emptySnapshot, findInternalListener, type GatewaySnapshot } from "./snapshot.js";
export { applyHeaderChanges, routeRequest, type ForwardDecision, type LocalReply, type ProxyRequest, type RoutingDecision } from "./router.js";
export { UpstreamExchange, type ExchangeOptions, type ExchangeVerdict } from "./upstream-exchange.js";
export { UpstreamCluster, type UpstreamClusterDependencies } from "./upstream-cluster.js";
export { HostSet, type HostSetOptions, type UpstreamHost } from "./host-set.js";
export { ActiveHealthChecks, type HealthProbe } from "./active-health-checks.js";
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
export {
  DEFAULT_BACK_OFF_BASE_MS,
  RETRY_ON,
  isRetriableFailure,
  isRetriableResponse,
  parseRetryPolicy,
  retryBackOffMs,
  type AttemptFailure,
  type RetryOn,
  type RetryPolicy,
} from "./retry-policy.js";
export { RESPONSE_FLAG_HEADER, ResponseFlag, type ResponseFlagCode } from "./response-flags.js";
export { RESPONSE_HOP_BY_HOP, downstreamResponseHeaders } from "./response-headers.js";
export { unrefTimer } from "./timers.js";
export { parseClusterConfig, isIpAddress, type ClusterConfig, type EndpointConfig, type HealthCheckConfig, type OutlierConfig, type CircuitBreakerLimits } from "./config/cluster-config.js";
export { parseListenerConfig, routeConfigNameFor, type ListenerConfig, type TcpProxyConfig, type AccessLogConfig } from "./config/listener-config.js";
export { compileRouteConfig, normalizePath, rewritePath, type CompiledRouteConfig, type RouteEntry, type HeaderChanges } from "./config/route-entries.js";
export { parseDownstreamTls, parseUpstreamTls, secretNamesOf, type DataRef, type DownstreamTlsConfig, type UpstreamTlsConfig } from "./config/tls-config.js";
