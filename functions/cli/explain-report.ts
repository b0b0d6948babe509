// The answer of `POST /v1/xds/explain` as the CLI reads it (the wire shape docs/console.md documents; the CLI talks
// to meshplane only over its public APIs, so it holds its own view of it) and its text form for people.

/** The outcomes `POST /v1/xds/explain` answers with; a newer server's unknown outcome is shown as it is named. */
const outcomeLabels = {
  routed: "Routed",
  tcp_proxy: "TCP proxy",
  no_listener: "No listener",
  no_filter_chain: "No filter chain (Envoy closes the connection)",
  not_http: "Not HTTP",
  no_route_configuration: "No route configuration (404)",
  unsupported_route_configuration: "Cannot evaluate",
  no_virtual_host: "No virtual host (404)",
  no_route: "No route matched (404)",
  no_cluster: "No cluster",
} as const;
type KnownOutcome = keyof typeof outcomeLabels;

/** Outcomes under which the request reaches a cluster. */
const servedOutcomes: ReadonlySet<string> = new Set<KnownOutcome>(["routed", "tcp_proxy"]);

export interface ExplainAnswer {
  node: string | null;
  outcome: KnownOutcome | (string & {});
  summary: string;
  listener: { name: string; direction: string; port: number | null; version: string | null } | null;
  filterChain: { name: string; destinationPort: number | null } | null;
  routeConfiguration: { name: string; version: string | null } | null;
  path: string;
  virtualHost: { name: string; domains: string[] } | null;
  /** Every route of the virtual host in order, up to and including the matched one; `index` counts from 0. */
  routes: Array<{ index: number; name: string; matched: boolean; reason?: string }>;
  route: { index: number; name: string; action: Record<string, unknown> | null } | null;
  clusters: Array<{ name: string; weight: number; percent: number }>;
  meshRevision?: number;
}

/** True when the answer sends the request to a cluster (an HTTP route or a TCP proxy). */
export function isServed(answer: ExplainAnswer): boolean {
  return servedOutcomes.has(answer.outcome) && answer.clusters.length > 0;
}

// What the route does besides choosing clusters (which the cluster list shows), in Envoy's RouteAction fields
// (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#config-route-v3-routeaction).
const TARGET_FIELDS = new Set(["cluster", "weighted_clusters", "cluster_header", "cluster_specifier_plugin"]);

const text = (value: unknown) => (typeof value === "string" || typeof value === "number" ? String(value) : JSON.stringify(value));

function describeAction(action: Record<string, unknown>): string[] {
  const details: string[] = [];
  const other: string[] = [];
  for (const [field, value] of Object.entries(action)) {
    if (TARGET_FIELDS.has(field)) continue;
    if (field === "timeout") details.push(`timeout ${text(value)}`);
    else if (field === "idle_timeout") details.push(`idle timeout ${text(value)}`);
    else if (field === "prefix_rewrite") details.push(`path prefix rewritten to ${text(value)}`);
    else if (field === "host_rewrite_literal") details.push(`host rewritten to ${text(value)}`);
    else if (field === "auto_host_rewrite" && value === true) details.push("host rewritten to the target's");
    else if (field === "retry_policy" && typeof value === "object" && value !== null) {
      const policy = value as Record<string, unknown>;
      const perTry = policy.per_try_timeout !== undefined ? `, ${text(policy.per_try_timeout)} per try` : "";
      details.push(`${text(policy.num_retries ?? 1)} retries on ${text(policy.retry_on ?? "")}${perTry}`);
    } else other.push(field);
  }
  if (other.length > 0) details.push(`${other.join(", ")} (see -o json)`);
  return details;
}

function table(rows: Array<readonly string[]>, indent = "  "): string[] {
  const widths = rows.reduce<number[]>((max, row) => row.map((cell, column) => Math.max(max[column] ?? 0, cell.length)), []);
  return rows.map((row) => `${indent}${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  ")}`.trimEnd());
}

/**
 * @example
 * renderExplainText(answer)
 * // → "Routed: Route canary of virtual host serviceb.apps.local sends GET /orders to cds_egress_apps_serviceBv2_http_80.\n\n"
 * //   + "  node                 mesh/apps/virtualNode/serviceA (mesh revision 9)\n  listener  …\n\nRoutes tried, in order:\n"
 * //   + "  1  api     did not match: path: prefix \"/api/\" does not match \"/orders\"\n  2  canary  matched\n\nClusters:\n  …"
 */
export function renderExplainText(answer: ExplainAnswer): string {
  const label = (outcomeLabels as Record<string, string>)[answer.outcome] ?? answer.outcome;
  const facts: Array<[string, string]> = [];
  if (answer.node !== null) facts.push(["node", `${answer.node}${answer.meshRevision !== undefined ? ` (mesh revision ${answer.meshRevision})` : ""}`]);
  if (answer.listener) {
    const { name, direction, port, version } = answer.listener;
    facts.push(["listener", `${name} (${[direction.toLowerCase(), port !== null ? `port ${port}` : "", version ? `version ${version}` : ""].filter(Boolean).join(", ")})`]);
  }
  if (answer.filterChain) facts.push(["filter chain", `${answer.filterChain.name}${answer.filterChain.destinationPort !== null ? ` (destination port ${answer.filterChain.destinationPort})` : " (any port)"}`]);
  if (answer.routeConfiguration) {
    facts.push(["route configuration", `${answer.routeConfiguration.name}${answer.routeConfiguration.version ? ` (version ${answer.routeConfiguration.version})` : ""}`]);
    facts.push(["path", answer.path]);
  }
  if (answer.virtualHost) facts.push(["virtual host", `${answer.virtualHost.name} (domains ${answer.virtualHost.domains.join(", ")})`]);
  if (answer.route) {
    const details = answer.route.action ? describeAction(answer.route.action) : [];
    facts.push(["route", `${answer.route.name}${details.length > 0 ? ` (${details.join("; ")})` : ""}`]);
  }

  const lines = [`${label}: ${answer.summary}`];
  if (facts.length > 0) lines.push("", ...table(facts));
  if (answer.routes.length > 0) {
    lines.push("", "Routes tried, in order:");
    lines.push(...table(answer.routes.map((route) => [String(route.index + 1), route.name, route.matched ? "matched" : `did not match: ${route.reason ?? "(no reason given)"}`])));
  }
  if (answer.clusters.length > 0) {
    lines.push("", "Clusters:");
    lines.push(...table(answer.clusters.map((cluster) => [cluster.name, `weight ${cluster.weight}`, `${cluster.percent}%`])));
  }
  return `${lines.join("\n")}\n`;
}
