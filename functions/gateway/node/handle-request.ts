// The Node adapter between a listener's sockets and the routing/forwarding core: turns an incoming HTTP/1.1 or
// HTTP/2 request into a ProxyRequest, routes it on the snapshot current at arrival, and forwards or answers it.
// Per request it builds one header record (the gateway's HTTP/1.1 server builds it while parsing the head; for
// node:http from the raw header list, without Node's parsed `headers` object),
// counts into metric series it looks up without allocating, and formats access logs only for listeners that have
// them.
import type http from "node:http";
import type http2 from "node:http2";
import type { Duplex } from "node:stream";
import { needsFilterChain, runRequestFilters, type FilterState, type SideCallTransport } from "../core/filters/index.js";
import { routeRequest, type ForwardDecision, type GatewaySnapshot, type ListenerConfig, type ProxyRequest, type ResponseFlagCode, type UpstreamObserver } from "../core/index.js";
import { formatAccessLog, type AccessLogWriter } from "./access-log.js";
import { forward, sendLocalReply, type DownstreamResponse, type ForwardContext, type ForwardDetails } from "./forward.js";
import { statusClassText, statusText, type GatewayMetrics } from "./metrics.js";
import { sendFilterReply, sendMirror } from "./filter-io.js";
import { Http1Request, type Http1Response } from "./http1-server/index.js";
import { RequestBody } from "./request-body.js";
import { arrivedOverTls } from "./downstream-tls.js";
import { addHeader, completeRequestHeaders, REQUEST_HOP_BY_HOP } from "./request-headers.js";
import type { RequestObserver } from "./request-observer.js";
import { forwardUpgrade, rejectUpgrade } from "./upgrade.js";
import type { NodeUpstreamTransport } from "./upstream-transport.js";

type IncomingRequest = http.IncomingMessage | http2.Http2ServerRequest;

/** The gateway's own copy of the request: lower-case header names, no pseudo or hop-by-hop headers. */
export function toProxyRequest(request: IncomingRequest): ProxyRequest {
  const headers: Record<string, string | string[]> = {};
  let authority: string | undefined;
  let te: string | string[] | undefined;
  if (request.httpVersionMajor === 2) {
    const raw = request.headers as Record<string, string | string[] | undefined>;
    for (const name in raw) {
      const value = raw[name];
      if (value === undefined || name.charCodeAt(0) === 58 /* ":" */) continue;
      if (REQUEST_HOP_BY_HOP.has(name)) {
        if (name === "te") te = value;
        continue;
      }
      headers[name] = value;
    }
    authority = (raw[":authority"] as string | undefined) ?? (raw.host as string | undefined);
  } else {
    const raw = request.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      if (REQUEST_HOP_BY_HOP.has(name)) {
        if (name === "host") authority ??= value;
        else if (name === "te") te = value;
        continue;
      }
      addHeader(headers, name, value);
    }
  }
  completeRequestHeaders(headers, te, arrivedOverTls(request));
  const proxied: ProxyRequest = { method: request.method ?? "GET", authority: authority ?? "", path: request.url || "/", scheme: "http", headers };
  const remoteAddress = request.socket?.remoteAddress;
  if (remoteAddress) proxied.remoteAddress = remoteAddress;
  return proxied;
}

/** Whether a body follows: HTTP/2 knows from its stream; HTTP/1.1 from content-length or chunked framing. */
function hasBody(request: IncomingRequest, proxied: ProxyRequest): boolean {
  if ("stream" in request && request.stream) return !request.stream.readableEnded && !(request.stream as { endAfterHeaders?: boolean }).endAfterHeaders;
  const length = proxied.headers["content-length"];
  if (length !== undefined && length !== "0") return true;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 17 && raw[i]!.toLowerCase() === "transfer-encoding") return true;
  return false;
}

/** gRPC requests (application/grpc, +proto, +json, …), counted apart by App Mesh's GrpcRequestCount. */
function isGrpc(request: ProxyRequest): boolean {
  const type = request.headers["content-type"];
  return typeof type === "string" && type.startsWith("application/grpc");
}

