// The response to one Http1Request, as forward.ts's DownstreamResponse: writeHead only serialises; the status line
// and headers leave together with the first body bytes (or the whole small body) in one socket write. Framing as
// node:http chooses it: the given Content-Length, else chunked for HTTP/1.1 (which can carry trailers), else the
// body ends with the connection (HTTP/1.0). HEAD, 1xx, 204 and 304 responses carry no body.
import { STATUS_CODES } from "node:http";
import type { ClosedWatcher, DownstreamResponse } from "../forward.js";
import { isFieldValue, isToken } from "../http-syntax.js";
import { LazyEvents } from "./lazy-events.js";

/** What a response needs from its connection. */
export interface ResponseChannel {
  /** Writes to the socket; false once its buffer is full ('drain' follows on the response). */
  write(data: Buffer): boolean;
  /** The response is complete; `persist`: the connection may serve another request. */
  responseFinished(persist: boolean): void;
  destroy(): void;
  /** The server is draining: this response closes its connection. */
  readonly closing: boolean;
}

let dateSecond = -1;
let dateText = "";
/** The Date header value, formatted once a second as node:http does. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** Status lines by status, made on first use. */
const STATUS_LINES: string[] = [];

function invalidHeader(name: string, value?: string): Error {
  return new TypeError(value === undefined ? `Header name must be a valid HTTP token ["${name}"]` : `Invalid character in header content ["${name}"]`);
}

function headerLine(name: string, value: string): string {
  if (!isFieldValue(value, 0, value.length)) throw invalidHeader(name, value);
  return `${name}: ${value}\r\n`;
}

export class Http1Response extends LazyEvents implements DownstreamResponse {
  readonly #channel: ResponseChannel;
  #closedWatcher: ClosedWatcher | null = null;
  readonly #minor: 0 | 1;
  readonly #isHead: boolean;
  #keepAlive: boolean;
  /** Status line and headers not yet written, without the framing lines; null before writeHead and once written. */
  #head: string | null = null;
  #headersSent = false;
  #bodyAllowed = true;
  #contentLength = -1;
  #chunked = false;
  #trailers: Record<string, string | string[]> | undefined;
  #finished = false;
  #destroyed = false;

  constructor(channel: ResponseChannel, isHead: boolean, minor: 0 | 1, keepAlive: boolean) {
    super();
    this.#channel = channel;
    this.#isHead = isHead;
    this.#minor = minor;
    this.#keepAlive = keepAlive;
  }

  get headersSent(): boolean {
    return this.#headersSent;
  }

  get writableFinished(): boolean {
    return this.#finished;
  }

  /** Bytes of this response have been written to the socket. */
  get flushed(): boolean {
    return this.#headersSent && this.#head === null;
  }

  get writableEnded(): boolean {
    return this.#finished;
  }

