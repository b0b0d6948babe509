// One downstream HTTP/1.1 connection: reads a request head, then its body, hands the request and its response to
// the server's handler, and only once that response is complete (and the body read or dropped) parses the next
// request from what is buffered, so pipelined requests are answered in order. While a response is pending, bytes
// of later requests are buffered up to a bound, then the socket is paused. A malformed request is answered 400
// (431 for an oversized head, 505 for another HTTP version) and the connection closed.
import type { Duplex } from "node:stream";
import { DirectReadSocket } from "../direct-read-socket.js";
import { ChunkedDecoder } from "./chunked-decoder.js";
import { parseRequestHead, type RequestHead } from "./request-head.js";
import { Http1Request, type BodyFeed, type PeerAddress } from "./request.js";
import { Http1Response, type ResponseChannel } from "./response.js";
import type { Http1ConnectionHost } from "./server-options.js";

const enum Phase {
  /** Waiting for (the rest of) a request head. */
  Head,
  /** Reading the current request's body. */
  Body,
  /** The request is read; its response is pending. */
  Waiting,
  /** Handed to the upgrade handler, or closed / closing: nothing more is read. */
  Gone,
}

const EMPTY = Buffer.alloc(0);
const HEAD_END = Buffer.from("\r\n\r\n");
const CR = 13;
const LF = 10;
const CONTINUE = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n");

