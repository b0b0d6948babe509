// Listener pieces shared by virtual nodes and gateways: listener filters and the filter chains of one App Mesh
// listener under its TLS mode (docs/envoy-translation.md §4, §10).
import { create } from "@bufbuild/protobuf";
import type { ListenerTls, VirtualGatewayListenerTls } from "../../appmesh/model/types.generated.js";
import {
  FilterChainSchema,
  ListenerFilterSchema,
  type Filter,
  type FilterChain,
  type ListenerFilter,
} from "../../../proto/gen/envoy/config/listener/v3/listener_components_pb.js";
import { OriginalDstSchema } from "../../../proto/gen/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js";
import { TlsInspectorSchema } from "../../../proto/gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js";
import { typedConfig } from "./common.js";
import { translateDownstreamTlsSocket, type AcmMaterial, type SecretSink } from "./tls.js";

/** iptables redirects the app's traffic here; Envoy recovers where it was going. */
function originalDstListenerFilter(): ListenerFilter {
  return create(ListenerFilterSchema, {
    name: "envoy.filters.listener.original_dst",
    configType: typedConfig(OriginalDstSchema, create(OriginalDstSchema)),
  });
}

/** Needed for SNI (`*.amazonaws.com`) and TLS-vs-plaintext (PERMISSIVE) chain matching. */
function tlsInspectorListenerFilter(): ListenerFilter {
  return create(ListenerFilterSchema, {
    name: "envoy.filters.listener.tls_inspector",
    configType: typedConfig(TlsInspectorSchema, create(TlsInspectorSchema)),
  });
}

/**
 * The chains of one App Mesh listener on a destination port: STRICT → one TLS chain; PERMISSIVE → a TLS chain
 * (`transport_protocol: tls`, found by tls_inspector) plus a plaintext chain for the same port; DISABLED or no
 * TLS → one plaintext chain.
 */
export function translateListenerFilterChains(
  name: string,
  destinationPort: number,
  filters: Filter[],
  tls: ListenerTls | VirtualGatewayListenerTls | undefined,
  acm: AcmMaterial,
  secrets: SecretSink,
): FilterChain[] {
  const plain = (): FilterChain => create(FilterChainSchema, { name, filterChainMatch: { destinationPort }, filters });
  if (!tls || tls.mode === "DISABLED") return [plain()];
  const secured = create(FilterChainSchema, {
    name: `${name}_tls`,
    filterChainMatch: { destinationPort, transportProtocol: tls.mode === "PERMISSIVE" ? "tls" : "" },
    filters,
    transportSocket: translateDownstreamTlsSocket(tls, acm, secrets),
  });
  return tls.mode === "PERMISSIVE" ? [secured, plain()] : [secured];
}

/** A chain needs the TLS inspector when it matches on what the ClientHello says (SNI, TLS or not) or terminates TLS. */
const chainNeedsTlsInspector = (chain: FilterChain): boolean =>
  chain.transportSocket !== undefined ||
  (chain.filterChainMatch?.serverNames.length ?? 0) > 0 ||
  (chain.filterChainMatch?.transportProtocol ?? "") !== "";

/**
 * A listener's listener filters: `original_dst` where iptables redirects traffic to it, `tls_inspector` only where a
 * chain needs it. App Mesh used only `original_dst` on a plaintext ingress (RM#356): `tls_inspector` would make
 * server-first protocols (MySQL, SMTP, …) wait for client bytes until the listener-filter timeout.
 */
export function translateListenerFilters(chains: readonly FilterChain[], options: { originalDst: boolean }): ListenerFilter[] {
  const filters: ListenerFilter[] = [];
  if (options.originalDst) filters.push(originalDstListenerFilter());
  if (chains.some(chainNeedsTlsInspector)) filters.push(tlsInspectorListenerFilter());
  return filters;
}
