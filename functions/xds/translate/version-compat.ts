// Version-aware output in one place: the translator writes the newest Envoy form; for a node on an older Envoy
// every row of the version table (functions/envoy/version-bands.ts) that its version lacks rewrites the resources
// into the older form that row names. Shared resources are adapted once per (band, message) and then shared again.
import { clone, create, equals, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { ReflectMessage } from "@bufbuild/protobuf/reflect";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import type { Listener } from "../../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import { Cluster_DnsLookupFamily, type Cluster } from "../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { HeaderValueOption_HeaderAppendAction, type HeaderValueOption } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { Http2ProtocolOptionsSchema } from "../../../proto/gen/envoy/config/core/v3/protocol_pb.js";
import type { SubstitutionFormatString } from "../../../proto/gen/envoy/config/core/v3/substitution_format_string_pb.js";
import type { HeaderMatcher, Route, VirtualHost, WeightedCluster } from "../../../proto/gen/envoy/config/route/v3/route_components_pb.js";
import type { JwtProvider } from "../../../proto/gen/envoy/extensions/filters/http/jwt_authn/v3/config_pb.js";
import type { HttpConnectionManager } from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import type { CertificateValidationContext } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js";
import { HttpProtocolOptionsSchema } from "../../../proto/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js";
import { RegexMatcherSchema, RegexMatcher_GoogleRE2Schema, type RegexMatcher } from "../../../proto/gen/envoy/type/matcher/v3/regex_pb.js";
import { StringMatcherSchema, type StringMatcher } from "../../../proto/gen/envoy/type/matcher/v3/string_pb.js";
import {
  ENVOY_FEATURE_NAMES,
  envoyBandKey,
  supports,
  type EnvoyFeatureName,
  type EnvoyVersion,
} from "../../envoy/index.js";
import { HTTP_PROTOCOL_OPTIONS_KEY } from "./common.js";
import { LOCAL_RATE_LIMIT_FILTER } from "./policies/http-filters.js";
import { walkMessage } from "./message-walk.js";
import type { NodeResources } from "./translator.js";
import { rewriteResources, type ResourceCopies } from "./resource-copies.js";

/** Rewrites one message (in place) into the form an Envoy without the feature understands; ignores other types. */
type Adaptation = (message: ReflectMessage) => void;

const escapeRegex = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");

/** A string matcher as a regex, for the cases the older header fields cannot say (ignore_case, contains). */
function stringMatcherRegex(matcher: StringMatcher): string {
  const flags = matcher.ignoreCase ? "(?i)" : "";
  const pattern = matcher.matchPattern;
  switch (pattern.case) {
    case "exact":
      return `${flags}${escapeRegex(pattern.value)}`;
    case "prefix":
      return `${flags}${escapeRegex(pattern.value)}.*`;
    case "suffix":
      return `${flags}.*${escapeRegex(pattern.value)}`;
    case "contains":
      return `${flags}.*${escapeRegex(pattern.value)}.*`;
    case "safeRegex":
      return `${flags}${pattern.value.regex}`;
    default:
      return ".*";
  }
}

function olderHeaderSpecifier(matcher: StringMatcher): HeaderMatcher["headerMatchSpecifier"] {
  const pattern = matcher.matchPattern;
  if (!matcher.ignoreCase) {
    if (pattern.case === "exact") return { case: "exactMatch", value: pattern.value };
    if (pattern.case === "prefix") return { case: "prefixMatch", value: pattern.value };
    if (pattern.case === "suffix") return { case: "suffixMatch", value: pattern.value };
    if (pattern.case === "safeRegex") return { case: "safeRegexMatch", value: pattern.value };
  }
  return { case: "safeRegexMatch", value: create(RegexMatcherSchema, { regex: stringMatcherRegex(matcher) }) };
}

const is = <T extends Message>(message: ReflectMessage, typeName: T["$typeName"]): T | undefined =>
  message.desc.typeName === typeName ? (message.message as T) : undefined;

/** One rewrite per row of the table; typed by the table's keys, so a new row does not compile without its rewrite. */
const adaptations: Record<EnvoyFeatureName, Adaptation> = {
  defaultFilterChain(message) {
    const listener = is<Listener>(message, "envoy.config.listener.v3.Listener");
    if (!listener?.defaultFilterChain) return;
    // Envoy picks the most specific chain; one without any match criteria is chosen only when nothing else matches.
    listener.filterChains.push({ ...listener.defaultFilterChain, filterChainMatch: undefined });
    listener.defaultFilterChain = undefined;
  },
  upstreamHttpProtocolOptions(message) {
    const cluster = is<Cluster>(message, "envoy.config.cluster.v3.Cluster");
    const packed = cluster?.typedExtensionProtocolOptions[HTTP_PROTOCOL_OPTIONS_KEY];
    if (!cluster || !packed) return;
    const options = anyUnpack(packed, HttpProtocolOptionsSchema);
    const explicit = options?.upstreamProtocolOptions.case === "explicitHttpConfig" ? options.upstreamProtocolOptions.value.protocolConfig : undefined;
    if (explicit?.case === "http2ProtocolOptions") cluster.http2ProtocolOptions = clone(Http2ProtocolOptionsSchema, explicit.value);
    delete cluster.typedExtensionProtocolOptions[HTTP_PROTOCOL_OPTIONS_KEY];
  },
  textFormatSource(message) {
    const format = is<SubstitutionFormatString>(message, "envoy.config.core.v3.SubstitutionFormatString");
    if (format?.format.case !== "textFormatSource") return;
    const source = format.format.value.specifier;
    if (source.case === "inlineString") format.format = { case: "textFormat", value: source.value };
  },
  escapedSlashesAction(message) {
    const manager = is<HttpConnectionManager>(message, "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
    if (manager) manager.pathWithEscapedSlashesAction = 0;
  },
  headerStringMatch(message) {
    const matcher = is<HeaderMatcher>(message, "envoy.config.route.v3.HeaderMatcher");
    if (matcher?.headerMatchSpecifier.case === "stringMatch") matcher.headerMatchSpecifier = olderHeaderSpecifier(matcher.headerMatchSpecifier.value);
  },
  dnsV4Preferred(message) {
    const cluster = is<Cluster>(message, "envoy.config.cluster.v3.Cluster");
    if (cluster?.dnsLookupFamily === Cluster_DnsLookupFamily.V4_PREFERRED) cluster.dnsLookupFamily = Cluster_DnsLookupFamily.V4_ONLY;
  },
  typedSubjectAltNames(message) {
    const context = is<CertificateValidationContext>(message, "envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext");
    if (!context || context.matchTypedSubjectAltNames.length === 0) return;
    // The untyped field matches a name against every SAN type: the typed list holds one matcher per type and name.
    const untyped: StringMatcher[] = [];
    for (const { matcher } of context.matchTypedSubjectAltNames) {
      if (matcher && !untyped.some((known) => equals(StringMatcherSchema, known, matcher))) untyped.push(matcher);
    }
    context.matchSubjectAltNames = untyped;
    context.matchTypedSubjectAltNames = [];
  },
  headerAppendAction(message) {
    const option = is<HeaderValueOption>(message, "envoy.config.core.v3.HeaderValueOption");
    if (!option || option.appendAction === HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD) return;
    // ADD_IF_ABSENT has no older form; meshplane never sends it.
    option.append = option.appendAction === HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD ? false : true;
    option.appendAction = HeaderValueOption_HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;
  },
  weightSum(message) {
    const weighted = is<WeightedCluster>(message, "envoy.config.route.v3.WeightedCluster");
    if (!weighted) return;
    weighted.totalWeight = weighted.clusters.reduce((sum, cluster) => sum + (cluster.weight ?? 0), 0);
  },
  httpLocalRateLimit(message) {
    const manager = is<HttpConnectionManager>(message, "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
    if (manager) manager.httpFilters = manager.httpFilters.filter((filter) => filter.name !== LOCAL_RATE_LIMIT_FILTER);
    const scoped = is<Route>(message, "envoy.config.route.v3.Route") ?? is<VirtualHost>(message, "envoy.config.route.v3.VirtualHost");
    if (scoped) delete scoped.typedPerFilterConfig[LOCAL_RATE_LIMIT_FILTER];
  },
  jwtClaimToHeaders(message) {
    const provider = is<JwtProvider>(message, "envoy.extensions.filters.http.jwt_authn.v3.JwtProvider");
    if (provider) provider.claimToHeaders = [];
  },
  regexEngineOptional(message) {
    const regex = is<RegexMatcher>(message, "envoy.type.matcher.v3.RegexMatcher");
    if (regex && regex.engineType.case === undefined) regex.engineType = { case: "googleRe2", value: create(RegexMatcher_GoogleRE2Schema) };
  },
};

/** The rows a version lacks, in table order. */
export function missingFeatures(version: EnvoyVersion | undefined): EnvoyFeatureName[] {
  return ENVOY_FEATURE_NAMES.filter((feature) => !supports(version, feature));
}

/** A copy of `message` in the form `version` understands (the message itself when the version has every feature). */
export function adaptMessage<T extends Message>(schema: DescMessage, message: T, version: EnvoyVersion | undefined): T {
  const missing = missingFeatures(version).map((feature) => adaptations[feature]);
  if (missing.length === 0) return message;
  const copy = clone(schema, message) as T;
  walkMessage(schema, copy, (visited) => missing.forEach((adapt) => adapt(visited)), { repack: true });
  return copy;
}

/** Adapted copies by band, so nodes of one band keep sharing (and the cache keeps packing once) what they share. */
export type AdaptationMemo = ResourceCopies;

/**
 * One node's resources in the form its Envoy understands.
 * @example adaptToEnvoyVersion(resources, { major: 1, minor: 16, patch: 1 }) // header matchers use exact_match, …
 */
export function adaptToEnvoyVersion(resources: NodeResources, version: EnvoyVersion | undefined, memo: AdaptationMemo = new Map()): NodeResources {
  if (missingFeatures(version).length === 0) return resources;
  return rewriteResources(resources, envoyBandKey(version), memo, (schema, message) => adaptMessage(schema, message, version));
}
