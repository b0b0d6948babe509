// An incremental HTTP/1.1 response parser for the gateway's upstream connections (RFC 9112), strict where
// framing is concerned: a proxy that guesses where a response ends can be made to smuggle one response into
// another (RFC 9112 §11.2). It reads the status line and header fields in one pass over the bytes, decides the
// body's framing (no body, Content-Length, chunked with extensions and trailers, or until the connection closes),
// skips 1xx interim responses, and hands the head out as the block of bytes plus field offsets, so header strings
// are made only when someone reads them. Anything it cannot frame with certainty is an error: Transfer-Encoding
// together with Content-Length, a Content-Length that is not digits or repeats with another value, a transfer
// coding other than chunked, obs-fold, bare CR or LF, control characters, a head over 16 KiB (Node's default).
// https://www.rfc-editor.org/rfc/rfc9112

/** Node's default --max-http-header-size: the status line and header fields together. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** A chunk-size line (size and extensions) longer than this is refused. */
const MAX_CHUNK_LINE_BYTES = 4096;

/** What the parser reports, in order: one head, body chunks, the end (trailers when there were any). */
export interface ResponseEvents {
  /**
   * The final (non-1xx) response head. `fields` holds four offsets into `head` per header field: name start,
   * name end, value start, value end (value without surrounding whitespace). Both stay valid: nothing reuses them.
   */
  onResponseHead(status: number, head: Buffer, fields: number[]): void;
  /** A piece of the body (a view into the socket's chunk). */
  onResponseBody(chunk: Buffer): void;
  /** The response is complete; `trailers`/`trailerFields` as for the head when a chunked body had trailer fields. */
  onResponseEnd(trailers: Buffer | null, trailerFields: number[] | null): void;
  /** The bytes are not a response this parser can frame; the connection must go. */
  onProtocolError(reason: string): void;
}

const State = { idle: 0, head: 1, length: 2, chunkSize: 3, chunkExtension: 4, chunkSizeLf: 5, chunkData: 6, chunkDataCr: 7, chunkDataLf: 8, trailers: 9, untilClose: 10, done: 11, failed: 12 } as const;
type State = (typeof State)[keyof typeof State];

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const COLON = 58;
const SEMICOLON = 59;
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
const HTTP_1 = Buffer.from("HTTP/1.", "latin1");

/** RFC 9110 tchar: the bytes a field name is made of. */
const TOKEN = (() => {
  const table = new Uint8Array(256);
  for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") table[c.charCodeAt(0)] = 1;
  return table;
})();

/** Hex digit values, -1 for other bytes. */
const HEX = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < 16; i++) table["0123456789abcdef".charCodeAt(i)] = table["0123456789ABCDEF".charCodeAt(i)] = i;
  return table;
})();

/** Field value bytes: HTAB, SP, VCHAR, obs-text (RFC 9110 §5.5); CR, LF, NUL and other controls are not. */
const isValueByte = (c: number): boolean => c === HTAB || (c >= SP && c !== 0x7f);

