// What the gateway needs of a filter chain's DownstreamTlsContext: certificate, key, trusted CA and whether a
// client certificate is required. Data sources stay references (file name or inline text) so this module needs no
// file system; the Node listener reads them. Secrets over ADS (SDS with an `ads` config source: ACM material) are
// referenced by name and resolved from the Secrets the gateway subscribes to; an SDS socket (SPIRE) is unsupported.
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import type { DataSource, TransportSocket } from "../../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { SdsSecretConfig } from "../../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import { DownstreamTlsContextSchema, UpstreamTlsContextSchema } from "../../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";

/** PEM text: from a file, inline, or a part of a Secret received over ADS. */
export type DataRef = { filename: string } | { inline: string } | { secret: string; part: "certificateChain" | "privateKey" | "trustedCa" };

/** The Secret name of an SDS reference served over ADS; undefined for any other config source. */
function adsSecretName(config: SdsSecretConfig | undefined): string | undefined {
  return config?.sdsConfig?.configSourceSpecifier.case === "ads" ? config.name : undefined;
}

/** Every Secret name a set of refs needs. */
export function secretNamesOf(refs: readonly (DataRef | undefined)[]): string[] {
  return refs.flatMap((ref) => (ref && "secret" in ref ? [ref.secret] : []));
}

export interface DownstreamTlsConfig {
  certificateChain: DataRef;
  privateKey: DataRef;
  /** Client certificates are verified against it when given (and required when requireClientCertificate). */
  trustedCa: DataRef | undefined;
  /** Exact SANs, one of which a client certificate must carry (DNS or URI); empty = any. */
  subjectAltNames: string[];
  requireClientCertificate: boolean;
}

const DOWNSTREAM_TLS_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";

function dataRef(source: DataSource | undefined): DataRef | undefined {
  switch (source?.specifier.case) {
    case "filename":
      return { filename: source.specifier.value };
    case "inlineString":
      return { inline: source.specifier.value };
    case "inlineBytes":
      return { inline: new TextDecoder().decode(source.specifier.value) };
  }
  return undefined;
}

type ValidationContextType = NonNullable<import("../../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js").CommonTlsContext["validationContextType"]>;

function parseValidation(validation: ValidationContextType | undefined): { trustedCa: DataRef | undefined; subjectAltNames: string[] } | { unsupported: string } {
  const exactSans = (matchers: { matcher?: { matchPattern: { case?: string; value?: unknown } } }[]) =>
    matchers.flatMap((m) => (m.matcher?.matchPattern.case === "exact" ? [String(m.matcher.matchPattern.value)] : []));
  switch (validation?.case) {
    case undefined:
      return { trustedCa: undefined, subjectAltNames: [] };
    case "validationContext":
      return { trustedCa: dataRef(validation.value.trustedCa), subjectAltNames: exactSans(validation.value.matchTypedSubjectAltNames) };
    case "validationContextSdsSecretConfig": {
      const name = adsSecretName(validation.value);
      return name ? { trustedCa: { secret: name, part: "trustedCa" }, subjectAltNames: [] } : { unsupported: "validation contexts from an SDS socket are not served by this gateway" };
    }
    case "combinedValidationContext": {
      const name = adsSecretName(validation.value.validationContextSdsSecretConfig);
      if (!name) return { unsupported: "validation contexts from an SDS socket are not served by this gateway" };
      return { trustedCa: { secret: name, part: "trustedCa" }, subjectAltNames: exactSans(validation.value.defaultValidationContext?.matchTypedSubjectAltNames ?? []) };
    }
  }
  return { unsupported: `validation context ${String(validation?.case)}` };
}

/** The chain's TLS settings, or a reason it cannot be served. */
export function parseDownstreamTls(socket: TransportSocket): DownstreamTlsConfig | { unsupported: string } {
  if (socket.configType.case !== "typedConfig" || socket.configType.value.typeUrl !== DOWNSTREAM_TLS_TYPE) return { unsupported: `transport socket ${socket.name}` };
  const context = anyUnpack(socket.configType.value, DownstreamTlsContextSchema);
  const common = context?.commonTlsContext;
  const certificate = common?.tlsCertificates[0];
  const sdsCertificate = adsSecretName(common?.tlsCertificateSdsSecretConfigs[0]);
  const certificateChain = sdsCertificate ? { secret: sdsCertificate, part: "certificateChain" as const } : dataRef(certificate?.certificateChain);
  const privateKey = sdsCertificate ? { secret: sdsCertificate, part: "privateKey" as const } : dataRef(certificate?.privateKey);
  if (!certificateChain || !privateKey) return { unsupported: "certificates from an SDS socket are not served by this gateway" };
  const validation = parseValidation(common?.validationContextType);
  if ("unsupported" in validation) return validation;
  return { certificateChain, privateKey, trustedCa: validation.trustedCa, subjectAltNames: validation.subjectAltNames, requireClientCertificate: context?.requireClientCertificate ?? false };
}

/** An UpstreamTlsContext: what the gateway originates to a cluster's hosts. */
export interface UpstreamTlsConfig {
  /** SNI (and, without SAN matchers, nothing else: App Mesh sets it to the service-discovery name). */
  sni: string;
  /** Client certificate for mTLS. */
  certificateChain: DataRef | undefined;
  privateKey: DataRef | undefined;
  /** Without a trusted CA the server is not validated (App Mesh's TLS origination without a client policy). */
  trustedCa: DataRef | undefined;
  /** Exact SANs, one of which the server certificate must carry (DNS or URI); empty = any. */
  subjectAltNames: string[];
}

const UPSTREAM_TLS_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

export function parseUpstreamTls(socket: TransportSocket): UpstreamTlsConfig | { unsupported: string } {
  if (socket.configType.case !== "typedConfig" || socket.configType.value.typeUrl !== UPSTREAM_TLS_TYPE) return { unsupported: `transport socket ${socket.name}` };
  const context = anyUnpack(socket.configType.value, UpstreamTlsContextSchema);
  const common = context?.commonTlsContext;
  const sdsConfig = common?.tlsCertificateSdsSecretConfigs[0];
  const sdsCertificate = adsSecretName(sdsConfig);
  if (sdsConfig && !sdsCertificate) return { unsupported: "client certificates from an SDS socket are not served by this gateway" };
  const certificate = common?.tlsCertificates[0];
  const validation = parseValidation(common?.validationContextType);
  if ("unsupported" in validation) return validation;
  return {
    sni: context?.sni ?? "",
    certificateChain: sdsCertificate ? { secret: sdsCertificate, part: "certificateChain" } : dataRef(certificate?.certificateChain),
    privateKey: sdsCertificate ? { secret: sdsCertificate, part: "privateKey" } : dataRef(certificate?.privateKey),
    trustedCa: validation.trustedCa,
    subjectAltNames: validation.subjectAltNames,
  };
}
