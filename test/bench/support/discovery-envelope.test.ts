// The ADS benchmark clients' codec against protobuf-es and Envoy's generated schemas: what it writes parses as the
// DiscoveryRequest meant, and what it reads of a DiscoveryResponse is what the full decoding says.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeResponseEnvelope, encodeDiscoveryRequest } from "../../../bench/support/discovery-envelope.js";
import { DiscoveryRequestSchema, DiscoveryResponseSchema } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";

const text = fc.string({ unit: "grapheme", maxLength: 300 });

describe("discovery envelope codec", () => {
  it("writes DiscoveryRequests that protobuf-es reads back field for field", () => {
    fc.assert(
      fc.property(text, fc.option(fc.record({ id: text, cluster: text }), { nil: undefined }), fc.array(text, { maxLength: 5 }), text, text, (versionInfo, node, resourceNames, typeUrl, responseNonce) => {
        const decoded = fromBinary(DiscoveryRequestSchema, encodeDiscoveryRequest({ versionInfo, ...(node ? { node } : {}), resourceNames, typeUrl, responseNonce }));
        expect([decoded.versionInfo, decoded.resourceNames, decoded.typeUrl, decoded.responseNonce]).toEqual([versionInfo, resourceNames, typeUrl, responseNonce]);
        expect(decoded.node ? { id: decoded.node.id, cluster: decoded.node.cluster } : undefined).toEqual(node);
      }),
    );
  });

  it("reads a DiscoveryResponse's version, type, nonce and resource count as the full decoding does, skipping everything else", () => {
    fc.assert(
      fc.property(text, text, text, fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 4 }), fc.boolean(), (versionInfo, typeUrl, nonce, values, canary) => {
        const response = create(DiscoveryResponseSchema, {
          versionInfo,
          typeUrl,
          nonce,
          canary,
          resources: values.map((value) => ({ typeUrl: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration", value })),
          controlPlane: { identifier: "meshplane" },
        });
        expect(decodeResponseEnvelope(Buffer.from(toBinary(DiscoveryResponseSchema, response)))).toEqual({ versionInfo, typeUrl, nonce, resources: values.length });
      }),
    );
  });
});
