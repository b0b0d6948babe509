// An ADS stream driven the way Envoy starts one (CDS → EDS → LDS → RDS, each ACKed), on the grpc-js client of the
// xDS server tests, for following what one replica pushes after a write made through another.
import { ClusterSchema, RouteConfigurationSchema, TypeUrl } from "../../functions/envoy/index.js";
import { Cluster_DiscoveryType } from "../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { adsClient, decode, rdsNames, SotwClient, type WireResponse } from "../xds/server/support.js";

export interface EnvoyStream {
  stream: SotwClient;
  /** The RouteConfiguration response of the startup. */
  routes: WireResponse;
  /** ACKs it and waits for the next response (any type; at most `timeoutMs`, 20 s by default); ACKs that one too. */
  next(timeoutMs?: number): Promise<WireResponse>;
  close(): void;
}

/** Weighted-cluster weights by cluster name across a RouteConfiguration response. */
export function routeWeights(response: WireResponse): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const any of response.resources) {
    for (const host of decode(RouteConfigurationSchema, any).virtualHosts) {
      for (const route of host.routes) {
        if (route.action.case !== "route" || route.action.value.clusterSpecifier.case !== "weightedClusters") continue;
        for (const cluster of route.action.value.clusterSpecifier.value.clusters) weights[cluster.name] = cluster.weight ?? 0;
      }
    }
  }
  return weights;
}

export async function openEnvoyStream(xdsAddress: string, nodeId: string): Promise<EnvoyStream> {
  const client = adsClient(xdsAddress);
  const stream = new SotwClient(client, { id: nodeId });
  const names: Record<string, string[] | undefined> = {};
  stream.send({ typeUrl: TypeUrl.cluster });
  const cds = await stream.next();
  stream.ack(cds);
  names[TypeUrl.endpoint] = cds.resources
    .map((any) => decode(ClusterSchema, any))
    .filter((cluster) => cluster.clusterDiscoveryType.case === "type" && cluster.clusterDiscoveryType.value === Cluster_DiscoveryType.EDS)
    .map((cluster) => cluster.edsClusterConfig?.serviceName || cluster.name)
    .sort();
  stream.send({ typeUrl: TypeUrl.endpoint, resourceNames: names[TypeUrl.endpoint] });
  stream.ack(await stream.next(), names[TypeUrl.endpoint]);
  stream.send({ typeUrl: TypeUrl.listener });
  const lds = await stream.next();
  stream.ack(lds);
  names[TypeUrl.route] = rdsNames(lds);
  stream.send({ typeUrl: TypeUrl.route, resourceNames: names[TypeUrl.route] });
  const routes = await stream.next();
  stream.ack(routes, names[TypeUrl.route]);
  return {
    stream,
    routes,
    async next(timeoutMs?: number) {
      const response = await stream.next(timeoutMs);
      stream.ack(response, names[response.typeUrl]);
      return response;
    },
    close() {
      stream.end();
      client.close();
    },
  };
}
