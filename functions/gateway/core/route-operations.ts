// What a route does to a request on its way upstream and to the response on its way back, compiled once per
// RouteConfiguration so the request path only walks arrays. Header changes are the operations Envoy's route,
// virtual host and route configuration levels carry today; HTTP filters (fault, rate limit, CORS, JWT, ext_authz)
// become further RequestOperations, precomputed per route the same way, and run in the same loop.
import type { ProxyRequest } from "./proxy-request.js";
import type { ResponseFlagCode } from "./response-flags.js";

/** A header to set or append on a request or response. */
export interface HeaderChange {
  name: string;
  value: string;
  /** true: add another value; false: replace any existing value. */
  append: boolean;
}

export interface HeaderChanges {
  add: readonly HeaderChange[];
  remove: readonly string[];
}

/** A reply an operation makes instead of forwarding (an HTTP filter refusing or answering the request). */
export interface OperationReply {
  status: number;
  flag: ResponseFlagCode;
  body: string;
}

/**
 * One precomputed step of a route's request path. Runs synchronously on the gateway's own copy of the request
 * (it may change it in place) and returns a reply to stop there, or undefined to go on. Must not throw.
 */
export interface RequestOperation {
  applyToRequest(request: ProxyRequest): OperationReply | undefined;
}

/** One precomputed step applied to the response headers going downstream (the gateway's own copy). */
export interface ResponseOperation {
  applyToResponse(headers: Record<string, string | string[]>): void;
}

/** Removes, then sets or appends headers in place. */
export function applyHeaderChanges(headers: Record<string, string | string[]>, changes: HeaderChanges): void {
  const { remove, add } = changes;
  for (let i = 0; i < remove.length; i++) delete headers[remove[i]!];
  for (let i = 0; i < add.length; i++) {
    const { name, value, append } = add[i]!;
    const existing = headers[name];
    if (append && existing !== undefined) headers[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    else headers[name] = value;
  }
}

/** Header changes of one route (route, virtual host and configuration levels merged in Envoy's order). */
class HeaderOperation implements RequestOperation, ResponseOperation {
  constructor(readonly changes: HeaderChanges) {}

  applyToRequest(request: ProxyRequest): undefined {
    applyHeaderChanges(request.headers, this.changes);
    return undefined;
  }

  applyToResponse(headers: Record<string, string | string[]>): void {
    applyHeaderChanges(headers, this.changes);
  }
}

const NONE: readonly never[] = Object.freeze([]);

/** The operations for `changes`: none at all when they change nothing, so such routes pay nothing per request. */
export function headerOperations(changes: HeaderChanges): readonly (RequestOperation & ResponseOperation)[] {
  return changes.add.length === 0 && changes.remove.length === 0 ? NONE : [new HeaderOperation(changes)];
}
