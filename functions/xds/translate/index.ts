// App Mesh → Envoy xDS v3 translation: pure functions from a mesh snapshot and a node identity to the Listeners,
// Clusters, RouteConfigurations, ClusterLoadAssignments and Secrets App Mesh would have sent that Envoy.
// No I/O, clock or randomness: the same snapshot always yields byte-identical resources (lists sorted by name).
//
// Contract for the ADS server:
// - `parseNodeId(node.id)` (../node-id.ts) → `NodeIdentity`; an error or `!nodeExists(...)` ⇒ close with NOT_FOUND.
// - One `createMeshTranslator(snapshot)` per (mesh, revision); call its `translateNode(node)` for every connected
//   node. Shared pieces (a service's routes and virtual hosts, a target's egress cluster) are built once and shared
//   by reference between the nodes' results — treat every returned message as immutable.
// - Proxyless gRPC: a gRPC client's LDS request names `<virtual service>` (or `<virtual service>:<port>`); an Envoy
//   sidecar subscribes to listeners by wildcard and never names one like that. When a node's LDS subscription names
//   such listeners, pass them as `apiListeners`: the node is then served as a proxyless client, i.e. the result holds
//   only, for each name that denotes an HTTP-family port of one of the node's backends, an API listener of that name,
//   its route configuration `rds_api_<name>`, and the proxyless flavour of its clusters (no transport socket, no
//   active health checks, LOGICAL_DNS for DNS targets) with their endpoints. Names that do not resolve add nothing
//   (the server answers without that resource). A node id is therefore served either as a sidecar or as proxyless,
//   never both, so a cluster name always has one meaning per node.
// - Envoy versions: pass the node's version (`envoyVersionOfNode(node)`, functions/envoy) as `envoyVersion`; the
//   result then uses only fields that version understands (version-compat.ts). Nodes of one version band
//   (`envoyBandKey`) receive identical resources; without a version the newest form is served.
// - Subscriptions: pass the node's `xdsSubscriptionOfNode(node)` (functions/envoy) as `xdsSubscription`; a REST
//   node's RDS, EDS and SDS references then name its REST config source instead of ADS (config-sources.ts). Nodes of
//   one subscription (`xdsSubscriptionKey`) and band receive identical resources; without one, ADS.
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import type { EnvoyVersion, NodeIdentity, XdsSubscription } from "../../envoy/index.js";
import { adaptToSubscription } from "./config-sources.js";
import { addApiListener } from "./proxyless-grpc.js";
import {
  createSharedResources,
  NodeResourcesBuilder,
  type NodeResources,
  type SharedResources,
  type TranslateOptions,
  type TranslationMemo,
} from "./translator.js";
import { translateVirtualGateway } from "./virtual-gateway.js";
import { translateVirtualNode } from "./virtual-node.js";
import { adaptToEnvoyVersion } from "./version-compat.js";
import { applyEnvoyPatches } from "./policies/envoy-patch.js";

export type { NodeResources, TranslateOptions, TranslationMemo } from "./translator.js";
export { createTranslationMemo, hasPolicies, keepsTranslationPieces } from "./translator.js";
export type { UnservableSpecWarning } from "./warnings.js";
export { lintMesh } from "./lint.js";
export type { AcmMaterial } from "./tls.js";
export type { NodeIdentity } from "../../envoy/index.js";

export interface NodeRequest {
  /** Listener names a proxyless gRPC client asked for (`<virtual service>[:<port>]`); non-empty ⇒ served as proxyless. */
  apiListeners?: readonly string[];
  /** The node's Envoy release; undefined (not an Envoy, or it did not say) ⇒ the newest form. */
  envoyVersion?: EnvoyVersion;
  /** The zone the node's Envoy reports (node.locality.zone), for loadBalancing policies that prefer the caller's zone. */
  zone?: string;
  /** How the node subscribes; undefined ⇒ ADS. */
  xdsSubscription?: XdsSubscription;
}

