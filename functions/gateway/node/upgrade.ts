// Websocket upgrades on HTTP/1.1 listeners (the HCM's `upgrade_configs: websocket`): the routed request goes
// upstream over a fresh TCP connection with its Upgrade/Connection headers, then bytes flow both ways untouched.
import net from "node:net";
import type { Duplex } from "node:stream";
import { RESPONSE_FLAG_HEADER, ResponseFlag, type ForwardDecision, type ResponseFlagCode } from "../core/index.js";

export function rejectUpgrade(socket: Duplex, status: number, flag: ResponseFlagCode, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${RESPONSE_FLAG_HEADER}: ${flag}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Connects upstream and splices the two sockets; resolves with the status to report (101, or 503 UF). */
export function forwardUpgrade(decision: ForwardDecision, socket: Duplex, head: Buffer, upgrade: string): Promise<{ status: number; flag: ResponseFlagCode | "" }> {
  const host = decision.cluster.pick(undefined);
  if (!host) {
    rejectUpgrade(socket, 503, ResponseFlag.noHealthyUpstream, "no healthy upstream");
    return Promise.resolve({ status: 503, flag: ResponseFlag.noHealthyUpstream });
  }
  return new Promise((resolve) => {
    const upstream = net.connect({ host: host.address, port: host.port });
    const timer = setTimeout(() => upstream.destroy(new Error("connect timeout")), decision.cluster.config.connectTimeoutMs);
    upstream.once("connect", () => {
      clearTimeout(timer);
      const { request } = decision;
      const lines = [`${request.method} ${request.path} HTTP/1.1`, `host: ${request.authority}`, "connection: Upgrade", `upgrade: ${upgrade}`];
      for (const [name, value] of Object.entries(request.headers)) {
        for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
      }
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
      resolve({ status: 101, flag: "" });
    });
    upstream.once("error", () => {
      clearTimeout(timer);
      decision.cluster.recordOutcome(host, true);
      rejectUpgrade(socket, 503, ResponseFlag.upstreamConnectionFailure, "upstream connect error");
      resolve({ status: 503, flag: ResponseFlag.upstreamConnectionFailure });
    });
    socket.once("error", () => upstream.destroy());
    socket.once("close", () => upstream.destroy());
    upstream.once("close", () => socket.destroy());
  });
}
