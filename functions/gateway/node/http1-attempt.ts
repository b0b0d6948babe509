// One HTTP/1.1 upstream attempt through the host's undici Pool (cluster-connections.ts). undici was measured against
// a tuned keep-alive http.Agent for this job (issue 16, bench/RESULTS.md): a pass-through proxy spent about 40 %
// less CPU per request on it. The attempt is its own dispatch handler, RunningAttempt and response, so one object
// carries a request from dispatch to the last body byte. It uses undici's raw handler callbacks (onConnect,
// onHeaders, onData, onComplete, onError): the ones its client calls directly, without the adapter that parses
// headers for the newer onResponse* callbacks.
import { PassThrough } from "node:stream";
import type { Dispatcher } from "undici";
import type { AttemptOutcome, RunningAttempt, UpstreamAttempt } from "../core/index.js";
import type { RequestBody } from "./request-body.js";
import { NodeUpstreamResponse, parseRawHeaders, type ResponseHeaders } from "./upstream-response.js";

/**
 * Request headers in undici's flat form: name, value, … (undici's types say strings; a repeated header's values may
 * also go as one array, which it sends as repeated lines).
 */
function flatHeaders(headers: Readonly<Record<string, string | string[]>>, authority: string): string[] {
  const flat: (string | string[])[] = ["host", authority];
  for (const name in headers) flat.push(name, headers[name]!);
  return flat as string[];
}

export class Http1Attempt extends NodeUpstreamResponse implements RunningAttempt<NodeUpstreamResponse> {
  readonly outcome: Promise<AttemptOutcome<NodeUpstreamResponse>>;
  #settle!: (outcome: AttemptOutcome<NodeUpstreamResponse>) => void;
  #settled = false;
  #connected = false;
  #cancelled = false;
  #abort: ((reason?: Error) => void) | null = null;
  #resume: (() => void) | null = null;
  #rawHeaders: Buffer[] | null = null;
  #headers: ResponseHeaders | null = null;
  #discarded = false;
  readonly #body: RequestBody;
  readonly #bodyStream: PassThrough | null;

  constructor(pool: Dispatcher, attempt: UpstreamAttempt<RequestBody>) {
    super();
    this.outcome = new Promise((resolve) => (this.#settle = resolve));
    const { request, body } = attempt;
    this.#body = body;
    this.#bodyStream = body.empty ? null : new PassThrough();
    if (this.#bodyStream && !body.attach(this.#bodyStream)) {
      this.#finish({ kind: "aborted" });
      return;
    }
    pool.dispatch({ path: request.path, method: request.method, headers: flatHeaders(request.headers, request.authority), body: this.#bodyStream }, this as unknown as Dispatcher.DispatchHandler);
  }

  #finish(outcome: AttemptOutcome<NodeUpstreamResponse>): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(outcome);
  }

  cancel(): void {
    this.#cancelled = true;
    this.#finish({ kind: "aborted" });
    if (this.#bodyStream) this.#body.detach(this.#bodyStream);
    this.#abort?.(new Error("attempt cancelled"));
  }

  // undici's handler callbacks.

  onConnect(abort: (reason?: Error) => void): void {
    this.#connected = true;
    if (this.#cancelled) abort(new Error("attempt cancelled"));
    else this.#abort = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx informational responses are not the response (undici passes 100 Continue only with expectContinue).
    if (status < 200) return true;
    this.status = status;
    this.#rawHeaders = rawHeaders;
    this.#resume = resume;
    this.#finish({ kind: "response", response: this });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#discarded) return true;
    return this.deliver(chunk);
  }

  onComplete(rawTrailers: Buffer[] | null): void {
    this.deliverEnd(rawTrailers && rawTrailers.length > 0 ? parseRawHeaders(rawTrailers) : undefined);
  }

  onError(): void {
    if (this.#bodyStream) this.#body.detach(this.#bodyStream);
    if (!this.#settled) this.#finish({ kind: this.#connected ? "reset" : "connect-failure" });
    else this.deliverReset();
  }

  // The response.

  #parsed(): ResponseHeaders {
    return (this.#headers ??= parseRawHeaders(this.#rawHeaders ?? []));
  }

  header(name: string): string | undefined {
    const value = this.#parsed()[name];
    return Array.isArray(value) ? value.join(",") : value;
  }

  forEachHeader(visit: (name: string, value: string | string[]) => void): void {
    const headers = this.#parsed();
    for (const name in headers) visit(name, headers[name]!);
  }

  discard(): void {
    this.#discarded = true;
    this.#resume?.();
  }

  abort(): void {
    this.#abort?.(new Error("response reset"));
  }

  resume(): void {
    this.#resume?.();
  }
}
