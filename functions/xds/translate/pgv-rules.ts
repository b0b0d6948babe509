// protoc-gen-validate rules as Envoy annotates them in its own protos, read from the generated descriptors (so they are
// Envoy's rules, not a copy): required messages and oneofs, string / bytes / repeated / map sizes, defined enums,
// number and duration bounds, well-known formats; recursing into sub-messages and `Any` payloads.
import {
  getExtension,
  hasExtension,
  toJson,
  type DescField,
  type DescMessage,
  type DescOneof,
  type JsonObject,
  type JsonValue,
  type Message,
  type Registry,
} from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { anyUnpack, type Any, type Duration } from "@bufbuild/protobuf/wkt";
import { FieldRulesSchema, disabled as messageDisabled, required as oneofRequired, rules as fieldRules } from "../../../proto/gen/validate/validate_pb.js";
import { envoyRegistry } from "../../envoy/index.js";

export interface EnvoyViolation {
  /** `<resource type> <name>` then the field path, e.g. `cluster cds_egress_app_b_http_80: .connect_timeout`. */
  path: string;
  /** The rule, e.g. `string.min_len`, `cross.unique_filter_chain_match`. */
  rule: string;
  message: string;
}

type Rules = JsonObject;
const ruleCache = new Map<DescField, Rules | null>();

function rulesOf(field: DescField): Rules | null {
  let cached = ruleCache.get(field);
  if (cached === undefined) {
    const options = field.proto.options;
    cached = options && hasExtension(options, fieldRules) ? (toJson(FieldRulesSchema, getExtension(options, fieldRules)) as Rules) : null;
    ruleCache.set(field, cached);
  }
  return cached;
}

const isOneofRequired = (oneof: DescOneof): boolean => {
  const options = oneof.proto.options;
  return options !== undefined && hasExtension(options, oneofRequired) && getExtension(options, oneofRequired);
};

const isDisabled = (desc: DescMessage): boolean => {
  const options = desc.proto.options;
  return options !== undefined && hasExtension(options, messageDisabled) && getExtension(options, messageDisabled);
};

const obj = (value: JsonValue | undefined): Rules | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Rules) : undefined;

/** Duration as nanoseconds, from a message or from the JSON form the rules use ("0.001s"). */
function durationNanos(value: Duration | string): bigint {
  if (typeof value === "string") {
    const [whole, fraction = ""] = value.replace(/s$/, "").split(".");
    const sign = whole!.startsWith("-") ? -1n : 1n;
    return BigInt(whole!) * 1_000_000_000n + sign * BigInt((fraction + "000000000").slice(0, 9));
  }
  return value.seconds * 1_000_000_000n + BigInt(value.nanos);
}

type Comparable = number | bigint;
const toComparable = (value: JsonValue, like: Comparable): Comparable => (typeof like === "bigint" ? BigInt(value as string | number) : Number(value));

/** const / lt / lte / gt / gte / in / not_in, including PGV's exclusive ranges (gt > lt means "outside"). */
function checkBounds(value: Comparable, r: Rules, kind: string, report: (rule: string, message: string) => void): void {
  const get = (key: string) => (r[key] === undefined ? undefined : toComparable(r[key]!, value));
  const c = get("const");
  if (c !== undefined && value !== c) report(`${kind}.const`, `must equal ${c}`);
  const lt = get("lt"), lte = get("lte"), gt = get("gt"), gte = get("gte");
  const upper = lt ?? lte, lower = gt ?? gte;
  const belowUpper = lt !== undefined ? value < lt : lte !== undefined ? value <= lte : true;
  const aboveLower = gt !== undefined ? value > gt : gte !== undefined ? value >= gte : true;
  if (upper !== undefined && lower !== undefined && upper < lower) {
    if (!belowUpper && !aboveLower) report(`${kind}.range`, `${value} must be outside (${upper}, ${lower})`);
  } else {
    if (!belowUpper) report(`${kind}.${lt !== undefined ? "lt" : "lte"}`, `${value} must be ${lt !== undefined ? "<" : "<="} ${upper}`);
    if (!aboveLower) report(`${kind}.${gt !== undefined ? "gt" : "gte"}`, `${value} must be ${gt !== undefined ? ">" : ">="} ${lower}`);
  }
  const list = (key: string) => (Array.isArray(r[key]) ? (r[key] as JsonValue[]).map((v) => toComparable(v, value)) : undefined);
  const allowed = list("in");
  if (allowed && allowed.length > 0 && !allowed.includes(value)) report(`${kind}.in`, `${value} not in ${allowed.join(",")}`);
  const denied = list("notIn");
  if (denied?.includes(value)) report(`${kind}.not_in`, `${value} is excluded`);
}

