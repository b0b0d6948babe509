// meshplane's lightweight gateway: an xDS client feeding core-wasm route tables and a streaming HTTP proxy.
export { createGateway, type Gateway, type GatewayOptions } from "./gateway.js";
export { startAdsClient, type AdsClient, type AdsClientOptions } from "./xds-client/ads-client.js";
export { startAdminServer, type AdminServer } from "./admin.js";
export { GatewayMetrics } from "./metrics.js";
export { RESPONSE_FLAG_HEADER, ResponseFlag, type ResponseFlagCode } from "./proxy/response-flags.js";
export { startGateway, type RunningGateway, type StartGatewayOptions } from "./start.js";
export { startDeltaAdsClient } from "./xds-client/delta-ads-client.js";
