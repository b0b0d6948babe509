// loadBalancing → the cluster's lb_policy and its options, the hash policy of every route that sends to it (ring hash
// and Maglev need a key per request), and localities in its endpoints: zone weights (locality-weighted load
// balancing) and the caller's own zone first (priority 0, the other zones behind it as failover). docs/policies/loadBalancing.md.
import { create } from "@bufbuild/protobuf";
import {
  Cluster_CommonLbConfig_LocalityWeightedLbConfigSchema,
  Cluster_CommonLbConfigSchema,
  Cluster_LbPolicy,
  Cluster_LeastRequestLbConfigSchema,
  Cluster_RingHashLbConfigSchema,
  type Cluster,
} from "../../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { RouteAction_HashPolicySchema, type RouteAction_HashPolicy } from "../../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import type { LoadBalancingSpec } from "../../../policies/index.js";
import { toDuration } from "./percent.js";

const lbPolicies: Record<LoadBalancingSpec["algorithm"], Cluster_LbPolicy> = {
  ROUND_ROBIN: Cluster_LbPolicy.ROUND_ROBIN,
  LEAST_REQUEST: Cluster_LbPolicy.LEAST_REQUEST,
  RANDOM: Cluster_LbPolicy.RANDOM,
  RING_HASH: Cluster_LbPolicy.RING_HASH,
  MAGLEV: Cluster_LbPolicy.MAGLEV,
};

/** The instance attribute a zone is read from when the policy names none (what ECS registers in Cloud Map). */
export const DEFAULT_ZONE_ATTRIBUTE = "AVAILABILITY_ZONE";

export function applyLoadBalancing(cluster: Cluster, spec: LoadBalancingSpec): void {
  cluster.lbPolicy = lbPolicies[spec.algorithm];
  if (spec.ringHash) {
    const { minimumRingSize, maximumRingSize } = spec.ringHash;
    cluster.lbConfig = {
      case: "ringHashLbConfig",
      value: create(Cluster_RingHashLbConfigSchema, {
        minimumRingSize: minimumRingSize === undefined ? undefined : BigInt(minimumRingSize),
        maximumRingSize: maximumRingSize === undefined ? undefined : BigInt(maximumRingSize),
      }),
    };
  } else if (spec.leastRequest?.choiceCount !== undefined) {
    cluster.lbConfig = { case: "leastRequestLbConfig", value: create(Cluster_LeastRequestLbConfigSchema, { choiceCount: spec.leastRequest.choiceCount }) };
  }
  if ((spec.locality?.zoneWeights?.length ?? 0) > 0) {
    cluster.commonLbConfig ??= create(Cluster_CommonLbConfigSchema);
    cluster.commonLbConfig.localityConfigSpecifier = { case: "localityWeightedLbConfig", value: create(Cluster_CommonLbConfig_LocalityWeightedLbConfigSchema) };
  }
}

/** The route hash policy of a hash-based algorithm; empty for the others. */
export function translateHashPolicy(spec: LoadBalancingSpec): RouteAction_HashPolicy[] {
  if (spec.algorithm !== "RING_HASH" && spec.algorithm !== "MAGLEV") return [];
  return (spec.hashKeys ?? []).map((key) => {
    if (key.header) return create(RouteAction_HashPolicySchema, { policySpecifier: { case: "header", value: { headerName: key.header.name } } });
    if (key.cookie) {
      return create(RouteAction_HashPolicySchema, {
        policySpecifier: { case: "cookie", value: { name: key.cookie.name, ttl: key.cookie.ttl ? toDuration(key.cookie.ttl) : undefined, path: key.cookie.path ?? "" } },
      });
    }
    return create(RouteAction_HashPolicySchema, { policySpecifier: { case: "connectionProperties", value: { sourceIp: true } } });
  });
}