const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// eslint-disable-next-line no-control-regex
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;
const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const IPV4 = /^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])$/;
const isIpv6 = (s: string): boolean => s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s) && (s.match(/::/g) ?? []).length <= 1;

function checkString(value: string, r: Rules, report: (rule: string, message: string) => void): void {
  if (r.ignoreEmpty === true && value === "") return;
  const chars = [...value].length;
  const bytes = new TextEncoder().encode(value).length;
  const n = (key: string) => (r[key] === undefined ? undefined : Number(r[key]));
  if (r.const !== undefined && value !== r.const) report("string.const", `must equal ${JSON.stringify(r.const)}`);
  if (n("len") !== undefined && chars !== n("len")) report("string.len", `length ${chars} ≠ ${n("len")}`);
  if (n("minLen") !== undefined && chars < n("minLen")!) report("string.min_len", `length ${chars} < ${n("minLen")}`);
  if (n("maxLen") !== undefined && chars > n("maxLen")!) report("string.max_len", `length ${chars} > ${n("maxLen")}`);
  if (n("minBytes") !== undefined && bytes < n("minBytes")!) report("string.min_bytes", `${bytes} bytes < ${n("minBytes")}`);
  if (n("maxBytes") !== undefined && bytes > n("maxBytes")!) report("string.max_bytes", `${bytes} bytes > ${n("maxBytes")}`);
  if (typeof r.prefix === "string" && !value.startsWith(r.prefix)) report("string.prefix", `must start with ${r.prefix}`);
  if (typeof r.suffix === "string" && !value.endsWith(r.suffix)) report("string.suffix", `must end with ${r.suffix}`);
  if (typeof r.contains === "string" && !value.includes(r.contains)) report("string.contains", `must contain ${r.contains}`);
  if (typeof r.notContains === "string" && value.includes(r.notContains)) report("string.not_contains", `must not contain ${r.notContains}`);
  if (Array.isArray(r.in) && r.in.length > 0 && !r.in.includes(value)) report("string.in", `${JSON.stringify(value)} not allowed`);
  if (Array.isArray(r.notIn) && r.notIn.includes(value)) report("string.not_in", `${JSON.stringify(value)} not allowed`);
  if (typeof r.pattern === "string") {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(r.pattern, "u");
    } catch {
      pattern = undefined; // an RE2-only construct: cannot be checked in JS
    }
    if (pattern && !pattern.test(value)) report("string.pattern", `${JSON.stringify(value)} does not match ${r.pattern}`);
  }
  const strict = r.strict !== false;
  if (r.wellKnownRegex === "HTTP_HEADER_NAME" && !(strict ? HEADER_NAME_STRICT : HEADER_LOOSE).test(value)) report("string.well_known_regex", `invalid header name ${JSON.stringify(value)}`);
  if (r.wellKnownRegex === "HTTP_HEADER_VALUE" && !(strict ? HEADER_VALUE_STRICT : HEADER_LOOSE).test(value)) report("string.well_known_regex", `invalid header value ${JSON.stringify(value)}`);
  if (r.hostname === true && !HOSTNAME.test(value)) report("string.hostname", `${JSON.stringify(value)} is not a hostname`);
  if (r.ipv4 === true && !IPV4.test(value)) report("string.ipv4", `${JSON.stringify(value)} is not IPv4`);
  if (r.ipv6 === true && !isIpv6(value)) report("string.ipv6", `${JSON.stringify(value)} is not IPv6`);
  if (r.ip === true && !IPV4.test(value) && !isIpv6(value)) report("string.ip", `${JSON.stringify(value)} is not an IP`);
  if (r.address === true && !IPV4.test(value) && !isIpv6(value) && !HOSTNAME.test(value)) report("string.address", `${JSON.stringify(value)} is not an address`);
}

