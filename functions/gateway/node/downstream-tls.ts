// Whether a request arrived over TLS, for x-forwarded-proto. HTTP/1.1 requests see it on their TLSSocket; an h2
// session over TLS runs on a JS relay of the TLSSocket (listener-server.ts), which node:http2 wraps again, so the
// listener records those sessions here instead.
import type http from "node:http";
import type http2 from "node:http2";

const tlsSessions = new WeakSet<http2.Http2Session>();

export function markTlsSession(session: http2.Http2Session): void {
  tlsSessions.add(session);
}

export function arrivedOverTls(request: http.IncomingMessage | http2.Http2ServerRequest): boolean {
  if ("stream" in request && request.stream) return tlsSessions.has(request.stream.session!);
  return (request.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
}
