// TCP proxy listeners (App Mesh tcp listeners/routes → Envoy tcp_proxy): a weighted cluster picked in core-wasm,
// a healthy host by round robin, then bytes relayed untouched both ways until either side closes or the idle
// timeout passes. A failed connect tries another host once (previous-host avoidance), then closes.
import net from "node:net";
import { pickWeighted, type Core } from "../../../core-wasm/index.js";
import type { GatewaySnapshot, TcpProxyConfig } from "../core/index.js";
import type { GatewayMetrics } from "./metrics.js";

const MAX_CONNECT_ATTEMPTS = 2;

export function handleTcpConnection(snapshot: GatewaySnapshot, proxy: TcpProxyConfig, core: Core, metrics: GatewayMetrics, downstream: net.Socket): void {
  downstream.on("error", () => downstream.destroy());
  const picked = pickWeighted(proxy.clusters.map((c) => c.weight), Math.random(), core);
  const cluster = picked < 0 ? undefined : proxy.clusters[picked];
  const target = cluster ? snapshot.clusters.get(cluster.name) : undefined;
  if (!cluster || !target) {
    downstream.destroy();
    return;
  }
  downstream.pause();
  const tried = new Set<string>();
  const connect = (attempt: number): void => {
    const host = target.pick(tried, MAX_CONNECT_ATTEMPTS);
    if (!host) {
      downstream.destroy();
      return;
    }
    tried.add(host.key);
    metrics.upstreamRqTotal.root.at(cluster.name).inc();
    const upstream = net.connect({ host: host.address, port: host.port });
    const timer = setTimeout(() => upstream.destroy(new Error("connect timeout")), target.config.connectTimeoutMs);
    upstream.once("connect", () => {
      clearTimeout(timer);
      target.recordOutcome(host, false);
      if (proxy.idleTimeoutMs > 0) {
        for (const socket of [upstream, downstream]) {
          socket.setTimeout(proxy.idleTimeoutMs, () => {
            upstream.destroy();
            downstream.destroy();
          });
        }
      }
      upstream.pipe(downstream);
      downstream.pipe(upstream);
      downstream.resume();
      upstream.on("close", () => downstream.destroy());
      downstream.on("close", () => upstream.destroy());
    });
    upstream.once("error", () => {
      clearTimeout(timer);
      if (upstream.connecting || !upstream.remoteAddress) {
        target.recordOutcome(host, true);
        metrics.upstreamCxConnectFail.root.at(cluster.name).inc();
        if (attempt < MAX_CONNECT_ATTEMPTS) return connect(attempt + 1);
      }
      downstream.destroy();
    });
  };
  connect(1);
}