const SCALAR_RULE_KINDS = ["float", "double", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64"];

/** Rules on a single value (a singular field, a list item or a map value). */
function checkValue(
  field: DescField,
  kind: "scalar" | "enum" | "message",
  value: unknown,
  r: Rules,
  path: string,
  out: EnvoyViolation[],
  registry: Registry,
): void {
  const report = (rule: string, message: string) => out.push({ path, rule, message });
  if (kind === "scalar") {
    if (typeof value === "string" && obj(r.string)) checkString(value, obj(r.string)!, report);
    if ((typeof value === "number" || typeof value === "bigint") ) {
      for (const k of SCALAR_RULE_KINDS) if (obj(r[k])) checkBounds(value, obj(r[k])!, k, report);
    }
    if (typeof value === "boolean" && obj(r.bool)?.const !== undefined && value !== obj(r.bool)!.const) report("bool.const", `must be ${obj(r.bool)!.const}`);
    if (value instanceof Uint8Array && obj(r.bytes)) {
      const b = obj(r.bytes)!;
      if (b.minLen !== undefined && value.length < Number(b.minLen)) report("bytes.min_len", `${value.length} < ${b.minLen}`);
      if (b.maxLen !== undefined && value.length > Number(b.maxLen)) report("bytes.max_len", `${value.length} > ${b.maxLen}`);
    }
    return;
  }
  if (kind === "enum") {
    const e = obj(r.enum);
    const enumDesc = field.enum;
    if (e?.definedOnly === true && enumDesc && !enumDesc.values.some((v) => v.number === value)) report("enum.defined_only", `${String(value)} is not a value of ${enumDesc.typeName}`);
    if (e) checkBounds(value as number, e, "enum", report);
    return;
  }
  // google.protobuf.Struct / Value surface as plain JSON in protobuf-es and carry no rules.
  if (value === null || typeof value !== "object" || !("$typeName" in value)) return;
  const message = value as Message;
  const typeName = message.$typeName;
  if (typeName === "google.protobuf.Duration") {
    const d = obj(r.duration);
    if (d) {
      const nanos = durationNanos(message as Duration);
      const bound = (key: string) => (typeof d[key] === "string" ? durationNanos(d[key] as string) : undefined);
      const checks: [string, bigint | undefined, (b: bigint) => boolean][] = [
        ["lt", bound("lt"), (b) => nanos < b],
        ["lte", bound("lte"), (b) => nanos <= b],
        ["gt", bound("gt"), (b) => nanos > b],
        ["gte", bound("gte"), (b) => nanos >= b],
        ["const", bound("const"), (b) => nanos === b],
      ];
      for (const [name, b, ok] of checks) if (b !== undefined && !ok(b)) report(`duration.${name}`, `${nanos}ns violates ${name} ${d[name]}`);
    }
    return;
  }
  if (typeName === "google.protobuf.Any") {
    const any = message as Any;
    const a = obj(r.any);
    if (a && Array.isArray(a.in) && a.in.length > 0 && !a.in.includes(any.typeUrl)) report("any.in", `${any.typeUrl} not allowed`);
    const unpacked = anyUnpack(any, registry);
    if (!unpacked) {
      report("any.type", `unknown type ${any.typeUrl}`);
      return;
    }
    const desc = registry.getMessage(unpacked.$typeName);
    if (desc) validateInto(desc, unpacked, `${path}<${unpacked.$typeName}>`, out, registry);
    return;
  }
  if (obj(r.message)?.skip === true) return;
  const desc = field.message;
  if (desc) validateInto(desc, message, path, out, registry);
}

const WRAPPERS = new Set([
  "google.protobuf.DoubleValue",
  "google.protobuf.FloatValue",
  "google.protobuf.Int64Value",
  "google.protobuf.UInt64Value",
  "google.protobuf.Int32Value",
  "google.protobuf.UInt32Value",
  "google.protobuf.BoolValue",
  "google.protobuf.StringValue",
  "google.protobuf.BytesValue",
]);

function validateInto(desc: DescMessage, message: Message, path: string, out: EnvoyViolation[], registry: Registry): void {
  if (isDisabled(desc)) return;
  const r: ReflectMessage = reflect(desc, message);
  for (const oneof of desc.oneofs) {
    if (isOneofRequired(oneof) && !oneof.fields.some((f) => r.isSet(f))) out.push({ path: `${path}.${oneof.name}`, rule: "oneof.required", message: `one of ${oneof.fields.map((f) => f.name).join(", ")} is required` });
  }
  for (const field of desc.fields) {
    const rules = rulesOf(field) ?? {};
    const fieldPath = `${path}.${field.name}`;
    const set = r.isSet(field);
    if (field.oneof && !set) continue;
    switch (field.fieldKind) {
      case "scalar":
        checkValue(field, "scalar", r.get(field), rules, fieldPath, out, registry);
        break;
      case "enum":
        checkValue(field, "enum", r.get(field), rules, fieldPath, out, registry);
        break;
      case "message": {
        if (!set) {
          const required = ["message", "duration", "any", "timestamp"].some((k) => obj(rules[k])?.required === true);
          if (required) out.push({ path: fieldPath, rule: "message.required", message: "is required" });
          break;
        }
        // protobuf-es surfaces wrapper fields as plain values: rules like `uint32.gte` apply to the wrapped value.
        const value = field.oneof
          ? (message as unknown as Record<string, { value?: unknown }>)[field.oneof.localName]?.value
          : (message as unknown as Record<string, unknown>)[field.localName];
        if (WRAPPERS.has(field.message.typeName)) checkValue(field, "scalar", value, rules, fieldPath, out, registry);
        else checkValue(field, "message", value, rules, fieldPath, out, registry);
        break;
      }
      case "list": {
        const items = (message as unknown as Record<string, unknown[]>)[field.localName] ?? [];
        const rep = obj(rules.repeated) ?? {};
        if (rep.minItems !== undefined && items.length < Number(rep.minItems)) out.push({ path: fieldPath, rule: "repeated.min_items", message: `${items.length} items < ${rep.minItems}` });
        if (rep.maxItems !== undefined && items.length > Number(rep.maxItems)) out.push({ path: fieldPath, rule: "repeated.max_items", message: `${items.length} items > ${rep.maxItems}` });
        if (rep.unique === true && new Set(items.map((i) => (typeof i === "object" ? JSON.stringify(i, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) : i))).size !== items.length)
          out.push({ path: fieldPath, rule: "repeated.unique", message: "items must be unique" });
        const itemRules = obj(rep.items) ?? {};
        const kind = field.listKind === "message" ? "message" : field.listKind === "enum" ? "enum" : "scalar";
        items.forEach((item, i) => {
          if (kind === "message" && field.message && WRAPPERS.has(field.message.typeName)) return;
          checkValue(field, kind, item, itemRules, `${fieldPath}[${i}]`, out, registry);
        });
        break;
      }
      case "map": {
        const entries = Object.entries((message as unknown as Record<string, Record<string, unknown>>)[field.localName] ?? {});
        const m = obj(rules.map) ?? {};
        if (m.minPairs !== undefined && entries.length < Number(m.minPairs)) out.push({ path: fieldPath, rule: "map.min_pairs", message: `${entries.length} < ${m.minPairs}` });
        const valueRules = obj(m.values) ?? {};
        const keyRules = obj(m.keys) ?? {};
        for (const [key, value] of entries) {
          if (obj(keyRules.string)) checkString(key, obj(keyRules.string)!, (rule, message) => out.push({ path: `${fieldPath}[${key}]`, rule, message }));
          const kind = field.mapKind === "message" ? "message" : field.mapKind === "enum" ? "enum" : "scalar";
          checkValue(field, kind, value, valueRules, `${fieldPath}[${key}]`, out, registry);
        }
        break;
      }
    }
  }
}

/** Every protoc-gen-validate violation in `message`, recursing into sub-messages and `Any` payloads. */
export function validateEnvoyMessage(desc: DescMessage, message: Message, path = "", registry: Registry = envoyRegistry): EnvoyViolation[] {
  const out: EnvoyViolation[] = [];
  validateInto(desc, message, path, out, registry);
  return out;
}

