// The Node runtime's SideCallTransport: the gateway's own requests (ext_authz checks, JWKS fetches, mirrored copies)
// to one host of a cluster, chosen by the cluster's load balancer. HTTP/1.1 for plain clusters, HTTP/2 with prior
// knowledge (one session per call) for those whose protocol options ask for it, which gRPC authorization servers
// need. Side calls do not originate TLS: a cluster with upstream TLS refuses them (the filter's failure mode decides).
import http from "node:http";
import http2 from "node:http2";
import { createSideCallTransport, tlsSideCallRefusal, type SideCallTransport, type SideRequest, type SideResponse } from "../core/filters/index.js";

type RawHeaders = Record<string, string | string[] | undefined>;

const flatten = (headers: RawHeaders): Record<string, string> => {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !name.startsWith(":")) flat[name] = Array.isArray(value) ? value.join(",") : value;
  return flat;
};

function callHttp1(address: string, port: number, request: SideRequest): Promise<SideResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: address, port, method: request.method, path: request.path, headers: { ...request.headers, host: request.authority }, agent: false, timeout: request.timeoutMs });
    const timer = setTimeout(() => outgoing.destroy(new Error("side call timeout")), request.timeoutMs);
    outgoing.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 502, headers: flatten(response.headers), body: Buffer.concat(chunks), trailers: flatten(response.trailers) });
      });
      response.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    outgoing.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.end(request.body);
  });
}

function callHttp2(address: string, port: number, request: SideRequest): Promise<SideResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${address.includes(":") ? `[${address}]` : address}:${port}`);
    const fail = (error: Error) => {
      clearTimeout(timer);
      session.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error("side call timeout")), request.timeoutMs);
    session.on("error", fail);
    const stream = session.request({ ":method": request.method, ":path": request.path, ":authority": request.authority, ":scheme": "http", ...request.headers });
    let status = 502;
    let headers: Record<string, string> = {};
    let trailers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    stream.on("response", (head) => {
      status = Number(head[":status"] ?? 502);
      headers = flatten(head as RawHeaders);
    });
    stream.on("trailers", (received) => (trailers = flatten(received as RawHeaders)));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      clearTimeout(timer);
      session.close();
      resolve({ status, headers, body: Buffer.concat(chunks), trailers });
    });
    stream.on("error", fail);
    stream.end(request.body);
  });
}

export function createNodeSideCalls(): SideCallTransport {
  return createSideCallTransport(tlsSideCallRefusal, (host, cluster, request) => (cluster.config.http2 ? callHttp2(host.address, host.port, request) : callHttp1(host.address, host.port, request)));
}
