// Route explain: which listener, filter chain, virtual host, route and clusters (with weights) a node's Envoy would
// use for one request, and why each earlier route did not match. Pure: a config dump and a request in, an answer
// out. Matching runs in core-wasm, the engine the gateway routes with, so the answer is the gateway's and Envoy's.
import { normalizeRequestPath, RouteTable, RouteTableError, routeTableSpecFromEnvoyJson, type Core } from "../../../core-wasm/index.js";
import { readConfigDump, type ConfigDumpView, type FilterChainView, type JsonObject, type ListenerView } from "./config-dump-reader.js";

/** One HTTP request to explain. Header names are case-insensitive; a list is several values of one header. */
export interface ExplainedRequest {
  method: string;
  /** Host, optionally with a port (`serviceb.apps.local:80`). */
  authority: string;
  /** Path, optionally with `?query`. */
  path: string;
  headers?: Record<string, string | string[]>;
}

export interface ExplainInput {
  /** A listener of the node by name; default: a virtual node's outbound listener, a virtual gateway's inbound one. */
  listener?: string;
  /** The connection's destination port, which picks the filter chain; default: the authority's port, else 80. */
  port?: number;
  request: ExplainedRequest;
}

export const explainOutcomes = [
  "routed",
  "tcp_proxy",
  "no_listener",
  "no_filter_chain",
  "not_http",
  "no_route_configuration",
  "unsupported_route_configuration",
  "no_virtual_host",
  "no_route",
  "no_cluster",
] as const;
export type ExplainOutcome = (typeof explainOutcomes)[number];

export interface ExplainedRoute {
  /** Position in its virtual host. */
  index: number;
  name: string;
  matched: boolean;
  /** Why it did not match (the first matcher that failed). */
  reason?: string;
}

export interface Explanation {
  node: string | null;
  outcome: ExplainOutcome;
  /** One sentence for people. */
  summary: string;
  listener: { name: string; direction: string; port: number | null; version: string | null } | null;
  filterChain: { name: string; destinationPort: number | null } | null;
  routeConfiguration: { name: string; version: string | null } | null;
  /** The path routes saw, after the connection manager's normalisation. */
  path: string;
  virtualHost: { name: string; domains: string[] } | null;
  /** Every route of the virtual host in order, up to and including the one that matched. */
  routes: ExplainedRoute[];
  /** The matched route, with its action as the config dump shows it. */
  route: { index: number; name: string; action: JsonObject | null } | null;
  /** Where the request goes: each cluster with its weight and its share of the traffic in percent. */
  clusters: Array<{ name: string; weight: number; percent: number }>;
}

const DEFAULT_HTTP_PORT = 80;

function portOf(authority: string): number | undefined {
  const match = /:(\d{1,5})$/.exec(authority);
  return match ? Number(match[1]) : undefined;
}

function pickListener(view: ConfigDumpView, input: ExplainInput): ListenerView | undefined {
  if (input.listener !== undefined) return view.listeners.find((listener) => listener.name === input.listener);
  const wanted = view.node !== null && view.node.includes("/virtualGateway/") ? "INBOUND" : "OUTBOUND";
  const candidates = view.listeners.filter((listener) => listener.direction === wanted);
  const port = input.port ?? portOf(input.request.authority);
  // A gateway has one inbound listener per port: the request's port picks among them.
  return candidates.find((listener) => port !== undefined && listener.port === port) ?? candidates[0] ?? view.listeners[0];
}

/** Envoy's filter chain match for a plaintext connection: the exact destination port first, then any-port chains. */
function pickChain(listener: ListenerView, port: number | undefined): FilterChainView | undefined {
  const plain = listener.chains.filter((chain) => !chain.requiresTls);
  if (port === undefined && plain.length === 1) return plain[0];
  const destination = port ?? DEFAULT_HTTP_PORT;
  return plain.find((chain) => chain.destinationPort === destination) ?? plain.find((chain) => chain.destinationPort === null);
}

const percentOf = (weight: number, total: number) => (total === 0 ? 0 : Math.round((weight / total) * 10_000) / 100);

function describeClusters(clusters: Explanation["clusters"]): string {
  return clusters.map((cluster) => (clusters.length > 1 ? `${cluster.name} (${cluster.percent}%)` : cluster.name)).join(", ");
}

function findRouteJson(routeConfiguration: JsonObject, virtualHost: number, route: number): JsonObject | null {
  const hosts = routeConfiguration.virtual_hosts as JsonObject[] | undefined;
  const routes = hosts?.[virtualHost]?.routes as JsonObject[] | undefined;
  const action = routes?.[route]?.route;
  return typeof action === "object" && action !== null ? (action as JsonObject) : null;
}

/**
 * @example
 * explainRequest(configDump, { request: { method: "GET", authority: "serviceb.apps.local", path: "/", headers: { "x-canary": "1" } } }, core)
 * // → { outcome: "routed", virtualHost: { name: "serviceb.apps.local", … }, route: { name: "canary", … },
 * //     clusters: [{ name: "cds_egress_apps_serviceBv2_http_80", weight: 100, percent: 100 }], routes: [...] }
 */
