// Proxying one routed request upstream (HTTP/1.1 or HTTP/2, plaintext or TLS: see upstream-attempt.ts): circuit breakers, host choice (round robin, previous-host
// avoidance on retries), per-try and route timeouts, retries per the route's retry policy with Envoy's jittered
// backoff (25 ms base, 250 ms cap), outlier accounting, streaming bodies both ways, response header changes and
// Envoy-like verdicts (503 UH/UF/UO, 504 UT, x-meshplane-flags).
import type { RetryConfig } from "../config/route-entries.js";
import type { GatewayMetrics } from "../metrics.js";
import type { RequestBody } from "./request-body.js";
import { RESPONSE_FLAG_HEADER, ResponseFlag, type ResponseFlagCode } from "./response-flags.js";
import { applyHeaderChanges, type ForwardDecision } from "./router.js";
import { startAttempt, type AttemptOutcome, type UpstreamResponse } from "./upstream-attempt.js";

/** The downstream response: Node's http.ServerResponse and http2's compatibility Http2ServerResponse both fit. */
export interface DownstreamResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  write(chunk: Buffer): boolean;
  end(chunk?: string): unknown;
  destroy(error?: Error): unknown;
  once(event: "drain" | "close" | "finish", listener: () => void): unknown;
  /** HTTP/2 (and chunked HTTP/1.1) responses carry trailers. */
  addTrailers?(trailers: Record<string, string | string[]>): void;
  readonly writableFinished: boolean;
}

/** Response headers never forwarded (RFC 9110 §7.6.1 connection-specific, plus HTTP/2-illegal ones). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "http2-settings"]);

/** Filled in while forwarding, for access logs. */
export interface ForwardDetails {
  upstreamHost: string;
  bytesSent: number;
  responseHeaders: Record<string, string | string[]>;
}

export interface ForwardContext {
  decision: ForwardDecision;
  body: RequestBody;
  downstream: DownstreamResponse;
  metrics: GatewayMetrics;
  details: ForwardDetails;
  /** Called once with the final status and flag (for access metrics). */
  done(status: number, flag: ResponseFlagCode | ""): void;
}

function retriableStatus(retry: RetryConfig, status: number): boolean {
  if (retry.on.has("retriable-status-codes") && retry.statusCodes.has(status)) return true;
  if (retry.on.has("5xx") && status >= 500) return true;
  if (retry.on.has("gateway-error") && status >= 502 && status <= 504) return true;
  if (retry.on.has("retriable-4xx") && status === 409) return true;
  return false;
}

function retriableFailure(retry: RetryConfig, outcome: AttemptOutcome["kind"]): boolean {
  const on = retry.on;
  if (outcome === "connect-failure") return on.has("connect-failure") || on.has("reset") || on.has("5xx") || on.has("gateway-error");
  if (outcome === "reset") return on.has("reset") || on.has("5xx") || on.has("gateway-error");
  if (outcome === "timeout") return on.has("reset") || on.has("5xx") || on.has("gateway-error");
  return false;
}

/** Envoy's default retry back-off: full jitter over 25 ms × 2^(n-1), capped at 250 ms. */
const backoffMs = (retry: number): number => Math.random() * Math.min(250, 25 * 2 ** (retry - 1));

export function sendLocalReply(downstream: DownstreamResponse, status: number, flag: ResponseFlagCode, body: string): void {
  if (downstream.headersSent) {
    downstream.destroy();
    return;
  }
  downstream.writeHead(status, { "content-type": "text/plain", "content-length": String(Buffer.byteLength(body)), [RESPONSE_FLAG_HEADER]: flag });
  downstream.end(body);
}

function responseHeaders(decision: ForwardDecision, response: UpstreamResponse, flags: ResponseFlagCode[], upstreamMs: number): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name.startsWith(":")) continue;
    headers[name] = value;
  }
  headers["x-envoy-upstream-service-time"] = String(Math.round(upstreamMs));
  for (const changes of decision.responseChanges) applyHeaderChanges(headers, changes);
  if (flags.length > 0) headers[RESPONSE_FLAG_HEADER] = flags.join(",");
  return headers;
}

function withoutPseudoHeaders(trailers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const plain: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(trailers)) if (value !== undefined && !name.startsWith(":")) plain[name] = value;
  return plain;
}

