// What the HTTP filters make the Node runtime send besides the forwarded request: a filter's own answer (a fault's
// abort, a 429, a CORS preflight, a 401, an authorization denial) and the mirrored copies of a request, whose
// answers are read and dropped (Envoy's shadow requests: the host gets `-shadow` appended).
import type { ForwardDecision, UpstreamCluster } from "../core/index.js";
import { filterReplyHeaders, mirrorRequest, type FilterReply, type ServerHeader, type SideCallTransport } from "../core/filters/index.js";
import type { DownstreamResponse } from "./forward.js";
import type { RequestBody } from "./request-body.js";

export function sendFilterReply(downstream: DownstreamResponse, reply: FilterReply, server: ServerHeader | undefined): void {
  if (downstream.headersSent) {
    downstream.destroy();
    return;
  }
  try {
    downstream.writeHead(reply.status, { ...filterReplyHeaders(reply, server), "content-length": String(Buffer.byteLength(reply.body)) });
  } catch {
    // A header the server refuses to send (an authorization server's invalid value): reset, as for an upstream's.
    downstream.destroy();
    return;
  }
  downstream.end(reply.body);
}

/** Sends a copy of the request, with its body once it has arrived (if it fits the replay buffer), and drops the answer. */
export async function sendMirror(sideCalls: SideCallTransport, cluster: UpstreamCluster, decision: ForwardDecision, body: RequestBody): Promise<void> {
  try {
    const content = await body.complete();
    if (content === undefined) return;
    await sideCalls.call(cluster, mirrorRequest(decision.request, content));
  } catch {
    // A shadow's failure never touches the real request.
  }
}
