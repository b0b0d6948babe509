// One HTTP/2 upstream attempt (prior knowledge, or h2 over TLS): a stream on the host's shared session
// (Http2Connection). The session tracks its attempts itself, so a session failure reaches each of them without a
// listener per request on the session. REFUSED_STREAM is told apart (Envoy's refused-stream retry condition).
import http2 from "node:http2";
import type { Writable } from "node:stream";
import type { AttemptOutcome, RunningAttempt, UpstreamAttempt } from "../core/index.js";
import type { RequestBody } from "./request-body.js";
import { NodeUpstreamResponse, type ResponseHeaders } from "./upstream-response.js";

const { NGHTTP2_REFUSED_STREAM } = http2.constants;

/** A session to one host and the attempts it carries. */
export class Http2Connection {
  readonly session: http2.ClientHttp2Session;
  readonly attempts = new Set<Http2Attempt>();
  #connected: boolean;
  #connectTimer: NodeJS.Timeout | undefined;

  constructor(session: http2.ClientHttp2Session, connectTimeoutMs: number) {
    this.session = session;
    this.#connected = !session.connecting;
    if (!this.#connected) {
      this.#connectTimer = setTimeout(() => session.destroy(new Error("connect timeout")), connectTimeoutMs);
      session.once("connect", () => {
        this.#connected = true;
        clearTimeout(this.#connectTimer);
      });
    }
    const ended = () => {
      clearTimeout(this.#connectTimer);
      for (const attempt of this.attempts) attempt.sessionEnded(this.#connected);
      this.attempts.clear();
    };
    session.on("error", ended);
    session.on("close", ended);
  }

  get connected(): boolean {
    return this.#connected;
  }

  get usable(): boolean {
    return !this.session.closed && !this.session.destroyed;
  }
}

export class Http2Attempt extends NodeUpstreamResponse implements RunningAttempt<NodeUpstreamResponse> {
  readonly outcome: Promise<AttemptOutcome<NodeUpstreamResponse>>;
  #settle!: (outcome: AttemptOutcome<NodeUpstreamResponse>) => void;
  #settled = false;
  #headers: ResponseHeaders = {};
  #trailers: ResponseHeaders | undefined;
  #stream: http2.ClientHttp2Stream | undefined;
  readonly #connection: Http2Connection;
  readonly #body: RequestBody;

  constructor(connection: Http2Connection, attempt: UpstreamAttempt<RequestBody>, scheme: "http" | "https") {
    super();
    this.outcome = new Promise((resolve) => (this.#settle = resolve));
    this.#connection = connection;
    this.#body = attempt.body;
    const { request } = attempt;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = connection.session.request({ ...request.headers, ":method": request.method, ":path": request.path, ":authority": request.authority, ":scheme": scheme });
    } catch {
      this.#finish({ kind: connection.connected ? "reset" : "connect-failure" });
      return;
    }
    this.#stream = stream;
    connection.attempts.add(this);
    stream.on("response", (headers) => this.#onResponse(headers));
    stream.on("trailers", (trailers) => (this.#trailers = trailers as ResponseHeaders));
    stream.on("data", (chunk: Buffer) => {
      if (!this.deliver(chunk)) stream.pause();
    });
    stream.on("end", () => this.deliverEnd(this.#trailers));
    stream.on("error", () => this.#ended());
    stream.on("close", () => this.#ended());
    if (!this.#body.attach(stream as unknown as Writable)) this.#finish({ kind: "aborted" });
  }

  #onResponse(headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
    const status = Number(headers[":status"] ?? 502);
    // 1xx informational headers are not the response.
    if (status < 200) return;
    this.status = status;
    this.#headers = headers as ResponseHeaders;
    this.#finish({ kind: "response", response: this });
  }

  #finish(outcome: AttemptOutcome<NodeUpstreamResponse>): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(outcome);
  }

  /** The stream closed or failed: before the headers that is the attempt's failure, after them a reset body. */
  #ended(): void {
    this.#connection.attempts.delete(this);
    if (this.#stream) this.#body.detach(this.#stream as unknown as Writable);
    const stream = this.#stream;
    if (!this.#settled) this.#finish({ kind: stream?.rstCode === NGHTTP2_REFUSED_STREAM ? "refused-stream" : this.#connection.connected ? "reset" : "connect-failure" });
    else this.deliverReset();
  }

  /** Called by the connection when its session errs or closes. */
  sessionEnded(connected: boolean): void {
    if (this.#stream) this.#body.detach(this.#stream as unknown as Writable);
    if (!this.#settled) this.#finish({ kind: connected ? "reset" : "connect-failure" });
    else this.deliverReset();
  }

  cancel(): void {
    this.#finish({ kind: "aborted" });
    if (this.#stream) {
      this.#body.detach(this.#stream as unknown as Writable);
      this.#stream.close(http2.constants.NGHTTP2_CANCEL);
    }
  }

  header(name: string): string | undefined {
    const value = this.#headers[name];
    return Array.isArray(value) ? value.join(",") : value;
  }

  forEachHeader(visit: (name: string, value: string | string[]) => void): void {
    const headers = this.#headers;
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) visit(name, value);
    }
  }

  discard(): void {
    this.#stream?.close();
  }

  abort(): void {
    this.#stream?.close(http2.constants.NGHTTP2_CANCEL);
  }

  resume(): void {
    this.#stream?.resume();
  }
}
