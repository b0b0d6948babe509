// The chunked transfer coding of a request body (RFC 9112 §7.1), decoded as bytes arrive in any split: chunk data
// is handed on as views of the received buffers (no copy); chunk-size lines, extensions and the trailer section are
// checked as strictly as the head (request-head.ts) and bounded, and trailers are read and dropped (node:http's
// request trailers were never forwarded either).
import { isFieldValue } from "../http-syntax.js";
import { fieldNameEnd } from "./request-head.js";

const enum State {
  Size,
  Data,
  DataCr,
  DataLf,
  Trailers,
  Done,
}

const CR = 13;
const LF = 10;

export interface ChunkedLimits {
  /** Longest chunk-size line, extensions included (Node bounds extensions to 16 KiB since CVE-2024-22019). */
  maxChunkLineLength: number;
  /** Largest trailer section, and how many trailer fields: the head's limits. */
  maxHeaderSize: number;
  maxHeadersCount: number;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** A chunk-size line without its CRLF: 1*HEXDIG, then nothing or `;` extensions (optional whitespace before them). */
function parseSizeLine(line: string): number {
  let size = 0;
  let i = 0;
  for (; i < line.length; i++) {
    const digit = hexValue(line.charCodeAt(i));
    if (digit === -1) break;
    size = size * 16 + digit;
    if (size > Number.MAX_SAFE_INTEGER) return -1;
  }
  if (i === 0) return -1;
  if (i === line.length) return size;
  let j = i;
  while (j < line.length && (line.charCodeAt(j) === 32 || line.charCodeAt(j) === 9)) j++;
  if (j === line.length || line.charCodeAt(j) !== 59 /* ";" */ || !isFieldValue(line, j, line.length)) return -1;
  return size;
}

export class ChunkedDecoder {
  readonly #limits: ChunkedLimits;
  #state = State.Size;
  /** The chunk-size line or trailer section read so far (latin1). */
  #text = "";
  #remaining = 0;
  #trailers = 0;
  #trailerBytes = 0;

  constructor(limits: ChunkedLimits) {
    this.#limits = limits;
  }

  /** The last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /**
   * Decodes from `buffer[offset…]`, handing chunk data to `onData`; returns the offset after what it consumed (the
   * end of the buffer, or the end of the body when it ends inside it), or -1 when the coding is malformed.
   * Stops early when `onData` returns false (the reader paused); call again with the returned offset.
   */
  decode(buffer: Buffer, offset: number, onData: (chunk: Buffer) => boolean): number {
    let i = offset;
    while (i < buffer.length) {
      switch (this.#state) {
        case State.Size: {
          const lf = buffer.indexOf(LF, i);
          const end = lf === -1 ? buffer.length : lf + 1;
          this.#text += buffer.toString("latin1", i, end);
          i = end;
          if (this.#text.length > this.#limits.maxChunkLineLength + 2) return -1;
          if (lf === -1) break;
          const line = this.#text;
          this.#text = "";
          if (line.charCodeAt(line.length - 2) !== CR) return -1;
          const size = parseSizeLine(line.slice(0, -2));
          if (size === -1) return -1;
          this.#remaining = size;
          this.#state = size === 0 ? State.Trailers : State.Data;
          break;
        }
        case State.Data: {
          const end = Math.min(buffer.length, i + this.#remaining);
          this.#remaining -= end - i;
          const chunk = buffer.subarray(i, end);
          i = end;
          if (this.#remaining === 0) this.#state = State.DataCr;
          if (!onData(chunk)) return i;
          break;
        }
        case State.DataCr:
          if (buffer[i++] !== CR) return -1;
          this.#state = State.DataLf;
          break;
        case State.DataLf:
          if (buffer[i++] !== LF) return -1;
          this.#state = State.Size;
          break;
        case State.Trailers: {
          const result = this.#trailerLine(buffer, i);
          if (result === -1) return -1;
          i = result;
          break;
        }
        case State.Done:
          return i;
      }
    }
    return i;
  }

  /** Reads one trailer line (or the empty line that ends the body); returns the next offset or -1. */
  #trailerLine(buffer: Buffer, i: number): number {
    const lf = buffer.indexOf(LF, i);
    const end = lf === -1 ? buffer.length : lf + 1;
    this.#text += buffer.toString("latin1", i, end);
    this.#trailerBytes += end - i;
    if (this.#trailerBytes > this.#limits.maxHeaderSize) return -1;
    if (lf === -1) return end;
    const line = this.#text;
    this.#text = "";
    if (line.length < 2 || line.charCodeAt(line.length - 2) !== CR) return -1;
    if (line.length === 2) {
      this.#state = State.Done;
      return end;
    }
    const colon = fieldNameEnd(line, 0, line.length - 2);
    if (colon === -1 || !isFieldValue(line, colon + 1, line.length - 2) || ++this.#trailers > this.#limits.maxHeadersCount) return -1;
    return end;
  }
}