/** `buffer[start, end)` spells `name` (lower-case) in any case. Bit 0x20 folds letters; names here are letters and "-". */
function spells(buffer: Buffer, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if ((buffer[start + i]! | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/** The number `buffer[start, end)` spells in 1 to 15 decimal digits, else -1 (Content-Length, read off the bytes). */
function digits(buffer: Buffer, start: number, end: number): number {
  if (end - start < 1 || end - start > 15) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = buffer[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Whether the comma-separated token list `value` holds `token` (lower-case). */
function hasToken(value: string, token: string): boolean {
  const items = value.toLowerCase().split(",");
  for (const item of items) if (item.trim() === token) return true;
  return false;
}

export class ResponseParser {
  readonly #events: ResponseEvents;
  #state: State = State.idle;
  #noBody = false;
  /** Head or trailer bytes received so far when they span reads. */
  #pending: Buffer | null = null;
  /** Body bytes left in the Content-Length body or the current chunk. */
  #remaining = 0;
  #chunkLineBytes = 0;
  #chunkDigits = 0;
  /** The response ended during the current execute(): bytes after it are refused. */
  #ended = false;
  /** The response lets the connection carry another request (HTTP/1.1 without `Connection: close`, or 1.0 with keep-alive). */
  keepAlive = false;
  /** The upstream's `Keep-Alive: timeout=` in ms; -1 when it sent none. */
  keepAliveTimeoutMs = -1;

  constructor(events: ResponseEvents) {
    this.#events = events;
  }

  /** Expects the response to a request just sent; `head`: it was a HEAD request (no body follows whatever the head says). */
  expect(head: boolean): void {
    this.#state = State.head;
    this.#noBody = head;
    this.#pending = null;
    this.keepAlive = false;
    this.keepAliveTimeoutMs = -1;
  }

  /** No response is under way or due: the connection may take another request. */
  get idle(): boolean {
    return this.#state === State.idle || this.#state === State.done;
  }

  /** Nothing of the expected response has arrived yet. */
  get awaitingHead(): boolean {
    return this.#state === State.head && this.#pending === null;
  }

  /** Stops parsing (the connection is going): later bytes and ends are ignored. */
  stop(): void {
    this.#state = State.failed;
    this.#pending = null;
  }

  /** Bytes from the socket. */
  execute(chunk: Buffer): void {
    let offset = 0;
    this.#ended = false;
    while (offset < chunk.length) {
      // HTTP/1.1 has no unsolicited responses: bytes past the response make the connection untrustworthy.
      if (this.#ended) return this.#fail("data after the response");
      switch (this.#state) {
        case State.head:
        case State.trailers:
          offset = this.#block(chunk, offset);
          break;
        case State.length: {
          const take = Math.min(this.#remaining, chunk.length - offset);
          this.#remaining -= take;
          this.#events.onResponseBody(take === chunk.length ? chunk : chunk.subarray(offset, offset + take));
          offset += take;
          if (this.#remaining === 0 && this.#state === State.length) this.#end(null, null);
          break;
        }
        case State.chunkData: {
          const take = Math.min(this.#remaining, chunk.length - offset);
          this.#remaining -= take;
          this.#events.onResponseBody(chunk.subarray(offset, offset + take));
          offset += take;
          if (this.#remaining === 0 && this.#state === State.chunkData) this.#state = State.chunkDataCr;
          break;
        }
        case State.untilClose:
          this.#events.onResponseBody(offset === 0 ? chunk : chunk.subarray(offset));
          offset = chunk.length;
          break;
        case State.chunkSize:
        case State.chunkExtension:
        case State.chunkSizeLf:
        case State.chunkDataCr:
        case State.chunkDataLf:
          offset = this.#chunkFraming(chunk, offset);
          break;
        case State.idle:
        case State.done:
          return this.#fail("data after the response");
        default:
          return;
      }
    }
  }

  /**
   * The upstream closed its side. Returns whether that completed the response (a body delimited by the close);
   * otherwise a response under way was cut short.
   */
  finish(): boolean {
    if (this.#state !== State.untilClose) return false;
    this.#end(null, null);
    return true;
  }

  #fail(reason: string): void {
    this.stop();
    this.#events.onProtocolError(reason);
  }

  #end(trailers: Buffer | null, fields: number[] | null): void {
    this.#state = State.done;
    this.#ended = true;
    this.#events.onResponseEnd(trailers, fields);
  }

  /** Collects a head or trailer block up to its empty line; returns the offset after what it consumed. */
  #block(chunk: Buffer, offset: number): number {
    let block: Buffer;
    let searchFrom: number;
    if (this.#pending === null) {
      block = chunk;
      searchFrom = offset;
    } else {
      // Across reads (rare: a head split by the network). Copy once per read, search only the new bytes.
      searchFrom = Math.max(0, this.#pending.length - 3);
      block = Buffer.concat([this.#pending, offset === 0 ? chunk : chunk.subarray(offset)]);
      offset = 0;
      this.#pending = null;
    }
    const start = block === chunk ? offset : 0;
    // An empty trailer section is just its closing CRLF.
    if (this.#state === State.trailers && block.length - start >= 2 && block[start] === CR && block[start + 1] === LF) {
      this.#end(null, null);
      return this.#consumed(chunk, block, start + 2);
    }
    const found = block.indexOf(CRLFCRLF, searchFrom);
    if (found < 0) {
      if (block.length - start > MAX_HEAD_BYTES) {
        this.#fail(this.#state === State.head ? "response head too large" : "trailers too large");
        return chunk.length;
      }
      // A bare LF can never become part of a CRLF pair: refuse now rather than wait for a terminator that a
      // bare-LF upstream never sends.
      for (let i = Math.max(start, searchFrom); i < block.length; i++) {
        if (block[i] === LF && (i === start || block[i - 1] !== CR)) {
          this.#fail("bare LF in the response head");
          return chunk.length;
        }
      }
      this.#pending = block === chunk ? chunk.subarray(start) : block;
      return chunk.length;
    }
    const end = found + 4;
    if (end - start > MAX_HEAD_BYTES) {
      this.#fail(this.#state === State.head ? "response head too large" : "trailers too large");
      return chunk.length;
    }
    const piece = start === 0 && end === block.length ? block : block.subarray(start, end);
    if (this.#state === State.head) this.#head(piece);
    else this.#trailers(piece);
    return this.#consumed(chunk, block, end);
  }

  /**
   * The offset in `chunk` after `block` was used up to `end`. When `block` joined earlier bytes with `chunk`,
   * what is left of it is parsed on here and all of `chunk` counts as consumed.
   */
  #consumed(chunk: Buffer, block: Buffer, end: number): number {
    if (block === chunk) return end;
    if (end < block.length) {
      const ended = this.#ended;
      this.execute(block.subarray(end));
      this.#ended ||= ended;
    }
    return chunk.length;
  }

  /** Parses the header fields of `block` from `pos` to its empty line into `fields`; returns false on a malformed field. */
  #fields(block: Buffer, pos: number, fields: number[]): boolean {
    for (;;) {
      const first = block[pos]!;
      if (first === CR) return block[pos + 1] === LF;
      // obs-fold (a line starting with whitespace) is refused, as RFC 9112 §5.2 allows a proxy to.
      if (first === SP || first === HTAB) return false;
      const nameStart = pos;
      while (TOKEN[block[pos]!] === 1) pos++;
      // No whitespace between the name and the colon (RFC 9112 §5.1).
      if (pos === nameStart || block[pos] !== COLON) return false;
      const nameEnd = pos++;
      while (block[pos] === SP || block[pos] === HTAB) pos++;
      const valueStart = pos;
      let valueEnd = pos;
      let c: number;
      while ((c = block[pos]!) !== CR) {
        if (!isValueByte(c)) return false;
        pos++;
        if (c !== SP && c !== HTAB) valueEnd = pos;
      }
      if (block[pos + 1] !== LF) return false;
      pos += 2;
      fields.push(nameStart, nameEnd, valueStart, valueEnd);
    }
  }

  #head(block: Buffer): void {
    // Status line: HTTP/1.x SP 3DIGIT SP reason CRLF (the reason may be empty, its space too in practice).
    if (block.length < 14 || block.compare(HTTP_1, 0, 7, 0, 7) !== 0) return this.#fail("malformed status line");
    const minor = block[7]! - 48;
    const s0 = block[9]! - 48;
    const s1 = block[10]! - 48;
    const s2 = block[11]! - 48;
    if ((minor !== 0 && minor !== 1) || block[8] !== SP || s0 < 1 || s0 > 5 || s1 < 0 || s1 > 9 || s2 < 0 || s2 > 9) return this.#fail("malformed status line");
    const status = s0 * 100 + s1 * 10 + s2;
    let pos = 12;
    if (block[pos] === SP) {
      pos++;
      while (block[pos] !== CR) if (!isValueByte(block[pos++]!)) return this.#fail("malformed status line");
    } else if (block[pos] !== CR) return this.#fail("malformed status line");
    if (block[pos + 1] !== LF) return this.#fail("malformed status line");
    const fields: number[] = [];
    if (!this.#fields(block, pos + 2, fields)) return this.#fail("malformed header field");

    let contentLength = -1;
    let chunked = false;
    let transferEncodings = 0;
    let close = false;
    let keepAlive = false;
    for (let i = 0; i < fields.length; i += 4) {
      const nameStart = fields[i]!;
      const nameEnd = fields[i + 1]!;
      const length = nameEnd - nameStart;
      if (length !== 10 && length !== 14 && length !== 17) continue;
      const valueStart = fields[i + 2]!;
      const valueEnd = fields[i + 3]!;
      if (spells(block, nameStart, nameEnd, "content-length")) {
        const parsed = digits(block, valueStart, valueEnd);
        if (parsed < 0) return this.#fail("invalid Content-Length");
        if (contentLength >= 0 && parsed !== contentLength) return this.#fail("conflicting Content-Length values");
        contentLength = parsed;
      } else if (spells(block, nameStart, nameEnd, "transfer-encoding")) {
        transferEncodings++;
        // The gateway relays bodies without transfer codings: chunked alone is what it can frame and pass on.
        if (transferEncodings > 1 || !spells(block, valueStart, valueEnd, "chunked")) return this.#fail("unsupported Transfer-Encoding");
        chunked = true;
      } else if (spells(block, nameStart, nameEnd, "connection")) {
        // Most upstreams send one token: matched on the bytes, without a string.
        if (spells(block, valueStart, valueEnd, "keep-alive")) keepAlive = true;
        else if (spells(block, valueStart, valueEnd, "close")) close = true;
        else {
          const value = block.toString("latin1", valueStart, valueEnd);
          if (hasToken(value, "close")) close = true;
          if (hasToken(value, "keep-alive")) keepAlive = true;
        }
      } else if (spells(block, nameStart, nameEnd, "keep-alive")) {
        const timeout = /(?:^|[,;\s])timeout\s*=\s*"?(\d{1,9})/i.exec(block.toString("latin1", valueStart, valueEnd));
        if (timeout) this.keepAliveTimeoutMs = Number(timeout[1]) * 1000;
      }
    }

    if (status < 200) {
      // 101 answers an Upgrade this client never asks for; other 1xx are interim: the real response follows.
      if (status === 101) return this.#fail("unexpected 101 Switching Protocols");
      this.keepAliveTimeoutMs = -1;
      return;
    }
    if (chunked && contentLength >= 0) return this.#fail("both Transfer-Encoding and Content-Length");
    this.keepAlive = !close && (minor === 1 || keepAlive);
    this.#events.onResponseHead(status, block, fields);
    if (this.#state !== State.head) return;
    if (this.#noBody || status === 204 || status === 304) return this.#end(null, null);
    if (chunked) {
      this.#state = State.chunkSize;
      this.#chunkLineBytes = 0;
      this.#chunkDigits = 0;
      this.#remaining = 0;
    } else if (contentLength > 0) {
      this.#state = State.length;
      this.#remaining = contentLength;
    } else if (contentLength === 0) this.#end(null, null);
    else {
      // Neither: the body runs until the upstream closes (RFC 9112 §6.3), so the connection cannot be reused.
      this.keepAlive = false;
      this.#state = State.untilClose;
    }
  }

  #trailers(block: Buffer): void {
    const fields: number[] = [];
    if (!this.#fields(block, 0, fields)) return this.#fail("malformed trailer field");
    this.#end(block, fields);
  }

  /** The chunk-size line and the CRLF after chunk data, byte by byte (they may split anywhere). */
  #chunkFraming(chunk: Buffer, offset: number): number {
    while (offset < chunk.length) {
      const c = chunk[offset++]!;
      switch (this.#state) {
        case State.chunkSize: {
          const digit = HEX[c]!;
          if (digit >= 0) {
            // 13 hex digits stay below 2^53.
            if (++this.#chunkDigits > 13) return this.#failAt(chunk, "chunk size too large");
            this.#remaining = this.#remaining * 16 + digit;
          } else if (this.#chunkDigits === 0) return this.#failAt(chunk, "malformed chunk size");
          else if (c === CR) this.#state = State.chunkSizeLf;
          else if (c === SEMICOLON || c === SP || c === HTAB) this.#state = State.chunkExtension;
          else return this.#failAt(chunk, "malformed chunk size");
          break;
        }
        case State.chunkExtension:
          // Extensions are ignored, as RFC 9112 §7.1.1 says a recipient must for ones it does not understand.
          if (c === CR) this.#state = State.chunkSizeLf;
          else if (!isValueByte(c) || ++this.#chunkLineBytes > MAX_CHUNK_LINE_BYTES) return this.#failAt(chunk, "malformed chunk extension");
          break;
        case State.chunkSizeLf:
          if (c !== LF) return this.#failAt(chunk, "bare CR in chunk size line");
          if (this.#remaining === 0) {
            this.#state = State.trailers;
            this.#pending = null;
          } else this.#state = State.chunkData;
          return offset;
        case State.chunkDataCr:
          if (c !== CR) return this.#failAt(chunk, "chunk data longer than its size");
          this.#state = State.chunkDataLf;
          break;
        case State.chunkDataLf:
          if (c !== LF) return this.#failAt(chunk, "chunk data longer than its size");
          this.#state = State.chunkSize;
          this.#chunkLineBytes = 0;
          this.#chunkDigits = 0;
          this.#remaining = 0;
          return offset;
        default:
          return offset - 1;
      }
    }
    return offset;
  }

  #failAt(chunk: Buffer, reason: string): number {
    this.#fail(reason);
    return chunk.length;
  }
}
