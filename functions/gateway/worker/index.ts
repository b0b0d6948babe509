// meshplane's gateway as a Cloudflare Worker (`wrangler.gateway.toml`): routes come from meshplane over REST xDS
// (fetched with fetch) and run on the same gateway core as the Node gateway (../core/): the same validation and
// NACKs, core-wasm matching, retry policy and back-off, host choice, outlier ejection, circuit breakers and
// timeouts; requests go upstream with fetch. What the platform does not allow is listed in upstream-transport.ts
// (no active health checks, no TCP, no TLS origination with the cluster's own trust, no HTTP/2 prior knowledge);
// the HTTP filters (fault, local rate limit, CORS, JWT, ext_authz, mirrors, hash policies) run as on Node, their
// side calls over fetch (side-calls.ts: HTTP/1.1 only, so a route whose ext_authz server speaks gRPC is answered
// 503, never passed unchecked), their state (token buckets, JWKS) per isolate;
// besides, one Worker serves one HTTP listener (no TCP proxy listeners, no websocket upgrades, no TLS termination:
// Cloudflare terminates TLS), and circuit-breaker and outlier state is per isolate, not shared between isolates.
//
// How config arrives: the first request of an isolate fetches it; then the isolate subscribes to meshplane's mesh
// hub (subscription.ts) and fetches again on each version signal. While the subscription is down it polls, on
// requests (an isolate runs no timers between them), at most every XDS_POLL_MS.
//
// Environment: MESHPLANE_URL (meshplane's REST API base, which also serves REST xDS), MESHPLANE_NODE_ID
// (`mesh/<mesh>/virtualGateway/<name>`), optionally GATEWAY_LISTENER (listener name or port; default the first
// inbound listener), XDS_POLL_MS (default 1000; 0: never poll, only the first fetch and the subscription's
// signals), XDS_SUBSCRIBE (`off`: poll only, e.g. against a Node control plane, which has no mesh hub) and
// MESHPLANE_TOKEN (bearer token when meshplane runs with auth).
import { instantiateCore, type Core } from "../../../core-wasm/index.js";
import coreModule from "../../../core-wasm/build/core.wasm";
import { ResponseFlag, routeRequest, type ForwardDecision, type GatewaySnapshot, type ProxyRequest } from "../core/index.js";
import { FilterState, mirrorRequest, needsFilterChain, runRequestFilters, type FilterOutcome, type SideCallTransport } from "../core/filters/index.js";
import { filterReplyResponse, forwardWithFetch, localReply, workerRequestBody } from "./forward.js";
import { WorkerGateway } from "./gateway.js";
import { createRestXdsClient, type RestXdsClient } from "./rest-xds-client.js";
import { createWorkerSideCalls } from "./side-calls.js";
import { createGatewaySubscription, type GatewaySubscription } from "./subscription.js";
import { createWorkerUpstreamTransport } from "./upstream-transport.js";

export interface GatewayWorkerEnv {
  MESHPLANE_URL: string;
  MESHPLANE_NODE_ID: string;
  GATEWAY_LISTENER?: string;
  XDS_POLL_MS?: string;
  XDS_SUBSCRIBE?: string;
  /** Bearer token for meshplane with authentication (a secret binding). */
  MESHPLANE_TOKEN?: string;
}

interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

interface IsolateState {
  gateway: WorkerGateway;
  /** The filters' state (token buckets, active faults, JWKS): per isolate, like circuit-breaker state. */
  filterState: FilterState;
  sideCalls: SideCallTransport;
  client: RestXdsClient;
  subscription: GatewaySubscription | null;
  polledAt: number;
  polling: Promise<boolean> | null;
  pollingSince: number;
  /** A signal arrived during a round: run one more. */
  again: boolean;
}

// Per isolate: Workers keep module state between requests, which is exactly the config cache wanted here.
let core: Core | undefined;
const isolates = new Map<string, IsolateState>();

function stateFor(env: GatewayWorkerEnv): IsolateState {
  const key = `${env.MESHPLANE_URL}\u0000${env.MESHPLANE_NODE_ID}`;
  let state = isolates.get(key);
  if (!state) {
    core ??= instantiateCore(coreModule);
    const gateway = new WorkerGateway(core, createWorkerUpstreamTransport());
    const connection = { baseUrl: env.MESHPLANE_URL.replace(/\/$/, ""), nodeId: env.MESHPLANE_NODE_ID, ...(env.MESHPLANE_TOKEN ? { token: env.MESHPLANE_TOKEN } : {}), log: (message: string) => console.warn(`meshplane-gateway: ${message}`) };
    const created: IsolateState = { gateway, filterState: new FilterState(), sideCalls: createWorkerSideCalls(), client: createRestXdsClient(connection, gateway), subscription: null, polledAt: 0, polling: null, pollingSince: 0, again: false };
    // A signal's round runs in the subscription's own context (its message event), which stays alive until the
    // socket closed and the rounds it started settled.
    if (env.XDS_SUBSCRIBE !== "off") created.subscription = createGatewaySubscription({ ...connection, onSignal: () => poll(created, true) });
    state = created;
    isolates.set(key, state);
  }
  return state;
}

