// One HTTP/1.1 upstream attempt through the host's connection pool (http1-client/, one pool per host in
// cluster-connections.ts). The attempt is the pool's request, the core's RunningAttempt and the response, so one
// object carries a request from dispatch to the last body byte. The head is serialized once, up front; response
// headers stay bytes (the head block and field offsets) until the core or forward.ts reads them.
import type { AttemptOutcome, RunningAttempt, UpstreamAttempt } from "../core/index.js";
import { serializeRequestHead, type ConnectionRequest, type Http1Connection, type Http1Pool } from "./http1-client/index.js";
import type { RequestBody } from "./request-body.js";
import { headersFrom, NodeUpstreamResponse, type ResponseHeaders } from "./upstream-response.js";

export class Http1Attempt extends NodeUpstreamResponse implements RunningAttempt<NodeUpstreamResponse>, ConnectionRequest {
  readonly outcome: Promise<AttemptOutcome<NodeUpstreamResponse>>;
  readonly head: string = "";
  readonly isHead: boolean;
  readonly body: RequestBody | null;
  readonly bodyLength: number = -1;
  cancelled = false;
  #settle!: (outcome: AttemptOutcome<NodeUpstreamResponse>) => void;
  #settled = false;
  readonly #pool: Http1Pool;
  #connection: Http1Connection | null = null;
  #block: Buffer | null = null;
  #fields: number[] | null = null;
  #headers: ResponseHeaders | null = null;
  #discarded = false;

  constructor(pool: Http1Pool, attempt: UpstreamAttempt<RequestBody>) {
    super();
    this.outcome = new Promise((resolve) => (this.#settle = resolve));
    this.#pool = pool;
    const { request, body } = attempt;
    this.isHead = request.method === "HEAD";
    this.body = body.empty ? null : body;
    if (this.body !== null && !body.replayable) {
      this.#finish({ kind: "aborted" });
      return;
    }
    const length = request.headers["content-length"];
    if (this.body !== null && length !== undefined) this.bodyLength = typeof length === "string" && /^\d{1,15}$/.test(length) ? Number(length) : Number.NaN;
    const head = serializeRequestHead(request, this.body === null ? "none" : this.bodyLength >= 0 ? "length" : "chunked", false);
    // Bytes that cannot go on the wire (configured header values): nothing reached the host, as undici reported it.
    if (head === undefined || Number.isNaN(this.bodyLength)) {
      this.#finish({ kind: "connect-failure" });
      return;
    }
    this.head = head;
    pool.dispatch(this);
  }

  #finish(outcome: AttemptOutcome<NodeUpstreamResponse>): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(outcome);
  }

  cancel(): void {
    this.cancelled = true;
    this.#finish({ kind: "aborted" });
    if (this.#connection !== null) this.#connection.abort(this);
    else this.#pool.withdraw(this);
  }

  // The pool's request (ConnectionRequest).

  started(connection: Http1Connection): void {
    this.#connection = connection;
  }

  onResponseHead(status: number, head: Buffer, fields: number[]): void {
    this.status = status;
    this.#block = head;
    this.#fields = fields;
    this.#finish({ kind: "response", response: this });
  }

  onResponseBody(chunk: Buffer): boolean {
    if (this.#discarded) return true;
    return this.deliver(chunk);
  }

  onResponseEnd(trailers: Buffer | null, fields: number[] | null): void {
    this.#connection = null;
    this.deliverEnd(trailers !== null && fields !== null && fields.length > 0 ? headersFrom(trailers, fields) : undefined);
  }

  onFailure(kind: "connect-failure" | "reset" | "aborted"): void {
    this.#connection = null;
    if (!this.#settled) this.#finish({ kind });
    else this.deliverReset();
  }

  // The response.

  #parsed(): ResponseHeaders {
    return (this.#headers ??= this.#block === null ? {} : headersFrom(this.#block, this.#fields!));
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
    this.#connection?.resume(this);
  }

  abort(): void {
    this.#connection?.abort(this);
  }

  resume(): void {
    this.#connection?.resume(this);
  }
}
