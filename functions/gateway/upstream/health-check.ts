// One active HTTP health check (Envoy's http_health_check): GET path with the configured Host, healthy on 200-299
// within the timeout. Connections are not reused (reuse_connection off keeps one slow check from skewing the next).
import http from "node:http";
import type { HealthCheckConfig } from "../config/cluster-config.js";

export function runHealthCheck(address: string, port: number, check: HealthCheckConfig): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: address,
        port,
        path: check.path,
        method: "GET",
        headers: { host: check.host || address, "user-agent": "meshplane-gateway-health-check", connection: "close" },
        timeout: check.timeoutMs,
        agent: false,
      },
      (response) => {
        response.resume();
        resolve(response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300);
      },
    );
    request.on("timeout", () => request.destroy(new Error("health check timed out")));
    request.on("error", () => resolve(false));
    request.end();
  });
}
