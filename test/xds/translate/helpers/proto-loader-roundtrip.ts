// Round trip through Envoy's own .proto files, loaded independently of protobuf-es: protobuf-es encodes a
// DiscoveryResponse carrying the resources, @grpc/proto-loader (protobufjs parsing proto/vendor) decodes it, and the
// decoded object must equal what protobuf-es meant, field by field, with Envoy's snake_case names.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { create, toBinary, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import { AnySchema, anyPack, anyUnpack, type Any, type Duration } from "@bufbuild/protobuf/wkt";
import * as protoLoader from "@grpc/proto-loader";
import { DiscoveryResponseSchema } from "../../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { envoyRegistry } from "../../../../functions/envoy/index.js";

const vendor = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../proto/vendor");

const PROTO_FILES = [
  "envoy/service/discovery/v3/ads.proto",
  "envoy/config/listener/v3/listener.proto",
  "envoy/config/cluster/v3/cluster.proto",
  "envoy/config/route/v3/route.proto",
  "envoy/config/endpoint/v3/endpoint.proto",
  "envoy/extensions/transport_sockets/tls/v3/tls.proto",
  "envoy/extensions/transport_sockets/tls/v3/secret.proto",
  "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
  "envoy/extensions/filters/http/router/v3/router.proto",
  "envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto",
  "envoy/extensions/filters/listener/original_dst/v3/original_dst.proto",
  "envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto",
  "envoy/extensions/access_loggers/file/v3/file.proto",
  "envoy/extensions/upstreams/http/v3/http_protocol_options.proto",
  "envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto",
];

type Decode = (bytes: Buffer) => { resources?: unknown[] };
let decodeResponse: Decode | undefined;

function loadDecoder(): Decode {
  if (decodeResponse) return decodeResponse;
  const definition = protoLoader.loadSync(PROTO_FILES, {
    keepCase: true,
    longs: String,
    enums: String,
    bytes: String,
    defaults: false,
    oneofs: false,
    json: true,
    includeDirs: [vendor],
  });
  const service = definition["envoy.service.discovery.v3.AggregatedDiscoveryService"] as protoLoader.ServiceDefinition;
  decodeResponse = service.StreamAggregatedResources!.responseDeserialize as Decode;
  return decodeResponse;
}

const LONG_SCALARS = new Set([3, 4, 6, 16, 18]); // int64, uint64, fixed64, sfixed64, sint64 (FieldDescriptorProto.Type)

function scalarShape(field: DescField, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (field.fieldKind === "scalar" && LONG_SCALARS.has(field.scalar)) return String(value);
  return value;
}

function enumShape(field: DescField, value: number): unknown {
  return field.enum?.values.find((v) => v.number === value)?.name ?? value;
}

// protobufjs ships google/protobuf/struct.proto pre-parsed with camelCase names, whatever keepCase says.
function structValueShape(value: unknown): unknown {
  if (value === null) return { nullValue: "NULL_VALUE" };
  if (typeof value === "number") return { numberValue: value };
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(structValueShape) } };
  return { structValue: structShape(value as Record<string, unknown>) };
}
const structShape = (object: Record<string, unknown>) => ({ fields: Object.fromEntries(Object.entries(object).map(([k, v]) => [k, structValueShape(v)])) });

function messageValueShape(desc: DescMessage, value: unknown): unknown {
  switch (desc.typeName) {
    case "google.protobuf.Any": {
      const unpacked = anyUnpack(value as Any, envoyRegistry);
      if (!unpacked) throw new Error(`cannot unpack ${(value as Any).typeUrl}`);
      return { ...(messageShape(envoyRegistry.getMessage(unpacked.$typeName)!, unpacked) as object), "@type": (value as Any).typeUrl };
    }
    case "google.protobuf.Duration": {
      const d = value as Duration;
      const out: Record<string, unknown> = {};
      if (d.seconds !== 0n) out.seconds = d.seconds.toString();
      if (d.nanos !== 0) out.nanos = d.nanos;
      return out;
    }
    case "google.protobuf.Struct":
      return structShape(value as Record<string, unknown>);
    case "google.protobuf.BoolValue":
    case "google.protobuf.UInt32Value":
    case "google.protobuf.Int32Value":
    case "google.protobuf.DoubleValue":
    case "google.protobuf.FloatValue":
    case "google.protobuf.StringValue":
      return value === false || value === 0 || value === "" ? {} : { value };
    case "google.protobuf.UInt64Value":
    case "google.protobuf.Int64Value":
      return value === 0n ? {} : { value: String(value) };
  }
  return messageShape(desc, value as Message);
}

/** What protobufjs' toObject({keepCase, longs: String, enums: String, bytes: String, defaults: false, json: true}) yields. */
export function messageShape(desc: DescMessage, message: Message): Record<string, unknown> {
  const r = reflect(desc, message);
  const out: Record<string, unknown> = {};
  for (const field of desc.fields) {
    if (!r.isSet(field)) continue;
    const raw = (message as unknown as Record<string, unknown>)[field.localName];
    const value = field.oneof ? (raw as undefined) ?? (message as unknown as Record<string, { case?: string; value?: unknown }>)[field.oneof.localName]?.value : raw;
    switch (field.fieldKind) {
      case "scalar":
        out[field.name] = scalarShape(field, value);
        break;
      case "enum":
        out[field.name] = enumShape(field, value as number);
        break;
      case "message":
        out[field.name] = messageValueShape(field.message, value);
        break;
      case "list":
        out[field.name] = (value as unknown[]).map((item) =>
          field.listKind === "message" ? messageValueShape(field.message!, item) : field.listKind === "enum" ? enumShape(field, item as number) : scalarShape(field, item),
        );
        break;
      case "map":
        out[field.name] = Object.fromEntries(
          Object.entries(value as Record<string, unknown>).map(([k, v]) => [
            k,
            field.mapKind === "message" ? messageValueShape(field.message!, v) : field.mapKind === "enum" ? enumShape(field, v as number) : scalarShape(field, v),
          ]),
        );
        break;
    }
  }
  return out;
}

export interface RoundTrip {
  /** Decoded by proto-loader from Envoy's .proto files. */
  decoded: unknown;
  /** The same resource as protobuf-es holds it, in proto-loader's object shape. */
  expected: unknown;
}

/** Encodes `message` (packed in a DiscoveryResponse) with protobuf-es and decodes it with proto-loader. */
export function roundTripThroughProtoLoader(desc: DescMessage, message: Message): RoundTrip {
  const response = create(DiscoveryResponseSchema, { versionInfo: "1", resources: [anyPack(desc, message)], typeUrl: `type.googleapis.com/${desc.typeName}` });
  const decoded = loadDecoder()(Buffer.from(toBinary(DiscoveryResponseSchema, response)));
  const expected = messageValueShape(AnySchema, anyPack(desc, message));
  return { decoded: decoded.resources?.[0], expected };
}
