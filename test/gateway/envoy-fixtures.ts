// Envoy resources written by hand, as JSON the way an xDS response carries them, for the gateway suites that drive
// the gateway with resources of their own (meshplane validates what it sends, so it never sends some of these).
import { fromJson, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
import { envoyRegistry, resourceSchemas, TypeUrl, type ResourceType } from "../../functions/envoy/index.js";

export const HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

export const MakeListener = (name: string, port: number, routeConfigName: string, direction = "INBOUND", accessLog: object[] = []) => ({
  name,
  address: { socketAddress: { address: "0.0.0.0", portValue: port } },
  trafficDirection: direction,
  filterChains: [
    {
      filters: [
        {
          name: "envoy.filters.network.http_connection_manager",
          typedConfig: {
            "@type": HCM,
            statPrefix: "ingress",
            rds: { routeConfigName, configSource: { ads: {}, resourceApiVersion: "V3" } },
            upgradeConfigs: [{ upgradeType: "websocket", enabled: true }],
            accessLog,
            normalizePath: true,
            mergeSlashes: true,
          },
        },
      ],
    },
  ],
});

/** A STATIC cluster with one endpoint per port on `address` (127.0.0.1 unless given). */
export const MakeStaticCluster = (name: string, ports: number[], extra: Record<string, JsonValue> = {}, address = "127.0.0.1") => ({
  name,
  type: "STATIC",
  connectTimeout: "0.5s",
  loadAssignment: {
    clusterName: name,
    endpoints: [{ lbEndpoints: ports.map((port) => ({ endpoint: { address: { socketAddress: { address, portValue: port } } } })) }],
  },
  ...extra,
});

export const MakeRouteConfig = (name: string, routes: JsonValue[], extra: Record<string, JsonValue> = {}) => ({ name, virtualHosts: [{ name: "all", domains: ["*"], routes }], ...extra });

/** `json` as a google.protobuf.Any in JSON (what a REST xDS response lists). */
export const MakeAny = (type: ResourceType, json: object) => ({ "@type": TypeUrl[type], ...json });

/** Resources of one type by name, decoded as an xDS client hands them to the gateway. */
export function decodeResources(type: ResourceType, resources: object[]): Map<string, unknown> {
  const schema = resourceSchemas[type] as DescMessage;
  return new Map(resources.map((json) => [(json as { name?: string; clusterName?: string }).name ?? (json as { clusterName: string }).clusterName, fromJson(schema, json as JsonValue, { registry: envoyRegistry })]));
}

const SDS_SOCKET = { apiConfigSource: { apiType: "GRPC", transportApiVersion: "V3", grpcServices: [{ envoyGrpc: { clusterName: "static_cluster_sds_unix_socket" } }] } };

/** `MakeListener` with TLS whose certificate comes from an SDS socket (SPIRE), as App Mesh's `sds` certificates do. */
export const MakeSdsSocketTlsListener = (name: string, port: number, routeConfigName: string) => {
  const listener = MakeListener(name, port, routeConfigName);
  return {
    ...listener,
    filterChains: listener.filterChains.map((chain) => ({
      ...chain,
      transportSocket: {
        name: "envoy.transport_sockets.tls",
        typedConfig: {
          "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
          commonTlsContext: { tlsCertificateSdsSecretConfigs: [{ name: "spiffe://mesh.local/gw", sdsConfig: SDS_SOCKET }] },
        },
      },
    })),
  };
};

/** `MakeStaticCluster` originating TLS with a client certificate from an SDS socket. */
export const MakeSdsSocketTlsCluster = (name: string, ports: number[]) =>
  MakeStaticCluster(name, ports, {
    transportSocket: {
      name: "envoy.transport_sockets.tls",
      typedConfig: {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        commonTlsContext: { tlsCertificateSdsSecretConfigs: [{ name: "spiffe://mesh.local/client", sdsConfig: SDS_SOCKET }] },
      },
    },
  });
