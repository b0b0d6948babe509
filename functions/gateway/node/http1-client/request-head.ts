// The request line and header block of an upstream HTTP/1.1 request, as one Latin-1 string written to the socket
// in one go: host first (RFC 9112 §3.2 asks for it first in practice, and so the gateway has always sent it), then
// the request's headers as routing left them, then the body framing this client chose.
import type { ProxyRequest } from "../../core/index.js";
import { isToken } from "../http-syntax.js";

/** How the request body is framed on the wire. */
export type BodyFraming =
  /** No body; methods that normally carry one get `content-length: 0`. */
  | "none"
  /** The request's own content-length header says how long the body is. */
  | "length"
  /** The body's length is not known up front. */
  | "chunked";

/** Methods whose requests are expected to carry a body: without one they say `content-length: 0`, as Node's and undici's clients do. */
const EXPECTS_BODY: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH"]);

/**
 * Headers of the connection, not the request (RFC 9110 §7.6.1), and the ones this client writes itself: routing
 * drops them on the way in, but a filter may have set one (an ext_authz server's headers are copied as given), and
 * sent beside this client's own framing they would change how the upstream reads the request.
 */
const CONNECTION_HEADERS: ReadonlySet<string> = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "http2-settings", "trailer"]);

/** Bytes that would end a line or the request line early: sent, they would let a header value inject another header or request. */
const UNSAFE_VALUE = /[\r\n\0]/;
/** A request target is visible ASCII and obs-text only (what Node's server accepts too). */
const UNSAFE_TARGET = /[^\x21-\xff]/;

/**
 * The serialized head, or undefined when a header or the target holds bytes that cannot be sent (only routing
 * operations from configuration could put them there: Node's server refuses them on the way in).
 *
 * @example
 * serializeRequestHead({ method: "GET", path: "/a", authority: "svc", headers: { accept: "*\/*" }, … }, "none", false)
 * // "GET /a HTTP/1.1\r\nhost: svc\r\naccept: *\/*\r\n\r\n"
 */
export function serializeRequestHead(request: ProxyRequest, framing: BodyFraming, close: boolean): string | undefined {
  const { method, path, authority, headers } = request;
  if (UNSAFE_TARGET.test(path) || UNSAFE_VALUE.test(authority)) return undefined;
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${authority}\r\n`;
  let hasLength = false;
  for (const name in headers) {
    const value = headers[name]!;
    if (!isToken(name, 0, name.length)) return undefined;
    if (CONNECTION_HEADERS.has(name) || (name === "te" && value !== "trailers")) continue;
    if (name === "content-length") hasLength = true;
    if (typeof value === "string") {
      if (UNSAFE_VALUE.test(value)) return undefined;
      head += `${name}: ${value}\r\n`;
    } else {
      for (let i = 0; i < value.length; i++) {
        if (UNSAFE_VALUE.test(value[i]!)) return undefined;
        head += `${name}: ${value[i]}\r\n`;
      }
    }
  }
  if (framing === "chunked") head += "transfer-encoding: chunked\r\n";
  else if (framing === "none" && !hasLength && EXPECTS_BODY.has(method)) head += "content-length: 0\r\n";
  if (close) head += "connection: close\r\n";
  return head + "\r\n";
}
