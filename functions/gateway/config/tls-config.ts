// What the gateway needs of a filter chain's DownstreamTlsContext: certificate, key, trusted CA and whether a
// client certificate is required. Data sources stay references (file name or inline text) so this module needs no
// file system; the Node listener reads them. SDS references (an SDS socket, ACM secrets over ADS) are not served
// by this gateway yet: such a chain is reported as unsupported.
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import type { DataSource, TransportSocket } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { DownstreamTlsContextSchema } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";

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
