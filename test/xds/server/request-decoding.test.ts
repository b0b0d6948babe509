// The hand-written reader of DiscoveryRequests (the ACKs of a push storm): for any request, and for any bytes at all,
// it gives what protobuf-es's fromBinary gives, the same message or the same refusal.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeDiscoveryRequest } from "../../../functions/xds/server/request-decoding.js";
import { DiscoveryRequestSchema } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { TypeUrl } from "../../../functions/envoy/index.js";

const text = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: "grapheme", maxLength: 8 }), fc.constantFrom(...Object.values(TypeUrl)), fc.string({ minLength: 100, maxLength: 300 }));

const request = fc.record(
  {
    versionInfo: text,
    resourceNames: fc.array(text, { maxLength: 5 }),
    typeUrl: text,
    responseNonce: text,
    node: fc.record({ id: text, cluster: text }),
    errorDetail: fc.record({ code: fc.integer({ min: 0, max: 16 }), message: text }),
    resourceLocators: fc.array(fc.record({ name: text }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

/** Either the decoded message or the error's message: two decoders agree when these are equal. */
function outcome(decode: () => unknown): unknown {
  try {
    return { message: decode() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

describe("decodeDiscoveryRequest", () => {
  it("reads every request, ACKs and others alike, into exactly the message fromBinary gives", () => {
    fc.assert(
      fc.property(request, (init) => {
        const bytes = toBinary(DiscoveryRequestSchema, create(DiscoveryRequestSchema, init));
        expect(decodeDiscoveryRequest(bytes)).toStrictEqual(fromBinary(DiscoveryRequestSchema, bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("reads an ACK as Envoy sends it without falling back, into the message fromBinary gives", () => {
    const ack = create(DiscoveryRequestSchema, { versionInfo: "3f2a9c0d11b7e4a8", resourceNames: ["rds_egress_http_8080", "rds_ingress_http_8080"], typeUrl: TypeUrl.route, responseNonce: "2s" });
    const bytes = toBinary(DiscoveryRequestSchema, ack);
    expect(decodeDiscoveryRequest(bytes)).toStrictEqual(fromBinary(DiscoveryRequestSchema, bytes));
    expect(Object.keys(decodeDiscoveryRequest(bytes))).toEqual(Object.keys(fromBinary(DiscoveryRequestSchema, bytes)));
  });

  it("reads a served type URL, and one that differs from it in a single character, each as written", () => {
    for (const url of Object.values(TypeUrl)) {
      for (const typeUrl of [url, `${url.slice(0, -1)}X`, `X${url.slice(1)}`]) {
        const bytes = toBinary(DiscoveryRequestSchema, create(DiscoveryRequestSchema, { typeUrl, responseNonce: "1" }));
        expect(decodeDiscoveryRequest(bytes).typeUrl).toBe(typeUrl);
      }
    }
  });

  it("agrees with fromBinary on arbitrary bytes: the same message, or a refusal", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(outcome(() => decodeDiscoveryRequest(bytes))).toStrictEqual(outcome(() => fromBinary(DiscoveryRequestSchema, bytes)));
      }),
      { numRuns: 2000 },
    );
  });
});