/** A translator bound to one snapshot; reuse it for every node of that (mesh, revision). */
export interface MeshTranslator {
  readonly snapshot: MeshSnapshot;
  translateNode(node: NodeIdentity, request?: NodeRequest): NodeResources;
  /** Whether the node's virtual node / virtual gateway exists (and is not deleted) in this snapshot. */
  nodeExists(node: NodeIdentity): boolean;
  /** How many shared pieces were built so far (memo misses): lets tests and benchmarks see the sharing. */
  readonly builds: SharedResources["builds"];
}

function existsIn(shared: SharedResources, node: NodeIdentity): boolean {
  if (node.meshName !== shared.index.meshName) return false;
  return node.kind === "virtualNode" ? shared.index.virtualNodes.has(node.name) : shared.index.virtualGateways.has(node.name);
}

/**
 * @example
 * const translator = createMeshTranslator(snapshot);
 * const resources = translator.translateNode({ meshName: "app", kind: "virtualNode", name: "serviceA" });
 * resources.listeners.map((l) => l.name); // ["lds_egress_0.0.0.0_15001", "lds_ingress_0.0.0.0_15000"]
 */
export function createMeshTranslator(snapshot: MeshSnapshot, options?: TranslateOptions, memo?: TranslationMemo): MeshTranslator {
  const shared = createSharedResources(snapshot, options, memo);
  const { adapted, subscribed } = shared.memo;
  return {
    snapshot,
    builds: shared.builds,
    nodeExists: (node) => existsIn(shared, node),
    translateNode(node, request = {}) {
      const out = new NodeResourcesBuilder(request.zone);
      if (!existsIn(shared, node)) return out.build();
      const apiListeners = [...new Set(request.apiListeners ?? [])].sort();
      if (apiListeners.length > 0) {
        for (const name of apiListeners) addApiListener(shared, node, name, out);
      } else if (node.kind === "virtualNode") {
        translateVirtualNode(shared, shared.index.virtualNodes.get(node.name)!, out);
      } else {
        translateVirtualGateway(shared, shared.index.virtualGateways.get(node.name)!, out);
      }
      // Patches apply to an Envoy's own resources; a proxyless client gets none.
      const patch = apiListeners.length > 0 ? undefined : shared.policies.index.atListener({ kind: node.kind, name: node.name }, "envoyPatch");
      // A patch exists only in a mesh with policies, which keeps no pieces between snapshots; applyEnvoyPatches also
      // copies each resource it changes, so the pieces nodes of this snapshot share stay as generated.
      if (patch && shared.keepsPieces) throw new Error(`mesh ${snapshot.mesh.meshName}: an envoyPatch in a translation that keeps pieces`);
      const built = patch ? applyEnvoyPatches(out.build(), patch.spec.patches) : out.build();
      return adaptToSubscription(adaptToEnvoyVersion(built, request.envoyVersion, adapted), request.xdsSubscription, subscribed);
    },
  };
}

/** One-off translation (builds a fresh translator: prefer `createMeshTranslator` when serving many nodes). */
export function translateNode(snapshot: MeshSnapshot, node: NodeIdentity, options?: TranslateOptions & NodeRequest): NodeResources {
  return createMeshTranslator(snapshot, options).translateNode(node, options);
}

/** Only the resources of one proxyless API listener (`<virtual service>[:<port>]`); undefined when it does not resolve. */
export function translateApiListener(
  snapshot: MeshSnapshot,
  node: NodeIdentity,
  listenerName: string,
  options?: TranslateOptions & Pick<NodeRequest, "envoyVersion" | "xdsSubscription">,
): NodeResources | undefined {
  const shared = createSharedResources(snapshot, options);
  const out = new NodeResourcesBuilder();
  return addApiListener(shared, node, listenerName, out) ? adaptToSubscription(adaptToEnvoyVersion(out.build(), options?.envoyVersion), options?.xdsSubscription) : undefined;
}

// Internal callers (config dump, validator) use the pieces below; they are not part of the ADS contract.
export { createSharedResources } from "./translator.js";
export { adaptMessage, adaptToEnvoyVersion, missingFeatures } from "./version-compat.js";
export { adaptToSubscription } from "./config-sources.js";
export { walkMessage, usedNames } from "./message-walk.js";
export { checkEnvoyPatch } from "./policies/envoy-patch.js";
