// Sending one routed request's exchange on Node: the core decides (attempts, retries, timeouts, verdict:
// core/upstream-exchange.ts); this writes the verdict to the downstream response, streaming the upstream body with
// backpressure and relaying trailers (gRPC), and reports the final status and flag.
import { downstreamResponseHeaders, RESPONSE_FLAG_HEADER, ResponseFlag, UpstreamExchange, type ForwardDecision, type ResponseFlagCode, type UpstreamObserver } from "../core/index.js";
import type { RequestBody } from "./request-body.js";
import type { NodeUpstreamResponse } from "./upstream-attempt.js";
import type { NodeUpstreamTransport } from "./upstream-transport.js";

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
  transport: NodeUpstreamTransport;
  observer: UpstreamObserver;
  details: ForwardDetails;
  /** Called once with the final status and flag (for access metrics). */
  done(status: number, flag: ResponseFlagCode | ""): void;
}

export function sendLocalReply(downstream: DownstreamResponse, status: number, flags: string, body: string): void {
  if (downstream.headersSent) {
    downstream.destroy();
    return;
  }
  downstream.writeHead(status, { "content-type": "text/plain", "content-length": String(Buffer.byteLength(body)), [RESPONSE_FLAG_HEADER]: flags });
  downstream.end(body);
}

function withoutPseudoHeaders(trailers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const plain: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(trailers)) if (value !== undefined && !name.startsWith(":")) plain[name] = value;
  return plain;
}

/** Streams the upstream body downstream with backpressure until it ends, fails, or the exchange expires. */
function streamResponse(
  upstream: NodeUpstreamResponse,
  downstream: DownstreamResponse,
  exchange: UpstreamExchange<RequestBody, NodeUpstreamResponse>,
  details: ForwardDetails,
): Promise<"complete" | "idle" | "reset"> {
  const response = upstream.body;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (how: "complete" | "idle" | "reset") => {
      if (settled) return;
      settled = true;
      resolve(how);
    };
    // The route timeout covers the whole response, as Envoy's does: past the headers it can only reset.
    exchange.onExpired = (reason) => {
      response.destroy();
      downstream.destroy();
      settle(reason === "idle" ? "idle" : "reset");
    };
    response.on("data", (chunk: Buffer) => {
      exchange.touch();
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
    const reset = () => {
      downstream.destroy();
      settle("reset");
    };
    response.on("error", reset);
    response.on("aborted", reset);
    response.on("close", () => {
      if (!settled && !response.readableEnded) reset();
    });
    downstream.once("close", () => {
      if (!downstream.writableFinished) {
        response.destroy();
        settle("reset");
      }
    });
  });
}

/** Runs the whole upstream exchange for one routed request and answers downstream. Never throws. */
export async function forward(context: ForwardContext): Promise<void> {
  const { decision, body, downstream, details } = context;
  const exchange = new UpstreamExchange({ decision, body, replayable: () => body.replayable, transport: context.transport, observer: context.observer });
  downstream.once("close", () => {
    if (!downstream.writableFinished) exchange.cancel();
  });
  const done = (status: number, flag: ResponseFlagCode | "") => {
    exchange.end();
    context.done(status, flag);
  };
  try {
    const verdict = await exchange.verdict;
    if (verdict.kind === "cancelled") {
      details.upstreamHost = verdict.upstreamHost;
      return done(499, ResponseFlag.downstreamConnectionTermination);
    }
    if (verdict.kind === "local") {
      details.upstreamHost = verdict.upstreamHost;
      sendLocalReply(downstream, verdict.status, verdict.flags.join(","), verdict.body);
      return done(verdict.status, verdict.flags[0] ?? "");
    }
    const { response, flags } = verdict;
    details.upstreamHost = verdict.host.key;
    const headers = downstreamResponseHeaders(decision, response, flags, verdict.upstreamMs);
    details.responseHeaders = headers;
    downstream.writeHead(response.status, headers);
    const how = await streamResponse(response, downstream, exchange, details);
    done(response.status, how === "idle" ? ResponseFlag.streamIdleTimeout : how === "reset" ? ResponseFlag.upstreamConnectionTermination : (flags[0] ?? ""));
  } catch (error) {
    sendLocalReply(downstream, 503, ResponseFlag.upstreamConnectionTermination, `${error instanceof Error ? error.message : String(error)}\n`);
    done(503, ResponseFlag.upstreamConnectionTermination);
  } finally {
    exchange.end();
  }
}
