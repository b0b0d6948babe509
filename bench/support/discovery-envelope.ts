// The ADS benchmark clients' codec: a DiscoveryRequest written straight into protobuf bytes and only the envelope of
// a DiscoveryResponse read (version_info, type_url, nonce; resources skipped unread), so that the clients' own
// decoding, which shares the machine's cores with the server, costs as little of the measured time as it can.
// Field numbers from envoy/service/discovery/v3/discovery.proto.

export interface EnvelopeRequest {
  versionInfo?: string;
  node?: { id: string; cluster: string };
  resourceNames?: readonly string[];
  typeUrl: string;
  responseNonce?: string;
}

export interface ResponseEnvelope {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  /** How many resources the response carries. */
  resources: number;
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    length++;
  }
  return length;
}

function writeVarint(buffer: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buffer[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[offset++] = value;
  return offset;
}

/** Length-delimited fields in order: [field number, bytes]. */
function encodeFields(fields: Array<[number, Buffer]>): Buffer {
  let size = 0;
  for (const [, bytes] of fields) size += 1 + varintLength(bytes.length) + bytes.length;
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const [field, bytes] of fields) {
    out[offset++] = (field << 3) | 2;
    offset = writeVarint(out, offset, bytes.length);
    offset += bytes.copy(out, offset);
  }
  return out;
}

export function encodeDiscoveryRequest(request: EnvelopeRequest): Buffer {
  const fields: Array<[number, Buffer]> = [];
  if (request.versionInfo) fields.push([1, Buffer.from(request.versionInfo)]);
  if (request.node) fields.push([2, encodeFields([[1, Buffer.from(request.node.id)], [2, Buffer.from(request.node.cluster)]])]);
  for (const name of request.resourceNames ?? []) fields.push([3, Buffer.from(name)]);
  fields.push([4, Buffer.from(request.typeUrl)]);
  if (request.responseNonce) fields.push([5, Buffer.from(request.responseNonce)]);
  return encodeFields(fields);
}

function readVarint(bytes: Buffer, offset: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (offset >= bytes.length) throw new Error("truncated varint");
    const byte = bytes[offset++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, offset];
    scale *= 128;
  }
}

export function decodeResponseEnvelope(bytes: Buffer): ResponseEnvelope {
  const envelope: ResponseEnvelope = { versionInfo: "", typeUrl: "", nonce: "", resources: 0 };
  let offset = 0;
  while (offset < bytes.length) {
    let key: number;
    [key, offset] = readVarint(bytes, offset);
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    if (wireType === 0) {
      [, offset] = readVarint(bytes, offset);
      continue;
    }
    if (wireType !== 2) throw new Error(`unexpected wire type ${wireType} for field ${field}`);
    let length: number;
    [length, offset] = readVarint(bytes, offset);
    const end = offset + length;
    if (end > bytes.length) throw new Error("truncated field");
    if (field === 1) envelope.versionInfo = bytes.toString("utf8", offset, end);
    else if (field === 2) envelope.resources++;
    else if (field === 4) envelope.typeUrl = bytes.toString("utf8", offset, end);
    else if (field === 5) envelope.nonce = bytes.toString("utf8", offset, end);
    offset = end;
  }
  return envelope;
}
