// What the snapshot cache hands the ADS and REST servers: per node and per resource type, the packed resources
// and a version derived from their content. Everything here is immutable once built and shared between streams.
import type { Message } from "@bufbuild/protobuf";
import type { Any } from "@bufbuild/protobuf/wkt";
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { UnservableSpecWarning } from "../../appmesh/index.js";
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import type { ResourceType } from "../../envoy/index.js";

export type { Node };

/** One Envoy resource as served: packed once, hashed once, shared by every node and stream that receives it. */
export interface CachedResource {
  readonly name: string;
  readonly any: Any;
  /** Hash of the resource's serialised bytes: the per-resource version of delta xDS. */
  readonly version: string;
}

/** One resource type of one node. */
export interface TypeResources {
  /** Hash over (name, resource version) pairs in name order: equal content ⇒ equal version, in any process. */
  readonly version: string;
  /** By name, in name order. */
  readonly resources: ReadonlyMap<string, CachedResource>;
}

/** Everything one node receives at one mesh revision. */
export interface NodeSnapshot {
  readonly meshName: string;
  readonly meshRevision: number;
  readonly types: Readonly<Record<ResourceType, TypeResources>>;
  /** `performance.now()` when the change that produced this snapshot was observed (for push latency). */
  readonly changedAt: number;
  /** What the node's resources leave out although the API accepted it (never sent to the proxy; config_dump shows it). */
  readonly warnings: readonly UnservableSpecWarning[];
}

/** The resources translation produced for one node, per type (protobuf-es messages), and its warnings. */
export type TranslatedResources = Readonly<Record<"listeners" | "clusters" | "routes" | "endpoints" | "secrets", readonly Message[]>> & {
  readonly warnings?: readonly UnservableSpecWarning[];
};

/** A node id the server cannot serve: closes the stream with gRPC status 3 (INVALID_ARGUMENT). */
export class NodeIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NodeIdError";
  }
}

/**
 * A mesh the store cannot be read for right now (and no earlier snapshot to serve): closes the stream with gRPC status
 * 14 (UNAVAILABLE), answers REST xDS and config dumps with 503. The proxy retries.
 */
export class MeshUnavailableError extends Error {
  constructor(
    readonly meshName: string,
    cause: unknown,
  ) {
    super(`mesh "${meshName}" cannot be read right now: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "MeshUnavailableError";
  }
}

/** Identity of a node as far as the cache is concerned. */
export interface NodeIdentity {
  meshName: string;
  /** Nodes with equal keys receive identical resources and share one cache entry. */
  key: string;
}

/** What a stream asks for beyond its node id: proxyless gRPC clients name API listeners in their LDS request. */
export interface NodeRequest {
  apiListeners?: readonly string[];
}

/** Translation bound to one mesh snapshot. */
export interface SnapshotTranslator {
  translate(node: Node, request: NodeRequest): TranslatedResources;
  /** Whether the node's virtual node / virtual gateway exists in the snapshot. */
  exists(node: Node): boolean;
  /**
   * Optional: a summary of everything the node's translation reads. When it equals the fingerprint from the
   * previous snapshot, the cache keeps the node's resources without translating it again.
   */
  fingerprint?(node: Node, request: NodeRequest): string;
  /** Optional: every warning of the whole mesh at this snapshot (`GET /v1/xds/lint`, metrics); memoised by the translator. */
  lint?(): readonly UnservableSpecWarning[];
}

/** The translation seam: the cache depends on this, not on the translator's modules. */
export interface XdsTranslation {
  /** Which mesh a node belongs to; throws `NodeIdError` for a malformed id. */
  identify(node: Node): NodeIdentity;
  /**
   * A translator for one snapshot; it memoises what nodes share, so call it once per snapshot. `previous` is the
   * translator of the same mesh's previous snapshot: the new one may hand out the previous one's resources (the very
   * objects) wherever the change did not reach them, so the cache packs and encodes only what changed.
   */
  forSnapshot(snapshot: MeshSnapshot, previous?: SnapshotTranslator): SnapshotTranslator;
}