  /** Serialises the status line and headers (validated as node:http does: it throws on a bad name or value). */
  writeHead(status: number, headers: Record<string, string | string[]> = {}): this {
    if (this.#headersSent) throw new Error("Cannot write headers after they are sent to the client");
    // A final response has a 2xx–5xx-range three-digit status (node:http throws for these too): 1xx is interim.
    if (!Number.isInteger(status) || status < 200 || status > 999) throw new RangeError(`Invalid status code: ${status}`);
    let head = STATUS_LINES[status] ??= `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "unknown"}\r\n`;
    let hasDate = false;
    let contentLength = -1;
    for (const name in headers) {
      const value = headers[name]!;
      if (!isToken(name, 0, name.length)) throw invalidHeader(name);
      if (name === "content-length") {
        const text = Array.isArray(value) ? value[0]! : value;
        contentLength = Number(text);
        if (!/^\d+$/.test(text)) throw invalidHeader(name, text);
        continue;
      }
      if (name === "connection" || name === "transfer-encoding" || name === "keep-alive") continue;
      if (name === "date") hasDate = true;
      if (typeof value === "string") head += headerLine(name, value);
      else for (let i = 0; i < value.length; i++) head += headerLine(name, value[i]!);
    }
    if (!hasDate) head += `date: ${httpDate()}\r\n`;
    this.#bodyAllowed = !this.#isHead && status >= 200 && status !== 204 && status !== 304;
    if (contentLength !== -1 && status !== 204 && status >= 200) head += `content-length: ${contentLength}\r\n`;
    this.#contentLength = contentLength;
    this.#head = head;
    this.#headersSent = true;
    return this;
  }

  addTrailers(trailers: Record<string, string | string[]>): void {
    this.#trailers = trailers;
  }

  write(chunk: Buffer): boolean {
    if (this.#finished || this.#destroyed) return false;
    if (!this.#headersSent) this.writeHead(200);
    if (this.#head !== null) return this.#channel.write(this.#withHead(chunk, false));
    if (!this.#bodyAllowed || chunk.length === 0) return true;
    return this.#channel.write(this.#chunked ? chunkFrame(chunk) : chunk);
  }

  end(chunk?: string | Buffer): this {
    if (this.#finished || this.#destroyed) return this;
    if (!this.#headersSent) this.writeHead(200);
    const body = chunk === undefined ? undefined : typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    // A body given whole to end(): its length frames it, as node:http does when the head is still unsent.
    if (this.#head !== null && this.#contentLength === -1 && this.#bodyAllowed) {
      this.#contentLength = body?.length ?? 0;
      this.#head += `content-length: ${this.#contentLength}\r\n`;
    }
    this.#finished = true;
    if (this.#head !== null) this.#channel.write(this.#withHead(body, true));
    else {
      const last = this.#bodyAllowed && body !== undefined && body.length > 0 ? (this.#chunked ? chunkFrame(body) : body) : undefined;
      const tail = this.#chunked ? this.#lastChunk() : undefined;
      if (last && tail) this.#channel.write(Buffer.concat([last, tail]));
      else if (last || tail) this.#channel.write((last ?? tail)!);
    }
    this.#channel.responseFinished(this.#keepAlive);
    this.emit("finish");
    this.emit("close");
    return this;
  }

  destroy(): this {
    if (this.#destroyed) return this;
    this.#destroyed = true;
    this.#channel.destroy();
    return this;
  }

  /** Tells `watcher` when the connection closes before this response finished (the `close` event that matters). */
  watchClosed(watcher: ClosedWatcher): void {
    this.#closedWatcher = watcher;
  }

  /** The connection closed: a response not yet finished is gone. */
  connectionClosed(): void {
    if (this.#finished) return;
    this.#destroyed = true;
    this.#closedWatcher?.downstreamClosed();
    this.emit("close");
  }

  /** Picks the framing, completes the head and puts it in front of the first body bytes (one buffer). */
  #withHead(body: Buffer | undefined, last: boolean): Buffer {
    let head = this.#head!;
    this.#head = null;
    if (this.#bodyAllowed && this.#contentLength === -1) {
      if (this.#minor === 1) {
        this.#chunked = true;
        head += "transfer-encoding: chunked\r\n";
      } else this.#keepAlive = false;
    } else if (this.#isHead && this.#contentLength === -1 && this.#minor === 0) this.#keepAlive = false;
    if (this.#channel.closing) this.#keepAlive = false;
    if (!this.#keepAlive) head += "connection: close\r\n";
    else if (this.#minor === 0) head += "connection: keep-alive\r\n";
    head += "\r\n";
    const payload = this.#bodyAllowed && body !== undefined && body.length > 0 ? body : undefined;
    const tail = last && this.#chunked ? this.#lastChunk() : undefined;
    const frameHead = payload && this.#chunked ? `${payload.length.toString(16)}\r\n` : "";
    const frameTail = payload && this.#chunked ? "\r\n" : "";
    const out = Buffer.allocUnsafe(head.length + frameHead.length + (payload?.length ?? 0) + frameTail.length + (tail?.length ?? 0));
    let at = out.write(head, 0, "latin1");
    // The chunk framing only when chunked: an empty write is still a call into native code.
    if (frameHead !== "") at += out.write(frameHead, at, "latin1");
    if (payload) at += payload.copy(out, at);
    if (frameTail !== "") at += out.write(frameTail, at, "latin1");
    if (tail) tail.copy(out, at);
    return out;
  }

  /** The last chunk and the trailer section (trailers are only sent with chunked framing, as node:http does). */
  #lastChunk(): Buffer {
    let text = "0\r\n";
    const trailers = this.#trailers;
    if (trailers) {
      for (const name in trailers) {
        if (!isToken(name, 0, name.length)) continue;
        const value = trailers[name]!;
        for (const one of typeof value === "string" ? [value] : value) if (isFieldValue(one, 0, one.length)) text += `${name}: ${one}\r\n`;
      }
    }
    return Buffer.from(`${text}\r\n`, "latin1");
  }
}

function chunkFrame(chunk: Buffer): Buffer {
  const size = `${chunk.length.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(size.length + chunk.length + 2);
  out.write(size, 0, "latin1");
  chunk.copy(out, size.length);
  out.write("\r\n", size.length + chunk.length, "latin1");
  return out;
}
