// Visits every message inside an Envoy resource, descending into payloads packed in `Any` (typed_config,
// typed_extension_protocol_options, …). With `repack`, packed payloads are encoded again after the visit, so a
// visitor may change them in place. Used by the version adaptation and by the checks against the version table.
import { toBinary, type DescField, type DescMessage, type Message, type Registry } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { anyUnpack, type Any } from "@bufbuild/protobuf/wkt";
import { envoyRegistry } from "../../envoy/index.js";

/** Called once per message, parent before children; `path` reads like `.filter_chains[0].filters[0].typed_config`. */
export type MessageVisitor = (message: ReflectMessage, path: string) => void;

export interface WalkOptions {
  /** Encode visited `Any` payloads again (needed when the visitor changes them). Default false. */
  repack?: boolean;
  registry?: Registry;
}

const ANY = "google.protobuf.Any";

function walkAny(any: Any, path: string, visit: MessageVisitor, options: Required<WalkOptions>): void {
  const payload = anyUnpack(any, options.registry);
  if (!payload) return;
  const desc = options.registry.getMessage(payload.$typeName);
  if (!desc) return;
  walkReflect(reflect(desc, payload), path, visit, options);
  if (options.repack) any.value = toBinary(desc, payload);
}

function walkChild(child: ReflectMessage, path: string, visit: MessageVisitor, options: Required<WalkOptions>): void {
  if (child.desc.typeName === ANY) walkAny(child.message as Any, path, visit, options);
  else walkReflect(child, path, visit, options);
}

function walkField(message: ReflectMessage, field: DescField, path: string, visit: MessageVisitor, options: Required<WalkOptions>): void {
  const at = `${path}.${field.name}`;
  if (field.fieldKind === "message") {
    walkChild(message.get(field), at, visit, options);
  } else if (field.fieldKind === "list" && field.listKind === "message") {
    let index = 0;
    for (const item of message.get(field)) walkChild(item as ReflectMessage, `${at}[${index++}]`, visit, options);
  } else if (field.fieldKind === "map" && field.mapKind === "message") {
    for (const [key, value] of message.get(field)) walkChild(value as ReflectMessage, `${at}[${String(key)}]`, visit, options);
  }
}

function walkReflect(message: ReflectMessage, path: string, visit: MessageVisitor, options: Required<WalkOptions>): void {
  visit(message, path);
  // Fields are read after the visit: the visitor may have replaced or cleared them.
  for (const field of message.fields) if (message.isSet(field)) walkField(message, field, path, visit, options);
}

/**
 * @example
 * walkMessage(ListenerSchema, listener, (m, path) => { if (m.desc.typeName.endsWith("HttpConnectionManager")) console.log(path); });
 */
export function walkMessage(schema: DescMessage, message: Message, visit: MessageVisitor, options: WalkOptions = {}): void {
  walkReflect(reflect(schema, message as never), "", visit, { repack: options.repack ?? false, registry: options.registry ?? envoyRegistry });
}

/**
 * What a message uses, in the table's vocabulary (functions/envoy/version-bands.ts): its own type, every set field as
 * `<message type>.<field>`, and for enum fields also the value as `<enum type>.<VALUE>`.
 */
export function usedNames(message: ReflectMessage): string[] {
  const names: string[] = [message.desc.typeName];
  for (const field of message.fields) {
    if (!message.isSet(field)) continue;
    names.push(`${message.desc.typeName}.${field.name}`);
    if (field.fieldKind === "enum") {
      const value = field.enum.values.find((v) => v.number === message.get(field));
      if (value) names.push(`${field.enum.typeName}.${value.name}`);
    }
  }
  return names;
}
