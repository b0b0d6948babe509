// The gateway's HTTP/1.1 server: not a listener of its own, it serves the connections listener-server.ts accepts
// (cleartext, or TLS once ALPN picked http/1.1). One sweep timer per server enforces every connection's timeouts,
// so a request costs no timer of its own.
import type { Duplex } from "node:stream";
import { Http1Connection } from "./connection.js";
import type { PeerAddress } from "./request.js";
import { DEFAULT_HTTP1_SERVER_OPTIONS, type Http1ConnectionHost, type Http1Handlers, type Http1ServerOptions } from "./server-options.js";

export interface Http1Server {
  /**
   * Serves HTTP/1.1 on `socket`; `peer` is the client's address (the TCP socket's, under TLS); `first`: bytes already
   * read from it (the protocol sniff's), served before the socket's.
   */
  accept(socket: Duplex, peer: PeerAddress, first?: Buffer): void;
  /** Closes idle connections now and every connection after its current response (`connection: close`). */
  drain(): void;
  /** Connections being served. */
  readonly connectionCount: number;
}

class GatewayHttp1Server implements Http1Server, Http1ConnectionHost {
  readonly options: Readonly<Http1ServerOptions>;
  readonly handlers: Http1Handlers;
  #draining = false;
  readonly #connections = new Set<Http1Connection>();
  #sweep: ReturnType<typeof setInterval> | undefined;
  readonly #sweepMs: number;

  constructor(handlers: Http1Handlers, options: Partial<Http1ServerOptions>) {
    this.handlers = handlers;
    this.options = { ...DEFAULT_HTTP1_SERVER_OPTIONS, ...options };
    const { keepAliveTimeoutMs, headersTimeoutMs, requestTimeoutMs } = this.options;
    // A quarter of the shortest timeout, at most a second: timeouts fire within that much of their due time.
    this.#sweepMs = Math.max(5, Math.min(1000, Math.min(keepAliveTimeoutMs, headersTimeoutMs, requestTimeoutMs) / 4));
  }

  get draining(): boolean {
    return this.#draining;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  accept(socket: Duplex, peer: PeerAddress, first?: Buffer): void {
    const connection = new Http1Connection(this, socket, peer);
    this.#connections.add(connection);
    if (this.#sweep === undefined) {
      this.#sweep = setInterval(() => this.#checkTimeouts(), this.#sweepMs);
      this.#sweep.unref();
    }
    if (first !== undefined && first.length > 0) connection.received(first);
  }

  drain(): void {
    this.#draining = true;
    for (const connection of this.#connections) if (connection.idle) connection.destroy();
  }

  removeConnection(connection: Http1Connection): void {
    this.#connections.delete(connection);
    if (this.#connections.size === 0 && this.#sweep !== undefined) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  #checkTimeouts(): void {
    const now = performance.now();
    for (const connection of this.#connections) connection.checkTimeouts(now);
  }
}

/**
 * @example
 * const server = createHttp1Server({ request: (request, response) => response.end("ok"), upgrade: (_r, socket) => socket.destroy() });
 * net.createServer((socket) => server.accept(socket, socket)).listen(8080, "127.0.0.1");
 */
export function createHttp1Server(handlers: Http1Handlers, options: Partial<Http1ServerOptions> = {}): Http1Server {
  return new GatewayHttp1Server(handlers, options);
}
