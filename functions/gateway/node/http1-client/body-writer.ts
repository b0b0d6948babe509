// The Writable a request body is attached to (RequestBody.attach): it frames each chunk on the connection that
// carries the request (content-length or chunked) and holds the body back while the socket's buffer is full.
import { Writable } from "node:stream";

/** The connection side of a body writer. */
export interface BodySink {
  /** Sends one body chunk; calls `done` once the socket can take more. */
  writeBodyChunk(writer: BodyWriter, chunk: Buffer, done: (error?: Error | null) => void): void;
  /** The body is complete. */
  endBody(writer: BodyWriter, done: (error?: Error | null) => void): void;
}

export class BodyWriter extends Writable {
  readonly #sink: BodySink;

  constructor(sink: BodySink) {
    super({ decodeStrings: false });
    this.#sink = sink;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#sink.writeBodyChunk(this, chunk, done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#sink.endBody(this, done);
  }
}
