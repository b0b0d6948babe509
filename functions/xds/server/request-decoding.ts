// DiscoveryRequests as the ADS transport decodes them. After a change, every stream answers its push with an ACK: a
// version, a nonce, a type URL and (for a named subscription) the resource names, all ASCII, no node. A push storm is
// as many ACKs as streams, so those are read here by hand in one pass over the bytes, into the very message
// protobuf-es would build. Anything else (a node, an error detail, resource locators, text that is not ASCII, a field
// this reader does not know) is decoded by protobuf-es itself. Wire format: https://protobuf.dev/programming-guides/encoding/
import { fromBinary } from "@bufbuild/protobuf";
import { DiscoveryRequestSchema, type DiscoveryRequest } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { TypeUrl } from "../../envoy/index.js";

/** DiscoveryRequest's string fields this reader takes (envoy/service/discovery/v3/discovery.proto); all length-delimited. */
const FIELD = { versionInfo: 1, resourceNames: 3, typeUrl: 4, responseNonce: 5 } as const;
const LENGTH_DELIMITED = 2;
const textDecoder = new TextDecoder();

/**
 * Strings this long are decoded natively: built a character at a time they would be V8 cons strings, which the first
 * hash (a Set of names) or comparison (a version) then flattens, at several times the cost of decoding them flat.
 */
const FLAT_FROM = 13;

/** `bytes[start, end)` as a string when every byte is ASCII; undefined otherwise. */
function asciiString(bytes: Uint8Array, start: number, end: number): string | undefined {
  for (let i = start; i < end; i++) if (bytes[i]! > 0x7f) return undefined;
  if (end - start >= FLAT_FROM) return textDecoder.decode(bytes.subarray(start, end));
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/** The type URLs meshplane serves, as bytes: an ACK's type URL is matched against them and read as the constant string. */
const knownTypeUrls = Object.values(TypeUrl).map((url) => ({ url, bytes: Uint8Array.from(url, (char) => char.charCodeAt(0)) }));

/** `bytes[start, end)` when it spells one of the served type URLs: that very string (no new one, and its hash is known to the maps keyed by it). */
function knownTypeUrl(bytes: Uint8Array, start: number, end: number): string | undefined {
  next: for (const known of knownTypeUrls) {
    if (known.bytes.length !== end - start) continue;
    // The type URLs share their prefix: compare from the end, where they differ.
    for (let i = known.bytes.length - 1; i >= 0; i--) if (known.bytes[i] !== bytes[start + i]) continue next;
    return known.url;
  }
  return undefined;
}

/** A request's message bytes as protobuf-es's `fromBinary(DiscoveryRequestSchema, bytes)` returns it. */
export function decodeDiscoveryRequest(bytes: Uint8Array): DiscoveryRequest {
  let versionInfo = "";
  let typeUrl = "";
  let responseNonce = "";
  const resourceNames: string[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    // Tag and length: varints, but every field this reader takes has a one-byte tag; lengths may take more bytes.
    const tag = bytes[offset++]!;
    const field = tag >>> 3;
    if ((tag & 0x80) !== 0 || (tag & 7) !== LENGTH_DELIMITED || field === 0 || field === 2 || field > FIELD.responseNonce) return fromBinary(DiscoveryRequestSchema, bytes);
    let length = 0;
    let shift = 0;
    for (;;) {
      if (offset >= bytes.length || shift > 28) return fromBinary(DiscoveryRequestSchema, bytes);
      const byte = bytes[offset++]!;
      length |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
    }
    const end = offset + length;
    if (length < 0 || end > bytes.length) return fromBinary(DiscoveryRequestSchema, bytes);
    const text = (field === FIELD.typeUrl ? knownTypeUrl(bytes, offset, end) : undefined) ?? asciiString(bytes, offset, end);
    if (text === undefined) return fromBinary(DiscoveryRequestSchema, bytes);
    offset = end;
    if (field === FIELD.versionInfo) versionInfo = text;
    else if (field === FIELD.resourceNames) resourceNames.push(text);
    else if (field === FIELD.typeUrl) typeUrl = text;
    else responseNonce = text;
  }
  // The keys in protobuf-es's order, so the message is indistinguishable from the one it decodes.
  return { $typeName: DiscoveryRequestSchema.typeName, versionInfo, resourceNames, resourceLocators: [], typeUrl, responseNonce } as DiscoveryRequest;
}
