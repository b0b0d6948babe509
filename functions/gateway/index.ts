// meshplane's lightweight gateway: an xDS client feeding core-wasm route tables and a streaming HTTP proxy. This is
// the Node gateway's API; the Worker build is worker/index.ts, and both run on the shared core in core/.
export { createGateway, type Gateway, type GatewayOptions } from "./node/gateway.js";
export { startAdsClient, type AdsClient, type AdsClientOptions, type XdsStreamError } from "./xds-client/ads-client.js";
export { startAdminServer, type AdminServer } from "./node/admin.js";
export { GatewayMetrics } from "./node/metrics.js";
export { RESPONSE_FLAG_HEADER, ResponseFlag, type ResponseFlagCode } from "./core/index.js";
export { startGateway, type RunningGateway, type StartGatewayOptions } from "./node/start.js";
export { startDeltaAdsClient } from "./xds-client/delta-ads-client.js";
