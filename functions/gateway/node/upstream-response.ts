// A Node upstream response as the forwarding code consumes it, whatever the protocol: the head the core decides on
// (status, headers), then the body pushed to one sink with backpressure, then the trailers (gRPC's grpc-status).
// Body chunks that arrive before the sink is attached (the core decides between the headers and the body) wait in
// a small queue. Pushing instead of a Readable stream saves a stream, its buffering and its events per request.
import type { UpstreamResponseHead } from "../core/index.js";
import { addHeader } from "./request-headers.js";

export type ResponseHeaders = Record<string, string | string[]>;

/** Where the body goes (forward.ts's downstream writer). */
export interface ResponseSink {
  /** A body chunk; returns false to pause the upstream until `resume()`. */
  onData(chunk: Buffer): boolean;
  /** The body ended, with the trailers when there were any. */
  onEnd(trailers: ResponseHeaders | undefined): void;
  /** The upstream reset the stream or connection before the body ended. */
  onReset(): void;
}

export abstract class NodeUpstreamResponse implements UpstreamResponseHead {
  status = 0;
  #sink: ResponseSink | null = null;
  #queued: Buffer[] | null = null;
  #ended = false;
  #reset = false;
  #trailers: ResponseHeaders | undefined;

  abstract header(name: string): string | undefined;
  abstract forEachHeader(visit: (name: string, value: string | string[]) => void): void;
  /** Drops the response (a retried attempt, a late answer): the body is read and thrown away, or the stream reset. */
  abstract discard(): void;
  /** Resets the upstream stream (route or idle timeout, downstream gone). */
  abstract abort(): void;
  /** Lets a paused upstream deliver again (the downstream drained). */
  abstract resume(): void;

  /** The whole body has arrived (what is not yet delivered waits for `stream`). */
  get complete(): boolean {
    return this.#ended;
  }

  /** Starts delivering the body to `sink`, first what arrived meanwhile. Called at most once. */
  stream(sink: ResponseSink): void {
    this.#sink = sink;
    const queued = this.#queued;
    this.#queued = null;
    if (queued) for (const chunk of queued) sink.onData(chunk);
    if (this.#reset) sink.onReset();
    else if (this.#ended) sink.onEnd(this.#trailers);
  }

  /** For the protocol code: a body chunk arrived; returns false to pause. */
  protected deliver(chunk: Buffer): boolean {
    const sink = this.#sink;
    if (sink) return sink.onData(chunk);
    (this.#queued ??= []).push(chunk);
    return true;
  }

  protected deliverEnd(trailers: ResponseHeaders | undefined): void {
    if (this.#ended || this.#reset) return;
    this.#ended = true;
    this.#trailers = trailers;
    this.#sink?.onEnd(trailers);
  }

  protected deliverReset(): void {
    if (this.#ended || this.#reset) return;
    this.#reset = true;
    this.#sink?.onReset();
  }
}

/**
 * Response header names most upstreams send, lower-case, grouped by length: a raw name that is one of them becomes
 * that (interned) string without decoding and lower-casing a copy of it.
 */
const COMMON_NAMES: readonly (readonly string[] | undefined)[] = (() => {
  const names = [
    "age", "via", "date", "etag", "vary", "server", "expires", "location", "connection", "keep-alive", "set-cookie",
    "grpc-status", "content-type", "grpc-message", "accept-ranges", "cache-control", "last-modified", "content-length",
    "content-encoding", "transfer-encoding", "x-content-type-options", "strict-transport-security", "access-control-allow-origin",
  ];
  const byLength: string[][] = [];
  for (const name of names) (byLength[name.length] ??= []).push(name);
  return byLength;
})();

/** `block[start, end)` spells `name` (lower-case letters, digits and "-") in any case. Setting bit 0x20 folds only letters here: the other bytes of these names already carry it, and a byte that gains it by folding cannot be in a header name. */
function spells(block: Buffer, start: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if ((block[start + i]! | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

function headerName(block: Buffer, text: string, start: number, end: number): string {
  const candidates = COMMON_NAMES[end - start];
  if (candidates !== undefined) for (let i = 0; i < candidates.length; i++) if (spells(block, start, candidates[i]!)) return candidates[i]!;
  return text.slice(start, end).toLowerCase();
}

/**
 * Header fields from a received head or trailer block as the HTTP/1.1 parser leaves them (http1-client/
 * response-parser.ts): four offsets per field (name start and end, value start and end). Lower-case names,
 * Latin-1 values, repeats as arrays. The block is decoded once and the values cut from that string: a decode per
 * value cost a native call each.
 */
export function headersFrom(block: Buffer, fields: readonly number[]): ResponseHeaders {
  const headers: ResponseHeaders = {};
  if (fields.length === 0) return headers;
  const text = block.toString("latin1", 0, fields[fields.length - 1]!);
  for (let i = 0; i < fields.length; i += 4) {
    const name = headerName(block, text, fields[i]!, fields[i + 1]!);
    addHeader(headers, name, text.slice(fields[i + 2]!, fields[i + 3]!));
  }
  return headers;
}
