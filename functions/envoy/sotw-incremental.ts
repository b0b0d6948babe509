// In the state-of-the-world protocol only LDS and CDS responses must hold every resource the client asked for; RDS
// and EDS responses may carry just some of them, since a client learns of removals from the listener or cluster that
// stops naming a resource ("Grouping Resources into Responses",
// https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#grouping-resources-into-responses).
import type { ResourceType } from "./resources.js";

/** Types whose named state-of-the-world responses may carry only the resources that changed. */
export const SOTW_INCREMENTAL_TYPES: ReadonlySet<ResourceType> = new Set(["route", "endpoint"]);

/**
 * Node.client_features entry of a meshplane gateway that keeps RDS and EDS resources across state-of-the-world
 * responses. Gateways older than it replaced them with each response, and are still sent complete responses.
 */
export const KEEPS_SOTW_INCREMENTAL_RESOURCES = "meshplane.xds.sotw_keeps_route_and_endpoint_resources";
