// What every downstream protocol does to a request's headers before routing: hop-by-hop ones are dropped, and the
// gateway's own (x-forwarded-proto, x-request-id) are added when absent. Shared by the node:http/node:http2 path
// (handle-request.ts) and the gateway's own HTTP/1.1 parser (http1-server/request-head.ts).
import { requestId } from "./request-id.js";

/**
 * Not forwarded: hop-by-hop headers (RFC 9110 §7.6.1), the HTTP/2 upgrade ones, `host` (it travels as the
 * authority) and `expect` (the server answers 100-continue itself, as Envoy does by default).
 */
export const REQUEST_HOP_BY_HOP: ReadonlySet<string> = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "http2-settings", "host", "expect"]);

/** Adds one header line's value: a repeated name becomes an array, in arrival order. */
export function addHeader(headers: Record<string, string | string[]>, name: string, value: string): void {
  const existing = headers[name];
  if (existing === undefined) headers[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else headers[name] = [existing, value];
}

/**
 * The gateway's additions once the hop-by-hop headers are gone; `te` is the request's TE value, `secure` whether the
 * downstream connection is TLS (x-forwarded-proto names the downstream connection's scheme when absent, as Envoy's).
 */
export function completeRequestHeaders(headers: Record<string, string | string[]>, te: string | string[] | undefined, secure: boolean): void {
  // gRPC needs `te: trailers` end to end; it is the one TE value HTTP/2 allows.
  if (te === "trailers") headers.te = "trailers";
  headers["x-forwarded-proto"] ??= secure ? "https" : "http";
  headers["x-request-id"] ??= requestId();
}
