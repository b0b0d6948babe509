// Which Envoy understands what: the one table of "field X needs Envoy ≥ Y" behind version-aware translation.
// App Mesh images in use run Envoy 1.15 to 1.34; meshplane writes the newest form and adapts it, row by row, for
// older nodes (functions/xds/translate/version-compat.ts applies the table; validate-envoy.ts checks output against it).
// Every row names its evidence: Envoy's release notes (envoyproxy/envoy docs/root/version_history, changelogs/*.yaml)
// or the pull request that changed the behaviour.
import { compareEnvoyVersions, formatEnvoyVersion, parseEnvoyVersion, type EnvoyVersion } from "./envoy-version.js";

export interface EnvoyFeature {
  /** The field (`<message>.<field>`), enum value (`<enum>.<VALUE>`) or packed message type that needs `since`; none for a change of rules. */
  readonly introduces?: string;
  /** Older forms sent before `since` instead; from `since` on they are deprecated, so they must not appear. */
  readonly replaces: readonly string[];
  /** A field every message of its type must set before `since` (older Envoys require it). */
  readonly requiredBefore?: string;
  /** The first Envoy release that has it. */
  readonly since: string;
  /** What older Envoys get instead. */
  readonly olderForm: string;
  readonly evidence: string;
}

/** Ordered by `since`; the order is only for reading. */
export const ENVOY_FEATURES = {
  defaultFilterChain: {
    introduces: "envoy.config.listener.v3.Listener.default_filter_chain",
    replaces: [],
    since: "1.17.0",
    olderForm: "the same chain last in filter_chains with an empty filter_chain_match, which matches only when no other chain does",
    evidence: "Envoy 1.17.0 release notes, New Features: 'listener: added an optional default filter chain'",
  },
  httpLocalRateLimit: {
    introduces: "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
    replaces: [],
    since: "1.16.0",
    olderForm: "nothing: Envoy 1.15 has no HTTP local rate limit filter, so the filter and its per-route configurations are left out and rateLimit policies are not enforced by those Envoys",
    evidence:
      "the HTTP local rate limit filter's page first appears in the v1.16 documentation (envoyproxy.io/docs/envoy/v1.16.3/configuration/http/http_filters/local_rate_limit_filter); the v1.15 documentation has only the network local rate limit filter",
  },
  upstreamHttpProtocolOptions: {
    introduces: "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
    replaces: ["envoy.config.cluster.v3.Cluster.http2_protocol_options"],
    since: "1.17.0",
    olderForm: "Cluster.http2_protocol_options {} for clusters that speak HTTP/2",
    evidence:
      "Envoy 1.17.0 release notes, Deprecated: 'HTTP configuration for upstream clusters has been reworked … new http_protocol_options message, configured via the cluster's typed_extension_protocol_options'",
  },
  textFormatSource: {
    introduces: "envoy.config.core.v3.SubstitutionFormatString.text_format_source",
    replaces: ["envoy.config.core.v3.SubstitutionFormatString.text_format"],
    since: "1.17.0",
    olderForm: "SubstitutionFormatString.text_format with the same string",
    evidence: "Envoy 1.17.0 release notes: 'formatter: added new text_format_source field'; Deprecated: 'text_format is now deprecated in favor of text_format_source'",
  },
  escapedSlashesAction: {
    introduces: "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.path_with_escaped_slashes_action",
    replaces: [],
    since: "1.18.3",
    olderForm: "left out: older Envoys keep escaped slashes unchanged, which is the KEEP_UNCHANGED App Mesh asked for",
    evidence: "Envoy 1.18.3 release notes (May 11, 2021): 'http: added the ability to unescape slash sequences … path_with_escaped_slashes_action'; also in 1.19.0",
  },
  headerStringMatch: {
    introduces: "envoy.config.route.v3.HeaderMatcher.string_match",
    replaces: [
      "envoy.config.route.v3.HeaderMatcher.exact_match",
      "envoy.config.route.v3.HeaderMatcher.prefix_match",
      "envoy.config.route.v3.HeaderMatcher.suffix_match",
      "envoy.config.route.v3.HeaderMatcher.safe_regex_match",
      "envoy.config.route.v3.HeaderMatcher.contains_match",
    ],
    since: "1.20.0",
    olderForm: "exact_match / prefix_match / suffix_match / safe_regex_match, as App Mesh still sent on 1.20 (VGDUMP); an older Envoy ignores string_match and matches on presence only",
    evidence:
      "Envoy 1.20.0 release notes: 'http: added string_match in the header matcher'; Deprecated: 'the HeaderMatcher fields exact_match, safe_regex_match, prefix_match, suffix_match and contains_match are deprecated by string_match'",
  },
  dnsV4Preferred: {
    introduces: "envoy.config.cluster.v3.Cluster.DnsLookupFamily.V4_PREFERRED",
    replaces: [],
    since: "1.20.0",
    olderForm: "V4_ONLY: IPv4 first as asked, without the fall back to IPv6",
    evidence: "Envoy 1.20.0 release notes: 'dns: added V4_PREFERRED option to return V6 addresses only if V4 addresses are not available'",
  },
  typedSubjectAltNames: {
    introduces: "envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.match_typed_subject_alt_names",
    replaces: ["envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext.match_subject_alt_names"],
    since: "1.21.0",
    olderForm: "match_subject_alt_names with one untyped matcher per name, as App Mesh sent it (envoyctl#2)",
    evidence:
      "Envoy 1.21.0 release notes: 'tls: added support for match_typed_subject_alt_names'; 1.21.4/1.23.0: the deprecated field is ignored when both are set; kumahq/kuma#5255: the deprecated field behaves like a matcher for each of the four SAN types",
  },
  headerAppendAction: {
    introduces: "envoy.config.core.v3.HeaderValueOption.append_action",
    replaces: ["envoy.config.core.v3.HeaderValueOption.append"],
    since: "1.24.0",
    olderForm: "append: false for OVERWRITE_IF_EXISTS_OR_ADD, append: true for APPEND_IF_EXISTS_OR_ADD",
    evidence:
      "envoyproxy/envoy#22723 'route: implementation of HeaderAppendAction' (merged 2022-08-26; #18246 had added the field unimplemented); changelogs/1.24.0.yaml, deprecated: 'append … please use append_action'",
  },
  weightSum: {
    replaces: ["envoy.config.route.v3.WeightedCluster.total_weight"],
    since: "1.24.0",
    olderForm:
      "total_weight equal to the sum of the weights, as App Mesh sent it (VGDUMP, envoyctl#2): older Envoys reject a route whose weights do not add up to total_weight (100 when unset), and total_weight must be ≥ 1",
    evidence:
      "changelogs/1.24.0.yaml, deprecated: 'total weight for weighted clusters. The sum of the clusters' weights will be used' (envoyproxy/envoy#23170); 'Sum of weights in the weighted_cluster should add up to 100' (projectcontour/contour#477); 'WeightedClusterValidationError.TotalWeight: value must be greater than or equal to 1' (kgateway-dev/kgateway#6655)",
  },
  regexEngineOptional: {
    replaces: ["envoy.type.matcher.v3.RegexMatcher.google_re2"],
    requiredBefore: "envoy.type.matcher.v3.RegexMatcher.google_re2",
    since: "1.24.0",
    olderForm: "google_re2: {} on every RegexMatcher: older protos require the engine_type oneof",
    evidence:
      "envoyproxy/envoy#21633 (mid-2022) deprecated google_re2 and made it optional; envoyproxy/envoy#24256 (Nov 2022): 'engine_type is optional for RegexMatcher'; envoyproxy/gateway#1111 drops it only for Envoy ≥ 1.25. 1.24 is the conservative bound (1.23 accepts both forms)",
  },
  jwtClaimToHeaders: {
    introduces: "envoy.extensions.filters.http.jwt_authn.v3.JwtProvider.claim_to_headers",
    replaces: [],
    since: "1.25.0",
    olderForm: "left out: older Envoys verify the token but do not copy its claims into request headers",
    evidence: "changelogs/1.25.0.yaml, new_features, jwt_authn: 'added support for copying jwt claims to http headers'",
  },
} as const satisfies Record<string, EnvoyFeature>;

