// What the gateway needs of a filter chain's DownstreamTlsContext: certificate, key, trusted CA and whether a
// client certificate is required. Data sources stay references (file name or inline text) so this module needs no
// file system; the Node listener reads them. SDS references (an SDS socket, ACM secrets over ADS) are not served
// by this gateway yet: such a chain is reported as unsupported.
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import type { DataSource, TransportSocket } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { DownstreamTlsContextSchema, UpstreamTlsContextSchema } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";

export type DataRef = { filename: string } | { inline: string };

export interface DownstreamTlsConfig {
  certificateChain: DataRef;
  privateKey: DataRef;
  trustedCa: DataRef | undefined;
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

/** The chain's TLS settings, or a reason it cannot be served. */
export function parseDownstreamTls(socket: TransportSocket): DownstreamTlsConfig | { unsupported: string } {
  if (socket.configType.case !== "typedConfig" || socket.configType.value.typeUrl !== DOWNSTREAM_TLS_TYPE) return { unsupported: `transport socket ${socket.name}` };
  const context = anyUnpack(socket.configType.value, DownstreamTlsContextSchema);
  const common = context?.commonTlsContext;
  const certificate = common?.tlsCertificates[0];
  const certificateChain = dataRef(certificate?.certificateChain);
  const privateKey = dataRef(certificate?.privateKey);
  if (!certificateChain || !privateKey) return { unsupported: "certificates from SDS (socket or ADS) are not served by this gateway" };
  let trustedCa: DataRef | undefined;
  if (common?.validationContextType.case === "validationContext") trustedCa = dataRef(common.validationContextType.value.trustedCa);
  else if (common?.validationContextType.case !== undefined) return { unsupported: "validation contexts from SDS are not served by this gateway" };
  return { certificateChain, privateKey, trustedCa, requireClientCertificate: context?.requireClientCertificate ?? false };
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
  if ((common?.tlsCertificateSdsSecretConfigs.length ?? 0) > 0) return { unsupported: "client certificates from SDS are not served by this gateway" };
  const certificate = common?.tlsCertificates[0];
  let trustedCa: DataRef | undefined;
  let subjectAltNames: string[] = [];
  const validation = common?.validationContextType;
  if (validation?.case === "validationContext") {
    trustedCa = dataRef(validation.value.trustedCa);
    subjectAltNames = validation.value.matchTypedSubjectAltNames.flatMap((m) => (m.matcher?.matchPattern.case === "exact" ? [m.matcher.matchPattern.value] : []));
  } else if (validation?.case !== undefined) return { unsupported: "validation contexts from SDS are not served by this gateway" };
  return {
    sni: context?.sni ?? "",
    certificateChain: dataRef(certificate?.certificateChain),
    privateKey: dataRef(certificate?.privateKey),
    trustedCa,
    subjectAltNames,
  };
}
