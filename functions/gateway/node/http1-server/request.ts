// One request read by the gateway's HTTP/1.1 server: the parsed head (with the core's ProxyRequest already built
// from it) and the body as a pausable source of `data` / `end` / `close` events (what RequestBody reads, and the
// subset of node:http's IncomingMessage the gateway and its tests use).
import type { ProxyRequest } from "../../core/index.js";
import { LazyEvents } from "./lazy-events.js";
import { headersOfHead, type RequestHead } from "./request-head.js";

/** The peer of a connection, read once when it is accepted. */
export interface PeerAddress {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
}

/** What a request tells its connection: the reader wants body bytes again. */
export interface BodyFeed {
  bodyResumed(): void;
}

function endBodyless(request: Http1Request): void {
  request.endBody();
}

export class Http1Request extends LazyEvents {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: "1.0" | "1.1";
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor: 0 | 1;
  /** Routing's view: lower-case names, no hop-by-hop headers, x-request-id and x-forwarded-proto present. */
  readonly proxied: ProxyRequest;
  /** Content-Length above zero, or chunked. */
  readonly hasBody: boolean;
  /** The Upgrade value of an upgrade request, else undefined. */
  readonly upgrade: string | undefined;
  /** The connection's peer (node:http's `request.socket` for the fields the gateway reads). */
  readonly socket: PeerAddress;
  /** performance.now() when the server started the request (its head was read). */
  readonly startedAt: number;
  readonly #text: string;
  #headers: Record<string, string | string[]> | undefined;
  readonly #feed: BodyFeed;
  #paused = true;
  /** Read to its end, or dropped: nothing more is emitted. */
  #ended = false;

  constructor(head: RequestHead, peer: PeerAddress, feed: BodyFeed, startedAt = performance.now()) {
    super();
    this.method = head.method;
    this.url = head.target;
    this.httpVersion = head.minor === 1 ? "1.1" : "1.0";
    this.httpVersionMinor = head.minor;
    this.proxied = head.proxied;
    if (peer.remoteAddress) this.proxied.remoteAddress = peer.remoteAddress;
    this.hasBody = head.chunked || head.contentLength > 0;
    this.upgrade = head.upgrade;
    this.socket = peer;
    this.startedAt = startedAt;
    this.#text = head.text;
    this.#feed = feed;
  }

  /** node:http's `request.headers`, built on first use (access logs only). */
  get headers(): Record<string, string | string[]> {
    return (this.#headers ??= headersOfHead(this.#text));
  }

  /** Whether body bytes may be emitted now. */
  get flowing(): boolean {
    return !this.#paused && !this.#ended;
  }

  get readableEnded(): boolean {
    return this.#ended;
  }

  pause(): this {
    this.#paused = true;
    return this;
  }

  resume(): this {
    if (!this.#paused) return this;
    this.#paused = false;
    if (this.hasBody) this.#feed.bodyResumed();
    // A request without a body ends as soon as it is read, as node:http's does (a tick later; no tick when unheard).
    else if (this.listenerCount("end") + this.listenerCount("close") > 0) process.nextTick(endBodyless, this);
    else this.#ended = true;
    return this;
  }

  /** Called by the connection with body bytes; returns whether more may follow now. */
  pushBody(chunk: Buffer): boolean {
    this.emit("data", chunk);
    return !this.#paused;
  }

  /** The body is complete. */
  endBody(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.emit("end");
    this.emit("close");
  }

  /** The connection closed or broke before the body was complete. */
  abortBody(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.emit("aborted");
    this.emit("close");
  }
}
