// The HTTP filters of a routed request, run the way Envoy's connection manager runs them: for each hop (a virtual
// gateway's ingress listener, then its egress listener), that listener's filters in order with the hop's route
// configurations (per-route fault and rate-limit configs over the listener's, ext_authz disabled per route, the
// route's CORS policy). A filter either lets the request go on (changing its headers in place) or answers it; an
// answer passes through the listener's local reply mappers (a rate-limit policy's body). What the request takes on
// to the router: CORS response headers, the mirrors to copy it to and the hash for consistent-hash clusters.
// Runtime-neutral: side calls go through the runtime's SideCallTransport.
import type { ForwardDecision, RouteHop } from "../router.js";
import type { GatewaySnapshot } from "../snapshot.js";
import { runCors } from "./cors.js";
import { runExtAuthz } from "./ext-authz.js";
import { runFault } from "./fault.js";
import type { ConnectionManagerFilters, HttpFilterConfig } from "./filter-config.js";
import type { FilterContext, FilterReply } from "./filter-reply.js";
import type { FilterState } from "./filter-state.js";
import { runJwtAuthn } from "./jwt-authn.js";
import { runLocalRateLimit } from "./local-rate-limit.js";
import { requestHash } from "./request-hash.js";
import type { RequestMirror } from "./route-policies.js";
import type { SideCallTransport } from "./side-call.js";

export interface FilterRuntime {
  snapshot: GatewaySnapshot;
  sideCalls: SideCallTransport;
  state: FilterState;
  /** [0, 1); Math.random by default. */
  random?: () => number;
  /** Epoch milliseconds; Date.now by default. */
  now?: () => number;
}

export type FilterOutcome =
  | { kind: "reply"; reply: FilterReply }
  | {
      kind: "forward";
      /** Added to the response sent downstream (CORS, a session cookie). */
      responseHeaders: Record<string, string>;
      /** Copies of the request to send and forget. */
      mirrors: RequestMirror[];
    };

/** Whether any hop of the decision has filters or route policies: most requests have none and skip the chain. */
export const needsFilterChain = (decision: ForwardDecision): boolean =>
  decision.hops.some((hop) => hop.listener.filters.httpFilters.length > 0 || hop.entry.policies !== undefined);

/** A filter's answer as the listener's local reply mappers shape it (first matching mapper wins, as in Envoy). */
export function mapLocalReply(filters: ConnectionManagerFilters, reply: FilterReply): FilterReply {
  const mapper = filters.localReplyMappers.find((candidate) => candidate.matches(reply.status, reply.flag ? [reply.flag] : []));
  if (!mapper) return reply;
  const headers = { ...reply.headers };
  for (const header of mapper.headers) headers[header.name] = header.value;
  return { ...reply, status: mapper.status ?? reply.status, body: mapper.body ?? reply.body, headers };
}

async function runFilter(filter: HttpFilterConfig, hop: RouteHop, context: FilterContext, runtime: Required<FilterRuntime>, responseHeaders: Record<string, string>): Promise<FilterReply | undefined> {
  const perRoute = hop.entry.policies?.perFilter.get(filter.name);
  switch (filter.kind) {
    case "cors": {
      const outcome = runCors(hop.entry.policies?.cors, context);
      if (outcome?.kind === "reply") return outcome.reply;
      if (outcome?.kind === "response") Object.assign(responseHeaders, outcome.headers);
      return undefined;
    }
    case "fault":
      return runFault(perRoute?.kind === "fault" ? perRoute.config : filter.config, context, runtime.state);
    case "localRateLimit":
      return runLocalRateLimit(perRoute?.kind === "localRateLimit" ? perRoute.config : filter.config, context, runtime.state);
    case "jwt":
      return runJwtAuthn(filter.config, context, runtime);
    case "extAuthz":
      if (perRoute?.kind === "extAuthz" && perRoute.disabled) return undefined;
      return runExtAuthz(filter.config, context, runtime);
  }
}

/**
 * Runs the filters of every hop, each seeing the path and authority its hop matched on, with the headers of
 * `decision.request` (changed in place), and sets `decision.hash`. Per-route fault
 * and rate-limit configurations of a route whose listener has no such filter are not run, as in Envoy.
 */
export async function runRequestFilters(decision: ForwardDecision, runtime: FilterRuntime): Promise<FilterOutcome> {
  const full: Required<FilterRuntime> = { random: Math.random, now: Date.now, ...runtime };
  const responseHeaders: Record<string, string> = {};
  const mirrors: RequestMirror[] = [];
  for (const hop of decision.hops) {
    // The hop's view: the path and authority it matched on; header changes land on the request sent upstream.
    const context: FilterContext = { request: { ...decision.request, path: hop.path, authority: hop.authority }, random: full.random, now: full.now };
    for (const filter of hop.listener.filters.httpFilters) {
      const reply = await runFilter(filter, hop, context, full, responseHeaders);
      if (reply) return { kind: "reply", reply: mapLocalReply(hop.listener.filters, reply) };
    }
    for (const mirror of hop.entry.policies?.mirrors ?? []) if (mirror.fraction >= 1 || full.random() < mirror.fraction) mirrors.push(mirror);
  }
  const hashing = decision.entry.policies?.hashPolicies ?? [];
  if (hashing.length > 0) {
    const hashed = requestHash(hashing, decision.request, full.random);
    if (hashed) {
      decision.hash = hashed.hash;
      Object.assign(responseHeaders, hashed.responseHeaders);
    }
  }
  return { kind: "forward", responseHeaders, mirrors };
}
