// The downstream request body, streamed to the current upstream attempt with backpressure, and kept (up to a
// limit, like Envoy's per-request buffer for retries) so a retry can replay it. Past the limit, retries stop.
import type { Writable } from "node:stream";

/**
 * Where the body comes from: a node:http / node:http2 request (a Readable) or the gateway's own Http1Request. It
 * starts paused; `data` carries body bytes, `end` its end, `close` follows `end` or an abort.
 */
export interface BodySource {
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  once(event: "end" | "close", listener: () => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** How much of a request body is kept for replay: Envoy's default connection buffer limit (1 MiB) bounds its retry buffer too. */
export const RETRY_BUFFER_LIMIT = 1 << 20;

export class RequestBody {
  readonly #source: BodySource;
  #chunks: Buffer[] = [];
  #size = 0;
  #overflow = false;
  #ended: boolean;
  #sink: Writable | null = null;
  #sent = false;
  readonly #empty: boolean;

  constructor(source: BodySource, hasBody: boolean) {
    this.#source = source;
    this.#ended = !hasBody;
    this.#empty = !hasBody;
    if (!hasBody) {
      source.resume();
      return;
    }
    source.on("data", (chunk: Buffer) => {
      if (!this.#overflow) {
        this.#size += chunk.length;
        if (this.#size > RETRY_BUFFER_LIMIT) {
          this.#overflow = true;
          this.#chunks = [];
        } else this.#chunks.push(chunk);
      }
      const sink = this.#sink;
      if (sink && !sink.write(chunk)) {
        source.pause();
        sink.once("drain", () => source.resume());
      }
    });
    source.on("end", () => {
      this.#ended = true;
      this.#sink?.end();
    });
    source.pause();
  }

  /** The request has no body at all (nothing to attach). */
  get empty(): boolean {
    return this.#empty;
  }

  /**
   * The whole body once it has arrived (for a mirrored copy); undefined when it outgrew the replay buffer. Does not
   * start reading: the body flows as the forwarded attempt consumes it.
   */
  complete(): Promise<Buffer | undefined> {
    if (this.#ended) return Promise.resolve(this.#overflow ? undefined : Buffer.concat(this.#chunks));
    return new Promise((resolve) => {
      this.#source.once("end", () => resolve(this.#overflow ? undefined : Buffer.concat(this.#chunks)));
      this.#source.once("close", () => resolve(this.#ended && !this.#overflow ? Buffer.concat(this.#chunks) : undefined));
    });
  }

  /** The request was answered without forwarding: read and drop the rest of the body. */
  discard(): void {
    this.#chunks = [];
    this.#overflow = true;
    this.#source.resume();
  }

  /** Body bytes read from downstream so far. */
  get received(): number {
    return this.#size;
  }

  /** A retry can resend the body: nothing was streamed past the replay buffer. */
  get replayable(): boolean {
    return !this.#overflow || !this.#sent;
  }

  /** Streams the body (what was kept, then the rest) to `sink`; returns false when it can no longer be replayed. */
  attach(sink: Writable): boolean {
    if (!this.replayable) return false;
    this.#sent = true;
    for (const chunk of this.#chunks) sink.write(chunk);
    if (this.#ended) {
      sink.end();
      this.#sink = null;
      return true;
    }
    this.#sink = sink;
    this.#source.resume();
    return true;
  }

  /** The attempt using `sink` failed: stop feeding it. */
  detach(sink: Writable): void {
    if (this.#sink === sink) {
      this.#sink = null;
      if (!this.#ended) this.#source.pause();
    }
  }
}
