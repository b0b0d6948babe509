// Forwarding a routed request with fetch (the Worker build): retries per the route's policy (for bodiless requests
// and bodies of a declared length up to REPLAYABLE_BODY_LIMIT, kept for replay as Envoy keeps its retry buffer;
// larger bodies stream through once), per-try and route timeouts via AbortSignal, passive outlier ejection,
// response header changes, and the same verdicts and flags as the Node gateway.
import type { RetryConfig } from "../config/route-entries.js";
import { RESPONSE_FLAG_HEADER, ResponseFlag, type ResponseFlagCode } from "../proxy/response-flags.js";
import { applyHeaderChanges, type ForwardDecision } from "../proxy/router.js";
import type { FetchPool } from "./fetch-pool.js";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "content-encoding", "content-length"]);

export function localReply(status: number, flag: ResponseFlagCode, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain", [RESPONSE_FLAG_HEADER]: flag } });
}

function retriableStatus(retry: RetryConfig, status: number): boolean {
  if (retry.on.has("retriable-status-codes") && retry.statusCodes.has(status)) return true;
  if (retry.on.has("5xx") && status >= 500) return true;
  return retry.on.has("gateway-error") && status >= 502 && status <= 504;
}

const retriableFailure = (retry: RetryConfig): boolean => ["connect-failure", "reset", "5xx", "gateway-error"].some((token) => retry.on.has(token));

/** Bodies up to this size (by content-length) are kept so a retry can resend them. */
export const REPLAYABLE_BODY_LIMIT = 64 * 1024;

export async function forwardWithFetch(decision: ForwardDecision<FetchPool>, stream: ReadableStream<Uint8Array> | null, doFetch: typeof fetch = fetch): Promise<Response> {
  const { pool, request, entry } = decision;
  const retry = entry.retry;
  const length = Number(request.headers["content-length"] ?? NaN);
  const replayable = stream === null || (Number.isInteger(length) && length <= REPLAYABLE_BODY_LIMIT);
  const body: ReadableStream<Uint8Array> | ArrayBuffer | null = stream !== null && replayable && retry ? await new Response(stream).arrayBuffer() : stream;
  const maxAttempts = replayable && retry ? 1 + retry.numRetries : 1;
  const deadline = decision.timeoutMs > 0 ? Date.now() + decision.timeoutMs : Infinity;
  const tried = new Set<string>();
  let lastFailure: "timeout" | "connect-failure" = "connect-failure";
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const host = pool.pick(tried);
    if (!host) return localReply(503, ResponseFlag.noHealthyUpstream, "no healthy upstream\n");
    tried.add(host.key);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
    // fetch cannot send an arbitrary Host; the rewritten authority travels as x-forwarded-host.
    headers.set("x-forwarded-host", request.authority);
    const remaining = deadline - Date.now();
    const perTry = retry?.perTryTimeoutMs ?? 0;
    const limit = Math.min(remaining, perTry > 0 ? perTry : Infinity);
    try {
      const response = await doFetch(`${host.origin}${request.path}`, {
        method: request.method,
        headers,
        body,
        redirect: "manual",
        ...(Number.isFinite(limit) ? { signal: AbortSignal.timeout(Math.max(1, limit)) } : {}),
      });
      pool.recordOutcome(host, response.status >= 500);
      if (attempt < maxAttempts && retry && retriableStatus(retry, response.status)) {
        await response.body?.cancel();
        continue;
      }
      const out = new Headers();
      response.headers.forEach((value, name) => {
        if (!HOP_BY_HOP.has(name)) out.append(name, value);
      });
      const record: Record<string, string | string[]> = {};
      out.forEach((value, name) => (record[name] = value));
      for (const changes of decision.responseChanges) applyHeaderChanges(record, changes);
      if (attempt > 1 && retry && retriableStatus(retry, response.status)) record[RESPONSE_FLAG_HEADER] = ResponseFlag.upstreamRetryLimitExceeded;
      const final = new Headers();
      for (const [name, value] of Object.entries(record)) for (const one of Array.isArray(value) ? value : [value]) final.append(name, one);
      return new Response(response.body, { status: response.status, headers: final });
    } catch (error) {
      pool.recordOutcome(host, true);
      lastFailure = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError") ? "timeout" : "connect-failure";
      if (Date.now() >= deadline) return localReply(504, ResponseFlag.upstreamRequestTimeout, "upstream request timeout\n");
      if (!(attempt < maxAttempts && retry && retriableFailure(retry))) break;
    }
  }
  if (lastFailure === "timeout") return localReply(504, ResponseFlag.upstreamRequestTimeout, "upstream request timeout\n");
  return localReply(503, maxAttempts > 1 ? `${ResponseFlag.upstreamConnectionFailure},${ResponseFlag.upstreamRetryLimitExceeded}` as ResponseFlagCode : ResponseFlag.upstreamConnectionFailure, "upstream connect error\n");
}
