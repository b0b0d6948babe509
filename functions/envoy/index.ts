// Envoy's vocabulary, shared by the control plane (functions/xds) and the gateway (functions/gateway): xDS type URLs,
// the registry of generated Envoy messages, node ids as App Mesh's Envoy image sends them, and Envoy version bands.
export { TypeUrl, pushOrder, resourceSchemas, envoyRegistry } from "./resources.js";
export { ListenerSchema, ClusterSchema, RouteConfigurationSchema, ClusterLoadAssignmentSchema, SecretSchema } from "./resources.js";
export type { ResourceType, Listener, Cluster, RouteConfiguration, ClusterLoadAssignment, Secret } from "./resources.js";
export { SOTW_INCREMENTAL_TYPES, KEEPS_SOTW_INCREMENTAL_RESOURCES } from "./sotw-incremental.js";
export { NODE_KINDS, parseNodeId, formatNodeId } from "./node-id.js";
export type { NodeKind, NodeIdentity } from "./node-id.js";
export { parseEnvoyVersion, formatEnvoyVersion, compareEnvoyVersions, envoyVersionOfNode } from "./envoy-version.js";
export type { EnvoyVersion } from "./envoy-version.js";
export {
  ENVOY_FEATURES,
  ENVOY_FEATURE_NAMES,
  ENVOY_VERSION_BANDS,
  NEWEST_ENVOY_BAND,
  OLDEST_SUPPORTED_ENVOY,
  envoyBandKey,
  envoyVersionBand,
  isNewestBand,
  supports,
} from "./version-bands.js";
export type { EnvoyFeature, EnvoyFeatureName } from "./version-bands.js";
export {
  ADS_SUBSCRIPTION,
  DEFAULT_REST_REQUEST_TIMEOUT_MS,
  XDS_SUBSCRIPTION_METADATA_KEY,
  formatDurationMs,
  parseDurationMs,
  xdsSubscriptionKey,
  xdsSubscriptionMetadata,
  xdsSubscriptionOfNode,
} from "./xds-subscription.js";
export type { XdsSubscription } from "./xds-subscription.js";