export interface RequestContext {
  snapshot(): GatewaySnapshot;
  metrics: GatewayMetrics;
  /** The core's upstream events, counted in `metrics`. */
  observer: UpstreamObserver;
  /** Told of every connection and answered request (the App Mesh metrics extension's series). */
  requests: RequestObserver;
  transport: NodeUpstreamTransport;
  accessLog: AccessLogWriter;
  /** The HTTP filters' state (token buckets, JWKS) and the transport of their own calls. */
  filterState: FilterState;
  sideCalls: SideCallTransport;
}

/** The request as it arrived, kept for the access log (only where the listener has one). */
interface Arrival {
  request: IncomingRequest | Http1Request;
  startTime: Date;
  started: number;
  body: RequestBody | undefined;
}

function writeAccessLogs(context: RequestContext, listener: ListenerConfig, route: string, cluster: string, status: number, flag: string, arrival: Arrival, details?: ForwardDetails): void {
  const { request } = arrival;
  const headers = request.headers as Record<string, string | string[] | undefined>;
  const entry = {
    startTime: arrival.startTime,
    durationMs: performance.now() - arrival.started,
    method: request.method ?? "GET",
    path: request.url ?? "/",
    protocol: `HTTP/${request.httpVersion}`,
    authority: (headers[":authority"] as string | undefined) ?? (headers.host as string | undefined) ?? "",
    requestHeaders: headers,
    responseHeaders: details?.responseHeaders ?? {},
    status,
    flags: flag,
    bytesReceived: arrival.body?.received ?? 0,
    bytesSent: details?.bytesSent ?? 0,
    upstreamHost: details?.upstreamHost ?? "",
    upstreamCluster: cluster,
    routeName: route,
    downstreamRemoteAddress: request.socket?.remoteAddress ? `${request.socket.remoteAddress}:${request.socket.remotePort}` : "",
  };
  for (const log of listener.accessLogs) context.accessLog.write(log.path, formatAccessLog(log, entry));
}

function record(context: RequestContext, listener: ListenerConfig, route: string, cluster: string, status: number, flag: ResponseFlagCode | "", arrival?: Arrival, details?: ForwardDetails): void {
  if (arrival) writeAccessLogs(context, listener, route, cluster, status, flag, arrival, details);
  const metrics = context.metrics;
  metrics.requests.root.at(listener.name).at(route).at(cluster).at(statusText(status)).at(flag).inc();
  metrics.downstreamRq.root.at(listener.statPrefix).inc();
  metrics.downstreamRqXx.root.at(listener.statPrefix).at(statusClassText(status)).inc();
}

export function handleRequest(
  context: RequestContext,
  listener: ListenerConfig,
  request: IncomingRequest | Http1Request,
  response: http.ServerResponse | http2.Http2ServerResponse | Http1Response,
): void {
  const snapshot = context.snapshot();
  const current = snapshot.listeners.get(listener.name) ?? listener;
  // The gateway's HTTP/1.1 server built the ProxyRequest while parsing the head, and read the clock.
  const own = request instanceof Http1Request;
  const started = own ? request.startedAt : performance.now();
  const arrival: Arrival | undefined = current.accessLogs.length > 0 ? { request, startTime: new Date(), started, body: undefined } : undefined;
  const proxied = own ? request.proxied : toProxyRequest(request);
  const withBody = own ? request.hasBody : hasBody(request, proxied);
  const grpc = isGrpc(proxied);
  const decision = routeRequest(snapshot, current, proxied);
  const downstream = response as unknown as DownstreamResponse;
  if (decision.kind === "local") {
    request.resume();
    sendLocalReply(downstream, decision.status, decision.flag, decision.body);
    record(context, current, decision.routeName, decision.clusterName, decision.status, decision.flag, arrival, arrival && { upstreamHost: "", bytesSent: Buffer.byteLength(decision.body), responseHeaders: {} });
    context.requests.requestCompleted(current, undefined, decision.status, false, grpc, performance.now() - started);
    return;
  }
  const body = new RequestBody(request, withBody);
  const details: ForwardDetails | undefined = arrival ? { upstreamHost: "", bytesSent: 0, responseHeaders: {} } : undefined;
  if (arrival) arrival.body = body;
  const forwarded = new ForwardedRequest(context, current, decision, body, downstream, details, arrival, grpc, started);
  if (!needsFilterChain(decision)) {
    forwarded.startedNow = started;
    forward(forwarded);
    return;
  }
  void filterThenSend(context, snapshot, forwarded, (status, flag, bytes) => {
    record(context, current, decision.routeName, decision.clusterName, status, flag as ResponseFlagCode, arrival, arrival && { upstreamHost: "", bytesSent: bytes, responseHeaders: {} });
    context.requests.requestCompleted(current, decision.stats, status, false, grpc, performance.now() - started);
  });
}

