// Endpoints: inline single-host assignments (STATIC / DNS clusters) and the EDS ClusterLoadAssignments of Cloud Map
// virtual nodes, filled from the instances of meshplane's Cloud Map (docs/envoy-translation.md §6, docs/aws-services.md).
import { create } from "@bufbuild/protobuf";
import type { AwsCloudMapServiceDiscovery, IpPreference } from "../../appmesh/model/types.generated.js";
import type { EndpointInstance } from "../../appmesh/snapshot.js";
import { LocalitySchema } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { HealthStatus } from "../../../proto/gen/envoy/config/core/v3/health_check_pb.js";
import {
  ClusterLoadAssignmentSchema,
  type ClusterLoadAssignment,
} from "../../../proto/gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { LbEndpointSchema, LocalityLbEndpointsSchema, type LbEndpoint, type LocalityLbEndpoints } from "../../../proto/gen/envoy/config/endpoint/v3/endpoint_components_pb.js";
import { socketAddress } from "./common.js";
import { serviceKey, type MeshIndex } from "./mesh-index.js";

function lbEndpoint(address: string, port: number, healthCheckPort: number | undefined, health = HealthStatus.UNKNOWN): LbEndpoint {
  return create(LbEndpointSchema, {
    hostIdentifier: {
      case: "endpoint",
      value: {
        address: socketAddress(address, port),
        healthCheckConfig: healthCheckPort !== undefined && healthCheckPort !== port ? { portValue: healthCheckPort } : undefined,
      },
    },
    healthStatus: health,
  });
}

/**
 * One locality with one host. Every locality we emit carries an (empty) `locality` and `load_balancing_weight: 1`:
 * gRPC's xDS client rejects an unset locality ("endpoints[0].locality unset") and fails with "priority policy has
 * empty priority list" without the weight; Envoy ignores both without locality-weighted load balancing.
 */
export function translateSingleHostAssignment(clusterName: string, address: string, port: number, healthCheckPort?: number): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: [{ locality: create(LocalitySchema), lbEndpoints: [lbEndpoint(address, port, healthCheckPort)], loadBalancingWeight: 1 }],
  });
}

const isIpv6 = (address: string): boolean => address.includes(":");

/**
 * The address of one instance under an IP preference (docs/envoy-translation.md §12, Guide › Virtual nodes › IP
 * version preference, per address Cloud Map returns): `*_ONLY` uses that family or nothing, `*_PREFERRED` falls back
 * to the other, none prefers IPv4.
 */
function addressByIpPreference(instance: EndpointInstance, preference: IpPreference | undefined): string | undefined {
  const v4 = isIpv6(instance.address) ? undefined : instance.address;
  const v6 = isIpv6(instance.address) ? instance.address : instance.ipv6;
  switch (preference) {
    case "IPv4_ONLY":
      return v4;
    case "IPv6_ONLY":
      return v6;
    case "IPv6_PREFERRED":
      return v6 ?? v4;
    default:
      return v4 ?? v6;
  }
}

const healthStatuses: Record<EndpointInstance["health"], HealthStatus> = {
  HEALTHY: HealthStatus.HEALTHY,
  UNHEALTHY: HealthStatus.UNHEALTHY,
  UNKNOWN: HealthStatus.UNKNOWN,
};

/** How a loadBalancing policy's locality options shape an assignment (policies/load-balancing.ts). */
export interface LocalityOptions {
  /** The instance attribute holding its zone. */
  zoneAttribute: string;
  /** Relative weight per zone (1 for zones not listed); empty: no locality weights. */
  weights: ReadonlyMap<string, number>;
  /** The caller's zone when it should be served first (priority 0; the others are priority 1). */
  preferZone: string | undefined;
}

/** Instances grouped into one locality per zone, in zone order; the caller's zone first when it has instances. */
function localities(instances: readonly EndpointInstance[], port: number, healthCheckPort: number | undefined, options: LocalityOptions): LocalityLbEndpoints[] {
  const byZone = new Map<string, EndpointInstance[]>();
  for (const instance of instances) {
    const zone = instance.attributes[options.zoneAttribute] ?? "";
    byZone.set(zone, [...(byZone.get(zone) ?? []), instance]);
  }
  const preferred = options.preferZone !== undefined && byZone.has(options.preferZone) ? options.preferZone : undefined;
  return [...byZone.keys()].sort().map((zone) =>
    create(LocalityLbEndpointsSchema, {
      locality: create(LocalitySchema, { zone }),
      lbEndpoints: byZone.get(zone)!.map((i) => lbEndpoint(i.address, port, healthCheckPort, healthStatuses[i.health])),
      loadBalancingWeight: options.weights.get(zone) ?? 1,
      priority: preferred === undefined || zone === preferred ? 0 : 1,
    }),
  );
}

/**
 * The Cloud Map instances of the node's namespace/service whose attributes match every filter of the node (the
 * snapshot holds only instances Cloud Map would report healthy, as App Mesh served them). docs/aws-services.md: Envoy
 * dials the target *listener* port (the cluster is per listener port, as App Mesh's were), not the instance's
 * AWS_INSTANCE_PORT; a custom health check's HEALTHY is passed on as Envoy health status, other instances are UNKNOWN.
 */
export function translateClusterLoadAssignment(
  index: MeshIndex,
  clusterName: string,
  discovery: AwsCloudMapServiceDiscovery,
  port: number,
  preference: IpPreference | undefined,
  healthCheckPort: number | undefined,
  locality?: LocalityOptions,
): ClusterLoadAssignment {
  const registered = index.endpointsByService.get(serviceKey(discovery.namespaceName, discovery.serviceName)) ?? [];
  const filters = discovery.attributes ?? [];
  const matching = registered.filter((instance) => filters.every((f) => instance.attributes[f.key] === f.value));
  // Each instance with the address it is served at under the preference; instances without one are left out.
  const served = matching.flatMap((instance) => {
    const address = addressByIpPreference(instance, preference);
    return address === undefined ? [] : [{ ...instance, address }];
  });
  if (locality && served.length > 0) return create(ClusterLoadAssignmentSchema, { clusterName, endpoints: localities(served, port, healthCheckPort, locality) });
  const selected = served.map((instance) => lbEndpoint(instance.address, port, healthCheckPort, healthStatuses[instance.health]));
  return create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: selected.length === 0 ? [] : [{ locality: create(LocalitySchema), lbEndpoints: selected, loadBalancingWeight: 1 }],
  });
}
