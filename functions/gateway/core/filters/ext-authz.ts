// Envoy's external authorization filter (envoy.filters.http.ext_authz). HTTP: the request's method and path (under
// the path prefix) with its Authorization header and the allowed ones, no body; 2xx allows (the allowed upstream
// headers of the answer are copied onto the request), anything else denies with the answer's status, headers and
// body. gRPC: an envoy.service.auth.v3 CheckRequest to Authorization/Check; OK allows (headers added or removed),
// another status denies (the denied response's status, 403 by default). A call that fails (no host, connection,
// timeout, a gRPC error) denies with 403, or allows when failure_mode_allow is set.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/ext_authz_filter
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CheckRequestSchema, CheckResponseSchema } from "../../../../proto/gen/envoy/service/auth/v3/external_auth_pb.js";
import type { GatewaySnapshot } from "../snapshot.js";
import type { ExtAuthzConfig } from "./filter-config.js";
import { textReply, type FilterContext, type FilterReply } from "./filter-reply.js";
import { headerValue } from "./matchers.js";
import type { SideCallTransport, SideResponse } from "./side-call.js";

export interface ExtAuthzRuntime {
  snapshot: GatewaySnapshot;
  sideCalls: SideCallTransport;
}

/** Headers never copied from an authorization answer to the client or upstream. */
const SKIPPED = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "host", ":status", "status", "date", "server"]);

const flatHeaders = (headers: FilterContext["request"]["headers"]): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, typeof value === "string" ? value : value.join(",")]));

/** gRPC's length-prefixed message framing (one uncompressed message). */
function frame(message: Uint8Array): Uint8Array {
  const framed = new Uint8Array(5 + message.length);
  new DataView(framed.buffer).setUint32(1, message.length);
  framed.set(message, 5);
  return framed;
}

function unframe(body: Uint8Array): Uint8Array | undefined {
  if (body.length < 5 || body[0] !== 0) return undefined;
  const length = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(1);
  return body.length >= 5 + length ? body.subarray(5, 5 + length) : undefined;
}

const failure = (config: ExtAuthzConfig): FilterReply | undefined => (config.failureModeAllow ? undefined : textReply(config.errorStatus, "", "UAEX"));

async function checkHttp(config: ExtAuthzConfig, context: FilterContext, call: (path: string, headers: Record<string, string>, body?: Uint8Array) => Promise<SideResponse>): Promise<FilterReply | undefined> {
  const { request } = context;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(flatHeaders(request.headers))) {
    if (name === "authorization" || config.allowedHeaders.some((matches) => matches(name))) headers[name] = value;
  }
  headers["content-length"] = "0";
  const answer = await call(`${config.pathPrefix}${request.path}`, headers, undefined);
  if (answer.status >= 200 && answer.status < 300) {
    for (const [name, value] of Object.entries(answer.headers)) {
      if (!SKIPPED.has(name) && config.allowedUpstreamHeaders.some((matches) => matches(name))) request.headers[name] = value;
    }
    return undefined;
  }
  const client: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) if (!SKIPPED.has(name)) client[name] = value;
  return { status: answer.status, headers: client, body: new TextDecoder().decode(answer.body), flag: "UAEX" };
}

async function checkGrpc(config: ExtAuthzConfig, context: FilterContext, call: (path: string, headers: Record<string, string>, body?: Uint8Array) => Promise<SideResponse>): Promise<FilterReply | undefined> {
  const { request } = context;
  const queryAt = request.path.indexOf("?");
  const check = create(CheckRequestSchema, {
    attributes: {
      source: request.remoteAddress ? { address: { address: { case: "socketAddress", value: { address: request.remoteAddress, portSpecifier: { case: "portValue", value: 0 } } } } } : undefined,
      request: {
        http: {
          id: headerValue(request.headers, "x-request-id") ?? "",
          method: request.method,
          headers: { ...flatHeaders(request.headers), ":authority": request.authority, ":method": request.method, ":path": request.path },
          path: request.path,
          host: request.authority,
          scheme: request.scheme,
          query: queryAt < 0 ? "" : request.path.slice(queryAt + 1),
          protocol: "HTTP/1.1",
        },
      },
    },
  });
  const answer = await call("/envoy.service.auth.v3.Authorization/Check", { "content-type": "application/grpc", te: "trailers" }, frame(toBinary(CheckRequestSchema, check)));
  const grpcStatus = answer.trailers["grpc-status"] ?? answer.headers["grpc-status"];
  const message = unframe(answer.body);
  if (answer.status !== 200 || grpcStatus !== "0" || !message) return failure(config);
  const response = fromBinary(CheckResponseSchema, message);
  if ((response.status?.code ?? 0) === 0) {
    if (response.httpResponse.case === "okResponse") {
      for (const option of response.httpResponse.value.headers) if (option.header) request.headers[option.header.key.toLowerCase()] = option.header.value;
      for (const name of response.httpResponse.value.headersToRemove) delete request.headers[name.toLowerCase()];
    }
    return undefined;
  }
  const denied = response.httpResponse.case === "deniedResponse" ? response.httpResponse.value : undefined;
  const headers: Record<string, string> = {};
  for (const option of denied?.headers ?? []) if (option.header) headers[option.header.key.toLowerCase()] = option.header.value;
  // Envoy's HttpStatus accepts defined 4xx/5xx-range codes only; anything else (a gRPC code put there by mistake) is the default 403.
  const code = denied?.status?.code ?? 0;
  return { status: code >= 200 && code <= 599 ? code : 403, headers, body: denied?.body ?? "", flag: "UAEX" };
}

/** Undefined: the request goes on (changed in place); else the denial to send. */
export async function runExtAuthz(config: ExtAuthzConfig, context: FilterContext, runtime: ExtAuthzRuntime): Promise<FilterReply | undefined> {
  const cluster = runtime.snapshot.clusters.get(config.cluster);
  if (!cluster) return failure(config);
  // failure_mode_allow is for an authorization server that is down, not for one this runtime can never ask: that
  // would let every request through unchecked.
  const unreachable = runtime.sideCalls.unreachable(cluster);
  if (unreachable) return textReply(503, `ext_authz: ${unreachable}\n`, "UAEX");
  const call = (path: string, headers: Record<string, string>, body?: Uint8Array) =>
    runtime.sideCalls.call(cluster, { method: config.protocol === "grpc" ? "POST" : context.request.method, path, authority: config.protocol === "grpc" ? config.authority : context.request.authority, headers, ...(body ? { body } : {}), timeoutMs: config.timeoutMs });
  try {
    return config.protocol === "grpc" ? await checkGrpc(config, context, call) : await checkHttp(config, context, call);
  } catch {
    return failure(config);
  }
}
