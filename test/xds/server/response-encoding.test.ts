// Responses encoded once and shared: a state-of-the-world response's shared bytes with a stream's nonce field in
// front decode, with protobuf-es and with protobufjs (Envoy's own .proto files through @grpc/proto-loader), to exactly
// the response with that nonce; a second stream asking for the same selection reuses the encoding (counted); a delta
// response decodes to the response it stands for, each resource encoded once.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { ClusterSchema, ListenerSchema, TypeUrl } from "../../../functions/envoy/index.js";
import type { CachedResource, TypeResources } from "../../../functions/xds/cache/types.js";
import { createResponseEncodings } from "../../../functions/xds/server/response-encoding.js";
import { Subscription } from "../../../functions/xds/server/subscription.js";
import { subscriptionVersion } from "../../../functions/xds/server/versions.js";
import {
  DeltaDiscoveryResponseSchema,
  DiscoveryResponseSchema,
  ResourceSchema,
} from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";

const vendor = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../proto/vendor");

function cached(name: string, statPrefix: string): CachedResource {
  return { name, any: anyPack(ListenerSchema, create(ListenerSchema, { name, statPrefix })), version: `v-${name}-${statPrefix}` };
}

function typeResources(...resources: CachedResource[]): TypeResources {
  return { version: resources.map((r) => r.version).join("+"), resources: new Map(resources.map((r) => [r.name, r])) };
}

function subscription(names: string[]): Subscription {
  const s = new Subscription("listener");
  s.setResourceNames(names);
  return s;
}

const join = (...parts: Uint8Array[]) => Buffer.concat(parts.map((part) => Buffer.from(part)));

