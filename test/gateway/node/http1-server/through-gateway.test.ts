// The gateway's own HTTP/1.1 server in a whole gateway: the same valid requests, sent byte for byte through a
// gateway on it and through one on node:http, must reach the upstream alike (method, target, headers, body); and a
// client that does not read a large response holds the upstream back instead of the gateway buffering it.
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCore } from "../../../../core-wasm/node.js";
import { createGateway, type Gateway } from "../../../../functions/gateway/index.js";
import type { ResourceType } from "../../../../functions/envoy/index.js";
import { decodeResources, MakeListener, MakeRouteConfig, MakeStaticCluster } from "../../envoy-fixtures.js";
import { freePort, waitFor } from "../../support.js";
import { converse, parseResponses, RawClient } from "./support.js";

interface Observed {
  method: string;
  url: string;
  headers: [string, string][];
  body: string;
}

const requests: Record<string, string> = {
  "a GET with a query": "GET /get?a=1&b=%20 HTTP/1.1\r\nHost: gw.example\r\nAccept: */*\r\nUser-Agent: differential\r\n\r\n",
  "mixed-case and repeated headers": "GET /dup HTTP/1.1\r\nHost: gw.example\r\nX-Dup: one\r\nx-dup: two\r\nX-CASE: Value With  Spaces \r\nCookie: a=1\r\nCookie: b=2\r\n\r\n",
  "a POST with a length": "POST /post HTTP/1.1\r\nHost: gw.example\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
  "a chunked POST with extensions and trailers": "POST /chunked HTTP/1.1\r\nHost: gw.example\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
  "hop-by-hop headers and te: trailers": "GET /hop HTTP/1.1\r\nHost: gw.example\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nProxy-Connection: x\r\nTE: trailers\r\n\r\n",
  "an HTTP/1.0 request": "GET /old HTTP/1.0\r\nHost: gw.example\r\nAccept: text/plain\r\n\r\n",
  "an empty POST": "POST /empty HTTP/1.1\r\nHost: gw.example\r\nContent-Length: 0\r\n\r\n",
  "a client-chosen request id and forwarded proto": "DELETE /id HTTP/1.1\r\nHost: gw.example\r\nX-Request-Id: mine\r\nX-Forwarded-Proto: https\r\n\r\n",
  "a latin1 header value": "GET /latin HTTP/1.1\r\nHost: gw.example\r\nX-Latin: caf\u00e9\r\n\r\n",
};

/** The upstream's side of a large response: bytes handed to its socket, and whether it is waiting for 'drain'. */
const big = { total: 64 * 1024 * 1024, written: 0, blocked: false, drains: 0, blockedOnce: undefined as (() => void) | undefined };

function streamBig(response: http.ServerResponse): void {
  const piece = Buffer.alloc(64 * 1024, 0x7a);
  response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(big.total) });
  const pump = () => {
    big.blocked = false;
    while (big.written < big.total) {
      big.written += piece.length;
      if (big.written >= big.total) return void response.end(piece);
      if (!response.write(piece)) {
        big.blocked = true;
        big.blockedOnce?.();
        response.once("drain", () => {
          big.drains++;
          pump();
        });
        return;
      }
    }
  };
  pump();
}

describe("the gateway's HTTP/1.1 server in a gateway", () => {
  const observed = new Map<string, Observed>();
  const upstream = http.createServer((request, response) => {
    if (request.url === "/big") return streamBig(response);
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const headers: [string, string][] = [];
      for (let i = 0; i < request.rawHeaders.length; i += 2) {
        const name = request.rawHeaders[i]!.toLowerCase();
        // Random per request unless the client sent one.
        if (name === "x-request-id" && request.rawHeaders[i + 1] !== "mine") continue;
        headers.push([name, request.rawHeaders[i + 1]!]);
      }
      observed.set(String(request.headers["x-test"] ?? request.url), { method: request.method!, url: request.url!, headers: headers.sort(), body: Buffer.concat(chunks).toString("latin1") });
      response.end("ok");
    });
  });
  const gateways: Gateway[] = [];
  const ports: Record<"gateway" | "node", number> = { gateway: 0, node: 0 };

  beforeAll(async () => {
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const upstreamPort = (upstream.address() as net.AddressInfo).port;
    for (const kind of ["gateway", "node"] as const) {
      const port = await freePort();
      const gateway = createGateway({ core: loadCore(), http1Server: kind });
      const apply = (type: ResourceType, resources: object[]) => gateway.apply(type, decodeResources(type, resources), "v");
      apply("cluster", [MakeStaticCluster("up", [upstreamPort])]);
      apply("listener", [MakeListener("ingress", port, "rc")]);
      apply("route", [MakeRouteConfig("rc", [{ match: { prefix: "/" }, route: { cluster: "up" } }])]);
      expect(await waitFor(() => gateway.ready() && gateway.boundPorts().get("ingress") === port, 5_000)).toBe(true);
      gateways.push(gateway);
      ports[kind] = port;
    }
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it.each(Object.keys(requests))("forwards %s identically", async (name) => {
    const seen: Partial<Record<"gateway" | "node", Observed>> = {};
    for (const kind of ["gateway", "node"] as const) {
      const raw = requests[name]!.replace("\r\n", `\r\nX-Test: ${kind}\r\nConnection: close\r\n`);
      const { received } = await converse(ports[kind], [raw]);
      expect(parseResponses(received).map((response) => [response.status, response.body])).toEqual([[200, "ok"]]);
      seen[kind] = observed.get(kind);
    }
    const strip = (one: Observed | undefined) => one && { ...one, headers: one.headers.filter(([header]) => header !== "x-test") };
    expect(strip(seen.gateway)).toEqual(strip(seen.node));
    expect(seen.gateway).toBeDefined();
  });

  it("holds the upstream back while a client does not read a large response, then delivers all of it", async () => {
    const client = new RawClient(ports.gateway);
    client.socket.pause();
    const blocked = new Promise<void>((resolve) => (big.blockedOnce = resolve));
    client.send("GET /big HTTP/1.1\r\nHost: gw.example\r\nConnection: close\r\n\r\n");
    await blocked;
    big.blockedOnce = undefined;
    // Wait until the upstream makes no progress for three looks in a row (or has written everything): a gateway
    // that buffered without bound would read on until the whole body is in its memory.
    let still = 0;
    for (let look = 0, last = -1; look < 200 && still < 3 && big.written < big.total; look++, last = big.written) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      still = big.written === last ? still + 1 : 0;
    }
    expect(big.blocked).toBe(true);
    expect(big.written).toBeLessThan(big.total);
    let bytes = 0;
    client.socket.removeAllListeners("data");
    client.socket.on("data", (data: Buffer) => (bytes += data.length));
    client.socket.resume();
    await client.untilClosed();
    expect(big.written).toBe(big.total);
    expect(big.drains).toBeGreaterThan(0);
    // The whole body arrived, behind a head of a few hundred bytes.
    expect(bytes - big.total).toBeGreaterThan(0);
    expect(bytes - big.total).toBeLessThan(1024);
  });
});
