// Bounds request bodies without trusting Content-Length. An oversized body is read to its end (discarding it)
// before the refusal goes out, so that clients still writing see the App Mesh error rather than a reset
// connection; past `drainLimit` the connection is cut instead.
import type { MiddlewareHandler } from "hono";

export function limitBody(options: { maxBytes: number; drainLimit: number; refuse: MiddlewareHandler }): MiddlewareHandler {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > options.drainLimit) {
        await reader.cancel();
        break;
      }
      if (size <= options.maxBytes) chunks.push(value);
    }
    if (size > options.maxBytes) return options.refuse(c, next);
    const buffer = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
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