/** A routed request on its way upstream: what forwarding needs, and the bookkeeping once it is answered (one object per request). */
class ForwardedRequest implements ForwardContext {
  readonly transport: NodeUpstreamTransport;
  readonly observer: UpstreamObserver;
  startedNow: number | undefined = undefined;

  constructor(
    readonly context: RequestContext,
    readonly listener: ListenerConfig,
    readonly decision: ForwardDecision,
    readonly body: RequestBody,
    readonly downstream: DownstreamResponse,
    readonly details: ForwardDetails | undefined,
    readonly arrival: Arrival | undefined,
    readonly grpc: boolean,
    readonly started: number,
  ) {
    this.transport = context.transport;
    this.observer = context.observer;
  }

  done(status: number, flag: ResponseFlagCode | "", fromTarget: boolean): void {
    const { context, listener, decision } = this;
    record(context, listener, decision.routeName, decision.clusterName, status, flag, this.arrival, this.details);
    context.requests.requestCompleted(listener, decision.stats, status, fromTarget, this.grpc, performance.now() - this.started);
  }
}

/** Runs the request's HTTP filters; a filter's answer is sent here, else the mirrors go out and the request is forwarded. */
async function filterThenSend(context: RequestContext, snapshot: GatewaySnapshot, forwarded: ForwardedRequest, answered: (status: number, flag: string, bytes: number) => void): Promise<void> {
  const { decision, body, downstream } = forwarded;
  const outcome = await runRequestFilters(decision, { snapshot, sideCalls: context.sideCalls, state: context.filterState }).catch((error: unknown) => ({
    kind: "reply" as const,
    reply: { status: 500, headers: { "content-type": "text/plain" }, body: `filter failed: ${error instanceof Error ? error.message : String(error)}\n`, flag: "" },
  }));
  if (outcome.kind === "reply") {
    const { reply } = outcome;
    body.discard();
    sendFilterReply(downstream, reply, decision.hops[0]?.listener.filters.serverHeader);
    answered(reply.status, reply.flag, Buffer.byteLength(reply.body));
    return;
  }
  decision.addedResponseHeaders = outcome.responseHeaders;
  for (const mirror of outcome.mirrors) {
    const cluster = snapshot.clusters.get(mirror.cluster);
    if (cluster) void sendMirror(context.sideCalls, cluster, decision, body);
  }
  forward(forwarded);
}

export function handleUpgrade(context: RequestContext, listener: ListenerConfig, request: http.IncomingMessage | Http1Request, socket: Duplex, head: Buffer): void {
  const snapshot = context.snapshot();
  const current = snapshot.listeners.get(listener.name) ?? listener;
  const own = request instanceof Http1Request;
  const upgrade = own ? (request.upgrade ?? "") : String(request.headers.upgrade ?? "");
  if (!current.websocket || upgrade.toLowerCase() !== "websocket") {
    rejectUpgrade(socket, 403, "NR", "upgrade not allowed");
    return;
  }
  socket.on("error", () => socket.destroy());
  const decision = routeRequest(snapshot, current, own ? request.proxied : toProxyRequest(request));
  if (decision.kind === "local") {
    rejectUpgrade(socket, decision.status, decision.flag, decision.body.trim());
    record(context, current, decision.routeName, decision.clusterName, decision.status, decision.flag);
    context.requests.requestCompleted(current, undefined, decision.status, false, false, 0);
    return;
  }
  const started = performance.now();
  void forwardUpgrade(decision, socket, head, upgrade).then(({ status, flag }) => {
    record(context, current, decision.routeName, decision.clusterName, status, flag);
    // 101 is the gateway's once the upstream connects (upgrade.ts): the target is reached, its answer not read.
    context.requests.requestCompleted(current, decision.stats, status, false, false, performance.now() - started);
  });
}
