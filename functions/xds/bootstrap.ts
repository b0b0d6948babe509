// A ready-to-run bootstrap for a stock Envoy pointed at meshplane: ADS over gRPC (h2c) for listeners and clusters,
// the App Mesh node id as node.id and node.cluster, an admin listener, and — when asked — the SDS unix-socket
// cluster that App Mesh's image adds for user-managed certificates (docs/envoy-translation.md §2).
import { create, toJson, type JsonObject } from "@bufbuild/protobuf";
import { BootstrapSchema, type Bootstrap } from "../../proto/gen/envoy/config/bootstrap/v3/bootstrap_pb.js";
import { Cluster_DiscoveryType, ClusterSchema, type Cluster } from "../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { ApiConfigSource_ApiType, ApiVersion } from "../../proto/gen/envoy/config/core/v3/config_source_pb.js";
import { AddressSchema } from "../../proto/gen/envoy/config/core/v3/address_pb.js";
import { ClusterLoadAssignmentSchema } from "../../proto/gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { envoyRegistry } from "../envoy/index.js";
import { adsConfigSource, http2ProtocolOptions, ms, socketAddress } from "./translate/common.js";
import { SDS_CLUSTER } from "./translate/names.js";

export const XDS_CLUSTER = "meshplane_xds";

export interface BootstrapOptions {
  /** The Envoy's App Mesh identity: `mesh/<mesh>/virtualNode/<name>`, `…/virtualGateway/<name>` or an ARN. */
  nodeId: string;
  /** node.cluster; defaults to the node id, as App Mesh's image does. */
  cluster?: string;
  /** meshplane's ADS endpoint (h2c). */
  xds: { host: string; port: number };
  /** Admin interface (default 127.0.0.1:9901, the port App Mesh reserves). */
  admin?: { address: string; port: number };
  /** Unix socket of a user-managed SDS server (App Mesh's `APPMESH_SDS_SOCKET_PATH`); adds `static_cluster_sds_unix_socket`. */
  sdsSocketPath?: string;
}

const isIpLiteral = (host: string): boolean => /^[0-9.]+$/.test(host) || host.includes(":");

function xdsCluster(host: string, port: number): Cluster {
  return create(ClusterSchema, {
    name: XDS_CLUSTER,
    // An IP needs no resolver; a host name is resolved like any single upstream (one endpoint ⇒ LOGICAL_DNS).
    clusterDiscoveryType: { case: "type", value: isIpLiteral(host) ? Cluster_DiscoveryType.STATIC : Cluster_DiscoveryType.LOGICAL_DNS },
    connectTimeout: ms(1000),
    typedExtensionProtocolOptions: http2ProtocolOptions(),
    loadAssignment: create(ClusterLoadAssignmentSchema, {
      clusterName: XDS_CLUSTER,
      endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: "endpoint", value: { address: socketAddress(host, port) } } }] }],
    }),
  });
}

function sdsCluster(socketPath: string): Cluster {
  return create(ClusterSchema, {
    name: SDS_CLUSTER,
    clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.STATIC },
    connectTimeout: ms(1000),
    typedExtensionProtocolOptions: http2ProtocolOptions(),
    loadAssignment: create(ClusterLoadAssignmentSchema, {
      clusterName: SDS_CLUSTER,
      endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: "endpoint", value: { address: create(AddressSchema, { address: { case: "pipe", value: { path: socketPath } } }) } } }] }],
    }),
  });
}

export function createBootstrap(options: BootstrapOptions): Bootstrap {
  const admin = options.admin ?? { address: "127.0.0.1", port: 9901 };
  const clusters = [xdsCluster(options.xds.host, options.xds.port)];
  if (options.sdsSocketPath !== undefined) clusters.push(sdsCluster(options.sdsSocketPath));
  return create(BootstrapSchema, {
    node: { id: options.nodeId, cluster: options.cluster ?? options.nodeId },
    staticResources: { clusters },
    dynamicResources: {
      adsConfig: {
        apiType: ApiConfigSource_ApiType.GRPC,
        transportApiVersion: ApiVersion.V3,
        grpcServices: [{ targetSpecifier: { case: "envoyGrpc", value: { clusterName: XDS_CLUSTER } } }],
        setNodeOnFirstMessageOnly: true,
      },
      ldsConfig: adsConfigSource(),
      cdsConfig: adsConfigSource(),
    },
    admin: { address: socketAddress(admin.address, admin.port) },
    // What App Mesh's image sets: it keeps deprecated fields usable and allows large RE2 programs.
    layeredRuntime: {
      layers: [
        {
          name: "static_layer_0",
          layerSpecifier: { case: "staticLayer", value: { "envoy.features.enable_all_deprecated_features": true, "re2.max_program_size.error_level": 1000 } },
        },
      ],
    },
  });
}

/** The bootstrap as Envoy's JSON/YAML config (proto field names). */
export function bootstrapToJson(bootstrap: Bootstrap): JsonObject {
  return toJson(BootstrapSchema, bootstrap, { registry: envoyRegistry, useProtoFieldName: true }) as JsonObject;
}
