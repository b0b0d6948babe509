// One upstream attempt on Node, over HTTP/1.1 (the cluster's keep-alive agent) or HTTP/2 with prior knowledge (one
// session per host, for clusters whose HttpProtocolOptions ask for it: App Mesh http2 and grpc listeners). Resolves
// at the response headers or at the failure, classified the way Envoy's retry_on needs (connect failure, reset,
// refused stream). The connect timeout is the cluster's; per-try and route timeouts are the core's (cancel()).
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import type { Readable, Writable } from "node:stream";
import type { AttemptOutcome, RunningAttempt, UpstreamAttempt, UpstreamResponseHead } from "../core/index.js";
import type { ClusterConnections } from "./cluster-connections.js";
import type { RequestBody } from "./request-body.js";

type RawHeaders = Record<string, string | string[] | undefined>;

/** A Node upstream response: the head the core decides on, the body stream and, once it ended, the trailers. */
export interface NodeUpstreamResponse extends UpstreamResponseHead {
  readonly body: Readable;
  /** Trailers, once `body` has ended (gRPC's grpc-status travels here). */
  trailers(): RawHeaders | undefined;
}

function nodeResponse(status: number, headers: RawHeaders, body: Readable, trailers: () => RawHeaders | undefined, discard: () => void): NodeUpstreamResponse {
  return {
    status,
    body,
    trailers,
    discard,
    header(name) {
      const value = headers[name];
      return Array.isArray(value) ? value.join(",") : value;
    },
    headers: () => Object.entries(headers),
  };
}

/** Settle-once plumbing shared by both protocols: `finish` runs `cleanup` and settles the first outcome only. */
function settleOnce(cleanup: () => void) {
  let settle!: (outcome: AttemptOutcome<NodeUpstreamResponse>) => void;
  const outcome = new Promise<AttemptOutcome<NodeUpstreamResponse>>((resolve) => (settle = resolve));
  let finished = false;
  const finish = (result: AttemptOutcome<NodeUpstreamResponse>): void => {
    if (finished) return;
    finished = true;
    cleanup();
    settle(result);
  };
  return { outcome, finish };
}

function attemptHttp1(connections: ClusterConnections, attempt: UpstreamAttempt<RequestBody>): RunningAttempt<NodeUpstreamResponse> {
  const { host, request: upstream, body } = attempt;
  const config = connections.config;
  const tls = connections.tlsOptions;
  let connected = false;
  let connectTimer: NodeJS.Timeout | undefined;
  const request = (tls ? https : http).request({
    host: host.address,
    port: host.port,
    method: upstream.method,
    path: upstream.path,
    headers: { ...upstream.headers, host: upstream.authority },
    agent: connections.agent,
    ...(config.dnsFamily !== 0 ? { family: config.dnsFamily } : {}),
  });
  const { outcome, finish } = settleOnce(() => clearTimeout(connectTimer));
  request.on("socket", (socket) => {
    // A TLS socket counts as connected once its handshake is done (a handshake failure is a connect failure).
    if (request.reusedSocket || (!socket.connecting && !tls)) {
      connected = true;
      return;
    }
    connectTimer = setTimeout(() => request.destroy(new Error("connect timeout")), config.connectTimeoutMs);
    socket.once(tls ? "secureConnect" : "connect", () => {
      connected = true;
      clearTimeout(connectTimer);
    });
  });
  request.on("response", (response) =>
    finish({
      kind: "response",
      response: nodeResponse(
        response.statusCode ?? 502,
        response.headers,
        response,
        () => (Object.keys(response.trailers).length > 0 ? response.trailers : undefined),
        () => response.resume(),
      ),
    }),
  );
  request.on("error", () => {
    body.detach(request);
    finish({ kind: connected ? "reset" : "connect-failure" });
  });
  if (!body.attach(request)) finish({ kind: "aborted" });
  return {
    outcome,
    cancel: () => {
      finish({ kind: "aborted" });
      body.detach(request);
      request.destroy();
    },
  };
}

function attemptHttp2(connections: ClusterConnections, attempt: UpstreamAttempt<RequestBody>): RunningAttempt<NodeUpstreamResponse> {
  const { host, request: upstream, body } = attempt;
  const session = connections.http2Session(host);
  let connected = !session.connecting;
  let connectTimer: NodeJS.Timeout | undefined;
  const onSessionEnd = () => finish({ kind: connected ? "reset" : "connect-failure" });
  const onConnect = () => {
    connected = true;
    clearTimeout(connectTimer);
  };
  const { outcome, finish } = settleOnce(() => {
    clearTimeout(connectTimer);
    session.off("error", onSessionEnd);
    session.off("close", onSessionEnd);
    session.off("connect", onConnect);
  });
  if (!connected) {
    connectTimer = setTimeout(() => session.destroy(new Error("connect timeout")), connections.config.connectTimeoutMs);
    session.once("connect", onConnect);
  }
  session.once("error", onSessionEnd);
  session.once("close", onSessionEnd);
  let stream: http2.ClientHttp2Stream;
  try {
    stream = session.request({ ...upstream.headers, ":method": upstream.method, ":path": upstream.path, ":authority": upstream.authority, ":scheme": "http" });
  } catch {
    finish({ kind: connected ? "reset" : "connect-failure" });
    return { outcome, cancel: () => {} };
  }
  // REFUSED_STREAM: the server did not process the stream (Envoy's refused-stream retry condition).
  const ended = () => finish({ kind: stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM ? "refused-stream" : connected ? "reset" : "connect-failure" });
  let trailers: RawHeaders | undefined;
  stream.on("trailers", (received) => (trailers = received as RawHeaders));
  stream.on("response", (headers) => {
    finish({ kind: "response", response: nodeResponse(Number(headers[":status"] ?? 502), headers as RawHeaders, stream, () => trailers, () => stream.close()) });
  });
  stream.on("error", () => {
    body.detach(stream as unknown as Writable);
    ended();
  });
  stream.on("close", () => {
    connected = true;
    ended();
  });
  if (!body.attach(stream as unknown as Writable)) finish({ kind: "aborted" });
  return {
    outcome,
    cancel: () => {
      finish({ kind: "aborted" });
      body.detach(stream as unknown as Writable);
      stream.close();
    },
  };
}

/** Starts one attempt against the attempt's host in the cluster's protocol. */
export function startAttempt(connections: ClusterConnections, attempt: UpstreamAttempt<RequestBody>): RunningAttempt<NodeUpstreamResponse> {
  return (connections.config.http2 ? attemptHttp2 : attemptHttp1)(connections, attempt);
}
