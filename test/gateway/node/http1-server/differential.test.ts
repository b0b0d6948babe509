// The same valid requests, sent byte for byte through a gateway on its own HTTP/1.1 server and through one on
// node:http: the upstream must see the same request from both (method, target, headers, body).
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCore } from "../../../../core-wasm/node.js";
import { createGateway, type Gateway } from "../../../../functions/gateway/index.js";
import type { ResourceType } from "../../../../functions/envoy/index.js";
import { decodeResources, MakeListener, MakeRouteConfig, MakeStaticCluster } from "../../envoy-fixtures.js";
import { freePort, waitFor } from "../../support.js";
import { converse, parseResponses } from "./support.js";

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

describe("the gateway's HTTP/1.1 server against node:http", () => {
  const observed = new Map<string, Observed>();
  const upstream = http.createServer((request, response) => {
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
});
