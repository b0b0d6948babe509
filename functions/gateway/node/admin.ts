// The gateway's admin port (Envoy's admin interface, the parts operators script against): Prometheus metrics at
// /stats/prometheus (and /metrics), readiness at /ready, accepted resources at /config_dump, hosts at /clusters,
// bound listeners at /listeners, and the worker processes at /workers. One process or a pool of workers answer
// through the same AdminView (a pool merges its workers' answers: worker-pool.ts).
import http from "node:http";
import { toJson, type DescMessage } from "@bufbuild/protobuf";
import { envoyRegistry, resourceSchemas, type ResourceType } from "../../envoy/index.js";
import type { XdsResources } from "../xds-client/types.js";
import type { Gateway } from "./gateway.js";

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

/** One host's health as /clusters shows it: Envoy's health flags (none: healthy). */
export interface HostHealth {
  cluster: string;
  host: string;
  flags: string[];
}

/** A worker process as /workers lists it. */
export interface WorkerStatus {
  id: number;
  pid: number;
  ready: boolean;
  /** Requests in flight on that worker, over every cluster. */
  activeRequests: number;
  /** Downstream requests that worker has answered. */
  requests: number;
}

/** What the admin port reads. */
export interface AdminView {
  metricsText(): Promise<string>;
  ready(): Promise<boolean>;
  configDump(): unknown;
  hostHealth(): Promise<HostHealth[]>;
  listeners(): Promise<Record<string, number>>;
  workers(): Promise<WorkerStatus[]>;
}

export function configDumpOf(versions: ReadonlyMap<ResourceType, string>, accepted: ReadonlyMap<ResourceType, XdsResources>): unknown {
  const dump: Record<string, unknown> = { versions: Object.fromEntries(versions) };
  for (const [type, resources] of accepted) {
    const schema = resourceSchemas[type] as DescMessage;
    dump[type] = [...resources.values()].map((message) => (type === "route" ? message : toJson(schema, message as never, { registry: envoyRegistry })));
  }
  return dump;
}

export function hostHealthOf(gateway: Gateway): HostHealth[] {
  const hosts: HostHealth[] = [];
  const now = Date.now();
  for (const [name, cluster] of gateway.snapshot().clusters) {
    for (const host of cluster.hosts) {
      const flags = [!host.activeHealthy ? "/failed_active_hc" : "", host.ejectedUntil > now ? "/failed_outlier_check" : "", !host.edsHealthy ? "/failed_eds_health" : ""].filter(Boolean);
      hosts.push({ cluster: name, host: host.key, flags });
    }
  }
  return hosts;
}

export function requestsOf(gateway: Gateway): number {
  return gateway.metrics.downstreamRq.state().series.reduce((sum, [, value]) => sum + (value as number), 0);
}

export function activeRequestsOf(gateway: Gateway): number {
  let active = 0;
  for (const cluster of gateway.snapshot().clusters.values()) active += cluster.active;
  return active;
}

/** The admin view of a gateway running in this process. */
export function gatewayAdminView(gateway: Gateway): AdminView {
  return {
    metricsText: async () => gateway.metrics.render(),
    ready: async () => gateway.ready(),
    configDump: () => configDumpOf(gateway.versions(), gateway.accepted()),
    hostHealth: async () => hostHealthOf(gateway),
    listeners: async () => Object.fromEntries(gateway.boundPorts()),
    workers: async () => [{ id: 0, pid: process.pid, ready: gateway.ready(), activeRequests: activeRequestsOf(gateway), requests: requestsOf(gateway) }],
  };
}

const clustersText = (hosts: readonly HostHealth[]): string => `${hosts.map(({ cluster, host, flags }) => `${cluster}::${host}::health_flags::${flags.join("") || "healthy"}`).join("\n")}\n`;

export async function startAdminServer(source: Gateway | AdminView, host: string, port: number): Promise<AdminServer> {
  const view = "metricsText" in source ? source : gatewayAdminView(source);
  const server = http.createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { "content-type": type });
      response.end(body);
    };
    const answer = async (): Promise<void> => {
      if (path === "/stats/prometheus" || path === "/metrics") return send(200, "text/plain; version=0.0.4", await view.metricsText());
      if (path === "/ready") return (await view.ready()) ? send(200, "text/plain", "LIVE\n") : send(503, "text/plain", "PRE_INITIALIZING\n");
      if (path === "/config_dump") return send(200, "application/json", JSON.stringify(view.configDump(), null, 2));
      if (path === "/clusters") return send(200, "text/plain", clustersText(await view.hostHealth()));
      if (path === "/listeners") return send(200, "application/json", JSON.stringify(await view.listeners()));
      if (path === "/workers") return send(200, "application/json", JSON.stringify(await view.workers()));
      return send(404, "text/plain", "not found\n");
    };
    answer().catch((error: unknown) => send(500, "text/plain", `${error instanceof Error ? error.message : String(error)}\n`));
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
  return { port: bound, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
