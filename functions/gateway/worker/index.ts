// meshplane's gateway as a Cloudflare Worker (`wrangler.gateway.toml`): routes come from meshplane over REST xDS
// (polled with fetch), matching runs in the same core-wasm module as on Node, and requests go upstream with fetch.
//
// Environment: MESHPLANE_URL (meshplane's REST API base, which also serves REST xDS), MESHPLANE_NODE_ID
// (`mesh/<mesh>/virtualGateway/<name>`), optionally GATEWAY_LISTENER (listener name or port; default the first
// inbound listener), XDS_POLL_MS (default 1000) and MESHPLANE_TOKEN (bearer token when meshplane runs with auth).
import { instantiateCore, type Core } from "../../../core-wasm/index.js";
import coreModule from "../../../core-wasm/build/core.wasm";
import { ResponseFlag } from "../proxy/response-flags.js";
import { routeRequest, type ProxyRequest } from "../proxy/router.js";
import { createRestXdsClient, type RestXdsClient } from "./rest-xds-client.js";
import { forwardWithFetch, localReply } from "./fetch-forward.js";
import { WorkerRuntime } from "./runtime.js";

export interface GatewayWorkerEnv {
  MESHPLANE_URL: string;
  MESHPLANE_NODE_ID: string;
  GATEWAY_LISTENER?: string;
  XDS_POLL_MS?: string;
  /** Bearer token for meshplane with authentication (a secret binding). */
  MESHPLANE_TOKEN?: string;
}

interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

interface IsolateState {
  runtime: WorkerRuntime;
  client: RestXdsClient;
  polledAt: number;
  polling: Promise<boolean> | null;
}

// Per isolate: Workers keep module state between requests, which is exactly the config cache wanted here.
let core: Core | undefined;
const isolates = new Map<string, IsolateState>();

function stateFor(env: GatewayWorkerEnv): IsolateState {
  const key = `${env.MESHPLANE_URL}\u0000${env.MESHPLANE_NODE_ID}`;
  let state = isolates.get(key);
  if (!state) {
    core ??= instantiateCore(coreModule);
    const runtime = new WorkerRuntime(core);
    const client = createRestXdsClient({ baseUrl: env.MESHPLANE_URL.replace(/\/$/, ""), nodeId: env.MESHPLANE_NODE_ID, ...(env.MESHPLANE_TOKEN ? { token: env.MESHPLANE_TOKEN } : {}) }, runtime);
    state = { runtime, client, polledAt: 0, polling: null };
    isolates.set(key, state);
  }
  return state;
}

function poll(state: IsolateState): Promise<boolean> {
  state.polling ??= state.client.poll().finally(() => {
    state.polledAt = Date.now();
    state.polling = null;
  });
  return state.polling;
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
    else if (Date.now() - state.polledAt > interval) context.waitUntil(poll(state));
    const listener = state.runtime.servedListener(env.GATEWAY_LISTENER);
    if (!listener) return localReply(503, ResponseFlag.noRoute, "no listener received from meshplane yet\n");
    const decision = routeRequest(state.runtime.snapshot, listener, toProxyRequest(request));
    if (decision.kind === "local") return localReply(decision.status, decision.flag, decision.body);
    return forwardWithFetch(decision, request.body);
  },
};
