// Sending one routed request's exchange on Node: the core decides (attempts, retries, timeouts, verdict:
// core/upstream-exchange.ts); this writes the verdict to the downstream response, takes the upstream body as it is
// pushed (upstream-response.ts) with backpressure, relays trailers (gRPC), and reports the final status and flag.
// One Forwarding object per request holds all of it.
import { DeadlineQueue, downstreamResponseHeaders, RESPONSE_FLAG_HEADER, ResponseFlag, UpstreamExchange, type ExchangeVerdict, type ForwardDecision, type ResponseFlagCode, type UpstreamObserver } from "../core/index.js";
import type { RequestBody } from "./request-body.js";
import type { NodeUpstreamResponse, ResponseHeaders, ResponseSink } from "./upstream-response.js";
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
  /**
   * The gateway's HTTP/1.1 server: calls `watcher` when the connection closes before the response finished, instead
   * of a `close` listener per request. Other responses are watched through `once("close")`.
   */
  watchClosed?(watcher: ClosedWatcher): void;
}

export interface ClosedWatcher {
  downstreamClosed(): void;
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
  /** Filled in for access logs when given. */
  details: ForwardDetails | undefined;
  /** performance.now() at the request's start when forwarding starts in that same turn (no filter chain ran first). */
  readonly startedNow: number | undefined;
  /** Called once with the final status and flag, and whether the status was the upstream's own (for metrics). */
  done(status: number, flag: ResponseFlagCode | "", fromUpstream: boolean): void;
}

export function sendLocalReply(downstream: DownstreamResponse, status: number, flags: string, body: string): void {
  if (downstream.headersSent) {
    downstream.destroy();
    return;
  }
  downstream.writeHead(status, { "content-type": "text/plain", "content-length": String(Buffer.byteLength(body)), [RESPONSE_FLAG_HEADER]: flags });
  downstream.end(body);
}

/** The route and idle deadlines of every exchange in this process. */
const deadlines = new DeadlineQueue();

function withoutPseudoHeaders(trailers: ResponseHeaders): Record<string, string | string[]> {
  const plain: Record<string, string | string[]> = {};
  for (const name in trailers) if (trailers[name] !== undefined && !name.startsWith(":")) plain[name] = trailers[name]!;
  return plain;
}

class Forwarding implements ResponseSink, ClosedWatcher {
  readonly #context: ForwardContext;
  readonly #exchange: UpstreamExchange<RequestBody, NodeUpstreamResponse>;
  #response: NodeUpstreamResponse | null = null;
  #status = 0;
  #flag: ResponseFlagCode | "" = "";
  #finished = false;
  /** The status sent (or due) downstream is the upstream response's. */
  #fromUpstream = false;
  /** The downstream closed before the response completed. */
  #gone = false;

  constructor(context: ForwardContext) {
    this.#context = context;
    const { decision, body } = context;
    // The verdict is sent from onVerdict, in the microtask the upstream's response head reached, not after `verdict`'s promise hops.
    this.#exchange = new UpstreamExchange({ decision, body, replayable: () => body.replayable, transport: context.transport, observer: context.observer, now: context.startedNow, deadlines, onVerdict: (verdict) => this.#sendOrReset(verdict) });
    const downstream = context.downstream;
    if (downstream.watchClosed) downstream.watchClosed(this);
    else downstream.once("close", () => this.downstreamClosed());
  }

  /** The verdict sent; should sending it throw (the exchange cannot answer any more), the request is reset and ends. */
  #sendOrReset(verdict: ExchangeVerdict<NodeUpstreamResponse>): void {
    try {
      this.#send(verdict);
    } catch {
      if (verdict.kind === "response") verdict.response.abort();
      this.#context.downstream.destroy();
      this.#finish(this.#status || 503, ResponseFlag.upstreamConnectionTermination);
    }
  }

  #send(verdict: ExchangeVerdict<NodeUpstreamResponse>): void {
    const { downstream, details } = this.#context;
    if (verdict.kind === "cancelled") {
      if (details) details.upstreamHost = verdict.upstreamHost;
      return this.#finish(499, ResponseFlag.downstreamConnectionTermination);
    }
    if (verdict.kind === "local") {
      if (details) details.upstreamHost = verdict.upstreamHost;
      sendLocalReply(downstream, verdict.status, verdict.flags.join(","), verdict.body);
      return this.#finish(verdict.status, verdict.flags[0] ?? "");
    }
    const { response, flags } = verdict;
    if (this.#gone) {
      this.#fromUpstream = true;
      response.abort();
      return this.#finish(response.status, ResponseFlag.upstreamConnectionTermination);
    }
    this.#response = response;
    this.#status = response.status;
    this.#flag = flags[0] ?? "";
    try {
      const headers = downstreamResponseHeaders(this.#context.decision, response, flags, verdict.upstreamMs);
      if (details) {
        details.upstreamHost = verdict.host.key;
        details.responseHeaders = headers;
      }
      downstream.writeHead(response.status, headers);
      this.#fromUpstream = true;
    } catch (error) {
      // Headers Node refuses to send (an invalid upstream header value): Envoy answers 503 UC too.
      response.abort();
      sendLocalReply(downstream, 503, ResponseFlag.upstreamConnectionTermination, `${error instanceof Error ? error.message : String(error)}\n`);
      return this.#finish(503, ResponseFlag.upstreamConnectionTermination);
    }
    // The route timeout covers the whole response, as Envoy's does: past the headers it can only reset.
    this.#exchange.onExpired = (reason) => {
      // Finished first: aborting the upstream reports its reset synchronously, which must not take the flag.
      this.#finish(this.#status, reason === "idle" ? ResponseFlag.streamIdleTimeout : ResponseFlag.upstreamConnectionTermination);
      response.abort();
      downstream.destroy();
    };
    response.stream(this);
  }

  onData(chunk: Buffer): boolean {
    if (this.#finished) return true;
    // A body that arrived whole with its head ends right after this chunk: no idle deadline to move.
    if (this.#response === null || !this.#response.complete) this.#exchange.touch();
    const details = this.#context.details;
    if (details) details.bytesSent += chunk.length;
    if (this.#context.downstream.write(chunk)) return true;
    this.#context.downstream.once("drain", () => this.#response?.resume());
    return false;
  }

  onEnd(trailers: ResponseHeaders | undefined): void {
    if (this.#finished) return;
    const downstream = this.#context.downstream;
    if (trailers && downstream.addTrailers) downstream.addTrailers(withoutPseudoHeaders(trailers));
    downstream.end();
    this.#finish(this.#status, this.#flag);
  }

  onReset(): void {
    if (this.#finished) return;
    this.#context.downstream.destroy();
    this.#finish(this.#status, ResponseFlag.upstreamConnectionTermination);
  }

  downstreamClosed(): void {
    if (this.#finished || this.#context.downstream.writableFinished) return;
    this.#gone = true;
    if (this.#response) {
      this.#response.abort();
      this.#finish(this.#status, ResponseFlag.upstreamConnectionTermination);
    } else this.#exchange.cancel();
  }

  #finish(status: number, flag: ResponseFlagCode | ""): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#exchange.end();
    this.#context.done(status, flag, this.#fromUpstream);
  }
}

/** Runs the whole upstream exchange for one routed request and answers downstream. Never throws. */
export function forward(context: ForwardContext): void {
  new Forwarding(context);
}
