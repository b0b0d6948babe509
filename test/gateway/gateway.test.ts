// The gateway runtime fed hand-written Envoy resources (as an ADS client would hand them over), serving real
// sockets on loopback: verdicts and flags, timeouts, retries, circuit breakers, health checks, NACKs, atomic
// swaps, streaming bodies, HTTP/2 cleartext and websocket upgrades.
import type { JsonValue } from "@bufbuild/protobuf";
import { execFileSync } from "node:child_process";
import http from "node:http";
import https from "node:https";
import http2 from "node:http2";
import net from "node:net";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadCore } from "../../core-wasm/node.js";
import { createGateway, type Gateway } from "../../functions/gateway/index.js";
import type { ResourceType } from "../../functions/envoy/index.js";
import { decodeResources, MakeListener, MakeRouteConfig, MakeStaticCluster } from "./envoy-fixtures.js";
import { freePort, get, startBackend, waitFor, type Backend } from "./support.js";

function apply(gateway: Gateway, type: ResourceType, resources: object[]) {
  return gateway.apply(type, decodeResources(type, resources), "v");
}

const toA: JsonValue = { match: { prefix: "/" }, route: { cluster: "a" } };

describe("gateway runtime", () => {
  let gateway: Gateway;
  let port: number;
  let a: Backend;
  let b: Backend;
  const extraServers: Array<{ close(): unknown }> = [];

  /** Serves `routes` on the listener, with clusters a → backend a, b → backend b, plus `clusters`. */
  async function configure(routes: JsonValue[], clusters: object[] = []) {
    expect(apply(gateway, "cluster", [MakeStaticCluster("a", [a.port]), MakeStaticCluster("b", [b.port]), ...clusters])).toEqual({ ok: true });
    expect(apply(gateway, "listener", [MakeListener("ingress", port, "rc")])).toEqual({ ok: true });
    expect(apply(gateway, "route", [MakeRouteConfig("rc", routes)])).toEqual({ ok: true });
    expect(await waitFor(() => gateway.ready() && gateway.boundPorts().get("ingress") === port, 5_000)).toBe(true);
  }

  beforeAll(async () => {
    [a, b, port] = await Promise.all([startBackend("a"), startBackend("b"), freePort()]);
    gateway = createGateway({ core: loadCore() });
  });

  afterEach(() => {
    for (const server of extraServers.splice(0)) server.close();
  });

  afterAll(async () => {
    await gateway.close();
    await Promise.all([a.close(), b.close()]);
  });

  it("answers 404 NR when no route matches", async () => {
    await configure([{ match: { prefix: "/a" }, route: { cluster: "a" } }]);
    const reply = await get(port, "/zzz");
    expect([reply.status, reply.flags]).toEqual([404, "NR"]);
    expect((await get(port, "/a/1")).backend).toBe("a");
  });

  it("normalises the path (dot segments, merged slashes) before matching", async () => {
    await configure([{ match: { prefix: "/a/" }, route: { cluster: "a" } }]);
    const reply = await get(port, "/x/..//a//1");
    expect([reply.status, reply.path]).toEqual([200, "/a/1"]);
  });

  it("resolves STRICT_DNS cluster hostnames into endpoints", async () => {
    await configure(
      [{ match: { prefix: "/" }, route: { cluster: "dns" } }],
      [
        {
          name: "dns",
          type: "STRICT_DNS",
          dnsLookupFamily: "V4_ONLY",
          connectTimeout: "1s",
          loadAssignment: { clusterName: "dns", endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: "localhost", portValue: b.port } } } }] }] },
        },
      ],
    );
    expect(await waitFor(async () => (await get(port, "/")).backend === "b", 5_000)).toBe(true);
    expect(gateway.snapshot().clusters.get("dns")?.hosts.map((h) => h.key)).toEqual([`127.0.0.1:${b.port}`]);
  });

  it("answers 503 NC for an unknown cluster and 503 UH for a cluster without hosts", async () => {
    await configure(
      [
        { match: { prefix: "/missing" }, route: { cluster: "nope" } },
        { match: { prefix: "/empty" }, route: { cluster: "empty" } },
      ],
      [{ name: "empty", type: "EDS", edsClusterConfig: { edsConfig: { ads: {} } } }],
    );
    const missing = await get(port, "/missing");
    expect([missing.status, missing.flags]).toEqual([503, "NC"]);
    const empty = await get(port, "/empty");
    expect([empty.status, empty.flags]).toEqual([503, "UH"]);
    expect(gateway.wantedNames().endpoint).toEqual(new Set(["empty"]));
  });

  it("answers 504 UT when the upstream outlasts the route timeout, 408 SI when it outlasts the idle timeout", async () => {
    const slow = http.createServer((_request, response) => setTimeout(() => response.end("late"), 2_000).unref());
    extraServers.push({ close: () => { slow.closeAllConnections(); slow.close(); } });
    const slowPort = await new Promise<number>((resolve) => slow.listen(0, "127.0.0.1", () => resolve((slow.address() as net.AddressInfo).port)));
    await configure(
      [
        { match: { prefix: "/idle" }, route: { cluster: "slow", timeout: "5s", idleTimeout: "0.2s" } },
        { match: { prefix: "/" }, route: { cluster: "slow", timeout: "0.2s" } },
      ],
      [MakeStaticCluster("slow", [slowPort])],
    );
    const reply = await get(port, "/");
    expect([reply.status, reply.flags]).toEqual([504, "UT"]);
    const idle = await get(port, "/idle");
    expect([idle.status, idle.flags]).toEqual([408, "SI"]);
  });

  it("keeps a response whose body keeps arriving within the idle timeout, and resets one whose body stalls after the headers (SI)", async () => {
    // /trickle sends a chunk every 250 ms, six in all: longer than the 1 s idle timeout, never idle that long.
    const streaming = http.createServer((request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("0");
      if (request.url === "/stall") return;
      let sent = 1;
      const timer = setInterval(() => {
        response.write(String(sent++));
        if (sent === 6) {
          clearInterval(timer);
          response.end();
        }
      }, 250);
      response.once("close", () => clearInterval(timer));
    });
    extraServers.push({ close: () => { streaming.closeAllConnections(); streaming.close(); } });
    const streamingPort = await new Promise<number>((resolve) => streaming.listen(0, "127.0.0.1", () => resolve((streaming.address() as net.AddressInfo).port)));
    await configure([{ name: "streaming", match: { prefix: "/" }, route: { cluster: "streaming", timeout: "30s", idleTimeout: "1s" } }], [MakeStaticCluster("streaming", [streamingPort])]);
    const stalled = { listener: "ingress", route: "streaming", cluster: "streaming", status: "200", flags: "SI" };
    const read = (pathname: string) =>
      new Promise<{ status: number; body: string; complete: boolean }>((resolve) => {
        http.get({ host: "127.0.0.1", port, path: pathname, agent: false }, (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (body += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body, complete: response.complete }));
          response.on("error", () => resolve({ status: response.statusCode ?? 0, body, complete: false }));
          response.on("close", () => resolve({ status: response.statusCode ?? 0, body, complete: response.complete }));
        });
      });
    expect(await read("/trickle")).toEqual({ status: 200, body: "012345", complete: true });
    const before = gateway.metrics.requests.get(stalled);
    expect(await read("/stall")).toEqual({ status: 200, body: "0", complete: false });
    expect(await waitFor(() => gateway.metrics.requests.get(stalled) === before + 1, 5_000)).toBe(true);
  });

  it("retries retriable status codes on another host and reports the verdict of the last attempt", async () => {
    let failures = 0;
    const flaky = http.createServer((_request, response) => {
      failures++;
      response.writeHead(503).end("busy");
    });
    extraServers.push(flaky);
    const flakyPort = await new Promise<number>((resolve) => flaky.listen(0, "127.0.0.1", () => resolve((flaky.address() as net.AddressInfo).port)));
    const retryPolicy = {
      retryOn: "retriable-status-codes,connect-failure",
      numRetries: 2,
      retriableStatusCodes: [503],
      retryHostPredicate: [{ name: "envoy.retry_host_predicates.previous_hosts", typedConfig: { "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate" } }],
      hostSelectionRetryMaxAttempts: "5",
    };
    await configure(
      [
        { match: { prefix: "/mixed" }, route: { cluster: "mixed", retryPolicy } },
        { match: { prefix: "/flaky" }, route: { cluster: "flaky", retryPolicy } },
      ],
      [MakeStaticCluster("mixed", [flakyPort, a.port]), MakeStaticCluster("flaky", [flakyPort])],
    );
    for (let i = 0; i < 10; i++) expect((await get(port, "/mixed")).backend).toBe("a");
    failures = 0;
    const reply = await get(port, "/flaky");
    expect([reply.status, reply.flags, failures]).toEqual([503, "URX", 3]);
  });

  it("retries a 409 Conflict on retriable-4xx and no other 4xx", async () => {
    const attempts = new Map<string, number>();
    const conflicted = http.createServer((request, response) => {
      const key = `${request.url} ${request.headers["x-request-id"]}`;
      attempts.set(key, (attempts.get(key) ?? 0) + 1);
      if (request.url === "/429") return response.writeHead(429).end();
      response.writeHead(attempts.get(key) === 1 ? 409 : 200).end(JSON.stringify({ backend: "conflicted" }));
    });
    extraServers.push(conflicted);
    const conflictedPort = await new Promise<number>((resolve) => conflicted.listen(0, "127.0.0.1", () => resolve((conflicted.address() as net.AddressInfo).port)));
    const retryPolicy = { retryOn: "retriable-4xx", numRetries: 2, retryBackOff: { baseInterval: "0.001s" } };
    await configure([{ match: { prefix: "/" }, route: { cluster: "conflicted", retryPolicy } }], [MakeStaticCluster("conflicted", [conflictedPort])]);
    const retried = await get(port, "/409", { "x-request-id": "node-409" });
    expect([retried.status, retried.backend, attempts.get("/409 node-409")]).toEqual([200, "conflicted", 2]);
    const passed = await get(port, "/429", { "x-request-id": "node-429" });
    expect([passed.status, attempts.get("/429 node-429")]).toEqual([429, 1]);
  });

  it("flags URX only when retries ran out and UO when max_retries stops them, as Envoy does", async () => {
    const closedPort = await freePort();
    const policy = (retryOn: string) => ({ retryOn, numRetries: 2, retryBackOff: { baseInterval: "0.001s" } });
    await configure(
      [
        { match: { prefix: "/uncovered" }, route: { cluster: "closed", retryPolicy: policy("retriable-status-codes") } },
        { match: { prefix: "/exhausted" }, route: { cluster: "closed", retryPolicy: policy("connect-failure") } },
        { match: { prefix: "/overflow" }, route: { cluster: "no-retries", retryPolicy: policy("connect-failure") } },
      ],
      [MakeStaticCluster("closed", [closedPort]), MakeStaticCluster("no-retries", [closedPort], { circuitBreakers: { thresholds: [{ maxRetries: 0 }] } })],
    );
    const attemptsOf = (cluster: string) => gateway.metrics.upstreamRqTotal.get({ envoy_cluster_name: cluster });
    const uncovered = await get(port, "/uncovered");
    expect([uncovered.status, uncovered.flags, attemptsOf("closed")]).toEqual([503, "UF", 1]);
    const exhausted = await get(port, "/exhausted");
    expect([exhausted.status, exhausted.flags, attemptsOf("closed")]).toEqual([503, "UF,URX", 4]);
    const overflow = await get(port, "/overflow");
    expect([overflow.status, overflow.flags, attemptsOf("no-retries")]).toEqual([503, "UF,UO", 1]);
  });

  it("NACKs a cluster Envoy would refuse (a STATIC hostname endpoint), as the Worker does, and keeps routing by the accepted clusters", async () => {
    await configure([toA]);
    const result = apply(gateway, "cluster", [MakeStaticCluster("a", [a.port]), MakeStaticCluster("b", [b.port]), MakeStaticCluster("broken", [b.port], {}, "localhost")]);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/^cluster broken: malformed IP address: localhost/) });
    expect(gateway.snapshot().clusters.has("broken")).toBe(false);
    expect(gateway.metrics.updateRejected.get({ type: "cluster" })).toBeGreaterThanOrEqual(1);
    expect((await get(port, "/x")).backend).toBe("a");
  });

  it("refuses requests over the cluster's max_requests with 503 UO", async () => {
    const held: http.ServerResponse[] = [];
    const hold = http.createServer((_request, response) => held.push(response));
    extraServers.push({ close: () => { hold.closeAllConnections(); hold.close(); } });
    const holdPort = await new Promise<number>((resolve) => hold.listen(0, "127.0.0.1", () => resolve((hold.address() as net.AddressInfo).port)));
    await configure(
      [{ match: { prefix: "/" }, route: { cluster: "hold" } }],
      [MakeStaticCluster("hold", [holdPort], { circuitBreakers: { thresholds: [{ maxRequests: 1, maxConnections: 1, maxPendingRequests: 0 }] } })],
    );
    const first = get(port, "/");
    expect(await waitFor(() => held.length === 1, 5_000)).toBe(true);
    const second = await get(port, "/");
    expect([second.status, second.flags]).toEqual([503, "UO"]);
    held[0]!.end(JSON.stringify({ backend: "hold" }));
    expect((await first).backend).toBe("hold");
  });

  it("stops sending to a host that fails its active HTTP health check", async () => {
    const sick = http.createServer((request, response) => response.writeHead(request.url === "/health" ? 500 : 200).end(JSON.stringify({ backend: "sick" })));
    extraServers.push(sick);
    const sickPort = await new Promise<number>((resolve) => sick.listen(0, "127.0.0.1", () => resolve((sick.address() as net.AddressInfo).port)));
    const healthChecks = [{ timeout: "1s", interval: "0.1s", healthyThreshold: 1, unhealthyThreshold: 1, httpHealthCheck: { host: "checked", path: "/health" } }];
    await configure([{ match: { prefix: "/" }, route: { cluster: "checked" } }], [MakeStaticCluster("checked", [sickPort, a.port], { healthChecks })]);
    expect(await waitFor(async () => (await Promise.all(Array.from({ length: 6 }, () => get(port, "/")))).every((r) => r.backend === "a"), 5_000)).toBe(true);
  });

  it("follows a self-redirect cluster in-process and still applies its circuit breakers (a gateway listener's connectionPool)", async () => {
    const held: http.ServerResponse[] = [];
    const hold = http.createServer((_request, response) => held.push(response));
    extraServers.push({ close: () => { hold.closeAllConnections(); hold.close(); } });
    const holdPort = await new Promise<number>((resolve) => hold.listen(0, "127.0.0.1", () => resolve((hold.address() as net.AddressInfo).port)));
    const egressPort = await freePort();
    await configure(
      [{ match: { prefix: "/" }, route: { cluster: "self_redirect", prefixRewrite: "/hop2/" } }],
      [
        MakeStaticCluster("self_redirect", [egressPort], { circuitBreakers: { thresholds: [{ maxConnections: 1, maxPendingRequests: 0, maxRequests: 1 }] } }),
        MakeStaticCluster("hold", [holdPort]),
      ],
    );
    expect(apply(gateway, "listener", [MakeListener("ingress", port, "rc"), MakeListener("egress", egressPort, "rc2", "OUTBOUND")])).toEqual({ ok: true });
    expect(apply(gateway, "route", [MakeRouteConfig("rc", [{ match: { prefix: "/" }, route: { cluster: "self_redirect", prefixRewrite: "/hop2/" } }]), MakeRouteConfig("rc2", [{ match: { prefix: "/hop2" }, route: { cluster: "hold" } }])])).toEqual({ ok: true });
    expect(gateway.boundPorts().has("egress")).toBe(false);
    const first = get(port, "/x");
    expect(await waitFor(() => held.length === 1, 5_000)).toBe(true);
    const second = await get(port, "/y");
    expect([second.status, second.flags]).toEqual([503, "UO"]);
    held[0]!.end(JSON.stringify({ backend: "hold" }));
    expect(await first).toMatchObject({ status: 200, backend: "hold" });
  });

  it("stops sending to hosts that fail gRPC (NOT_SERVING) and TCP (closed port) active health checks", async () => {
    // Two HTTP/2 upstreams answering grpc.health.v1.Health/Check: one SERVING, one NOT_SERVING.
    const grpcServer = (serving: boolean, name: string) => {
      const server = http2.createServer();
      server.on("stream", (stream, headers) => {
        if (headers[":path"] === "/grpc.health.v1.Health/Check") {
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, serving ? 1 : 2]));
          return;
        }
        stream.respond({ ":status": 200, "content-type": "application/json" });
        stream.end(JSON.stringify({ backend: name }));
      });
      return server;
    };
    const up = grpcServer(true, "serving");
    const down = grpcServer(false, "not-serving");
    extraServers.push(up, down);
    const listen = (server: http2.Http2Server) => new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    const [upPort, downPort, closedPort] = [await listen(up), await listen(down), await freePort()];
    const http2Options = {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicitHttpConfig: { http2ProtocolOptions: {} },
      },
    };
    const check = (checker: object) => [{ timeout: "1s", interval: "0.1s", healthyThreshold: 1, unhealthyThreshold: 1, ...checker }];
    await configure(
      [
        { match: { prefix: "/grpc" }, route: { cluster: "grpc-checked" } },
        { match: { prefix: "/tcp" }, route: { cluster: "tcp-checked" } },
      ],
      [
        MakeStaticCluster("grpc-checked", [downPort, upPort], { typedExtensionProtocolOptions: http2Options, healthChecks: check({ grpcHealthCheck: {} }) }),
        MakeStaticCluster("tcp-checked", [closedPort, a.port], { healthChecks: check({ tcpHealthCheck: {} }) }),
      ],
    );
    const all = async (path: string, backend: string) => (await Promise.all(Array.from({ length: 6 }, () => get(port, path)))).every((r) => r.backend === backend);
    expect(await waitFor(() => all("/grpc", "serving"), 5_000)).toBe(true);
    expect(await waitFor(() => all("/tcp", "a"), 5_000)).toBe(true);
  });

  it("NACKs a route configuration core-wasm cannot compile and keeps serving the previous one", async () => {
    await configure([{ match: { prefix: "/" }, route: { cluster: "a" } }]);
    const result = apply(gateway, "route", [MakeRouteConfig("rc", [{ match: { safeRegex: { regex: "(unclosed" } }, route: { cluster: "b" } }])]);
    expect(result.ok).toBe(false);
    expect((await get(port, "/x")).backend).toBe("a");
  });

  it("finishes an in-flight request on the table it started with while a new one takes over", async () => {
    const held: http.ServerResponse[] = [];
    const hold = http.createServer((_request, response) => held.push(response));
    extraServers.push({ close: () => { hold.closeAllConnections(); hold.close(); } });
    const holdPort = await new Promise<number>((resolve) => hold.listen(0, "127.0.0.1", () => resolve((hold.address() as net.AddressInfo).port)));
    await configure([{ match: { prefix: "/" }, route: { cluster: "hold" } }], [MakeStaticCluster("hold", [holdPort])]);
    const inFlight = get(port, "/");
    expect(await waitFor(() => held.length === 1, 5_000)).toBe(true);
    expect(apply(gateway, "route", [MakeRouteConfig("rc", [{ match: { prefix: "/" }, route: { cluster: "b" } }])])).toEqual({ ok: true });
    expect((await get(port, "/")).backend).toBe("b");
    held[0]!.end(JSON.stringify({ backend: "hold" }));
    expect(await inFlight).toMatchObject({ status: 200, backend: "hold" });
  });

  it("streams a large request body up and the response body down", async () => {
    await configure([{ match: { prefix: "/" }, route: { cluster: "a" } }]);
    const size = 8 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    const received = await new Promise<number>((resolve, reject) => {
      const request = http.request({ host: "127.0.0.1", port, method: "POST", path: "/echo" }, (response) => {
        let total = 0;
        response.on("data", (data: Buffer) => (total += data.length));
        response.on("end", () => resolve(total));
      });
      request.on("error", reject);
      for (let sent = 0; sent < size; sent += chunk.length) request.write(chunk);
      request.end();
    });
    expect(received).toBe(size);
  });

  it("serves HTTP/2 cleartext (prior knowledge) on the same port", async () => {
    await configure([{ match: { prefix: "/" }, route: { cluster: "b" } }]);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":path": "/h2", ":method": "GET" });
        let text = "";
        stream.setEncoding("utf8");
        stream.on("data", (data: string) => (text += data));
        stream.on("end", () => resolve(text));
        stream.on("error", reject);
      });
      expect(JSON.parse(body)).toMatchObject({ backend: "b", path: "/h2" });
    } finally {
      session.close();
    }
  });

  it("speaks HTTP/2 to clusters that ask for it and relays gRPC trailers back to an HTTP/2 client", async () => {
    const upstream = http2.createServer();
    upstream.on("stream", (stream, headers) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "grpc-message": `ok ${headers[":path"]}` }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
    extraServers.push(upstream);
    const upstreamPort = await new Promise<number>((resolve) => upstream.listen(0, "127.0.0.1", () => resolve((upstream.address() as net.AddressInfo).port)));
    const http2Options = {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicitHttpConfig: { http2ProtocolOptions: {} },
      },
    };
    await configure([{ match: { prefix: "/" }, route: { cluster: "grpc" } }], [MakeStaticCluster("grpc", [upstreamPort], { typedExtensionProtocolOptions: http2Options })]);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const { status, trailers } = await new Promise<{ status: number; trailers: http2.IncomingHttpHeaders }>((resolve, reject) => {
        const stream = session.request({ ":path": "/pkg.Service/Method", ":method": "POST", "content-type": "application/grpc", te: "trailers" });
        let status = 0;
        stream.on("response", (headers) => (status = Number(headers[":status"])));
        stream.on("trailers", (trailers) => resolve({ status, trailers }));
        stream.on("error", reject);
        stream.resume();
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      });
      expect(status).toBe(200);
      expect(trailers["grpc-status"]).toBe("0");
      expect(trailers["grpc-message"]).toBe("ok /pkg.Service/Method");
    } finally {
      session.close();
    }
  });

  it("writes access logs in the configured text and JSON formats", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-gateway-log-"));
    try {
      const fileLog = (file: string, logFormat: object) => ({
        name: "envoy.access_loggers.file",
        typedConfig: { "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog", path: path.join(dir, file), logFormat },
      });
      const accessLog = [
        fileLog("text.log", { textFormatSource: { inlineString: "%REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_CLUSTER% %ROUTE_NAME% %REQ(X-MISSING)%\n" } }),
        fileLog("json.log", { jsonFormat: { code: "%RESPONSE_CODE%", host: "%UPSTREAM_HOST%", bytes: "%BYTES_SENT%" } }),
      ];
      await configure([{ name: "to-a", match: { prefix: "/a" }, route: { cluster: "a" } }]);
      expect(apply(gateway, "listener", [MakeListener("ingress", port, "rc", "INBOUND", accessLog)])).toEqual({ ok: true });
      await get(port, "/a/1");
      await get(port, "/nowhere");
      // Both loggers write asynchronously and independently: wait until each holds two complete lines.
      const completeLines = (file: string) => readFileSync(path.join(dir, file), "utf8").split("\n").length - 1;
      expect(await waitFor(() => completeLines("text.log") >= 2 && completeLines("json.log") >= 2, 5_000)).toBe(true);
      expect(readFileSync(path.join(dir, "text.log"), "utf8")).toBe("GET /a/1 200 - a to-a -\nGET /nowhere 404 NR - - -\n");
      const json = readFileSync(path.join(dir, "json.log"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, string>);
      expect(json[0]).toMatchObject({ code: "200", host: `127.0.0.1:${a.port}` });
      expect(Number(json[0]!.bytes)).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("terminates TLS on PERMISSIVE (TLS and plaintext) and STRICT (TLS only) listeners, HTTP/1.1 and h2 by ALPN", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-gateway-tls-"));
    try {
      const cert = path.join(dir, "cert.pem");
      const key = path.join(dir, "key.pem");
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=gw.local", "-days", "1", "-addext", "subjectAltName=DNS:gw.local"], { stdio: "ignore" });
      const hcm = MakeListener("ingress", port, "rc").filterChains[0]!.filters;
      const tlsChain = (transportProtocol: string) => ({
        filterChainMatch: { transportProtocol },
        filters: hcm,
        transportSocket: {
          name: "envoy.transport_sockets.tls",
          typedConfig: {
            "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
            commonTlsContext: { tlsCertificates: [{ certificateChain: { filename: cert }, privateKey: { filename: key } }] },
          },
        },
      });
      await configure([{ match: { prefix: "/" }, route: { cluster: "a" } }]);
      const secureGet = () =>
        new Promise<string>((resolve, reject) => {
          const request = https.get({ host: "127.0.0.1", port, path: "/tls", servername: "gw.local", ca: readFileSync(cert), agent: false }, (response) => {
            let text = "";
            response.on("data", (data: Buffer) => (text += data.toString()));
            response.on("end", () => resolve(text));
          });
          request.on("error", reject);
        });
      const permissive = { ...MakeListener("ingress", port, "rc"), filterChains: [tlsChain("tls"), { filters: hcm }] };
      expect(apply(gateway, "listener", [permissive])).toEqual({ ok: true });
      // x-forwarded-proto names the downstream connection's scheme, as Envoy sets it.
      expect(JSON.parse(await secureGet())).toMatchObject({ backend: "a", path: "/tls", headers: { "x-forwarded-proto": "https" } });
      expect(await (await fetch(`http://127.0.0.1:${port}/plain`)).json()).toMatchObject({ backend: "a", headers: { "x-forwarded-proto": "http" } });

      const session = http2.connect(`https://127.0.0.1:${port}`, { ca: readFileSync(cert), servername: "gw.local" });
      const h2Body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":path": "/h2tls" });
        let text = "";
        stream.on("data", (data: Buffer) => (text += data.toString()));
        stream.on("end", () => resolve(text));
        stream.on("error", reject);
      });
      session.close();
      expect(JSON.parse(h2Body)).toMatchObject({ backend: "a", path: "/h2tls", headers: { "x-forwarded-proto": "https" } });

      const strict = { ...MakeListener("ingress", port, "rc"), filterChains: [tlsChain("")] };
      expect(apply(gateway, "listener", [strict])).toEqual({ ok: true });
      expect(JSON.parse(await secureGet())).toMatchObject({ backend: "a" });
      // A new plaintext connection is closed without an answer (an existing keep-alive one lives on, as in Envoy).
      const answer = await new Promise<string>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => socket.write("GET /plain HTTP/1.1\r\nhost: x\r\n\r\n"));
        let text = "";
        socket.on("data", (data: Buffer) => (text += data.toString()));
        socket.on("close", () => resolve(text));
        socket.on("error", () => resolve(text));
      });
      expect(answer).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("originates TLS to clusters with an UpstreamTlsContext, validating the server's SAN against the trusted CA", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-gateway-upstream-tls-"));
    try {
      const cert = path.join(dir, "cert.pem");
      const key = path.join(dir, "key.pem");
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=svc.local", "-days", "1", "-addext", "subjectAltName=DNS:svc.local"], { stdio: "ignore" });
      const secure = https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (request, response) => response.end(JSON.stringify({ backend: "secure", path: request.url })));
      extraServers.push({ close: () => { secure.closeAllConnections(); secure.close(); } });
      const securePort = await new Promise<number>((resolve) => secure.listen(0, "127.0.0.1", () => resolve((secure.address() as net.AddressInfo).port)));
      const tlsSocket = (san: string) => ({
        name: "envoy.transport_sockets.tls",
        typedConfig: {
          "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
          sni: "svc.local",
          commonTlsContext: { validationContext: { trustedCa: { filename: cert }, matchTypedSubjectAltNames: [{ sanType: "DNS", matcher: { exact: san } }] } },
        },
      });
      // The trusted CA as an ACM-style Secret over ADS (SDS with an `ads` config source), SANs alongside.
      const sdsSocket = {
        name: "envoy.transport_sockets.tls",
        typedConfig: {
          "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
          sni: "svc.local",
          commonTlsContext: {
            combinedValidationContext: {
              defaultValidationContext: { matchTypedSubjectAltNames: [{ sanType: "DNS", matcher: { exact: "svc.local" } }] },
              validationContextSdsSecretConfig: { name: "ca-secret", sdsConfig: { ads: {} } },
            },
          },
        },
      };
      await configure(
        [
          { match: { prefix: "/good" }, route: { cluster: "good" } },
          { match: { prefix: "/bad" }, route: { cluster: "bad" } },
          { match: { prefix: "/sds" }, route: { cluster: "sds" } },
        ],
        [
          MakeStaticCluster("good", [securePort], { transportSocket: tlsSocket("svc.local") }),
          MakeStaticCluster("bad", [securePort], { transportSocket: tlsSocket("other.local") }),
          MakeStaticCluster("sds", [securePort], { transportSocket: sdsSocket }),
        ],
      );
      const good = await get(port, "/good/1");
      expect([good.status, good.backend, good.path]).toEqual([200, "secure", "/good/1"]);
      const bad = await get(port, "/bad/1");
      expect([bad.status, bad.flags]).toEqual([503, "UF"]);
      expect(gateway.wantedNames().secret).toEqual(new Set(["ca-secret"]));
      expect((await get(port, "/sds/1")).status).toBe(503);
      const secret = { name: "ca-secret", validationContext: { trustedCa: { inlineString: readFileSync(cert, "utf8") } } };
      expect(apply(gateway, "secret", [secret])).toEqual({ ok: true });
      const sds = await get(port, "/sds/1");
      expect([sds.status, sds.backend]).toEqual([200, "secure"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("proxies TCP listeners (tcp_proxy with weighted clusters) byte for byte", async () => {
    const echo = net.createServer((socket) => socket.on("data", (data: Buffer) => socket.write(Buffer.concat([Buffer.from("echo:"), data]))));
    extraServers.push(echo);
    const echoPort = await new Promise<number>((resolve) => echo.listen(0, "127.0.0.1", () => resolve((echo.address() as net.AddressInfo).port)));
    const tcpPort = await freePort();
    await configure([{ match: { prefix: "/" }, route: { cluster: "a" } }], [MakeStaticCluster("echo", [echoPort])]);
    const tcpListener = {
      name: "tcp",
      address: { socketAddress: { address: "0.0.0.0", portValue: tcpPort } },
      trafficDirection: "INBOUND",
      filterChains: [
        {
          filters: [
            {
              name: "envoy.filters.network.tcp_proxy",
              typedConfig: {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                statPrefix: "tcp",
                weightedClusters: { clusters: [{ name: "a", weight: 0 }, { name: "echo", weight: 1 }] },
              },
            },
          ],
        },
      ],
    };
    expect(apply(gateway, "listener", [MakeListener("ingress", port, "rc"), tcpListener])).toEqual({ ok: true });
    expect(await waitFor(() => gateway.boundPorts().get("tcp") === tcpPort, 5_000)).toBe(true);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(tcpPort, "127.0.0.1", () => socket.write("hello"));
      socket.on("data", (data: Buffer) => {
        resolve(data.toString());
        socket.destroy();
      });
      socket.on("error", reject);
    });
    expect(reply).toBe("echo:hello");
  });

  it("upgrades websockets and relays bytes both ways", async () => {
    const ws = http.createServer();
    ws.on("upgrade", (_request, socket: net.Socket) => {
      socket.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n");
      socket.on("data", (data: Buffer) => socket.write(Buffer.concat([Buffer.from("echo:"), data])));
    });
    extraServers.push({ close: () => { ws.closeAllConnections(); ws.close(); } });
    const wsPort = await new Promise<number>((resolve) => ws.listen(0, "127.0.0.1", () => resolve((ws.address() as net.AddressInfo).port)));
    await configure([{ match: { prefix: "/" }, route: { cluster: "ws" } }], [MakeStaticCluster("ws", [wsPort])]);
    const socket = net.connect(port, "127.0.0.1");
    try {
      const text = await new Promise<string>((resolve, reject) => {
        let seen = "";
        socket.on("data", (data: Buffer) => {
          seen += data.toString();
          if (seen.includes("\r\n\r\n") && !seen.includes("echo:")) socket.write("ping");
          if (seen.includes("echo:ping")) resolve(seen);
        });
        socket.on("error", reject);
        socket.write("GET /chat HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
      });
      expect(text.startsWith("HTTP/1.1 101")).toBe(true);
    } finally {
      socket.destroy();
    }
  });
});
