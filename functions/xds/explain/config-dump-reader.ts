// Reads what route explain needs out of a config dump (meshplane's `/v1/xds/config_dump` or Envoy's admin
// `/config_dump`): listeners with their filter chains and HTTP connection managers, and route configurations.
// Plain JSON walking with proto field names, so it runs in the browser as well as on the server.

/** A JSON object as a config dump holds it. */
export type JsonObject = { readonly [key: string]: unknown };

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);
const objects = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isObject) : []);
const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

const HCM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const TCP_PROXY_TYPE = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

/** What one filter chain does with a connection. */
export type ChainAction =
  | { kind: "http"; routeConfigName: string | null; inlineRouteConfiguration: JsonObject | null; normalizePath: boolean; mergeSlashes: boolean }
  | { kind: "tcp"; clusters: Array<{ name: string; weight: number }> }
  | { kind: "other"; filters: string[] };

export interface FilterChainView {
  name: string;
  /** `filter_chain_match.destination_port`; null matches any port. */
  destinationPort: number | null;
  /** True when the chain only takes TLS connections (SNI names or transport protocol `tls`). */
  requiresTls: boolean;
  action: ChainAction;
}

export interface ListenerView {
  name: string;
  /** INBOUND, OUTBOUND or UNSPECIFIED. */
  direction: string;
  port: number | null;
  version: string | null;
  chains: FilterChainView[];
}

export interface ConfigDumpView {
  /** The node id the dump was made for, when it says (meshplane's dumps do). */
  node: string | null;
  listeners: ListenerView[];
  routeConfigurations: Map<string, { json: JsonObject; version: string | null }>;
}

function httpAction(config: JsonObject): ChainAction {
  const rds = isObject(config.rds) ? config.rds : undefined;
  return {
    kind: "http",
    routeConfigName: text(rds?.route_config_name) ?? null,
    inlineRouteConfiguration: isObject(config.route_config) ? config.route_config : null,
    normalizePath: config.normalize_path === true,
    mergeSlashes: config.merge_slashes === true,
  };
}

function tcpAction(config: JsonObject): ChainAction {
  const cluster = text(config.cluster);
  if (cluster !== undefined) return { kind: "tcp", clusters: [{ name: cluster, weight: 1 }] };
  const weighted = isObject(config.weighted_clusters) ? objects(config.weighted_clusters.clusters) : [];
  return { kind: "tcp", clusters: weighted.map((entry) => ({ name: text(entry.name) ?? "", weight: typeof entry.weight === "number" ? entry.weight : 0 })) };
}

function chainAction(filters: JsonObject[]): ChainAction {
  for (const filter of filters) {
    const config = isObject(filter.typed_config) ? filter.typed_config : undefined;
    if (config?.["@type"] === HCM_TYPE) return httpAction(config);
    if (config?.["@type"] === TCP_PROXY_TYPE) return tcpAction(config);
  }
  return { kind: "other", filters: filters.map((filter) => text(filter.name) ?? "") };
}

function readChain(chain: JsonObject, index: number): FilterChainView {
  const match = isObject(chain.filter_chain_match) ? chain.filter_chain_match : {};
  const serverNames = Array.isArray(match.server_names) ? match.server_names : [];
  return {
    name: text(chain.name) ?? `filter_chains[${index}]`,
    destinationPort: typeof match.destination_port === "number" ? match.destination_port : null,
    requiresTls: serverNames.length > 0 || match.transport_protocol === "tls",
    action: chainAction(objects(chain.filters)),
  };
}

function readListener(listener: JsonObject, version: string | null): ListenerView {
  const socket = isObject(listener.address) && isObject(listener.address.socket_address) ? listener.address.socket_address : undefined;
  const chains = objects(listener.filter_chains).map(readChain);
  // Proxyless gRPC clients get an API listener: its connection manager stands for the one chain.
  const api = isObject(listener.api_listener) && isObject(listener.api_listener.api_listener) ? listener.api_listener.api_listener : undefined;
  if (api?.["@type"] === HCM_TYPE) chains.push({ name: "api_listener", destinationPort: null, requiresTls: false, action: httpAction(api) });
  return {
    name: text(listener.name) ?? "",
    direction: text(listener.traffic_direction) ?? "UNSPECIFIED",
    port: typeof socket?.port_value === "number" ? socket.port_value : null,
    version,
    chains,
  };
}

/**
 * @example
 * const view = readConfigDump(await (await fetch("/v1/xds/config_dump?node=mesh/apps/virtualNode/serviceA")).json());
 * view.listeners.map((l) => l.name) // → ["lds_egress_0.0.0.0_15001", "lds_ingress_0.0.0.0_15000"]
 */
export function readConfigDump(dump: unknown): ConfigDumpView {
  const root = isObject(dump) ? dump : {};
  const view: ConfigDumpView = { node: text(root.node) ?? null, listeners: [], routeConfigurations: new Map() };
  for (const config of objects(root.configs)) {
    const type = text(config["@type"]) ?? "";
    if (type.endsWith(".ListenersConfigDump")) {
      for (const entry of objects(config.dynamic_listeners)) {
        const active = isObject(entry.active_state) ? entry.active_state : undefined;
        if (isObject(active?.listener)) view.listeners.push(readListener(active.listener, text(active.version_info) ?? null));
      }
      for (const entry of objects(config.static_listeners)) {
        if (isObject(entry.listener)) view.listeners.push(readListener(entry.listener, null));
      }
    } else if (type.endsWith(".RoutesConfigDump")) {
      for (const entry of [...objects(config.dynamic_route_configs), ...objects(config.static_route_configs)]) {
        const routeConfig = isObject(entry.route_config) ? entry.route_config : undefined;
        const name = text(routeConfig?.name);
        if (routeConfig && name !== undefined) view.routeConfigurations.set(name, { json: routeConfig, version: text(entry.version_info) ?? null });
      }
    }
  }
  return view;
}
