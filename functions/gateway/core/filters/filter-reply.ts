// A reply a filter sends itself instead of forwarding the request, and the request filters see and change.
import type { ProxyRequest } from "../proxy-request.js";
import { RESPONSE_FLAG_HEADER } from "../response-flags.js";
import type { ServerHeader } from "./filter-config.js";

export interface FilterReply {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
  /** Envoy's response flag for the access log and x-meshplane-flags (FI, RL, UAEX, …); "" for none. */
  flag: string;
}

/** What the filters of one request work with: the request as the hop received it (headers may be changed in place). */
export interface FilterContext {
  request: ProxyRequest;
  /** [0, 1), for percentages. */
  random(): number;
  /** Epoch milliseconds. */
  now(): number;
}

export const textReply = (status: number, body: string, flag: string, headers: Record<string, string> = {}): FilterReply => ({
  status,
  headers: { "content-type": "text/plain", ...headers },
  body,
  flag,
});

/** The headers a filter's reply goes out with (its own, the response flag, the listener's server header), length aside. */
export function filterReplyHeaders(reply: FilterReply, server: ServerHeader | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.flag) headers[RESPONSE_FLAG_HEADER] = reply.flag;
  if (server && server.mode !== "passThrough") headers.server = server.name;
  return headers;
}
