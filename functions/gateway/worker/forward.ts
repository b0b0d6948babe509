// Sending one routed request's exchange in the Worker: the core decides (attempts, retries, timeouts, verdict:
// core/upstream-exchange.ts), this turns the verdict into the Worker's Response. Bodies without a declared length,
// or longer than REPLAYABLE_BODY_LIMIT, stream through once; shorter ones are kept so a retry or a mirror can resend
// them. A filter's own answer is turned into a Response here too.
import { downstreamResponseHeaders, noUpstreamObserver, RESPONSE_FLAG_HEADER, RESPONSE_HOP_BY_HOP, ResponseFlag, UpstreamExchange, type ForwardDecision } from "../core/index.js";
import { filterReplyHeaders, type FilterReply, type ServerHeader } from "../core/filters/index.js";
import type { FetchUpstreamResponse, WorkerRequestBody, WorkerUpstreamTransport } from "./upstream-transport.js";

/** Bodies up to this size (by content-length) are kept so a retry can resend them. */
export const REPLAYABLE_BODY_LIMIT = 64 * 1024;

/** fetch decodes compressed bodies and frames them itself: their encoding and length headers no longer apply. */
const DROPPED: ReadonlySet<string> = new Set([...RESPONSE_HOP_BY_HOP, "content-encoding", "content-length"]);

export function localReply(status: number, flags: string, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain", [RESPONSE_FLAG_HEADER]: flags } });
}

/** The upstream body, passed on chunk by chunk so the idle timeout re-arms and the exchange ends with the body. */
function trackedBody(upstream: FetchUpstreamResponse, exchange: UpstreamExchange<WorkerRequestBody, FetchUpstreamResponse>): ReadableStream<Uint8Array> | null {
  const source = upstream.response.body;
  if (!source) {
    exchange.end();
    return null;
  }
  const reader = source.getReader();
  // The route or idle timeout resets the body; the exchange ends here too, in case nobody reads it any more.
  exchange.onExpired = () => {
    upstream.abort();
    exchange.end();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          exchange.end();
          controller.close();
          return;
        }
        exchange.touch();
        controller.enqueue(value);
      } catch (error) {
        exchange.end();
        controller.error(error);
      }
    },
    cancel(reason) {
      exchange.end();
      return reader.cancel(reason);
    },
  });
}

/** A filter's own answer (a fault's abort, a 429, a CORS preflight, a 401, an authorization denial). */
export function filterReplyResponse(reply: FilterReply, server: ServerHeader | undefined): Response {
  return new Response(reply.body, { status: reply.status, headers: filterReplyHeaders(reply, server) });
}

/**
 * The downstream body as the exchange takes it: read whole when something needs it again (a retry, a mirror) and its
 * declared length fits REPLAYABLE_BODY_LIMIT, else streamed through once.
 */
export async function workerRequestBody(decision: ForwardDecision, stream: ReadableStream<Uint8Array> | null, kept: boolean): Promise<WorkerRequestBody> {
  if (stream === null) return { bytes: null };
  const length = Number(decision.request.headers["content-length"] ?? NaN);
  const replayable = Number.isInteger(length) && length <= REPLAYABLE_BODY_LIMIT;
  return replayable && kept ? { bytes: await new Response(stream).arrayBuffer() } : { stream };
}

export async function forwardWithFetch(decision: ForwardDecision, body: WorkerRequestBody, transport: WorkerUpstreamTransport): Promise<Response> {
  const exchange = new UpstreamExchange({ decision, body, replayable: () => !("stream" in body), transport, observer: noUpstreamObserver });
  const verdict = await exchange.verdict;
  if (verdict.kind !== "response") {
    exchange.end();
    if (verdict.kind === "cancelled") return localReply(499, ResponseFlag.downstreamConnectionTermination, "client went away\n");
    return localReply(verdict.status, verdict.flags.join(","), verdict.body);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(downstreamResponseHeaders(decision, verdict.response, verdict.flags, verdict.upstreamMs, DROPPED))) {
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return new Response(trackedBody(verdict.response, exchange), { status: verdict.response.status, headers });
}