/**
 * A round still unsettled after this long is given up: its request's context may have ended under it (the platform
 * cancels a context's I/O when the context goes, and a promise of a dead context never settles).
 */
const ROUND_STALE_MS = 15_000;

/** One REST xDS round; for a signal during a round, one more after it (the round may have read too early). */
function poll(state: IsolateState, signalled = false): Promise<boolean> {
  if (state.polling && Date.now() - state.pollingSince < ROUND_STALE_MS) {
    if (signalled) state.again = true;
    return state.polling;
  }
  const rounds = async (): Promise<boolean> => {
    let ok: boolean;
    do {
      state.again = false;
      ok = await state.client.poll();
    } while (state.again);
    return ok;
  };
  const round: Promise<boolean> = rounds().finally(() => {
    state.polledAt = Date.now();
    if (state.polling === round) state.polling = null;
  });
  state.polling = round;
  state.pollingSince = Date.now();
  return round;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"]);

function toProxyRequest(request: Request): ProxyRequest {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) headers[name] = value;
  });
  headers["x-forwarded-proto"] ??= url.protocol.replace(":", "");
  headers["x-request-id"] ??= crypto.randomUUID();
  return { method: request.method, authority: request.headers.get("host") ?? url.host, path: `${url.pathname}${url.search}`, scheme: "http", headers };
}

export default {
  async fetch(request: Request, env: GatewayWorkerEnv, context: ExecutionContextLike): Promise<Response> {
    const state = stateFor(env);
    const interval = Number(env.XDS_POLL_MS ?? "1000");
    if (state.polledAt === 0) await poll(state);
    state.subscription?.ensure(context);
    if (!state.subscription?.open && interval > 0 && Date.now() - state.polledAt > interval) context.waitUntil(poll(state));
    const listener = state.gateway.servedListener(env.GATEWAY_LISTENER);
    if (!listener) return localReply(503, ResponseFlag.noRoute, "no listener received from meshplane yet\n");
    const decision = routeRequest(state.gateway.snapshot, listener, toProxyRequest(request));
    if (decision.kind === "local") return localReply(decision.status, decision.flag, decision.body);
    if (!needsFilterChain(decision)) return forwardWithFetch(decision, await workerRequestBody(decision, request.body, decision.entry.retry !== undefined), state.gateway.transport);
    return filterThenForward(state, state.gateway.snapshot, decision, request.body, context);
  },
};

/** Runs the request's HTTP filters (as the Node gateway does): a filter's answer is sent, else the mirrors go out and the request is forwarded. */
async function filterThenForward(state: IsolateState, snapshot: GatewaySnapshot, decision: ForwardDecision, stream: ReadableStream<Uint8Array> | null, context: ExecutionContextLike): Promise<Response> {
  const outcome: FilterOutcome = await runRequestFilters(decision, { snapshot, sideCalls: state.sideCalls, state: state.filterState }).catch((error: unknown) => ({
    kind: "reply" as const,
    reply: { status: 500, headers: { "content-type": "text/plain" }, body: `filter failed: ${error instanceof Error ? error.message : String(error)}\n`, flag: "" },
  }));
  if (outcome.kind === "reply") {
    void stream?.cancel().catch(() => {});
    return filterReplyResponse(outcome.reply, decision.hops[0]?.listener.filters.serverHeader);
  }
  decision.addedResponseHeaders = outcome.responseHeaders;
  const body = await workerRequestBody(decision, stream, decision.entry.retry !== undefined || outcome.mirrors.length > 0);
  // A body streamed through once (unknown or over-limit length) is not mirrored, as on Node past its replay buffer.
  const mirrored = "bytes" in body ? new Uint8Array(body.bytes ?? new ArrayBuffer(0)) : undefined;
  for (const mirror of outcome.mirrors) {
    const cluster = snapshot.clusters.get(mirror.cluster);
    if (!cluster || !mirrored) continue;
    // Sent and forgotten: the answer is dropped, a failure never touches the real request.
    context.waitUntil(state.sideCalls.call(cluster, mirrorRequest(decision.request, mirrored)).catch(() => undefined));
  }
  return forwardWithFetch(decision, body, state.gateway.transport);
}
