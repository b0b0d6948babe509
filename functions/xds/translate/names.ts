// Envoy resource names exactly as App Mesh's management service named them (docs/envoy-translation.md §3).
// Envoy stats, the App Mesh image's bootstrap (stats tag regexes) and users' dashboards depend on these names.
import type { PortProtocol } from "../../appmesh/model/types.generated.js";

export const INGRESS_PORT = 15000;
export const EGRESS_PORT = 15001;
export const SDS_CLUSTER = "static_cluster_sds_unix_socket";

// docs/envoy-translation.md §3: the name keeps `0.0.0.0` whatever address the listener binds (`::` under an IP preference); the name is
// an identifier that stats and the bootstrap's tag regexes rely on, not a statement of the bind address.
export const ingressListenerName = (port = INGRESS_PORT): string => `lds_ingress_0.0.0.0_${port}`;
export const egressListenerName = (port = EGRESS_PORT): string => `lds_egress_0.0.0.0_${port}`;

// docs/envoy-translation.md §3: the protocol token is the App Mesh listener protocol verbatim (`rds_egress_grpc_8080`).
export const ingressRouteConfigName = (protocol: PortProtocol, port: number): string => `rds_ingress_${protocol}_${port}`;
export const egressRouteConfigName = (protocol: PortProtocol, port: number): string => `rds_egress_${protocol}_${port}`;

export const ingressClusterName = (mesh: string, node: string, protocol: PortProtocol, port: number): string =>
  `cds_ingress_${mesh}_${node}_${protocol}_${port}`;
export const egressClusterName = (mesh: string, targetNode: string, protocol: PortProtocol, port: number): string =>
  `cds_egress_${mesh}_${targetNode}_${protocol}_${port}`;
export const amazonAwsClusterName = (mesh: string): string => `cds_egress_${mesh}_amazonaws`;
export const allowAllClusterName = (mesh: string): string => `cds_egress_${mesh}_mesh-allow-all`;

/** One gateway listener: `…_self_redirect_<proto>_15001`; several: the ingress port is inserted to keep names unique. */
export const selfRedirectClusterName = (
  mesh: string,
  gateway: string,
  protocol: PortProtocol,
  ingressPort: number,
  listenerCount: number,
): string =>
  listenerCount > 1
    ? `cds_ingress_${mesh}_${gateway}_self_redirect_${ingressPort}_${protocol}_${EGRESS_PORT}`
    : `cds_ingress_${mesh}_${gateway}_self_redirect_${protocol}_${EGRESS_PORT}`;

/** Proxyless gRPC: the route configuration a `xds:///<virtual service>` API listener points at. */
export const apiListenerRouteConfigName = (virtualService: string): string => `rds_api_${virtualService}`;