/** Streams the upstream response downstream with backpressure and the idle timeout; resolves when done. */
function streamResponse(upstream: UpstreamResponse, downstream: DownstreamResponse, idleTimeoutMs: number, details: ForwardDetails): Promise<"complete" | "idle" | "reset"> {
  const response = upstream.body;
  return new Promise((resolve) => {
    let idle: NodeJS.Timeout | null = null;
    let settled = false;
    const settle = (how: "complete" | "idle" | "reset") => {
      if (settled) return;
      settled = true;
      if (idle) clearTimeout(idle);
      resolve(how);
    };
    const arm = () => {
      if (idleTimeoutMs <= 0) return;
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => {
        response.destroy();
        downstream.destroy();
        settle("idle");
      }, idleTimeoutMs);
    };
    arm();
    response.on("data", (chunk: Buffer) => {
      arm();
      details.bytesSent += chunk.length;
      if (!downstream.write(chunk)) {
        response.pause();
        downstream.once("drain", () => response.resume());
      }
    });
    response.on("end", () => {
      const trailers = upstream.trailers();
      if (trailers && downstream.addTrailers) downstream.addTrailers(withoutPseudoHeaders(trailers));
      downstream.end();
      settle("complete");
    });
    response.on("error", () => {
      downstream.destroy();
      settle("reset");
    });
    response.on("aborted", () => {
      downstream.destroy();
      settle("reset");
    });
    response.on("close", () => {
      if (!settled && !response.readableEnded) {
        downstream.destroy();
        settle("reset");
      }
    });
    downstream.once("close", () => {
      if (!downstream.writableFinished) {
        response.destroy();
        settle("reset");
      }
    });
  });
}

