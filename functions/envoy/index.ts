// Envoy's vocabulary, shared by the control plane (functions/xds) and the gateway (functions/gateway): xDS type URLs,
// the registry of generated Envoy messages, and node ids as App Mesh's Envoy image sends them.
export { TypeUrl, pushOrder, resourceSchemas, envoyRegistry } from "./resources.js";
export { ListenerSchema, ClusterSchema, RouteConfigurationSchema, ClusterLoadAssignmentSchema, SecretSchema } from "./resources.js";
export type { ResourceType, Listener, Cluster, RouteConfiguration, ClusterLoadAssignment, Secret } from "./resources.js";
export { NODE_KINDS, parseNodeId, formatNodeId } from "./node-id.js";
export type { NodeKind, NodeIdentity } from "./node-id.js";