const REFUSALS: Record<number, Buffer> = {};
for (const [status, reason] of [
  [400, "Bad Request"],
  [408, "Request Timeout"],
  [431, "Request Header Fields Too Large"],
  [505, "HTTP Version Not Supported"],
] as const) {
  REFUSALS[status] = Buffer.from(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
}

/** A LF not preceded by CR before the head's end (RFC 9112 §2.2 allows refusing it; we do, as for bare CR). */
function hasBareLf(buffer: Buffer, from: number): boolean {
  for (let i = buffer.indexOf(LF, from); i !== -1; i = buffer.indexOf(LF, i + 1)) if (i === 0 || buffer[i - 1] !== CR) return true;
  return false;
}

function processLater(connection: Http1Connection): void {
  connection.process();
}

export class Http1Connection implements BodyFeed, ResponseChannel {
  readonly #host: Http1ConnectionHost;
  readonly #socket: Duplex;
  /** A TLS connection (x-forwarded-proto: https). */
  readonly #secure: boolean;
  readonly #peer: PeerAddress;
  #phase = Phase.Head;
  #buffer: Buffer = EMPTY;
  /** How much of a partial head in `#buffer` was already searched (its end, bare LFs): each byte is looked at once. */
  #scanned = 0;
  #request: Http1Request | null = null;
  #response: Http1Response | null = null;
  #decoder: ChunkedDecoder | null = null;
  #remaining = 0;
  #bodyDone = true;
  #responseDone = true;
  /** The response is complete but the body is not: the rest of it is read and dropped. */
  #discarding = false;
  #processing = false;
  #socketPaused = false;
  /** Requests answered so far (an idle connection that has served one waits for the keep-alive timeout). */
  #served = 0;
  /** performance.now() when the current wait began: the connection or head started, the request, or idleness. */
  #since: number;
  /** performance.now() of the read being processed, -1 outside one (a request started later reads the clock itself). */
  #readAt = -1;

  constructor(host: Http1ConnectionHost, socket: Duplex, peer: PeerAddress) {
    this.#host = host;
    this.#socket = socket;
    this.#secure = (socket as { encrypted?: boolean }).encrypted === true;
    // Read once: a closed socket forgets its peer, and access logs are written after the response.
    this.#peer = { remoteAddress: peer.remoteAddress, remotePort: peer.remotePort };
    this.#since = performance.now();
    // A socket that reads into a shared buffer hands its reads over directly (direct-read-socket.ts).
    if (socket instanceof DirectReadSocket) socket.reader = this.received;
    else socket.on("data", this.received);
    socket.on("drain", this.#onDrain);
    socket.on("close", this.#onClose);
  }

  get closing(): boolean {
    return this.#host.draining;
  }

  /** No request in progress and nothing buffered: closed at once when the server drains. */
  get idle(): boolean {
    return this.#phase === Phase.Head && this.#buffer.length === 0;
  }

  /** Bytes read from the socket (its 'data' listener, or its reader). */
  readonly received = (chunk: Buffer): void => {
    if (this.#phase === Phase.Gone) return;
    const now = performance.now();
    if (this.#buffer.length === 0) {
      if (this.#phase === Phase.Head) this.#since = now;
      this.#buffer = chunk;
    } else this.#buffer = Buffer.concat([this.#buffer, chunk]);
    // Requests that start while these bytes are processed started now: one clock read serves the read and them.
    this.#readAt = now;
    this.process();
    this.#readAt = -1;
  };

  readonly #onDrain = (): void => {
    this.#response?.emit("drain");
  };

  readonly #onClose = (): void => {
    this.#phase = Phase.Gone;
    if (!this.#bodyDone) this.#request?.abortBody();
    this.#response?.connectionClosed();
    this.#host.removeConnection(this);
  };

  /** Parses and dispatches what is buffered, as far as the current request allows. */
  process(): void {
    if (this.#processing) return;
    this.#processing = true;
    try {
      for (;;) {
        if (this.#phase === Phase.Head) {
          if (!this.#readHead()) break;
        } else if (this.#phase === Phase.Body) {
          if (!this.#readBody()) break;
        } else break;
      }
    } finally {
      this.#processing = false;
    }
    // Later requests wait in the buffer while a response is pending; past the bound, TCP holds the rest back.
    if (this.#phase === Phase.Waiting && this.#buffer.length > this.#host.options.maxHeaderSize) this.#pauseSocket();
  }

  bodyResumed(): void {
    if (this.#phase !== Phase.Body) return;
    this.#resumeSocket();
    process.nextTick(processLater, this);
  }

  write(data: Buffer): boolean {
    return this.#socket.write(data);
  }

  destroy(): void {
    this.#phase = Phase.Gone;
    this.#socket.destroy();
  }

  responseFinished(persist: boolean): void {
    this.#responseDone = true;
    this.#served++;
    if (!persist || this.#host.draining) {
      this.#close();
      return;
    }
    if (!this.#bodyDone) {
      this.#discarding = true;
      this.#since = performance.now();
      this.#resumeSocket();
    } else this.#next();
    // Not from inside end(): the caller finishes its own bookkeeping before the next request starts. With nothing
    // buffered (no pipelined request) there is nothing to process: the next bytes come with a read.
    if (this.#buffer.length > 0) process.nextTick(processLater, this);
  }

  /** Enforces the header, request and keep-alive timeouts (called by the server's sweep). */
  checkTimeouts(now: number): void {
    const { options } = this.#host;
    const waited = now - this.#since;
    switch (this.#phase) {
      case Phase.Head:
        if (this.#buffer.length === 0 && this.#served > 0) {
          if (waited > options.keepAliveTimeoutMs) this.destroy();
        } else if (waited > options.headersTimeoutMs) this.#refuse(408);
        break;
      case Phase.Body:
        if (this.#discarding) {
          if (waited > options.requestTimeoutMs) this.destroy();
        } else if (waited > options.requestTimeoutMs) this.#refuse(408);
        break;
      case Phase.Gone:
        // Refused or closing: the client had its answer; a socket it keeps open is dropped.
        if (waited > options.headersTimeoutMs) this.#socket.destroy();
        break;
    }
  }

  #readHead(): boolean {
    let buffer = this.#buffer;
    // At least one empty line before a request line is ignored (RFC 9112 §2.2).
    let start = 0;
    while (start + 1 < buffer.length && buffer[start] === CR && buffer[start + 1] === LF) start += 2;
    if (start > 0) {
      this.#buffer = buffer = start === buffer.length ? EMPTY : buffer.subarray(start);
      this.#scanned = Math.max(0, this.#scanned - start);
    }
    if (buffer.length === 0) return false;
    const { options } = this.#host;
    const end = buffer.indexOf(HEAD_END, Math.max(0, this.#scanned - 3));
    if (end === -1) {
      if (buffer.length > options.maxHeaderSize) this.#refuse(431);
      else if (hasBareLf(buffer, this.#scanned)) this.#refuse(400);
      this.#scanned = buffer.length;
      return false;
    }
    this.#scanned = 0;
    if (end + HEAD_END.length > options.maxHeaderSize) {
      this.#refuse(431);
      return false;
    }
    const head = parseRequestHead(buffer.toString("latin1", 0, end), options, this.#secure);
    if (typeof head === "number") {
      this.#refuse(head);
      return false;
    }
    const rest = end + HEAD_END.length;
    this.#buffer = rest === buffer.length ? EMPTY : buffer.subarray(rest);
    this.#start(head);
    return true;
  }

  #start(head: RequestHead): void {
    // CONNECT tunnels are not served (node:http, with no `connect` listener, dropped them too).
    if (head.method === "CONNECT") return this.#refuse(400);
    const startedAt = this.#readAt >= 0 ? this.#readAt : performance.now();
    const request = new Http1Request(head, this.#peer, this, startedAt);
    if (head.upgrade !== undefined) return this.#upgrade(request);
    const response = new Http1Response(this, head.method === "HEAD", head.minor, head.keepAlive);
    this.#request = request;
    this.#response = response;
    this.#responseDone = false;
    this.#discarding = false;
    this.#since = startedAt;
    if (head.chunked) this.#decoder = new ChunkedDecoder(this.#host.options);
    else this.#remaining = head.contentLength > 0 ? head.contentLength : 0;
    this.#bodyDone = !request.hasBody;
    this.#phase = this.#bodyDone ? Phase.Waiting : Phase.Body;
    if (head.expect !== undefined) {
      // node:http's answers without `checkContinue` / `checkExpectation` listeners.
      if (head.expect !== "100-continue") {
        response.writeHead(417, { "content-length": "0" });
        response.end();
        return;
      }
      if (head.minor === 1) this.#socket.write(CONTINUE);
    }
    this.#host.handlers.request(request, response);
  }

  #readBody(): boolean {
    const request = this.#request!;
    const buffer = this.#buffer;
    if (!this.#discarding && !request.flowing) {
      if (buffer.length > 0) this.#pauseSocket();
      return false;
    }
    if (buffer.length === 0) return false;
    const decoder = this.#decoder;
    if (decoder) {
      const next = decoder.decode(buffer, 0, this.#pushBody);
      if (next === -1) {
        this.#refuse(400);
        return false;
      }
      this.#buffer = next === buffer.length ? EMPTY : buffer.subarray(next);
      if (decoder.done) this.#bodyComplete();
      return true;
    }
    const take = Math.min(this.#remaining, buffer.length);
    this.#buffer = take === buffer.length ? EMPTY : buffer.subarray(take);
    this.#remaining -= take;
    this.#pushBody(take === buffer.length ? buffer : buffer.subarray(0, take));
    if (this.#remaining === 0) this.#bodyComplete();
    return true;
  }

  readonly #pushBody = (chunk: Buffer): boolean => (this.#discarding ? true : this.#request!.pushBody(chunk));

  #bodyComplete(): void {
    this.#decoder = null;
    this.#bodyDone = true;
    if (!this.#discarding) this.#request!.endBody();
    if (this.#responseDone) this.#next();
    else this.#phase = Phase.Waiting;
  }

  #next(): void {
    this.#phase = Phase.Head;
    this.#scanned = 0;
    this.#request = null;
    this.#response = null;
    this.#discarding = false;
    this.#since = performance.now();
    this.#resumeSocket();
  }

  /** Answers `status` (unless a response has begun, then just drops) and closes the connection. */
  #refuse(status: number): void {
    const started = this.#response !== null && !this.#responseDone && this.#response.flushed;
    this.#end(started ? undefined : REFUSALS[status]);
    if (started) this.#socket.destroy();
  }

  /** After a response that ends the connection: once it is flushed the socket goes (node:http's destroySoon). */
  #close(): void {
    this.#end(undefined);
    const socket = this.#socket;
    if (socket.writableFinished) socket.destroy();
    else socket.once("finish", () => socket.destroy());
  }

  #end(last: Buffer | undefined): void {
    this.#phase = Phase.Gone;
    this.#since = performance.now();
    if (!this.#bodyDone) this.#request?.abortBody();
    if (!this.#responseDone) this.#response?.connectionClosed();
    this.#bodyDone = true;
    this.#responseDone = true;
    this.#buffer = EMPTY;
    this.#resumeSocket();
    if (last) this.#socket.end(last);
    else this.#socket.end();
  }

  /** Gives the socket and the bytes after the head to the upgrade handler; this connection lets go of it. */
  #upgrade(request: Http1Request): void {
    this.#phase = Phase.Gone;
    const socket = this.#socket;
    // From here reads go to the socket's Readable again, for the upgrade handler to read or pipe.
    if (socket instanceof DirectReadSocket) socket.reader = null;
    else socket.off("data", this.received);
    socket.off("drain", this.#onDrain);
    socket.off("close", this.#onClose);
    this.#host.removeConnection(this);
    const head = this.#buffer;
    this.#buffer = EMPTY;
    // Neither flowing nor paused, as node:http hands over an upgraded socket: bytes the client sends before the
    // handler reads (it pipes once the upstream connects) wait in the socket, and its first reader starts the flow.
    this.#socketPaused = false;
    socket.pause();
    (socket as unknown as { readableFlowing: boolean | null }).readableFlowing = null;
    this.#host.handlers.upgrade(request, socket, head);
  }

  #pauseSocket(): void {
    if (this.#socketPaused) return;
    this.#socketPaused = true;
    this.#socket.pause();
  }

  #resumeSocket(): void {
    if (!this.#socketPaused) return;
    this.#socketPaused = false;
    this.#socket.resume();
  }
}
