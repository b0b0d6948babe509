// The gateway's admin port (Envoy's admin interface, the parts operators script against): Prometheus metrics at
// /stats/prometheus (and /metrics), readiness at /ready, accepted resources at /config_dump, hosts at /clusters.
import http from "node:http";
import { toJson, type DescMessage } from "@bufbuild/protobuf";
import { envoyRegistry, resourceSchemas } from "../../envoy/index.js";
import type { Gateway } from "./gateway.js";

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

function configDump(gateway: Gateway): unknown {
  const dump: Record<string, unknown> = { versions: Object.fromEntries(gateway.versions()) };
  for (const [type, resources] of gateway.accepted()) {
    const schema = resourceSchemas[type] as DescMessage;
    dump[type] = [...resources.values()].map((message) =>
      type === "route" ? message : toJson(schema, message as never, { registry: envoyRegistry }),
    );
  }
  return dump;
}

function clustersText(gateway: Gateway): string {
  const lines: string[] = [];
  for (const [name, cluster] of gateway.snapshot().clusters) {
    for (const host of cluster.hosts) {
      const ejected = host.ejectedUntil > Date.now();
      lines.push(`${name}::${host.key}::health_flags::${[!host.activeHealthy ? "/failed_active_hc" : "", ejected ? "/failed_outlier_check" : "", !host.edsHealthy ? "/failed_eds_health" : ""].join("") || "healthy"}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export async function startAdminServer(gateway: Gateway, host: string, port: number): Promise<AdminServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { "content-type": type });
      response.end(body);
    };
    if (path === "/stats/prometheus" || path === "/metrics") return send(200, "text/plain; version=0.0.4", gateway.metrics.render());
    if (path === "/ready") return gateway.ready() ? send(200, "text/plain", "LIVE\n") : send(503, "text/plain", "PRE_INITIALIZING\n");
    if (path === "/config_dump") return send(200, "application/json", JSON.stringify(configDump(gateway), null, 2));
    if (path === "/clusters") return send(200, "text/plain", clustersText(gateway));
    if (path === "/listeners") return send(200, "application/json", JSON.stringify(Object.fromEntries(gateway.boundPorts())));
    return send(404, "text/plain", "not found\n");
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