export function explainRequest(configDump: unknown, input: ExplainInput, core: Core): Explanation {
  const view = readConfigDump(configDump);
  const request = input.request;
  const answer: Explanation = {
    node: view.node,
    outcome: "no_listener",
    summary: "",
    listener: null,
    filterChain: null,
    routeConfiguration: null,
    path: request.path,
    virtualHost: null,
    routes: [],
    route: null,
    clusters: [],
  };
  const done = (outcome: ExplainOutcome, summary: string): Explanation => Object.assign(answer, { outcome, summary });

  const listener = pickListener(view, input);
  if (!listener) {
    return done("no_listener", input.listener !== undefined ? `The node is served no listener named ${input.listener}.` : "The node is served no listener.");
  }
  answer.listener = { name: listener.name, direction: listener.direction, port: listener.port, version: listener.version };
  const port = input.port ?? portOf(request.authority);
  const chain = pickChain(listener, port);
  if (!chain) {
    const ports = listener.chains.map((c) => c.destinationPort).filter((p) => p !== null);
    return done("no_filter_chain", `Listener ${listener.name} has no plaintext filter chain for port ${port ?? DEFAULT_HTTP_PORT} (chains for ports: ${ports.join(", ") || "none"}); Envoy closes the connection.`);
  }
  answer.filterChain = { name: chain.name, destinationPort: chain.destinationPort };
  if (chain.action.kind === "tcp") {
    const total = chain.action.clusters.reduce((sum, cluster) => sum + cluster.weight, 0);
    answer.clusters = chain.action.clusters.map((cluster) => ({ ...cluster, percent: percentOf(cluster.weight, total) }));
    return done("tcp_proxy", `Filter chain ${chain.name} proxies TCP without looking at HTTP: bytes go to ${describeClusters(answer.clusters)}.`);
  }
  if (chain.action.kind === "other") return done("not_http", `Filter chain ${chain.name} runs ${chain.action.filters.join(", ")}, not an HTTP connection manager.`);

  const http = chain.action;
  const served = http.inlineRouteConfiguration
    ? { json: http.inlineRouteConfiguration, version: null }
    : http.routeConfigName !== null
      ? view.routeConfigurations.get(http.routeConfigName)
      : undefined;
  const routeConfigName = http.routeConfigName ?? (typeof http.inlineRouteConfiguration?.name === "string" ? http.inlineRouteConfiguration.name : "");
  if (!served) return done("no_route_configuration", `Route configuration ${routeConfigName} is not served to the node yet; Envoy answers 404 (NR).`);
  answer.routeConfiguration = { name: routeConfigName, version: served.version };
  answer.path = normalizeRequestPath(request.path, http);

  let table: RouteTable;
  try {
    table = RouteTable.compile(routeTableSpecFromEnvoyJson(served.json), { core });
  } catch (error) {
    if (!(error instanceof RouteTableError)) throw error;
    return done("unsupported_route_configuration", `Route configuration ${routeConfigName} cannot be evaluated: ${error.message}`);
  }
  try {
    const explained = table.explain({ method: request.method, authority: request.authority, path: answer.path, ...(request.headers ? { headers: request.headers } : {}) });
    if (explained.virtualHost < 0) {
      const domains = table.spec.virtualHosts.flatMap((host) => host.domains);
      return done("no_virtual_host", `No virtual host of ${routeConfigName} serves the authority ${request.authority} (domains: ${domains.join(", ") || "none"}); Envoy answers 404 (NR).`);
    }
    const host = table.spec.virtualHosts[explained.virtualHost]!;
    answer.virtualHost = { name: host.name, domains: host.domains };
    answer.routes = explained.routes.map((route) => ({ index: route.route, name: route.routeName, matched: route.matched, ...(route.failed !== undefined ? { reason: route.failed } : {}) }));
    const match = explained.match;
    if (!match) return done("no_route", `No route of virtual host ${host.name} matches ${request.method} ${answer.path}; Envoy answers 404 (NR).`);
    answer.route = { index: match.route, name: match.routeName, action: findRouteJson(served.json, match.virtualHost, match.route) };
    const targets = table.spec.routes.find((route) => route.virtualHost === match.virtualHost && route.route === match.route)?.targets ?? [];
    const total = targets.reduce((sum, target) => sum + target.weight, 0);
    answer.clusters = targets.map((target) => ({ name: target.cluster, weight: target.weight, percent: percentOf(target.weight, total) }));
    if (answer.clusters.length === 0) return done("no_cluster", `Route ${match.routeName} of virtual host ${host.name} matches, but sends the request to no cluster.`);
    return done("routed", `Route ${match.routeName} of virtual host ${host.name} sends ${request.method} ${answer.path} to ${describeClusters(answer.clusters)}.`);
  } finally {
    table.dispose();
  }
}
