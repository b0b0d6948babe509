// The headers a forwarded response carries downstream: the upstream's, minus connection-specific ones, plus
// x-envoy-upstream-service-time, the downstream listener's `server` header (Envoy's server_header_transformation),
// the routes' response header changes (innermost hop first), what the filters add, and the gateway's response flags.
import { RESPONSE_FLAG_HEADER, type ResponseFlagCode } from "./response-flags.js";
import type { ForwardDecision } from "./router.js";
import type { UpstreamResponseHead } from "./upstream-transport.js";

/** Response headers never forwarded (RFC 9110 §7.6.1 connection-specific, plus HTTP/2-illegal ones). */
export const RESPONSE_HOP_BY_HOP: ReadonlySet<string> = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "http2-settings"]);

/** `dropped`: names not to forward (the runtime may drop more, e.g. what fetch already decoded). */
export function downstreamResponseHeaders(
  decision: ForwardDecision,
  response: UpstreamResponseHead,
  flags: readonly ResponseFlagCode[],
  upstreamMs: number,
  dropped: ReadonlySet<string> = RESPONSE_HOP_BY_HOP,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  response.forEachHeader((name, value) => {
    // Arrays are only ever replaced, never changed in place (applyHeaderChanges), so they need no copy.
    if (!dropped.has(name) && name.charCodeAt(0) !== 58 /* ":" */) headers[name] = value;
  });
  headers["x-envoy-upstream-service-time"] = String(Math.round(upstreamMs));
  const server = decision.hops[0]?.listener.filters.serverHeader;
  if (server?.mode === "overwrite" || (server?.mode === "appendIfAbsent" && headers.server === undefined)) headers.server = server.name;
  const operations = decision.responseOperations;
  for (let i = 0; i < operations.length; i++) operations[i]!.applyToResponse(headers);
  if (decision.addedResponseHeaders) Object.assign(headers, decision.addedResponseHeaders);
  if (flags.length > 0) headers[RESPONSE_FLAG_HEADER] = flags.join(",");
  return headers;
}
