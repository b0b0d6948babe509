// The gateway HTTP/1.1 server's limits and timeouts, and what a connection needs from the server that owns it.
import type { Duplex } from "node:stream";
import type { Http1Request } from "./request.js";
import type { Http1Response } from "./response.js";

export interface Http1ServerOptions {
  /** An idle kept-alive connection is closed after this long (the gateway set node:http's keepAliveTimeout to 60 s). */
  keepAliveTimeoutMs: number;
  /** A request head must be complete this long after its first byte (or the connection's start): else 408. */
  headersTimeoutMs: number;
  /** A whole request, body included, must arrive this long after its head: else 408. */
  requestTimeoutMs: number;
  /** Largest request head, request line included (node:http's --max-http-header-size): else 431. Bounds trailers too. */
  maxHeaderSize: number;
  /** Most header fields in a head, or trailer fields in a chunked body (node:http's maxHeadersCount): else 431 / 400. */
  maxHeadersCount: number;
  /** Longest chunk-size line, extensions included: else 400. */
  maxChunkLineLength: number;
}

/** node:http's server defaults (Node 20), with the keep-alive timeout the gateway gave its node:http server. */
export const DEFAULT_HTTP1_SERVER_OPTIONS: Readonly<Http1ServerOptions> = {
  keepAliveTimeoutMs: 60_000,
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 300_000,
  maxHeaderSize: 16 * 1024,
  maxHeadersCount: 2000,
  maxChunkLineLength: 16 * 1024,
};

export interface Http1Handlers {
  /** Called for every request but upgrades, once its head is parsed; the body follows on `request`. */
  request(request: Http1Request, response: Http1Response): void;
  /** Called for a request with `Connection: upgrade` and `Upgrade`; the socket is the handler's from then on. */
  upgrade(request: Http1Request, socket: Duplex, head: Buffer): void;
}

/** The server as its connections see it. */
export interface Http1ConnectionHost {
  readonly options: Readonly<Http1ServerOptions>;
  readonly handlers: Http1Handlers;
  /** The server is shutting down: responses close their connections. */
  readonly draining: boolean;
  removeConnection(connection: unknown): void;
}
