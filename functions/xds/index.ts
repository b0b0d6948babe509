// The xDS side of meshplane: snapshot cache, ADS service (transport-independent; gRPC over node:http2 in
// ./server/ads-http2.ts) and the observers of its streams, REST xDS, status and metrics.
// Everything exported here is Workers-safe; the Node ADS server (node:http2) is `./server/node-server.js`.
export { createXdsCache } from "./cache/cache.js";
export type { XdsCache, XdsCacheOptions, NodeWatch, NodeListener, XdsCacheStats, MeshStatus, MeshLint } from "./cache/cache.js";
export { appMeshTranslation } from "./cache/translation.js";
export { createTimeSlicing } from "./cache/time-slicer.js";
export type { TimeSlicing, TimeSlicer, TimeSlicerOptions } from "./cache/time-slicer.js";
export { MeshUnavailableError, NodeIdError } from "./cache/types.js";
export type { CachedResource, NodeSnapshot, TypeResources, XdsTranslation, SnapshotTranslator, NodeRequest, TranslatedResources } from "./cache/types.js";
export { createAdsService } from "./server/ads-service.js";
export type { AdsAdmission, AdsAdmissionRequest, AdsAdmissionVerdict, AdsCall, AdsCallInfo, AdsCallSink, AdsService, AdsServiceOptions } from "./server/ads-service.js";
export type { StreamIdentity } from "./server/stream-identity.js";
export { createXdsObserver, createObserverList } from "./server/observer.js";
export type { XdsObserver, StreamInfo, StreamProtocol, SentResponse, StreamAck, StreamNack } from "./server/observer.js";
export { Subscription } from "./server/subscription.js";
export { XdsMetrics } from "./server/metrics.js";
export { ProxyRegistry } from "./server/proxies.js";
export type { ProxyStatus, TypeStatus } from "./server/proxies.js";
export { createMetricsApp, createXdsStatusApp } from "./server/status.js";
export { createLintApp } from "./lint-app.js";
export { createRestXdsApp } from "./rest-xds.js";
export type { RestXdsOptions } from "./rest-xds.js";
export { subscriptionVersion } from "./server/versions.js";
