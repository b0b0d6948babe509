// The cache's translation seam wired to meshplane's App Mesh translator (functions/xds/translate).
import { parseNodeId, type NodeIdentity as AppMeshNodeIdentity } from "../node-id.js";
import { createMeshTranslator, type TranslateOptions } from "../translate/index.js";
import { NodeIdError, type Node, type XdsTranslation } from "./types.js";

function parse(node: Node): AppMeshNodeIdentity {
  const identity = parseNodeId(node.id);
  if ("error" in identity) throw new NodeIdError(identity.error);
  return identity;
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
        translate: (node, request) => translator.translateNode(parse(node), request.apiListeners ? { apiListeners: request.apiListeners } : {}),
        exists: (node) => translator.nodeExists(parse(node)),
      };
    },
  };
}
