// The Node adapter between a listener's sockets and the routing/forwarding core: turns an incoming HTTP/1.1 or
// HTTP/2 request into a ProxyRequest, routes it on the snapshot current at arrival, and forwards or answers it.
import type http from "node:http";
import type http2 from "node:http2";
import type { Duplex } from "node:stream";
import { randomUUID } from "node:crypto";
import { routeRequest, type GatewaySnapshot, type ListenerConfig, type ProxyRequest, type ResponseFlagCode, type UpstreamObserver } from "../core/index.js";
import { formatAccessLog, type AccessLogWriter } from "./access-log.js";
import { forward, sendLocalReply, type DownstreamResponse, type ForwardDetails } from "./forward.js";
import type { GatewayMetrics } from "./metrics.js";
import { RequestBody } from "./request-body.js";
import { forwardUpgrade, rejectUpgrade } from "./upgrade.js";
import type { NodeUpstreamTransport } from "./upstream-transport.js";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "http2-settings", "host"]);

export function toProxyRequest(request: http.IncomingMessage | http2.Http2ServerRequest): ProxyRequest {
  const raw = request.headers as Record<string, string | string[] | undefined>;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || name.startsWith(":") || HOP_BY_HOP.has(name)) continue;
    headers[name] = value;
  }
  // gRPC needs `te: trailers` end to end; it is the one TE value HTTP/2 allows.
  if (raw.te === "trailers") headers.te = "trailers";
  headers["x-forwarded-proto"] ??= "http";
  headers["x-request-id"] ??= randomUUID();
  const authority = (raw[":authority"] as string | undefined) ?? (raw.host as string | undefined) ?? "";
  return { method: request.method ?? "GET", authority, path: request.url || "/", scheme: "http", headers };
}

function hasBody(request: http.IncomingMessage | http2.Http2ServerRequest): boolean {
  if ("stream" in request && request.stream) return !request.stream.readableEnded && !(request.stream as { endAfterHeaders?: boolean }).endAfterHeaders;
  const length = request.headers["content-length"];
  return (length !== undefined && length !== "0") || request.headers["transfer-encoding"] !== undefined;
}

export interface RequestContext {
  snapshot(): GatewaySnapshot;
  metrics: GatewayMetrics;
  /** The core's upstream events, counted in `metrics`. */
  observer: UpstreamObserver;
  transport: NodeUpstreamTransport;
  accessLog: AccessLogWriter;
}

/** The request as it arrived, for the access log. */
interface Arrival {
  request: http.IncomingMessage | http2.Http2ServerRequest;
  startTime: Date;
  started: number;
  bytesReceived: () => number;
}

function record(
  context: RequestContext,
  listener: ListenerConfig,
  route: string,
  cluster: string,
  status: number,
  flag: ResponseFlagCode | "",
  arrival?: Arrival,
  details?: ForwardDetails,
): void {
  const metrics = context.metrics;
  if (arrival && listener.accessLogs.length > 0) {
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
      bytesReceived: arrival.bytesReceived(),
      bytesSent: details?.bytesSent ?? 0,
      upstreamHost: details?.upstreamHost ?? "",
      upstreamCluster: cluster,
      routeName: route,
      downstreamRemoteAddress: request.socket?.remoteAddress ? `${request.socket.remoteAddress}:${request.socket.remotePort}` : "",
    };
    for (const log of listener.accessLogs) context.accessLog.write(log.path, formatAccessLog(log, entry));
  }
  metrics.requests.inc({ listener: listener.name, route, cluster, status: String(status), flags: flag });
  metrics.downstreamRq.inc({ envoy_http_conn_manager_prefix: listener.statPrefix });
  metrics.downstreamRqXx.inc({ envoy_http_conn_manager_prefix: listener.statPrefix, envoy_response_code_class: String(Math.floor(status / 100)) });
}

export function handleRequest(
  context: RequestContext,
  listener: ListenerConfig,
  request: http.IncomingMessage | http2.Http2ServerRequest,
  response: http.ServerResponse | http2.Http2ServerResponse,
): void {
  const snapshot = context.snapshot();
  const current = snapshot.listeners.get(listener.name) ?? listener;
  const arrival: Arrival | undefined = current.accessLogs.length > 0 ? { request, startTime: new Date(), started: performance.now(), bytesReceived: () => 0 } : undefined;
  const decision = routeRequest(snapshot, current, toProxyRequest(request));
  const downstream = response as unknown as DownstreamResponse;
  if (decision.kind === "local") {
    request.resume();
    sendLocalReply(downstream, decision.status, decision.flag, decision.body);
    record(context, current, decision.routeName, decision.clusterName, decision.status, decision.flag, arrival, { upstreamHost: "", bytesSent: Buffer.byteLength(decision.body), responseHeaders: {} });
    return;
  }
  const body = new RequestBody(request, hasBody(request));
  if (arrival) arrival.bytesReceived = () => body.received;
  const details: ForwardDetails = { upstreamHost: "", bytesSent: 0, responseHeaders: {} };
  void forward({
    decision,
    body,
    downstream,
    transport: context.transport,
    observer: context.observer,
    details,
    done: (status, flag) => record(context, current, decision.routeName, decision.clusterName, status, flag, arrival, details),
  });
}

export function handleUpgrade(context: RequestContext, listener: ListenerConfig, request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  const snapshot = context.snapshot();
  const current = snapshot.listeners.get(listener.name) ?? listener;
  const upgrade = String(request.headers.upgrade ?? "");
  if (!current.websocket || upgrade.toLowerCase() !== "websocket") {
    rejectUpgrade(socket, 403, "NR", "upgrade not allowed");
    return;
  }
  socket.on("error", () => socket.destroy());
  const decision = routeRequest(snapshot, current, toProxyRequest(request));
  if (decision.kind === "local") {
    rejectUpgrade(socket, decision.status, decision.flag, decision.body.trim());
    record(context, current, decision.routeName, decision.clusterName, decision.status, decision.flag);
    return;
  }
  void forwardUpgrade(decision, socket, head, upgrade).then(({ status, flag }) => record(context, current, decision.routeName, decision.clusterName, status, flag));
}
