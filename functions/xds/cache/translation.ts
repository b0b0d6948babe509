// The cache's translation seam wired to meshplane's App Mesh translator (functions/xds/translate).
import { clone, create } from "@bufbuild/protobuf";
import { LocalitySchema } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import {
  envoyBandKey,
  envoyVersionOfNode,
  isNewestBand,
  parseNodeId,
  xdsSubscriptionKey,
  xdsSubscriptionOfNode,
  type NodeIdentity as AppMeshNodeIdentity,
  type XdsSubscription,
} from "../../envoy/index.js";
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from "../../envoy/index.js";
import {
  createMeshTranslator,
  createTranslationMemo,
  keepsTranslationPieces,
  lintMesh,
  type NodeResources,
  type TranslateOptions,
  type TranslationMemo,
  type UnservableSpecWarning,
} from "../translate/index.js";
import { createDependencyStamps } from "../translate/dependency-stamps.js";
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import { tlsKey } from "./tls-key.js";
import { hashString } from "./hash.js";
import { NodeIdError, type Node, type NodeRequest, type SnapshotTranslator, type XdsTranslation } from "./types.js";
import { policyAwareFingerprint } from "./policy-fingerprint.js";

/** Parsed ids by node: the cache asks for a node's identity on every change that may reach it (fingerprint, translation). */
const identities = new WeakMap<Node, { id: string; identity: AppMeshNodeIdentity }>();

function parse(node: Node): AppMeshNodeIdentity {
  const known = identities.get(node);
  if (known && known.id === node.id) return known.identity;
  const identity = parseNodeId(node.id);
  if ("error" in identity) throw new NodeIdError(identity.error);
  identities.set(node, { id: node.id, identity });
  return identity;
}

function subscriptionOf(node: Node): XdsSubscription {
  const subscription = xdsSubscriptionOfNode(node);
  if ("error" in subscription) throw new NodeIdError(subscription.error);
  return subscription;
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
  const memos = new WeakMap<SnapshotTranslator, TranslationMemo>();
  return {
    identify(node) {
      const identity = parse(node);
      // Envoys of different version bands or subscriptions receive different resources: they must not share a cache entry.
      const version = envoyVersionOfNode(node);
      const band = isNewestBand(version) ? "" : `@envoy-${envoyBandKey(version)}`;
      // A loadBalancing policy may prefer the caller's zone: Envoys of one node in different zones differ then.
      const zone = node.locality?.zone ? `@zone-${node.locality.zone}` : "";
      return { meshName: identity.meshName, key: `${identity.kind}/${identity.name}${band}${zone}${xdsSubscriptionKey(subscriptionOf(node))}` };
    },
    forSnapshot(snapshot, previous) {
      // The memo of the mesh's earlier translators: pieces a change did not reach come back as the same objects. A
      // mesh with policies is translated fresh (no memo, and none left for the next snapshot), so policies put,
      // changed or deleted never meet pieces kept from before. So is a mesh whose TLS names ACM certificates or
      // Private CAs: their material changes (renewal, re-import) without any mesh revision to stamp pieces with.
      const keeps = keepsTranslationPieces(snapshot);
      const memo = keeps ? ((previous && memos.get(previous)) ?? createTranslationMemo()) : undefined;
      const translator = createMeshTranslator(snapshot, options, memo);
      let lint: readonly UnservableSpecWarning[] | undefined;
      const snapshotTranslator: SnapshotTranslator = {
        // A fresh translation of its own (not the kept pieces): the lint never depends on what earlier snapshots left.
        lint: () => (lint ??= lintMesh(snapshot, options)),
        translate(node, request) {
          const envoyVersion = envoyVersionOfNode(node);
          const zone = node.locality?.zone ? { zone: node.locality.zone } : {};
          const xdsSubscription = subscriptionOf(node);
          if (!request.apiListeners || request.apiListeners.length === 0) return translator.translateNode(parse(node), { envoyVersion, xdsSubscription, ...zone });
          const resources: NodeResources = translator.translateNode(parse(node), { apiListeners: request.apiListeners, envoyVersion, xdsSubscription, ...zone });
          return { ...resources, endpoints: resources.endpoints.map(proxylessAssignment) };
        },
        exists: (node) => translator.nodeExists(parse(node)),
        fingerprint: keeps ? dependencyFingerprint(snapshot) : policyAwareFingerprint(snapshot, parse),
      };
      if (memo) memos.set(snapshotTranslator, memo);
      return snapshotTranslator;
    },
  };
}

/**
 * What a virtual node's translation can read, summarised from the dependency stamps (translate/dependency-stamps.ts):
 * the mesh, the node, and transitively each backend virtual service with its provider and targets. Equal
 * fingerprints ⇒ equal translation, so the cache skips re-translating nodes a change cannot affect. Virtual gateways
 * (few, and reaching far) fingerprint the whole snapshot.
 */
function dependencyFingerprint(snapshot: MeshSnapshot): (node: Node, request: NodeRequest) => string {
  const stamps = createDependencyStamps(snapshot);
  const nodes = new Map(snapshot.virtualNodes.map((vn) => [vn.virtualNodeName, vn]));
  const tls = `tls=${hashString(tlsKey(snapshot))}`;
  return (node, request) => {
    const identity = parse(node);
    if (identity.kind !== "virtualNode") return `gateway:${stamps.whole}|${tls}`;
    const parts = [stamps.mesh, stamps.node(identity.name), `api=${(request.apiListeners ?? []).join(",")}`, tls];
    for (const backend of nodes.get(identity.name)?.spec.backends ?? []) if (backend.virtualService) parts.push(stamps.service(backend.virtualService.virtualServiceName));
    return hashString(parts.join("\n"));
  };
}
