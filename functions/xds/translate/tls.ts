// App Mesh TLS → Envoy TLS contexts (docs/envoy-translation.md §10): listener `tls` terminates on the ingress filter
// chain (DownstreamTlsContext); client policies and the target's own listener TLS originate on egress clusters
// (UpstreamTlsContext); ACM material travels as SDS Secrets over ADS.
import { create } from "@bufbuild/protobuf";
import type {
  ClientPolicyTls,
  ListenerTls,
  SubjectAlternativeNames,
  TlsValidationContextTrust,
  VirtualGatewayClientPolicyTls,
  VirtualGatewayListenerTls,
} from "../../appmesh/model/types.generated.js";
import { DataSourceSchema, TransportSocketSchema, type TransportSocket } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { StringMatcherSchema } from "../../../proto/gen/envoy/type/matcher/v3/string_pb.js";
import {
  CertificateValidationContextSchema,
  SubjectAltNameMatcherSchema,
  SubjectAltNameMatcher_SanType,
  TlsCertificateSchema,
  type SubjectAltNameMatcher,
} from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js";
import { SdsSecretConfigSchema, SecretSchema, type SdsSecretConfig, type Secret } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import {
  CommonTlsContextSchema,
  CommonTlsContext_CombinedCertificateValidationContextSchema,
  DownstreamTlsContextSchema,
  UpstreamTlsContextSchema,
  type CommonTlsContext,
} from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";
import { adsConfigSource, sdsSocketConfigSource, typedConfig } from "./common.js";

export const TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";

/** ACM material meshplane can hand out, keyed by ARN (meshplane has no ACM; the caller supplies PEMs). */
export interface AcmMaterial {
  certificates?: Readonly<Record<string, { certificateChain: string; privateKey: string }>>;
  certificateAuthorities?: Readonly<Record<string, string>>;
  /** Why an ARN has no material, one sentence each naming it (the TLS lint quotes them: acm-warnings.ts). */
  problems?: readonly string[];
}

/** Secrets a node needs, collected while translating (names are unique; same name ⇒ same content). */
export type SecretSink = Map<string, Secret>;

type AnyListenerTls = ListenerTls | VirtualGatewayListenerTls;
type AnyClientPolicyTls = ClientPolicyTls | VirtualGatewayClientPolicyTls;

const fileSource = (filename: string) => ({ specifier: { case: "filename" as const, value: filename } });
const inlineSource = (text: string) => ({ specifier: { case: "inlineString" as const, value: text } });

// docs/envoy-translation.md §10: an ACM certificate is served as an SDS Secret over ADS named by its ARN; a set of ACM CAs as one
// validation Secret named by the sorted ARNs joined with ",". The Secret is emitted only if the material is known.
const acmTrustSecretName = (arns: readonly string[]): string => [...arns].sort().join(",");

function sdsOverAds(name: string): SdsSecretConfig {
  return create(SdsSecretConfigSchema, { name, sdsConfig: adsConfigSource() });
}
function sdsOverSocket(name: string): SdsSecretConfig {
  return create(SdsSecretConfigSchema, { name, sdsConfig: sdsSocketConfigSource() });
}

/**
 * App Mesh matched each name against every SAN of the certificate, whatever its type (untyped
 * `match_subject_alt_names`, envoyctl#2): a SPIFFE ID, a DNS name or an address alike. The typed field says the same
 * with one matcher per SAN type Envoy's untyped matching covered (DNS, URI, email, IP address; kumahq/kuma#5255);
 * version-compat.ts folds it back into the untyped field for Envoys before 1.21.
 */
const UNTYPED_SAN_TYPES = [
  SubjectAltNameMatcher_SanType.DNS,
  SubjectAltNameMatcher_SanType.URI,
  SubjectAltNameMatcher_SanType.EMAIL,
  SubjectAltNameMatcher_SanType.IP_ADDRESS,
] as const;

export function subjectAltNameMatchers(names: readonly string[]): SubjectAltNameMatcher[] {
  return names.flatMap((name) =>
    UNTYPED_SAN_TYPES.map((sanType) => create(SubjectAltNameMatcherSchema, { sanType, matcher: create(StringMatcherSchema, { matchPattern: { case: "exact", value: name } }) })),
  );
}

