// Active health probes on Node (the core schedules them and keeps the verdicts: core/active-health-checks.ts):
// HTTP (GET path with the configured Host, healthy on 2xx), gRPC (grpc.health.v1.Health/Check over HTTP/2, healthy
// when SERVING) and TCP (the connection opens). Connections are not reused, so one slow check does not skew the next.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { HealthCheckConfig } from "../core/index.js";

function httpCheck(address: string, port: number, check: HealthCheckConfig): Promise<boolean> {
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

function tcpCheck(address: string, port: number, check: HealthCheckConfig): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const timer = setTimeout(() => socket.destroy(), check.timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("close", () => resolve(false));
  });
}

/** HealthCheckRequest{service} as one gRPC message frame (uncompressed, length-prefixed). */
function healthCheckFrame(service: string): Buffer {
  const name = Buffer.from(service);
  const message = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, name.length]), name]);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

function grpcCheck(address: string, port: number, check: HealthCheckConfig): Promise<boolean> {
  return new Promise((resolve) => {
    const host = address.includes(":") ? `[${address}]` : address;
    const session = http2.connect(`http://${host}:${port}`);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      session.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), check.timeoutMs);
    session.on("error", () => done(false));
    const stream = session.request({
      ":method": "POST",
      ":path": "/grpc.health.v1.Health/Check",
      ":authority": check.host || `${host}:${port}`,
      "content-type": "application/grpc",
      te: "trailers",
    });
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("trailers", (trailers) => {
      // HealthCheckResponse{status: SERVING (1)} is field 1, varint 1: bytes 08 01 after the 5-byte frame header.
      const body = Buffer.concat(chunks);
      done(trailers["grpc-status"] === "0" && body.length >= 7 && body[5] === 0x08 && body[6] === 0x01);
    });
    stream.on("error", () => done(false));
    stream.on("close", () => done(false));
    stream.end(healthCheckFrame(check.serviceName));
  });
}

export function runHealthCheck(address: string, port: number, check: HealthCheckConfig): Promise<boolean> {
  if (check.kind === "tcp") return tcpCheck(address, port, check);
  if (check.kind === "grpc") return grpcCheck(address, port, check);
  return httpCheck(address, port, check);
}
