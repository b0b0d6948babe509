// One HTTP/1.1 connection to an upstream host, carrying one request at a time (no pipelining): it writes the
// request head and streams the body, feeds the socket's bytes to the response parser, hands the response to the
// request that owns it, and goes back to its pool when the response ended cleanly and both sides allow reuse.
// Failures are told apart the way Envoy's retry conditions need: before the connection was up (connect, TLS
// handshake, connect timeout) a connect failure; after, a reset, reused connection or not.
import net from "node:net";
import tls from "node:tls";
import type { RequestBody } from "../request-body.js";
import { BodyWriter, type BodySink } from "./body-writer.js";
import { ResponseParser, type ResponseEvents } from "./response-parser.js";

/** A request as a connection carries it (the gateway's Http1Attempt). */
export interface ConnectionRequest {
  /** The serialized request line and headers (request-head.ts), ending in the empty line. */
  readonly head: string;
  /** A HEAD request: its response has no body. */
  readonly isHead: boolean;
  /** The body to stream after the head; null for none. */
  readonly body: RequestBody | null;
  /** The body's length when the head declares one (content-length); -1: chunked. */
  readonly bodyLength: number;
  /** The request no longer wants a connection (cancelled while it waited). */
  readonly cancelled: boolean;
  /** The request is on `connection` now; `abort`/`resume` go to it. */
  started(connection: Http1Connection): void;
  onResponseHead(status: number, head: Buffer, fields: number[]): void;
  /** Returns false to pause the socket until `resume`. */
  onResponseBody(chunk: Buffer): boolean;
  onResponseEnd(trailers: Buffer | null, fields: number[] | null): void;
  /** The request ended without a complete response (`aborted`: its body could no longer be sent). */
  onFailure(kind: "connect-failure" | "reset" | "aborted"): void;
}

/** What a connection needs of its pool. */
export interface ConnectionOwner {
  /** Requests on this pool's connections say `Connection: close` (the pool is being retired). */
  readonly closing: boolean;
  /** The connection is up; `first` is the request it was opened for. */
  connected(connection: Http1Connection, first: ConnectionRequest): void;
  /** The connection finished a request and may carry another; `keepAliveMs` is how long it may sit idle. */
  released(connection: Http1Connection, keepAliveMs: number): void;
  /** The connection closed; `first` is the request it was opened for when it never came up. */
  removed(connection: Http1Connection, first: ConnectionRequest | null): void;
  /** The last TLS session an upstream issued on this pool's connections, so new ones resume it (as undici does). */
  tlsSession: Buffer | undefined;
}

export interface ConnectOptions {
  /** net.connect / tls.connect options: host, port, family, TLS settings. */
  readonly socket: net.NetConnectOpts | tls.ConnectionOptions;
  readonly tls: boolean;
  /** 0: none. */
  readonly connectTimeoutMs: number;
  /** The longest an idle connection is kept; an upstream's Keep-Alive timeout lowers it. */
  readonly keepAliveMs: number;
}

/**
 * Margin taken off an upstream's `Keep-Alive: timeout=`, so the gateway closes an idle connection before the
 * upstream does instead of sending a request into its close (undici keeps a margin for the same reason).
 */
const KEEP_ALIVE_MARGIN_MS = 1000;