/** Runs the whole upstream exchange for one routed request. Never throws. */
export async function forward(context: ForwardContext): Promise<void> {
  const { decision, body, downstream, metrics } = context;
  const { pool, clusterName } = decision;
  const limits = pool.config.limits;
  const cluster = { envoy_cluster_name: clusterName };
  const overflowing = [...decision.via, pool].find(
    (p) => p.active >= p.config.limits.maxRequests || p.active >= p.config.limits.maxConnections + p.config.limits.maxPendingRequests,
  );
  if (overflowing) {
    metrics.upstreamRqPendingOverflow.inc({ envoy_cluster_name: overflowing.config.name });
    sendLocalReply(downstream, 503, ResponseFlag.upstreamOverflow, "upstream overflow\n");
    context.done(503, ResponseFlag.upstreamOverflow);
    return;
  }
  const tls = pool.config.tls;
  const tlsProblem = tls && "unsupported" in tls ? tls.unsupported : pool.tlsError;
  if (tlsProblem !== undefined) {
    sendLocalReply(downstream, 503, ResponseFlag.upstreamConnectionFailure, `upstream TLS: ${tlsProblem}\n`);
    context.done(503, ResponseFlag.upstreamConnectionFailure);
    return;
  }
  pool.active++;
  for (const hop of decision.via) hop.active++;
  const retry = decision.entry.retry;
  const maxAttempts = 1 + (retry ? Math.max(0, retry.numRetries) : 0);
  const tried = new Set<string>();
  let downstreamGone = false;
  let cancelCurrent: (() => void) | null = null;
  let routeTimedOut = false;
  const routeTimer =
    decision.timeoutMs > 0
      ? setTimeout(() => {
          routeTimedOut = true;
          cancelCurrent?.();
        }, decision.timeoutMs)
      : null;
  // Before any response headers the stream idle timeout ends the request with 408 (Envoy's stream idle timeout);
  // after them, streamResponse re-arms it on every chunk. Upload activity does not re-arm it here.
  let idleTimedOut = false;
  let idleTimer: NodeJS.Timeout | null =
    decision.idleTimeoutMs > 0
      ? setTimeout(() => {
          idleTimedOut = true;
          cancelCurrent?.();
        }, decision.idleTimeoutMs)
      : null;
  const stopIdleTimer = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
  };
  downstream.once("close", () => {
    if (!downstream.writableFinished) {
      downstreamGone = true;
      cancelCurrent?.();
    }
  });
  const finish = (status: number, flag: ResponseFlagCode | "") => {
    if (routeTimer) clearTimeout(routeTimer);
    stopIdleTimer();
    pool.active--;
    for (const hop of decision.via) hop.active--;
    context.done(status, flag);
  };
  let last: AttemptOutcome["kind"] = "connect-failure";
  let retrying = false;
  try {
    for (let number = 1; number <= maxAttempts && !routeTimedOut && !idleTimedOut; number++) {
      const host = pool.pick(retry?.avoidPreviousHosts ? tried : undefined, retry?.hostSelectionAttempts ?? 1);
      if (!host) {
        sendLocalReply(downstream, 503, ResponseFlag.noHealthyUpstream, "no healthy upstream\n");
        return finish(503, ResponseFlag.noHealthyUpstream);
      }
      tried.add(host.key);
      context.details.upstreamHost = host.key;
      metrics.upstreamRqTotal.inc(cluster);
      const started = performance.now();
      const running = startAttempt(pool, host, decision, body, number, retry?.perTryTimeoutMs ?? 0);
      cancelCurrent = running.cancel;
      const outcome = await running.outcome;
      cancelCurrent = null;
      if (retrying) {
        pool.activeRetries--;
        retrying = false;
      }
      if (downstreamGone) {
        if (outcome.kind === "response") outcome.response.body.destroy();
        return finish(499, ResponseFlag.downstreamConnectionTermination);
      }
      if (routeTimedOut || idleTimedOut) {
        if (outcome.kind === "response") outcome.response.body.destroy();
        break;
      }
      const canRetry = number < maxAttempts && retry !== undefined && body.replayable && pool.activeRetries < limits.maxRetries;
      if (outcome.kind === "response") {
        const status = outcome.response.status;
        metrics.upstreamRq.inc({ ...cluster, envoy_response_code: String(status) });
        metrics.upstreamRqTime.observe(cluster, performance.now() - started);
        pool.recordOutcome(host, status >= 500);
        if (canRetry && retriableStatus(retry, status)) {
          outcome.response.discard();
          metrics.upstreamRqRetry.inc(cluster);
          pool.activeRetries++;
          retrying = true;
          await new Promise((resolve) => setTimeout(resolve, backoffMs(number)));
          continue;
        }
        const flags: ResponseFlagCode[] = number > 1 && retry !== undefined && retriableStatus(retry, status) ? [ResponseFlag.upstreamRetryLimitExceeded] : [];
        stopIdleTimer();
        const headers = responseHeaders(decision, outcome.response, flags, performance.now() - started);
        context.details.responseHeaders = headers;
        downstream.writeHead(status, headers);
        // The route timeout covers the whole response, as Envoy's does: past the headers it can only reset.
        cancelCurrent = () => {
          outcome.response.body.destroy();
          downstream.destroy();
        };
        const how = await streamResponse(outcome.response, downstream, decision.idleTimeoutMs, context.details);
        if (how === "idle") return finish(status, ResponseFlag.streamIdleTimeout);
        if (how === "reset") return finish(status, ResponseFlag.upstreamConnectionTermination);
        return finish(status, flags[0] ?? "");
      }
      last = outcome.kind;
      if (outcome.kind === "aborted") {
        sendLocalReply(downstream, 503, ResponseFlag.upstreamConnectionTermination, "upstream request aborted\n");
        return finish(503, ResponseFlag.upstreamConnectionTermination);
      }
      if (outcome.kind === "connect-failure") metrics.upstreamCxConnectFail.inc(cluster);
      if (outcome.kind === "timeout") metrics.upstreamRqTimeout.inc(cluster);
      pool.recordOutcome(host, true);
      if (canRetry && retriableFailure(retry, outcome.kind)) {
        metrics.upstreamRqRetry.inc(cluster);
        pool.activeRetries++;
        retrying = true;
        await new Promise((resolve) => setTimeout(resolve, backoffMs(number)));
        continue;
      }
      break;
    }
    if (routeTimedOut) {
      metrics.upstreamRqTimeout.inc(cluster);
      sendLocalReply(downstream, 504, ResponseFlag.upstreamRequestTimeout, "upstream request timeout\n");
      return finish(504, ResponseFlag.upstreamRequestTimeout);
    }
    if (idleTimedOut) {
      sendLocalReply(downstream, 408, ResponseFlag.streamIdleTimeout, "stream timeout\n");
      return finish(408, ResponseFlag.streamIdleTimeout);
    }
    const retried = maxAttempts > 1 && tried.size > 0;
    if (last === "timeout") {
      sendLocalReply(downstream, 504, ResponseFlag.upstreamRequestTimeout, "upstream request timeout\n");
      return finish(504, ResponseFlag.upstreamRequestTimeout);
    }
    const flag = last === "connect-failure" ? ResponseFlag.upstreamConnectionFailure : ResponseFlag.upstreamConnectionTermination;
    const body503 = last === "connect-failure" ? "upstream connect error or disconnect/reset before headers. reset reason: connection failure\n" : "upstream connect error or disconnect/reset before headers. reset reason: connection termination\n";
    if (!downstream.headersSent) {
      downstream.writeHead(503, {
        "content-type": "text/plain",
        "content-length": String(Buffer.byteLength(body503)),
        [RESPONSE_FLAG_HEADER]: retried ? `${flag},${ResponseFlag.upstreamRetryLimitExceeded}` : flag,
      });
      downstream.end(body503);
    } else downstream.destroy();
    return finish(503, flag);
  } catch (error) {
    if (retrying) pool.activeRetries--;
    sendLocalReply(downstream, 503, ResponseFlag.upstreamConnectionTermination, `${error instanceof Error ? error.message : String(error)}\n`);
    return finish(503, ResponseFlag.upstreamConnectionTermination);
  }
}
