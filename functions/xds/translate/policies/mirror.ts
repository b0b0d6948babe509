// mirror → RouteAction.request_mirror_policies: a copy of the configured share of requests goes to the backend's
// cluster (Envoy appends "-shadow" to its Host), and its response is dropped. docs/policies/mirror.md.
import { create } from "@bufbuild/protobuf";
import { RouteAction_RequestMirrorPolicySchema, type RouteAction_RequestMirrorPolicy } from "../../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import type { MirrorSpec } from "../../../policies/index.js";
import type { MeshIndex } from "../mesh-index.js";
import type { ClusterRef } from "../service-routes.js";
import { resolveBackend } from "./backends.js";
import { runtimePercent } from "./percent.js";

export function translateMirror(index: MeshIndex, spec: MirrorSpec): { policy: RouteAction_RequestMirrorPolicy; cluster: ClusterRef } | undefined {
  const cluster = resolveBackend(index, spec.backendRef);
  if (!cluster) return undefined;
  return {
    cluster,
    policy: create(RouteAction_RequestMirrorPolicySchema, { cluster: cluster.name, runtimeFraction: runtimePercent("meshplane.mirror.enabled", spec.percentage ?? 100) }),
  };
}
