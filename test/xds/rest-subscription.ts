// What an Envoy bootstrapped by `npm run bootstrap -- --rest` does with meshplane's answers, for the REST xDS tests on
// Node and on the Worker: poll CDS and LDS with the bootstrap's node, check that every config source they name is
// the bootstrap's REST cluster (never ADS), then follow the RDS and EDS names they name and check each is served.
import { fromJson, type DescMessage, type JsonObject, type Message } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { expect } from "vitest";
import { envoyRegistry, resourceSchemas, TypeUrl, type ClusterLoadAssignment, type ResourceType, type RouteConfiguration } from "../../functions/envoy/index.js";
import { bootstrapToJson, createBootstrap } from "../../functions/xds/bootstrap.js";
import { walkMessage } from "../../functions/xds/translate/index.js";
import type { Cluster } from "../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { ApiConfigSource_ApiType, type ConfigSource } from "../../proto/gen/envoy/config/core/v3/config_source_pb.js";
import type { HttpConnectionManager } from "../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { DiscoveryResponseSchema } from "../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";

const PATHS: Record<Exclude<ResourceType, "secret">, string> = { cluster: "clusters", endpoint: "endpoints", listener: "listeners", route: "routes" };
const HCM = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

/** The node a REST bootstrap for `nodeId` against `url` carries, as Envoy sends it (proto JSON), and its REST cluster. */
export function restBootstrapNode(nodeId: string, url: string): { node: JsonObject; restCluster: string } {
  const { hostname, port, protocol } = new URL(url);
  const tls = protocol === "https:";
  const bootstrap = createBootstrap({ nodeId, xds: { host: hostname, port: Number(port || (tls ? 443 : 80)), tls }, rest: { refreshDelayMs: 1000, requestTimeoutMs: 1000 } });
  const source = bootstrap.dynamicResources!.cdsConfig!.configSourceSpecifier;
  if (source.case !== "apiConfigSource") throw new Error("not a REST bootstrap");
  return { node: bootstrapToJson(bootstrap).node as JsonObject, restCluster: source.value.clusterNames[0]! };
}

function configSources(type: ResourceType, messages: Message[]): { path: string; source: ConfigSource }[] {
  const found: { path: string; source: ConfigSource }[] = [];
  for (const message of messages) {
    walkMessage(resourceSchemas[type] as DescMessage, message, (visited, path) => {
      if (visited.desc.typeName === "envoy.config.core.v3.ConfigSource") found.push({ path: `${type}${path}`, source: visited.message as ConfigSource });
    });
  }
  return found;
}

function expectRestSources(found: { path: string; source: ConfigSource }[], restCluster: string): void {
  expect(found.length).toBeGreaterThan(0);
  for (const { path, source } of found) {
    const specifier = source.configSourceSpecifier;
    expect(specifier.case, path).toBe("apiConfigSource");
    if (specifier.case === "apiConfigSource") expect([specifier.value.apiType, specifier.value.clusterNames], path).toEqual([ApiConfigSource_ApiType.REST, [restCluster]]);
  }
}

/**
 * Polls `baseUrl` as the REST-bootstrapped node and follows what CDS and LDS name; returns the names it followed.
 * `headers` carry the poll's authorisation where the server needs one.
 */
export async function followRestSubscription(baseUrl: string, nodeId: string, headers: Record<string, string> = {}): Promise<{ routeNames: string[]; edsNames: string[] }> {
  const { node, restCluster } = restBootstrapNode(nodeId, baseUrl);
  const poll = async (type: Exclude<ResourceType, "secret">, resourceNames: string[] = []): Promise<Message[]> => {
    const answer = await fetch(`${baseUrl}/v3/discovery:${PATHS[type]}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ node, version_info: "", resource_names: [...resourceNames].sort(), type_url: TypeUrl[type] }),
    });
    const body = await answer.text();
    expect(answer.status, body).toBe(200);
    expect(body).not.toContain('"ads"');
    const response = fromJson(DiscoveryResponseSchema, JSON.parse(body) as JsonObject, { registry: envoyRegistry });
    return response.resources.map((any) => {
      expect(any.typeUrl).toBe(TypeUrl[type]);
      return anyUnpack(any, resourceSchemas[type] as DescMessage) as Message;
    });
  };

  const edsClusters = ((await poll("cluster")) as Cluster[]).filter((cluster) => cluster.edsClusterConfig);
  expectRestSources(configSources("cluster", edsClusters), restCluster);
  const edsNames = edsClusters.map((cluster) => cluster.edsClusterConfig!.serviceName || cluster.name);
  expect(edsNames.length).toBeGreaterThan(0);

  const listeners = await poll("listener");
  expectRestSources(configSources("listener", listeners), restCluster);
  const routeNames = new Set<string>();
  for (const listener of listeners) {
    walkMessage(resourceSchemas.listener as DescMessage, listener, (visited) => {
      const manager = visited.desc.typeName === HCM ? (visited.message as HttpConnectionManager) : undefined;
      if (manager?.routeSpecifier.case === "rds") routeNames.add(manager.routeSpecifier.value.routeConfigName);
    });
  }
  expect(routeNames.size).toBeGreaterThan(0);

  // What Envoy's RDS and EDS REST subscriptions would ask for next.
  const routes = (await poll("route", [...routeNames])) as RouteConfiguration[];
  expect(routes.map((route) => route.name).sort()).toEqual([...routeNames].sort());
  const assignments = (await poll("endpoint", edsNames)) as ClusterLoadAssignment[];
  expect(assignments.map((assignment) => assignment.clusterName).sort()).toEqual([...edsNames].sort());
  return { routeNames: [...routeNames].sort(), edsNames: [...edsNames].sort() };
}