export type EnvoyFeatureName = keyof typeof ENVOY_FEATURES;
export const ENVOY_FEATURE_NAMES = Object.keys(ENVOY_FEATURES) as EnvoyFeatureName[];

/** The oldest App Mesh image still in use; older versions are treated as this one. */
export const OLDEST_SUPPORTED_ENVOY: EnvoyVersion = { major: 1, minor: 15, patch: 0 };

const sinceOf = (feature: EnvoyFeatureName): EnvoyVersion => parseEnvoyVersion(ENVOY_FEATURES[feature].since)!;

/** Does this Envoy understand the feature? No version (not an Envoy, or one that did not say) means the newest. */
export function supports(version: EnvoyVersion | undefined, feature: EnvoyFeatureName): boolean {
  return version === undefined || compareEnvoyVersions(version, sinceOf(feature)) >= 0;
}

/** Versions at which the table changes, oldest first: every version between two of them gets the same output. */
export const ENVOY_VERSION_BANDS: readonly EnvoyVersion[] = [
  OLDEST_SUPPORTED_ENVOY,
  ...[...new Set(ENVOY_FEATURE_NAMES.map((name) => ENVOY_FEATURES[name].since))].map((since) => parseEnvoyVersion(since)!),
].sort(compareEnvoyVersions);

export const NEWEST_ENVOY_BAND: EnvoyVersion = ENVOY_VERSION_BANDS[ENVOY_VERSION_BANDS.length - 1]!;

/**
 * The band a version falls in: the newest table threshold at or below it. Nodes in one band get identical resources.
 * @example formatEnvoyVersion(envoyVersionBand({ major: 1, minor: 22, patch: 4 })) // → "1.21.0"
 */
export function envoyVersionBand(version: EnvoyVersion | undefined): EnvoyVersion {
  if (version === undefined) return NEWEST_ENVOY_BAND;
  let band = ENVOY_VERSION_BANDS[0]!;
  for (const candidate of ENVOY_VERSION_BANDS) if (compareEnvoyVersions(candidate, version) <= 0) band = candidate;
  return band;
}

export const isNewestBand = (version: EnvoyVersion | undefined): boolean => compareEnvoyVersions(envoyVersionBand(version), NEWEST_ENVOY_BAND) === 0;

/** A short key for caches: `"1.20.0"`. */
export const envoyBandKey = (version: EnvoyVersion | undefined): string => formatEnvoyVersion(envoyVersionBand(version));