describe("createResponseEncodings", () => {
  it("sends a state-of-the-world response as nonce field ‖ shared bytes, which decode to the response with that nonce", () => {
    const encodings = createResponseEncodings("cp-1");
    const resources = typeResources(cached("a", "x"), cached("b", "y"));
    const sub = subscription([]);
    const version = subscriptionVersion(resources, sub.wildcard, sub.names, sub.selectionKey);
    const encoded = encodings.sotw({ subscription: sub, resources, version });
    const wire = join(encodings.sotwNonce("7f"), encoded.bytes);
    const expected = create(DiscoveryResponseSchema, {
      versionInfo: version,
      typeUrl: TypeUrl.listener,
      nonce: "7f",
      resources: [resources.resources.get("a")!.any, resources.resources.get("b")!.any],
      controlPlane: { identifier: "cp-1" },
    });
    expect(fromBinary(DiscoveryResponseSchema, new Uint8Array(wire))).toEqual(expected);
    // grpc-js's decoder (protobufjs over Envoy's own ads.proto) reads the same message out of those bytes.
    const definition = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", { includeDirs: [vendor], keepCase: true, longs: String, defaults: false });
    const service = definition["envoy.service.discovery.v3.AggregatedDiscoveryService"] as protoLoader.ServiceDefinition;
    const decoded = service.StreamAggregatedResources!.responseDeserialize(wire) as Record<string, unknown>;
    expect(decoded).toMatchObject({ version_info: version, type_url: TypeUrl.listener, nonce: "7f", control_plane: { identifier: "cp-1" } });
    expect((decoded.resources as Array<{ value: Buffer }>).map((any) => Buffer.from(any.value))).toEqual([...resources.resources.values()].map((r) => Buffer.from(r.any.value)));
  });

  it("encodes once per node resources, type and selection, and reuses the bytes for every other stream", () => {
    const encodings = createResponseEncodings("cp");
    const resources = typeResources(cached("a", "x"), cached("b", "y"));
    const streams = [subscription(["b", "a"]), subscription(["a", "b"]), subscription(["a", "b"])];
    const sent = streams.map((sub) => encodings.sotw({ subscription: sub, resources, version: subscriptionVersion(resources, sub.wildcard, sub.names, sub.selectionKey) }));
    expect(new Set(sent).size).toBe(1);
    expect(encodings.counts).toMatchObject({ built: 1, reused: 2 });
    // Another selection, or new resources of the node, is another encoding.
    encodings.sotw({ subscription: subscription(["a"]), resources, version: subscriptionVersion(resources, false, new Set(["a"])) });
    const changed = typeResources(cached("a", "x2"), cached("b", "y"));
    encodings.sotw({ subscription: streams[0]!, resources: changed, version: subscriptionVersion(changed, false, streams[0]!.names, streams[0]!.selectionKey) });
    expect(encodings.counts).toMatchObject({ built: 3, reused: 2 });
  });

  it("encodes a push of changed resources once for every node whose changes are those very resources, each stream adding its nonce and its node's version", () => {
    const encodings = createResponseEncodings("cp-c");
    const shared = cached("egress", "new");
    const nodes = ["n1", "n2", "n3"].map((node) => {
      const own = cached(`ingress-${node}`, node);
      return { held: typeResources(cached("egress", "old"), own), resources: typeResources(shared, own) };
    });
    for (const [i, node] of nodes.entries()) {
      // Two streams per node: the second asks with the same inputs as the first.
      for (const nonce of [`${i}a`, `${i}b`]) {
        const sub = subscription(["egress", `ingress-n${i + 1}`]);
        const version = subscriptionVersion(node.resources, false, sub.names, sub.selectionKey);
        const { encoded, versionField } = encodings.sotwChanges({ subscription: sub, held: node.held, resources: node.resources, version });
        const wire = join(encodings.sotwNonce(nonce), versionField, encoded.bytes);
        expect(fromBinary(DiscoveryResponseSchema, new Uint8Array(wire))).toEqual(
          create(DiscoveryResponseSchema, { versionInfo: version, typeUrl: TypeUrl.listener, nonce, resources: [shared.any], controlPlane: { identifier: "cp-c" } }),
        );
      }
    }
    expect(encodings.counts).toMatchObject({ built: 1, reused: 5 });
    // Nothing changed but a resource no longer there: an empty push, shared as well.
    const gone = typeResources(shared);
    const sub = subscription(["egress", "ingress-n1"]);
    const empty = encodings.sotwChanges({ subscription: sub, held: nodes[0]!.resources, resources: gone, version: "v-gone" });
    expect(fromBinary(DiscoveryResponseSchema, new Uint8Array(join(empty.versionField, empty.encoded.bytes))).resources).toEqual([]);
    expect(encodings.counts).toMatchObject({ built: 2, reused: 5 });
  });

  it("splices each resource's encoding, built once, into the response of every node that carries it, byte for byte what protobuf-es writes", () => {
    const encodings = createResponseEncodings("cp-s");
    // Two nodes: the same route configuration for both (one CachedResource, as the cache packs a shared message), and one of each node's own.
    const shared = cached("shared", "s");
    const nodes = [typeResources(cached("own-1", "1"), shared), typeResources(cached("own-2", "2"), shared)];
    const sub = subscription([]);
    for (const resources of nodes) {
      const version = subscriptionVersion(resources, sub.wildcard, sub.names, sub.selectionKey);
      const { bytes } = encodings.sotw({ subscription: sub, resources, version });
      const expected = create(DiscoveryResponseSchema, {
        versionInfo: version,
        typeUrl: TypeUrl.listener,
        resources: [...resources.resources.values()].map((r) => r.any),
        controlPlane: { identifier: "cp-s" },
      });
      expect(Buffer.from(bytes)).toEqual(Buffer.from(toBinary(DiscoveryResponseSchema, expected)));
      expect(fromBinary(DiscoveryResponseSchema, new Uint8Array(join(encodings.sotwNonce("n1"), bytes)))).toEqual({ ...expected, nonce: "n1" });
    }
    // Two responses, three resources encoded: the shared one once, copied into the second node's response.
    expect(encodings.counts).toMatchObject({ built: 2, sotwResourcesBuilt: 3, sotwResourcesReused: 1 });
  });

  it("writes any nonce as the DiscoveryResponse nonce field, short counters and long or non-ASCII ones alike", () => {
    const encodings = createResponseEncodings("cp");
    for (const nonce of ["7", "zz9", "x".repeat(200), "nöncé"]) {
      expect(Buffer.from(encodings.sotwNonce(nonce))).toEqual(Buffer.from(toBinary(DiscoveryResponseSchema, create(DiscoveryResponseSchema, { nonce }))));
    }
  });

  it("writes a delta response that decodes to the response it stands for, each resource encoded once", () => {
    const encodings = createResponseEncodings("cp-d");
    const a = { name: "c1", any: anyPack(ClusterSchema, create(ClusterSchema, { name: "c1" })), version: "va" };
    const first = encodings.delta({ systemVersionInfo: "sys-1", typeUrl: TypeUrl.cluster, nonce: "1", resources: [a], removed: ["gone"] });
    const second = encodings.delta({ systemVersionInfo: "sys-1", typeUrl: TypeUrl.cluster, nonce: "2", resources: [a], removed: [] });
    expect(fromBinary(DeltaDiscoveryResponseSchema, first)).toEqual(
      create(DeltaDiscoveryResponseSchema, {
        systemVersionInfo: "sys-1",
        typeUrl: TypeUrl.cluster,
        nonce: "1",
        resources: [create(ResourceSchema, { name: "c1", version: "va", resource: a.any })],
        removedResources: ["gone"],
        controlPlane: { identifier: "cp-d" },
      }),
    );
    expect(fromBinary(DeltaDiscoveryResponseSchema, second).nonce).toBe("2");
    expect(encodings.counts).toMatchObject({ resourcesBuilt: 1, resourcesReused: 1 });
    // Byte for byte what protobuf-es writes for the same message.
    expect(Buffer.from(first)).toEqual(Buffer.from(toBinary(DeltaDiscoveryResponseSchema, fromBinary(DeltaDiscoveryResponseSchema, first))));
  });
});
