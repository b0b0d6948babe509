// DiscoveryResponses encoded once and sent to every stream that needs them. A state-of-the-world response depends only
// on the node's resources of one type (an immutable TypeResources the cache shares between a node's streams), the
// subscription's selection and the control plane: its bytes are built once per (node, type, version, selection) and
// each stream only prepends its nonce: protobuf parsers take the fields of a message in any order
// (https://protobuf.dev/programming-guides/encoding/#order), so `nonce field ‖ shared bytes` is the encoding of the
// response with that nonce. Those shared bytes are themselves spliced, not serialised: a length-delimited field is
// its tag, its length and its bytes, so the `resources` field of each resource (its Any) is encoded once per
// resource and copied into the response of every node that receives it; only the version, type URL and control plane
// fields are written per response. A response carrying only what changed (RDS and EDS, see sotw-stream.ts) has no
// per-node content but its version: its bytes are built once per set of changed resources, and each stream prepends
// its nonce and its version, so one change reaching many nodes is encoded once. A delta response differs per stream
// (what the proxy already holds), so there each resource's `Resource` message is encoded once and copied into every
// stream's response.
import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { ControlPlaneSchema } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { DiscoveryResponseSchema, ResourceSchema, type DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { CachedResource, TypeResources } from "../cache/types.js";
import { changedResources, createDiscoveryResponse, selectResources, type DiscoveryResponseInput } from "./discovery-response.js";

/** A state-of-the-world response without its nonce, as message (for observers; built when first read) and as bytes (for the wire). */
export interface EncodedResponse {
  readonly message: DiscoveryResponse;
  readonly bytes: Uint8Array;
}

/** Field numbers of DiscoveryResponse and DeltaDiscoveryResponse (envoy/service/discovery/v3/discovery.proto). */
const SOTW = { versionInfo: 1, resources: 2, typeUrl: 4, nonce: 5, controlPlane: 6 } as const;
const DELTA = { systemVersionInfo: 1, resources: 2, typeUrl: 4, nonce: 5, removedResources: 6, controlPlane: 7 } as const;

export interface ResponseEncodings {
  /** Identifies this control plane in every response. */
  readonly controlPlaneId: string;
  /** The response for `input`, built on first use and shared by every later stream asking for the same one. */
  sotw(input: Omit<DiscoveryResponseInput, "controlPlaneId">): EncodedResponse;
  /**
   * A push of what changed from `held` (the node's resources when the stream last responded) to `resources`, for the
   * subscription: the changed resources' response without nonce and version, shared by every stream whose changes
   * are the very same resources, and the version field this stream's node adds (`message` has an empty version).
   * The node's streams, asking in turn with the same inputs, get the same pair.
   */
  sotwChanges(input: Omit<DiscoveryResponseInput, "controlPlaneId"> & { held: TypeResources }): { encoded: EncodedResponse; versionField: Uint8Array };
  /** `nonce` as the DiscoveryResponse field that completes an EncodedResponse's bytes. */
  sotwNonce(nonce: string): Uint8Array;
  /** A whole DeltaDiscoveryResponse, each resource's bytes encoded once for every stream. */
  delta(input: { systemVersionInfo: string; typeUrl: string; nonce: string; resources: readonly CachedResource[]; removed: readonly string[] }): Uint8Array;
  /**
   * State-of-the-world responses encoded and sent again from an earlier encoding; the resources in them (each Any's
   * field bytes, spliced into every response that carries the resource) encoded and copied; delta `Resource`
   * messages likewise (tests and benchmarks see the reuse).
   */
  readonly counts: {
    readonly built: number;
    readonly reused: number;
    readonly sotwResourcesBuilt: number;
    readonly sotwResourcesReused: number;
    readonly resourcesBuilt: number;
    readonly resourcesReused: number;
  };
}

/**
 * A length-delimited field holding `text`: when it is short ASCII (versions, nonces, type URLs), its tag, one length
 * byte and the characters, written directly; otherwise through a BinaryWriter. This runs once per stream per push.
 */
function stringField(field: number, text: string): Uint8Array {
  if (text.length <= 127) {
    const bytes = new Uint8Array(2 + text.length);
    bytes[0] = (field << 3) | WireType.LengthDelimited;
    bytes[1] = text.length;
    let i = 0;
    for (let code; i < text.length && (code = text.charCodeAt(i)) <= 0x7f; i++) bytes[2 + i] = code;
    if (i === text.length) return bytes;
  }
  return new BinaryWriter().tag(field, WireType.LengthDelimited).string(text).finish();
}

export function createResponseEncodings(controlPlaneId: string): ResponseEncodings {
  /** By the node's resources of one type, then type URL (the empty TypeResources is shared by every type), then selection. */
  const sotwByResources = new WeakMap<TypeResources, Map<string, Map<string, { version: string; encoded: EncodedResponse }>>>();
  const typeUrlFields = new Map<string, Uint8Array>();
  const resourceBytes = new WeakMap<CachedResource, Uint8Array>();
  const resourceFields = new WeakMap<CachedResource, Uint8Array>();
  const controlPlane = toBinary(ControlPlaneSchema, create(ControlPlaneSchema, { identifier: controlPlaneId }));
  const sotwControlPlaneField = new BinaryWriter().tag(SOTW.controlPlane, WireType.LengthDelimited).bytes(controlPlane).finish();
  /** Responses of changed resources, by the first of them (kept while it is), then by type URL and every resource's name and version. */
  const changedByFirst = new WeakMap<CachedResource, Map<string, EncodedResponse>>();
  const changedNone = new Map<string, EncodedResponse>();
  /** The last push of changes built from each node's resources of one type, for the node's other streams. */
  const changesByResources = new WeakMap<TypeResources, { typeUrl: string; selectionKey: string; held: TypeResources; version: string; changes: { encoded: EncodedResponse; versionField: Uint8Array } }>();
  const counts = { built: 0, reused: 0, sotwResourcesBuilt: 0, sotwResourcesReused: 0, resourcesBuilt: 0, resourcesReused: 0 };


  function encodedResource(resource: CachedResource): Uint8Array {
    let bytes = resourceBytes.get(resource);
    if (bytes) counts.resourcesReused++;
    else {
      bytes = toBinary(ResourceSchema, create(ResourceSchema, { name: resource.name, version: resource.version, resource: resource.any }));
      resourceBytes.set(resource, bytes);
      counts.resourcesBuilt++;
    }
    return bytes;
  }

  /** `resources` field (2) of a DiscoveryResponse holding this resource's Any: tag, length, then the Any's fields. */
  function resourceField(resource: CachedResource): Uint8Array {
    let bytes = resourceFields.get(resource);
    if (bytes) counts.sotwResourcesReused++;
    else {
      bytes = new BinaryWriter().tag(SOTW.resources, WireType.LengthDelimited).bytes(toBinary(AnySchema, resource.any)).finish();
      resourceFields.set(resource, bytes);
      counts.sotwResourcesBuilt++;
    }
    return bytes;
  }

  /** The response's fields but the nonce: version, each selected resource's field bytes as encoded before, type URL, control plane. */
  function sotwBytes(version: string, typeUrl: string, selected: readonly CachedResource[]): Uint8Array {
    let typeUrlField = typeUrlFields.get(typeUrl);
    if (!typeUrlField) typeUrlFields.set(typeUrl, (typeUrlField = stringField(SOTW.typeUrl, typeUrl)));
    const parts = [...selected.map(resourceField), typeUrlField, sotwControlPlaneField];
    if (version !== "") parts.unshift(stringField(SOTW.versionInfo, version));
    let length = 0;
    for (const part of parts) length += part.length;
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    return bytes;
  }

  function changedKey(typeUrl: string, resources: readonly CachedResource[]): string {
    let key = typeUrl;
    for (const resource of resources) key += `\u0000${resource.name}\u0000${resource.version}`;
    return key;
  }

  /** The response holding just `resources`, without nonce and version: once per set of resources (by identity, name and version). */
  function changedResponse(typeUrl: string, resources: readonly CachedResource[]): EncodedResponse {
    const first = resources[0];
    let byKey = first ? changedByFirst.get(first) : changedNone;
    if (!byKey) changedByFirst.set(first!, (byKey = new Map()));
    const key = changedKey(typeUrl, resources);
    const hit = byKey.get(key);
    if (hit) {
      counts.reused++;
      return hit;
    }
    let message: DiscoveryResponse | undefined;
    const encoded: EncodedResponse = {
      get message() {
        return (message ??= create(DiscoveryResponseSchema, { typeUrl, resources: resources.map((resource) => resource.any), controlPlane: { identifier: controlPlaneId } }));
      },
      bytes: sotwBytes("", typeUrl, resources),
    };
    byKey.set(key, encoded);
    counts.built++;
    return encoded;
  }

  return {
    controlPlaneId,
    sotw(input) {
      let byType = sotwByResources.get(input.resources);
      if (!byType) sotwByResources.set(input.resources, (byType = new Map()));
      let byKey = byType.get(input.subscription.typeUrl);
      if (!byKey) byType.set(input.subscription.typeUrl, (byKey = new Map()));
      const key = input.subscription.selectionKey;
      const hit = byKey.get(key);
      // The version is derived from the resources and the selection: a hit under the same key has the same one.
      if (hit && hit.version === input.version) {
        counts.reused++;
        return hit.encoded;
      }
      const selected = selectResources(input.resources, input.subscription);
      const { subscription, resources, version } = input;
      let message: DiscoveryResponse | undefined;
      // The message only for observers that read it (the wire takes the bytes).
      const encoded: EncodedResponse = {
        get message() {
          return (message ??= createDiscoveryResponse({ subscription, resources, version, controlPlaneId }, selected));
        },
        bytes: sotwBytes(version, subscription.typeUrl, selected),
      };
      byKey.set(key, { version, encoded });
      counts.built++;
      return encoded;
    },
    sotwChanges({ subscription, held, resources, version }) {
      const { typeUrl, selectionKey } = subscription;
      const last = changesByResources.get(resources);
      if (last && last.held === held && last.typeUrl === typeUrl && last.selectionKey === selectionKey && last.version === version) {
        counts.reused++;
        return last.changes;
      }
      const changes = { encoded: changedResponse(typeUrl, changedResources(subscription, held, resources)), versionField: version === "" ? new Uint8Array(0) : stringField(SOTW.versionInfo, version) };
      changesByResources.set(resources, { typeUrl, selectionKey, held, version, changes });
      return changes;
    },
    sotwNonce(nonce) {
      return stringField(SOTW.nonce, nonce);
    },
    delta(input) {
      const writer = new BinaryWriter();
      if (input.systemVersionInfo !== "") writer.tag(DELTA.systemVersionInfo, WireType.LengthDelimited).string(input.systemVersionInfo);
      for (const resource of input.resources) writer.tag(DELTA.resources, WireType.LengthDelimited).bytes(encodedResource(resource));
      writer.tag(DELTA.typeUrl, WireType.LengthDelimited).string(input.typeUrl);
      writer.tag(DELTA.nonce, WireType.LengthDelimited).string(input.nonce);
      for (const name of input.removed) writer.tag(DELTA.removedResources, WireType.LengthDelimited).string(name);
      writer.tag(DELTA.controlPlane, WireType.LengthDelimited).bytes(controlPlane);
      return writer.finish();
    },
    counts,
  };
}
