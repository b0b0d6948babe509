// The cache's translation seam wired to meshplane's App Mesh translator (functions/xds/translate).
import { clone, create } from "@bufbuild/protobuf";
import { LocalitySchema } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { parseNodeId, type NodeIdentity as AppMeshNodeIdentity } from "../node-id.js";
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from "../resources.js";
import { createMeshTranslator, type NodeResources, type TranslateOptions } from "../translate/index.js";
import { NodeIdError, type Node, type XdsTranslation } from "./types.js";

function parse(node: Node): AppMeshNodeIdentity {
  const identity = parseNodeId(node.id);
  if ("error" in identity) throw new NodeIdError(identity.error);
  return identity;
}

// gRPC's xDS client rejects a ClusterLoadAssignment whose localities are unset ("endpoints[0].locality unset");
// Envoy does not care. Until translation emits a locality itself, proxyless clients get a copy with an empty one.
// Copies are memoised per original so nodes sharing an assignment still share (and pack once) the copy.
const withLocality = new WeakMap<ClusterLoadAssignment, ClusterLoadAssignment>();
function proxylessAssignment(assignment: ClusterLoadAssignment): ClusterLoadAssignment {
  if (assignment.endpoints.every((endpoints) => endpoints.locality)) return assignment;
  let copy = withLocality.get(assignment);
  if (!copy) {
    copy = clone(ClusterLoadAssignmentSchema, assignment);
    for (const endpoints of copy.endpoints) endpoints.locality ??= create(LocalitySchema);
    withLocality.set(assignment, copy);
  }
  return copy;
}

export function appMeshTranslation(options?: TranslateOptions): XdsTranslation {
  return {
    identify(node) {
      const identity = parse(node);
      return { meshName: identity.meshName, key: `${identity.kind}/${identity.name}` };
    },
    forSnapshot(snapshot) {
      const translator = createMeshTranslator(snapshot, options);
      return {
        translate(node, request) {
          if (!request.apiListeners || request.apiListeners.length === 0) return translator.translateNode(parse(node));
          const resources: NodeResources = translator.translateNode(parse(node), { apiListeners: request.apiListeners });
          return { ...resources, endpoints: resources.endpoints.map(proxylessAssignment) };
        },
        exists: (node) => translator.nodeExists(parse(node)),
      };
    },
  };
}
