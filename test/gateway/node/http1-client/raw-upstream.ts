// A test upstream on a raw net.Server: it parses each request (head, content-length or chunked body) and lets the
// test answer with exact bytes, counting the connections it accepted.
import net from "node:net";
import { Readable } from "node:stream";
import tls from "node:tls";
import type { UpstreamAttempt } from "../../../../functions/gateway/core/index.js";
import { Http1Attempt } from "../../../../functions/gateway/node/http1-attempt.js";
import type { Http1Pool } from "../../../../functions/gateway/node/http1-client/index.js";
import { RequestBody } from "../../../../functions/gateway/node/request-body.js";
import type { ResponseHeaders } from "../../../../functions/gateway/node/upstream-response.js";

export interface ReceivedRequest {
  head: string;
  body: Buffer;
  /** 0 for the first connection the server accepted, and so on. */
  connection: number;
}

export interface RawUpstream {
  port: number;
  connections: net.Socket[];
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Parses one request off the front of `buffer`; undefined while incomplete. */
function takeRequest(buffer: Buffer): { head: string; body: Buffer; used: number } | undefined {
  const end = buffer.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const head = buffer.toString("latin1", 0, end + 4);
  const length = /\r\ncontent-length: (\d+)/i.exec(head);
  let pos = end + 4;
  if (length) {
    const size = Number(length[1]);
    if (buffer.length < pos + size) return undefined;
    return { head, body: buffer.subarray(pos, pos + size), used: pos + size };
  }
  if (!/\r\ntransfer-encoding: chunked/i.test(head)) return { head, body: Buffer.alloc(0), used: pos };
  const parts: Buffer[] = [];
  for (;;) {
    const lineEnd = buffer.indexOf("\r\n", pos);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buffer.toString("latin1", pos, lineEnd), 16);
    if (size === 0) {
      if (buffer.length < lineEnd + 4) return undefined;
      return { head, body: Buffer.concat(parts), used: lineEnd + 4 };
    }
    if (buffer.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
}

/** Starts a server on 127.0.0.1 (TLS with `secure`) that calls `answer` for each complete request. */
export async function startRawUpstream(answer: (socket: net.Socket, request: ReceivedRequest) => void, secure?: tls.TlsOptions): Promise<RawUpstream> {
  const connections: net.Socket[] = [];
  const requests: ReceivedRequest[] = [];
  const accept = (socket: net.Socket) => {
    const index = connections.push(socket) - 1;
    let buffered = Buffer.alloc(0);
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (let taken = takeRequest(buffered); taken; taken = takeRequest(buffered)) {
        buffered = buffered.subarray(taken.used);
        const request = { head: taken.head, body: taken.body, connection: index };
        requests.push(request);
        answer(socket, request);
      }
    });
  };
  const server = secure ? tls.createServer(secure, accept) : net.createServer(accept);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Exchanged {
  /** How the attempt settled. */
  kind: string;
  status: number;
  headers: ResponseHeaders;
  body: string;
  trailers: ResponseHeaders | undefined;
  /** How the body ended: "end", "reset", or "" when there was no response. */
  ending: string;
}

/** A request as the gateway's core hands it over: lower-case headers, no hop-by-hop ones. */
export function attemptOf(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer[]): UpstreamAttempt<RequestBody> {
  const source = Readable.from(body ?? [], { objectMode: false });
  return {
    cluster: undefined as never,
    host: undefined as never,
    request: { method, path, authority: "upstream.test", scheme: "http", headers },
    body: new RequestBody(source, body !== undefined),
  };
}

/** Runs one attempt on `pool` to the end of its response. */
export async function exchange(pool: Http1Pool, attempt: UpstreamAttempt<RequestBody>): Promise<Exchanged> {
  const running = new Http1Attempt(pool, attempt);
  const outcome = await running.outcome;
  if (outcome.kind !== "response") return { kind: outcome.kind, status: 0, headers: {}, body: "", trailers: undefined, ending: "" };
  const response = outcome.response;
  const headers: ResponseHeaders = {};
  response.forEachHeader((name, value) => (headers[name] = value));
  let body = "";
  return new Promise((resolve) => {
    response.stream({
      onData(chunk) {
        body += chunk.toString("latin1");
        return true;
      },
      onEnd: (trailers) => resolve({ kind: "response", status: response.status, headers, body, trailers, ending: "end" }),
      onReset: () => resolve({ kind: "response", status: response.status, headers, body, trailers: undefined, ending: "reset" }),
    });
  });
}
