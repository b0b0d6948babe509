// What the HTTP filters make the Node runtime send besides the forwarded request: a filter's own answer (a fault's
// abort, a 429, a CORS preflight, a 401, an authorization denial) and the mirrored copies of a request, whose
// answers are read and dropped (Envoy's shadow requests: the host gets `-shadow` appended).
import { RESPONSE_FLAG_HEADER, type ForwardDecision, type UpstreamCluster } from "../core/index.js";
import type { FilterReply, ServerHeader, SideCallTransport } from "../core/filters/index.js";
import type { DownstreamResponse } from "./forward.js";
import type { RequestBody } from "./request-body.js";

/** How long a mirrored copy may take before it is abandoned. */
const MIRROR_TIMEOUT_MS = 15_000;

export function sendFilterReply(downstream: DownstreamResponse, reply: FilterReply, server: ServerHeader | undefined): void {
  if (downstream.headersSent) {
    downstream.destroy();
    return;
  }
  const headers: Record<string, string> = { ...reply.headers, "content-length": String(Buffer.byteLength(reply.body)) };
  if (reply.flag) headers[RESPONSE_FLAG_HEADER] = reply.flag;
  if (server && server.mode !== "passThrough") headers.server = server.name;
  downstream.writeHead(reply.status, headers);
  downstream.end(reply.body);
}

const shadowAuthority = (authority: string): string => {
  const colon = authority.lastIndexOf(":");
  return colon > 0 && !authority.endsWith("]") ? `${authority.slice(0, colon)}-shadow${authority.slice(colon)}` : `${authority}-shadow`;
};

/** Sends a copy of the request, with its body once it has arrived (if it fits the replay buffer), and drops the answer. */
export async function sendMirror(sideCalls: SideCallTransport, cluster: UpstreamCluster, decision: ForwardDecision, body: RequestBody): Promise<void> {
  const { request } = decision;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name] = typeof value === "string" ? value : value.join(",");
  try {
    const content = await body.complete();
    if (content === undefined) return;
    if (content.length > 0) headers["content-length"] = String(content.length);
    await sideCalls.call(cluster, { method: request.method, path: request.path, authority: shadowAuthority(request.authority), headers, ...(content.length > 0 ? { body: content } : {}), timeoutMs: MIRROR_TIMEOUT_MS });
  } catch {
    // A shadow's failure never touches the real request.
  }
}
