// Bounds request bodies without trusting Content-Length. An oversized body is read to its end (discarding it)
// before the refusal goes out, so that clients still writing see the App Mesh error rather than a reset
// connection; past `drainLimit` the connection is cut instead.
import type { Context, MiddlewareHandler } from "hono";

/** What was read of a body: its whole size, and its bytes while the size stayed within `maxBytes`. */
interface ReadBody {
  size: number;
  chunks: Uint8Array[];
}

/**
 * Node's request stream as @hono/node-server hands it to the app (`c.env.incoming`), typed by what is used here:
 * this module also runs on Workers and Deno, where there is none.
 */
interface NodeIncoming {
  on(event: "data" | "end" | "close" | "error", listener: (value: never) => void): unknown;
  removeListener(event: "data" | "end" | "close" | "error", listener: (value: never) => void): unknown;
  destroy(): unknown;
  readonly readableEnded: boolean;
}

function nodeIncomingOf(c: Context): NodeIncoming | undefined {
  const incoming = (c.env as { incoming?: Partial<NodeIncoming> } | undefined)?.incoming;
  return incoming && typeof incoming.on === "function" && typeof incoming.destroy === "function" ? (incoming as NodeIncoming) : undefined;
}

/**
 * The body straight from Node's stream into chunks: no web Request, ReadableStream or AbortSignal is built around it
 * (that was about a sixth of a Create's CPU, api-profile). Past `drainLimit` the stream is destroyed, which closes the
 * connection; a client that goes away mid-body rejects.
 */
function readNodeBody(incoming: NodeIncoming, maxBytes: number, drainLimit: number): Promise<ReadBody> {
  const read: ReadBody = { size: 0, chunks: [] };
  if (incoming.readableEnded) return Promise.resolve(read);
  return new Promise((resolve, reject) => {
    const listeners = {
      data: (chunk: Uint8Array) => {
        read.size += chunk.byteLength;
        if (read.size > drainLimit) return settle(() => (incoming.destroy(), resolve(read)));
        if (read.size <= maxBytes) read.chunks.push(chunk);
      },
      end: () => settle(() => resolve(read)),
      close: () => settle(() => reject(new Error("the client closed the connection before its request body was complete"))),
      error: (error: unknown) => settle(() => reject(error)),
    };
    // Only ours come off: Node's server and @hono/node-server listen on the same stream.
    const settle = (outcome: () => void) => {
      for (const [event, listener] of Object.entries(listeners)) incoming.removeListener(event as keyof typeof listeners, listener);
      outcome();
    };
    for (const [event, listener] of Object.entries(listeners)) incoming.on(event as keyof typeof listeners, listener);
  });
}

/** The body from the web Request's stream (Workers, Deno, `app.request` in tests). */
async function readWebBody(body: ReadableStream<Uint8Array>, maxBytes: number, drainLimit: number): Promise<ReadBody> {
  const read: ReadBody = { size: 0, chunks: [] };
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    read.size += value.byteLength;
    if (read.size > drainLimit) {
      await reader.cancel();
      break;
    }
    if (read.size <= maxBytes) read.chunks.push(value);
  }
  return read;
}

/** Whether a request of this method carries a body at all (the Fetch standard refuses one on GET and HEAD). */
const mayHaveBody = (method: string) => method !== "GET" && method !== "HEAD";

export function limitBody(options: { maxBytes: number; drainLimit: number; refuse: MiddlewareHandler }): MiddlewareHandler {
  return async (c, next) => {
    if (!mayHaveBody(c.req.method)) return next();
    const incoming = nodeIncomingOf(c);
    let read: ReadBody;
    if (incoming) read = await readNodeBody(incoming, options.maxBytes, options.drainLimit);
    else {
      const body = c.req.raw.body;
      if (!body) return next();
      read = await readWebBody(body, options.maxBytes, options.drainLimit);
    }
    if (read.size > options.maxBytes) return options.refuse(c, next);
    // Always a fresh buffer: Node's chunks may be views of a shared pool, which must not reach the readers.
    const buffer = new Uint8Array(read.size);
    let offset = 0;
    for (const chunk of read.chunks) {
      buffer.set(chunk, offset);
      offset += chunk.byteLength;
    }
    // Every later reader (c.req.arrayBuffer/text/json: auth, the handlers) gets these bytes from Hono's body cache.
    // The raw stream is spent; building a new Request around the bytes cost more than the handler (api-profile).
    // The cache holds promises (hono/dist/request.js #cachedBody chains .then on them), which its type does not say.
    c.req.bodyCache.arrayBuffer = Promise.resolve(buffer.buffer) as unknown as ArrayBuffer;
    return next();
  };
}
