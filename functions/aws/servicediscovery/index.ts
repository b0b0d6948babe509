// AWS Cloud Map (servicediscovery), as meshplane serves it: the JSON 1.1 service and the /v1/endpoints view over it.
export { createCloudMapService } from "./cloud-map.js";
export { createEndpointsView } from "./endpoints-view.js";
export type { EndpointView } from "./endpoints-view.js";
