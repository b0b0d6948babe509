// Proxyless gRPC (gRFC A27): a gRPC application with `xds:///<virtual service>` asks LDS for a Listener named after
// the target; it needs an API listener whose HCM points at RDS, a route configuration whose virtual host matches
// the target, and EDS / LOGICAL_DNS clusters with locality weights (docs/envoy-translation.md §15).
import { clone, create } from "@bufbuild/protobuf";
import { ListenerSchema, type Listener } from "../../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema } from "../../../proto/gen/envoy/config/route/v3/route_pb.js";
import { RouteSchema, VirtualHostSchema, type Route } from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import { FAULT_FILTER, policyHttpFilters } from "./policies/http-filters.js";
import { HttpConnectionManagerSchema } from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { adsConfigSource } from "./common.js";
import { isHttpFamily } from "./mesh-index.js";
import { apiListenerRouteConfigName } from "./names.js";
import { routerHttpFilter } from "./network-filters.js";
import type { NodeIdentity } from "../../envoy/index.js";
import type { NodeResourcesBuilder, SharedResources } from "./translator.js";
import { anyPack } from "@bufbuild/protobuf/wkt";

/** `<service>` or `<service>:<port>` → its parts; the port must be numeric. */
export function parseApiListenerName(name: string): { virtualServiceName: string; port: number | undefined } {
  const colon = name.lastIndexOf(":");
  if (colon > 0 && /^[0-9]+$/.test(name.slice(colon + 1))) return { virtualServiceName: name.slice(0, colon), port: Number(name.slice(colon + 1)) };
  return { virtualServiceName: name, port: undefined };
}

/**
 * gRPC's xDS client runs the fault filter and the router (gRFC A33, A39) and refuses per-route configurations of
 * filters it does not know, so a route's other policy configurations are left out for proxyless clients.
 */
function proxylessRoute(route: Route): Route {
  const names = Object.keys(route.typedPerFilterConfig);
  if (names.every((name) => name === FAULT_FILTER)) return route;
  const copy = clone(RouteSchema, route);
  for (const name of names) if (name !== FAULT_FILTER) delete copy.typedPerFilterConfig[name];
  return copy;
}

/**
 * Adds the API listener `listenerName` and what it references to `out`; false when the name does not denote an
 * HTTP-family port of a virtual service the node may call (a virtual node's backends; gateways have no API listeners).
 * Clusters are the proxyless flavour: no transport socket (gRPC's xDS security is configured separately), no active
 * health checks, and LOGICAL_DNS instead of STRICT_DNS, which gRPC does not implement.
 */
export function addApiListener(shared: SharedResources, node: NodeIdentity, listenerName: string, out: NodeResourcesBuilder): boolean {
  if (node.kind !== "virtualNode" || node.meshName !== shared.index.meshName) return false;
  const vn = shared.index.virtualNodes.get(node.name);
  const { virtualServiceName, port } = parseApiListenerName(listenerName);
  if (!vn || !(vn.spec.backends ?? []).some((b) => b.virtualService?.virtualServiceName === virtualServiceName)) return false;
  const servicePort = shared
    .servicePorts(virtualServiceName)
    .find((p) => isHttpFamily(p.protocol) && (port === undefined || p.port === port));
  if (!servicePort) return false;
  for (const ref of servicePort.clusters) out.egressCluster(shared.egressCluster(ref, undefined, true));
  const routeConfigName = apiListenerRouteConfigName(listenerName);
  const domains = [...new Set([virtualServiceName, `${virtualServiceName}:${servicePort.port}`, listenerName])];
  const routeConfig = create(RouteConfigurationSchema, {
    name: routeConfigName,
    virtualHosts: [create(VirtualHostSchema, { name: virtualServiceName, domains, routes: servicePort.routes.map(proxylessRoute) })],
  });
  out.route(routeConfig);
  const manager = create(HttpConnectionManagerSchema, {
    statPrefix: "proxyless",
    routeSpecifier: { case: "rds", value: { configSource: adsConfigSource(), routeConfigName } },
    httpFilters: [...policyHttpFilters(new Map(), [routeConfig]).filter((filter) => filter.name === FAULT_FILTER), routerHttpFilter()],
  });
  const listener: Listener = create(ListenerSchema, { name: listenerName, apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, manager) } });
  out.listener(listener);
  return true;
}
