// One upstream attempt, over HTTP/1.1 (keep-alive agent per cluster) or HTTP/2 with prior knowledge (one session
// per host, for clusters whose HttpProtocolOptions ask for it: App Mesh http2 and grpc listeners). Resolves at the
// response headers or at the failure, classified the way Envoy's retry_on needs (connect failure vs reset).
import http from "node:http";
import https from "node:https";
import type { Readable, Writable } from "node:stream";
import type { UpstreamHost, UpstreamPool } from "../upstream/pool.js";
import type { RequestBody } from "./request-body.js";
import type { ForwardDecision } from "./router.js";

/** Response headers and body, whatever the upstream protocol. */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** Trailers, once `body` has ended (gRPC's grpc-status travels here). */
  trailers(): Record<string, string | string[] | undefined> | undefined;
  /** Drops the response (a retried attempt). */
  discard(): void;
}

export type AttemptOutcome =
  | { kind: "response"; response: UpstreamResponse }
  | { kind: "connect-failure" }
  | { kind: "reset" }
  | { kind: "timeout" }
  | { kind: "aborted" };

export interface RunningAttempt {
  outcome: Promise<AttemptOutcome>;
  cancel(): void;
}

function upstreamHeaders(decision: ForwardDecision, attempt: number): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { ...decision.request.headers };
  if (attempt > 1) headers["x-envoy-attempt-count"] = String(attempt);
  if (decision.timeoutMs > 0) headers["x-envoy-expected-rq-timeout-ms"] = String(decision.timeoutMs);
  return headers;
}

/** Shared settle-once plumbing of both protocols. */
function settleOnce(timeoutMs: number, onTimeout: () => void) {
  let settle!: (outcome: AttemptOutcome) => void;
  const outcome = new Promise<AttemptOutcome>((resolve) => (settle = resolve));
  let finished = false;
  const timers: NodeJS.Timeout[] = [];
  const finish = (result: AttemptOutcome): void => {
    if (finished) return;
    finished = true;
    timers.forEach(clearTimeout);
    settle(result);
  };
  if (timeoutMs > 0) {
    timers.push(
      setTimeout(() => {
        finish({ kind: "timeout" });
        onTimeout();
      }, timeoutMs),
    );
  }
  return { outcome, finish, timers };
}

function attemptHttp1(pool: UpstreamPool, host: UpstreamHost, decision: ForwardDecision, body: RequestBody, number: number, perTryTimeoutMs: number): RunningAttempt {
  const config = pool.config;
  let connected = false;
  const request = (pool.tlsOptions ? https : http).request({
    host: host.address,
    port: host.port,
    method: decision.request.method,
    path: decision.request.path,
    headers: { ...upstreamHeaders(decision, number), host: decision.request.authority },
    agent: pool.agent,
    ...(config.dnsFamily !== 0 ? { family: config.dnsFamily } : {}),
  });
  const { outcome, finish, timers } = settleOnce(perTryTimeoutMs, () => {
    body.detach(request);
    request.destroy();
  });
  request.on("socket", (socket) => {
    // A TLS socket counts as connected once its handshake is done (a handshake failure is a connect failure).
    const ready = pool.tlsOptions ? "secureConnect" : "connect";
    if (request.reusedSocket || (!socket.connecting && !pool.tlsOptions)) {
      connected = true;
      return;
    }
    const connectTimer = setTimeout(() => request.destroy(new Error("connect timeout")), config.connectTimeoutMs);
    timers.push(connectTimer);
    socket.once(ready, () => {
      connected = true;
      clearTimeout(connectTimer);
    });
  });
  request.on("response", (response) =>
    finish({
      kind: "response",
      response: {
        status: response.statusCode ?? 502,
        headers: response.headers,
        body: response,
        trailers: () => (Object.keys(response.trailers).length > 0 ? response.trailers : undefined),
        discard: () => response.resume(),
      },
    }),
  );
  request.on("error", () => {
    body.detach(request);
    finish({ kind: connected ? "reset" : "connect-failure" });
  });
  if (!body.attach(request)) finish({ kind: "aborted" });
  return {
    outcome,
    cancel: () => {
      finish({ kind: "aborted" });
      body.detach(request);
      request.destroy();
    },
  };
}

function attemptHttp2(pool: UpstreamPool, host: UpstreamHost, decision: ForwardDecision, body: RequestBody, number: number, perTryTimeoutMs: number): RunningAttempt {
  const { request } = decision;
  let stream: import("node:http2").ClientHttp2Stream | undefined;
  const { outcome, finish, timers } = settleOnce(perTryTimeoutMs, () => stream?.close());
  const session = pool.http2Session(host);
  let connected = !session.connecting;
  if (!connected) {
    const connectTimer = setTimeout(() => session.destroy(new Error("connect timeout")), pool.config.connectTimeoutMs);
    timers.push(connectTimer);
    session.once("connect", () => {
      connected = true;
      clearTimeout(connectTimer);
    });
  }
  const onSessionError = () => finish({ kind: connected ? "reset" : "connect-failure" });
  session.once("error", onSessionError);
  session.once("close", onSessionError);
  let created: import("node:http2").ClientHttp2Stream;
  try {
    created = stream = session.request({
      ...upstreamHeaders(decision, number),
      ":method": request.method,
      ":path": request.path,
      ":authority": request.authority,
      ":scheme": "http",
    });
  } catch {
    finish({ kind: connected ? "reset" : "connect-failure" });
    return { outcome, cancel: () => {} };
  }
  const current = created;
  let trailers: Record<string, string | string[] | undefined> | undefined;
  current.on("trailers", (received) => (trailers = received as Record<string, string | string[] | undefined>));
  current.on("response", (headers) => {
    session.off("error", onSessionError);
    session.off("close", onSessionError);
    const plain: Record<string, string | string[] | undefined> = {};
    for (const [name, value] of Object.entries(headers)) if (!name.startsWith(":")) plain[name] = value as string | string[] | undefined;
    finish({
      kind: "response",
      response: { status: Number(headers[":status"] ?? 502), headers: plain, body: current, trailers: () => trailers, discard: () => current.close() },
    });
  });
  current.on("error", () => {
    body.detach(current as unknown as Writable);
    // REFUSED_STREAM (GOAWAY'd before processing) is Envoy's refused-stream; treated as a reset here.
    finish({ kind: connected ? "reset" : "connect-failure" });
  });
  current.on("close", () => finish({ kind: "reset" }));
  if (!body.attach(current as unknown as Writable)) finish({ kind: "aborted" });
  return {
    outcome,
    cancel: () => {
      finish({ kind: "aborted" });
      body.detach(current as unknown as Writable);
      current.close();
    },
  };
}

/** Starts one attempt against `host` in the cluster's protocol. */
export function startAttempt(pool: UpstreamPool, host: UpstreamHost, decision: ForwardDecision, body: RequestBody, number: number, perTryTimeoutMs: number): RunningAttempt {
  return (pool.config.http2 ? attemptHttp2 : attemptHttp1)(pool, host, decision, body, number, perTryTimeoutMs);
}
