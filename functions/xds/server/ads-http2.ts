// The ADS service on node:http2's core API, speaking gRPC itself (grpc-framing.ts). Each open stream costs the HTTP/2
// stream, a message reader and the ADS stream's own state; a framework's per-call machinery (request and response
// objects, async iterables, abort signals) would cost more than all of that per proxy, for 10,000 proxies. Requests
// may be compressed (gzip, deflate); responses are sent uncompressed, since the same bytes go to every stream.
import type http2 from "node:http2";
import { constants as zlibConstants, gunzipSync, inflateSync } from "node:zlib";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { DeltaDiscoveryRequestSchema, type DeltaDiscoveryRequest, type DiscoveryRequest } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import type { AdsCall, AdsCallSink, AdsService } from "./ads-service.js";
import { boundStatusMessage, createMessageReader, encodeGrpcMessage, writeMessagePrefix } from "./grpc-framing.js";
import { decodeDiscoveryRequest } from "./request-decoding.js";
import { MAX_DISCOVERY_REQUEST_BYTES } from "./request-limits.js";

const SERVICE_PATH = "/envoy.service.discovery.v3.AggregatedDiscoveryService/";
type Method = { protocol: "sotw" | "delta"; decode: (bytes: Uint8Array) => DiscoveryRequest | DeltaDiscoveryRequest };
const methods = new Map<string, Method>([
  // State-of-the-world ACKs, one per stream after every push, take the hand-written reader's fast path.
  [`${SERVICE_PATH}StreamAggregatedResources`, { protocol: "sotw", decode: decodeDiscoveryRequest }],
  [`${SERVICE_PATH}DeltaAggregatedResources`, { protocol: "delta", decode: (bytes) => fromBinary(DeltaDiscoveryRequestSchema, bytes) }],
]);
/** gRPC's OK, which Connect's Code (errors only) does not name. */
const STATUS_OK = 0;

const decompress: Record<string, ((bytes: Uint8Array) => Uint8Array) | undefined> = {
  gzip: (bytes) => gunzipSync(bytes, { maxOutputLength: MAX_DISCOVERY_REQUEST_BYTES }),
  deflate: (bytes) => inflateSync(bytes, { maxOutputLength: MAX_DISCOVERY_REQUEST_BYTES, finishFlush: zlibConstants.Z_SYNC_FLUSH }),
};
const ACCEPT_ENCODING = "identity,gzip,deflate";

/** Answers a request that is not one of the two ADS calls, or that cannot be served, with a status and nothing else. */
function endWithStatus(stream: http2.ServerHttp2Stream, contentType: string, code: Code | typeof STATUS_OK, message: string): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond({ ":status": 200, "content-type": contentType, "grpc-status": String(code), "grpc-message": encodeGrpcMessage(boundStatusMessage(message)), "grpc-accept-encoding": ACCEPT_ENCODING }, { endStream: true });
}

/** The `stream` event handler of an http2 server serving `service`; `peerAddress` names the session's peer. */
export function createAdsHttp2Handler(service: AdsService): (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void {
  return (stream, headers) => {
    stream.on("error", () => stream.destroy());
    const contentType = String(headers["content-type"] ?? "");
    if (headers[":method"] !== "POST") {
      stream.respond({ ":status": 405, allow: "POST" }, { endStream: true });
      return;
    }
    if (!/^application\/grpc(\+proto)?(;|$)/.test(contentType)) {
      stream.respond({ ":status": 415, "content-type": "text/plain" }, { endStream: true });
      return;
    }
    const responseType = contentType.startsWith("application/grpc+proto") ? "application/grpc+proto" : "application/grpc";
    const path = String(headers[":path"] ?? "");
    const method = methods.get(path);
    if (!method) return endWithStatus(stream, responseType, Code.Unimplemented, `unknown method ${path}`);
    const encoding = String(headers["grpc-encoding"] ?? "identity");
    const inflate = encoding === "identity" ? undefined : decompress[encoding];
    if (encoding !== "identity" && !inflate) return endWithStatus(stream, responseType, Code.Unimplemented, `grpc-encoding ${encoding} is not supported`);

    let headersSent = false;
    let ended = false;
    const sink: AdsCallSink = {
      write(parts) {
        if (ended || stream.destroyed) return;
        if (!headersSent) {
          headersSent = true;
          stream.respond({ ":status": 200, "content-type": responseType, "grpc-accept-encoding": ACCEPT_ENCODING }, { waitForTrailers: true });
        }
        let length = 0;
        for (const part of parts) length += part.length;
        // One buffer, one write: copying the shared bytes (a few KB) costs less than the stream's handling of a second
        // write (corked writes, a writev) once per stream of a push storm.
        const message = Buffer.allocUnsafe(5 + length);
        writeMessagePrefix(message, length);
        let offset = 5;
        for (const part of parts) {
          message.set(part, offset);
          offset += part.length;
        }
        stream.write(message);
      },
      end(error) {
        if (ended) return;
        ended = true;
        if (stream.destroyed || stream.closed) return;
        const code = error ? error.code : STATUS_OK;
        const message = error ? error.rawMessage : "";
        if (!headersSent) return endWithStatus(stream, responseType, code, message);
        stream.once("wantTrailers", () => {
          const trailers: http2.OutgoingHttpHeaders = { "grpc-status": String(code) };
          // Bounded whatever its origin (admission verdicts and parse errors quote the client too): see boundStatusMessage.
          if (message) trailers["grpc-message"] = encodeGrpcMessage(boundStatusMessage(message));
          stream.sendTrailers(trailers);
        });
        stream.end();
      },
    };
    const socket = stream.session?.socket;
    const call: AdsCall<never> = service.open(
      {
        protocol: method.protocol,
        headers,
        authority: String(headers[":authority"] ?? headers.host ?? ""),
        path,
        peerAddress: socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : "unknown",
      },
      sink,
    ) as AdsCall<never>;

    const reader = createMessageReader(MAX_DISCOVERY_REQUEST_BYTES);
    // Once the call failed, whatever else the client sends is dropped, not buffered.
    let failed = false;
    const fail = (error: ConnectError) => {
      failed = true;
      call.fail(error);
    };
    stream.on("data", (chunk: Buffer) => {
      if (failed) return;
      const messages = reader.push(chunk);
      if ("error" in messages) return fail(new ConnectError(messages.error, Code.ResourceExhausted));
      for (const framed of messages) {
        try {
          if (framed.compressed && !inflate) throw new Error("a compressed message without grpc-encoding");
          const bytes = framed.compressed ? inflate!(framed.bytes) : framed.bytes;
          call.receive(method.decode(bytes) as never);
        } catch (error) {
          // A message that inflates past the limit is refused as one declared too large is (gRPC's servers do the same).
          if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
            return fail(new ConnectError(`decompressed message exceeds the limit of ${MAX_DISCOVERY_REQUEST_BYTES} bytes`, Code.ResourceExhausted));
          }
          return fail(new ConnectError(`parse binary: ${error instanceof Error ? error.message : String(error)}`, Code.Internal));
        }
      }
    });
    stream.on("end", () => {
      if (failed) return;
      if (reader.pendingBytes > 0) return fail(new ConnectError(`the request stream ended inside a message (${reader.pendingBytes} bytes of it arrived)`, Code.Internal));
      call.finish();
    });
    stream.on("close", () => {
      if (!ended) {
        ended = true;
        call.cancel();
      }
    });
  };
}