function certificateInto(
  common: CommonTlsContext,
  certificate: AnyListenerTls["certificate"] | NonNullable<AnyClientPolicyTls["certificate"]>,
  acm: AcmMaterial,
  secrets: SecretSink,
): void {
  if (certificate.file) {
    common.tlsCertificates.push(
      create(TlsCertificateSchema, {
        certificateChain: create(DataSourceSchema, fileSource(certificate.file.certificateChain)),
        privateKey: create(DataSourceSchema, fileSource(certificate.file.privateKey)),
      }),
    );
  } else if (certificate.sds) {
    common.tlsCertificateSdsSecretConfigs.push(sdsOverSocket(certificate.sds.secretName));
  } else if ("acm" in certificate && certificate.acm) {
    const arn = certificate.acm.certificateArn;
    common.tlsCertificateSdsSecretConfigs.push(sdsOverAds(arn));
    const material = acm.certificates?.[arn];
    if (material) {
      secrets.set(
        arn,
        create(SecretSchema, {
          name: arn,
          type: {
            case: "tlsCertificate",
            value: {
              certificateChain: create(DataSourceSchema, inlineSource(material.certificateChain)),
              privateKey: create(DataSourceSchema, inlineSource(material.privateKey)),
            },
          },
        }),
      );
    }
  }
}

/** Trust + SANs → the validation part of a CommonTlsContext. */
function validationInto(
  common: CommonTlsContext,
  trust: TlsValidationContextTrust | { file?: { certificateChain: string }; sds?: { secretName: string } },
  sans: readonly string[],
  acm: AcmMaterial,
  secrets: SecretSink,
): void {
  const matchers = subjectAltNameMatchers(sans);
  const sdsName = trust.sds?.secretName;
  const acmArns = "acm" in trust && trust.acm ? trust.acm.certificateAuthorityArns : undefined;
  if (trust.file) {
    common.validationContextType = {
      case: "validationContext",
      value: create(CertificateValidationContextSchema, {
        trustedCa: create(DataSourceSchema, fileSource(trust.file.certificateChain)),
        matchTypedSubjectAltNames: matchers,
      }),
    };
    return;
  }
  let sdsConfig: SdsSecretConfig | undefined;
  if (sdsName !== undefined) sdsConfig = sdsOverSocket(sdsName);
  else if (acmArns !== undefined) {
    const name = acmTrustSecretName(acmArns);
    sdsConfig = sdsOverAds(name);
    const pems = [...acmArns].sort().flatMap((arn) => acm.certificateAuthorities?.[arn] ?? []);
    if (pems.length > 0) {
      secrets.set(
        name,
        create(SecretSchema, {
          name,
          type: { case: "validationContext", value: { trustedCa: create(DataSourceSchema, inlineSource(pems.join("\n"))) } },
        }),
      );
    }
  }
  if (sdsConfig === undefined) return;
  common.validationContextType =
    matchers.length === 0
      ? { case: "validationContextSdsSecretConfig", value: sdsConfig }
      : {
          case: "combinedValidationContext",
          value: create(CommonTlsContext_CombinedCertificateValidationContextSchema, {
            defaultValidationContext: create(CertificateValidationContextSchema, { matchTypedSubjectAltNames: matchers }),
            validationContextSdsSecretConfig: sdsConfig,
          }),
        };
}

const sanList = (sans: SubjectAlternativeNames | undefined): string[] => [...(sans?.match.exact ?? [])];

/** Listener TLS (STRICT or PERMISSIVE) → the transport socket of its TLS filter chain. */
export function translateDownstreamTlsSocket(tls: AnyListenerTls, acm: AcmMaterial, secrets: SecretSink): TransportSocket {
  const common = create(CommonTlsContextSchema);
  certificateInto(common, tls.certificate, acm, secrets);
  if (tls.validation) validationInto(common, tls.validation.trust, sanList(tls.validation.subjectAlternativeNames), acm, secrets);
  const context = create(DownstreamTlsContextSchema, {
    commonTlsContext: common,
    // A validation context on a listener means App Mesh requires a client certificate (mTLS).
    requireClientCertificate: tls.validation !== undefined ? true : undefined,
  });
  return create(TransportSocketSchema, { name: TLS_TRANSPORT_SOCKET, configType: typedConfig(DownstreamTlsContextSchema, context) });
}

/**
 * Client policy TLS → UpstreamTlsContext. Without SANs in the policy the server certificate must name the target's
 * service-discovery name (`defaultSan`). No SNI: App Mesh sent none (envoyctl#2).
 */
export function translateUpstreamTlsSocket(
  policy: AnyClientPolicyTls | undefined,
  defaultSan: string | undefined,
  acm: AcmMaterial,
  secrets: SecretSink,
): TransportSocket {
  const common = create(CommonTlsContextSchema);
  if (policy) {
    if (policy.certificate) certificateInto(common, policy.certificate, acm, secrets);
    const sans = sanList(policy.validation.subjectAlternativeNames);
    validationInto(common, policy.validation.trust, sans.length > 0 ? sans : defaultSan ? [defaultSan] : [], acm, secrets);
  }
  const context = create(UpstreamTlsContextSchema, { commonTlsContext: common });
  return create(TransportSocketSchema, { name: TLS_TRANSPORT_SOCKET, configType: typedConfig(UpstreamTlsContextSchema, context) });
}