/**
 * Where plain-TCP upstream sockets read into (net.connect's `onread`), shared: a read is handed on synchronously
 * and copied first, so the next read may reuse it. Node otherwise allocates 64 KiB per read, shrinks it to what
 * came, and pushes it through the socket's Readable ('data'): at c=1 that was part of each wake-up's cost.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

const CHUNK_END = "\r\n";
const LAST_CHUNK = "0\r\n\r\n";

export class Http1Connection implements ResponseEvents, BodySink {
  readonly #owner: ConnectionOwner;
  readonly #socket: net.Socket;
  readonly #parser: ResponseParser;
  readonly #keepAliveMs: number;
  #connectTimer: NodeJS.Timeout | undefined;
  #first: ConnectionRequest | null;
  #connected = false;
  #closed = false;
  #current: ConnectionRequest | null = null;
  #writer: BodyWriter | null = null;
  /** The body `#writer` is attached to. */
  #body: RequestBody | null = null;
  /** Bytes still due of a content-length body. */
  #bodyLeft = 0;
  #chunked = false;
  #requestSent = false;
  #responseEnded = false;
  #drained: (() => void) | null = null;
  /** When it went idle (performance.now()), and for how long it may stay so. */
  idleSince = 0;
  idleMs = 0;

  constructor(owner: ConnectionOwner, options: ConnectOptions, first: ConnectionRequest) {
    this.#owner = owner;
    this.#first = first;
    this.#keepAliveMs = options.keepAliveMs;
    this.#parser = new ResponseParser(this);
    let socket: net.Socket;
    if (options.tls) {
      const session = owner.tlsSession;
      socket = tls.connect(session ? { ...(options.socket as tls.ConnectionOptions), session } : (options.socket as tls.ConnectionOptions));
      socket.on("session", (issued: Buffer) => (owner.tlsSession = issued));
    } else socket = net.connect({ ...(options.socket as net.NetConnectOpts), onread: { buffer: READ_BUFFER, callback: this.#onRead } });
    this.#socket = socket;
    if (options.connectTimeoutMs > 0) this.#connectTimer = setTimeout(() => socket.destroy(), options.connectTimeoutMs);
    socket.once(options.tls ? "secureConnect" : "connect", () => this.#onConnect());
    if (options.tls) socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("end", () => this.#onEnd());
    socket.on("drain", () => this.#onDrain());
    // Errors are reported by the close that follows them.
    socket.on("error", () => {});
    socket.on("close", () => this.#onClose());
  }

  /** Still open for another request (the upstream has not closed it). */
  get usable(): boolean {
    return !this.#closed && !this.#socket.destroyed && !this.#socket.readableEnded;
  }

  /** Closes the connection now (idle, retired, or the pool is destroyed): a request on it is reset. */
  close(): void {
    this.#socket.destroy();
  }

  #onConnect(): void {
    clearTimeout(this.#connectTimer);
    this.#connected = true;
    const first = this.#first!;
    this.#first = null;
    this.#owner.connected(this, first);
  }

  /** Sends `request` on this (connected, idle) connection. */
  send(request: ConnectionRequest): void {
    this.#current = request;
    this.#requestSent = false;
    this.#responseEnded = false;
    this.#parser.expect(request.isHead);
    request.started(this);
    const socket = this.#socket;
    const head = this.#owner.closing ? `${request.head.slice(0, -2)}connection: close\r\n\r\n` : request.head;
    const body = request.body;
    if (body === null) {
      this.#requestSent = true;
      socket.write(head, "latin1");
      return;
    }
    this.#chunked = request.bodyLength < 0;
    this.#bodyLeft = request.bodyLength;
    const writer = (this.#writer = new BodyWriter(this));
    this.#body = body;
    socket.cork();
    socket.write(head, "latin1");
    const attached = body.attach(writer);
    socket.uncork();
    if (!attached) {
      this.#writer = null;
      this.#body = null;
      this.#current = null;
      request.onFailure("aborted");
      socket.destroy();
    }
  }

  /** `request` is done with its response (reset, route timeout, downstream gone): the connection goes with it. */
  abort(request: ConnectionRequest): void {
    if (this.#current !== request) return;
    this.#socket.destroy();
  }

  /** Lets the socket deliver again after `onResponseBody` returned false. */
  resume(request: ConnectionRequest): void {
    if (this.#current === request) this.#socket.resume();
  }

  // The request body (BodySink).

  writeBodyChunk(writer: BodyWriter, chunk: Buffer, done: (error?: Error | null) => void): void {
    if (this.#writer !== writer || chunk.length === 0) return done();
    const socket = this.#socket;
    let flowing: boolean;
    if (this.#chunked) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
      socket.write(chunk);
      flowing = socket.write(CHUNK_END, "latin1");
      socket.uncork();
    } else {
      if (chunk.length > this.#bodyLeft) {
        // More than its content-length said: sending it would desynchronise the connection.
        this.#socket.destroy();
        return done();
      }
      this.#bodyLeft -= chunk.length;
      flowing = socket.write(chunk);
    }
    if (flowing) done();
    else this.#drained = done;
  }

  endBody(writer: BodyWriter, done: (error?: Error | null) => void): void {
    done();
    if (this.#writer !== writer) return;
    this.#writer = null;
    this.#body = null;
    if (this.#chunked) this.#socket.write(LAST_CHUNK, "latin1");
    else if (this.#bodyLeft !== 0) {
      // Shorter than its content-length: the upstream would wait for the rest forever.
      this.#socket.destroy();
      return;
    }
    this.#requestSent = true;
  }

  #onDrain(): void {
    const drained = this.#drained;
    this.#drained = null;
    drained?.();
  }

  // The response (ResponseEvents, called by the parser).

  onResponseHead(status: number, head: Buffer, fields: number[]): void {
    this.#current?.onResponseHead(status, head, fields);
  }

  onResponseBody(chunk: Buffer): void {
    const current = this.#current;
    if (current !== null && !current.onResponseBody(chunk)) this.#socket.pause();
  }

  onResponseEnd(trailers: Buffer | null, fields: number[] | null): void {
    this.#responseEnded = true;
    const current = this.#current;
    this.#current = null;
    current?.onResponseEnd(trailers, fields);
  }

  onProtocolError(): void {
    this.#socket.destroy();
  }

  /** A plain socket's read: the parser keeps slices of what it reads (head blocks, body chunks), so it gets a copy (small ones from Node's buffer pool). */
  readonly #onRead = (bytes: number, buffer: Uint8Array): boolean => {
    const chunk = Buffer.allocUnsafe(bytes);
    chunk.set(buffer.subarray(0, bytes));
    this.#onData(chunk);
    // Pausing (a slow downstream) goes through socket.pause(), which stops reading in this mode too.
    return true;
  };

  #onData(chunk: Buffer): void {
    this.#parser.execute(chunk);
    // Reuse is decided after the whole read was parsed, so bytes after the response cannot reach the next request.
    if (this.#responseEnded && !this.#closed) this.#completed();
  }

  /** The exchange is over: back to the pool when both sides allow it, else closed. */
  #completed(): void {
    this.#responseEnded = false;
    if (!this.#requestSent) {
      // The upstream answered before the whole body was sent (an early 413, a redirect): as Envoy does, the rest is
      // not sent, and the connection, left in the middle of a request, closes.
      this.#detachBody();
      this.#socket.destroy();
      return;
    }
    const parser = this.#parser;
    const hinted = parser.keepAliveTimeoutMs;
    const idleMs = hinted < 0 ? this.#keepAliveMs : Math.min(this.#keepAliveMs, hinted - KEEP_ALIVE_MARGIN_MS);
    if (!parser.keepAlive || idleMs <= 0 || this.#owner.closing || !parser.idle) {
      this.#socket.destroy();
      return;
    }
    // A slow downstream may have paused the socket during the body: idle, it must see the upstream's close.
    if (this.#socket.isPaused()) this.#socket.resume();
    this.#owner.released(this, idleMs);
  }

  #detachBody(): void {
    if (this.#writer !== null) this.#body?.detach(this.#writer);
    this.#writer = null;
    this.#body = null;
  }

  #onEnd(): void {
    // The upstream closed its side: that ends a close-delimited body; otherwise a response under way is cut short.
    if (this.#current !== null) this.#parser.finish();
    this.#socket.destroy();
  }

  #onClose(): void {
    this.#closed = true;
    clearTimeout(this.#connectTimer);
    this.#parser.stop();
    const current = this.#current;
    this.#current = null;
    this.#detachBody();
    current?.onFailure("reset");
    this.#drained?.();
    this.#drained = null;
    this.#owner.removed(this, this.#connected ? null : this.#first);
    this.#first = null;
  }
}
