// Fetches what an Envoy of a given release receives over ADS: a grpc-js stream (meshplane did not write the client)
// whose node reports `user_agent_build_version` as the App Mesh image does, subscribing CDS, EDS, LDS then RDS.
import { fromBinary, type DescMessage, type JsonObject } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Cluster_DiscoveryType, type Cluster } from "../../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import type { HttpConnectionManager } from "../../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { envoyRegistry, resourceSchemas, TypeUrl, type EnvoyVersion, type Listener, type ResourceType } from "../../../../functions/envoy/index.js";
import { resourceToJson } from "../../../../functions/xds/config-dump.js";
import { adsClient, type WireResponse } from "../../server/support.js";

export interface FetchedResources {
  listeners: JsonObject[];
  clusters: JsonObject[];
  routes: JsonObject[];
  endpoints: JsonObject[];
}

const decodeAll = <T,>(type: ResourceType, response: WireResponse): T[] =>
  response.resources.map((any) => fromBinary(resourceSchemas[type] as DescMessage, new Uint8Array(any.value)) as T);

function routeConfigNames(listeners: Listener[]): string[] {
  const names = new Set<string>();
  for (const listener of listeners) {
    for (const chain of [...listener.filterChains, ...(listener.defaultFilterChain ? [listener.defaultFilterChain] : [])]) {
      for (const filter of chain.filters) {
        if (filter.configType.case !== "typedConfig") continue;
        const config = anyUnpack(filter.configType.value, envoyRegistry) as HttpConnectionManager | undefined;
        if (config?.$typeName === "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager" && config.routeSpecifier.case === "rds") {
          names.add(config.routeSpecifier.value.routeConfigName);
        }
      }
    }
  }
  return [...names].sort();
}

export async function fetchOverAds(address: string, nodeId: string, version: EnvoyVersion): Promise<FetchedResources> {
  const client = adsClient(address);
  const call = client.StreamAggregatedResources();
  const inbox: WireResponse[] = [];
  const waiters: Array<(response: WireResponse) => void> = [];
  let failure: Error | undefined;
  call.on("data", (response: WireResponse) => (waiters.length > 0 ? waiters.shift()!(response) : inbox.push(response)));
  call.on("error", (error: Error) => (failure = error));
  const node = {
    id: nodeId,
    cluster: nodeId,
    userAgentName: "envoy",
    userAgentBuildVersion: { version: { majorNumber: version.major, minorNumber: version.minor, patch: version.patch } },
  };
  const next = (): Promise<WireResponse> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      if (inbox.length > 0) return resolve(inbox.shift()!);
      const timer = setTimeout(() => reject(new Error("no ADS response within 20 s")), 20_000);
      waiters.push((response) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
  // Envoy sends its node on every request unless set_node_on_first_message_only; so does this client.
  const request = async (typeUrl: string, resourceNames: string[] = []): Promise<WireResponse> => {
    call.write({ node, typeUrl, resourceNames });
    const response = await next();
    call.write({ node, typeUrl, resourceNames, versionInfo: response.versionInfo, responseNonce: response.nonce });
    return response;
  };
  try {
    const clusters = decodeAll<Cluster>("cluster", await request(TypeUrl.cluster));
    const edsNames = clusters
      .filter((c) => c.clusterDiscoveryType.case === "type" && c.clusterDiscoveryType.value === Cluster_DiscoveryType.EDS)
      .map((c) => c.name);
    const endpoints = edsNames.length > 0 ? (await request(TypeUrl.endpoint, edsNames)).resources : [];
    const listeners = decodeAll<Listener>("listener", await request(TypeUrl.listener));
    const names = routeConfigNames(listeners);
    const routes = names.length > 0 ? (await request(TypeUrl.route, names)).resources : [];
    return {
      clusters: clusters.map((m) => resourceToJson("cluster", m)),
      listeners: listeners.map((m) => resourceToJson("listener", m)),
      routes: routes.map((any) => resourceToJson("route", fromBinary(resourceSchemas.route, new Uint8Array(any.value)))),
      endpoints: endpoints.map((any) => resourceToJson("endpoint", fromBinary(resourceSchemas.endpoint, new Uint8Array(any.value)))),
    };
  } finally {
    call.end();
    client.close();
  }
}
