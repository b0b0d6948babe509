import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { Http1Pool, type PoolOptions } from "../../../../functions/gateway/node/http1-client/index.js";
import { attemptOf, exchange, startRawUpstream, type RawUpstream } from "./raw-upstream.js";

const servers: RawUpstream[] = [];
const pools: Http1Pool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) pool.destroy();
  for (const server of servers.splice(0)) await server.close();
});

async function upstream(answer: Parameters<typeof startRawUpstream>[0], secure?: Parameters<typeof startRawUpstream>[1]): Promise<RawUpstream> {
  const server = await startRawUpstream(answer, secure);
  servers.push(server);
  return server;
}

function poolTo(port: number, options: Partial<PoolOptions> = {}): Http1Pool {
  const pool = new Http1Pool({ socket: { host: "127.0.0.1", port }, tls: false, connectTimeoutMs: 5000, keepAliveMs: 60_000, maxConnections: 16, ...options });
  pools.push(pool);
  return pool;
}

const ok = (body = "ok", extra = "") => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

/** Waits for `condition`, checking on each turn of the event loop (bounded). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe("Http1Pool", () => {
  it("reuses one keep-alive connection for requests one after another", async () => {
    const server = await upstream((socket) => socket.write(ok()));
    const pool = poolTo(server.port);
    for (let i = 0; i < 5; i++) expect(await exchange(pool, attemptOf("GET", `/${i}`))).toMatchObject({ status: 200, body: "ok", ending: "end" });
    expect(server.connections.length).toBe(1);
    expect(server.requests.map((request) => request.head.split("\r\n")[0])).toEqual(["GET /0 HTTP/1.1", "GET /1 HTTP/1.1", "GET /2 HTTP/1.1", "GET /3 HTTP/1.1", "GET /4 HTTP/1.1"]);
    expect(pool.idleCount).toBe(1);
  });

  it("sends host first, the request's headers as given, and no body framing for a GET", async () => {
    const server = await upstream((socket) => socket.write(ok()));
    const pool = poolTo(server.port);
    await exchange(pool, attemptOf("GET", "/a?b=c", { "x-one": "1", accept: "*/*" }));
    expect(server.requests[0]!.head).toBe("GET /a?b=c HTTP/1.1\r\nhost: upstream.test\r\nx-one: 1\r\naccept: */*\r\n\r\n");
  });

  it("takes the most recently released idle connection first", async () => {
    const held: net.Socket[] = [];
    const server = await upstream((socket, request) => {
      if (request.head.startsWith("GET /slow")) held.push(socket);
      else socket.write(ok());
    });
    const pool = poolTo(server.port);
    const slow = exchange(pool, attemptOf("GET", "/slow"));
    await until(() => held.length === 1);
    const fast = exchange(pool, attemptOf("GET", "/fast"));
    expect(await fast).toMatchObject({ status: 200 });
    held[0]!.write(ok());
    await slow;
    // Connection 0 carried /slow and came free last: it takes the next request.
    await exchange(pool, attemptOf("GET", "/next"));
    expect(server.requests.map((request) => [request.head.split(" ")[1], request.connection])).toEqual([["/slow", 0], ["/fast", 1], ["/next", 0]]);
  });

  it("opens no more than maxConnections connections; more requests wait and are served in turn", async () => {
    const server = await upstream((socket) => setImmediate(() => socket.write(ok())));
    const pool = poolTo(server.port, { maxConnections: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => exchange(pool, attemptOf("GET", `/${i}`))));
    expect(results.map((result) => result.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(server.connections.length).toBe(2);
  });

  it("closes the connection after a response with Connection: close and opens a new one", async () => {
    const server = await upstream((socket) => socket.write(ok("ok", "Connection: close\r\n")));
    const pool = poolTo(server.port);
    await exchange(pool, attemptOf("GET", "/1"));
    await once(server.connections[0]!, "end");
    expect(await exchange(pool, attemptOf("GET", "/2"))).toMatchObject({ status: 200 });
    expect(server.connections.length).toBe(2);
  });

  it("says Connection: close on requests of a retired pool and closes its connections as they come free", async () => {
    const server = await upstream((socket) => socket.write(ok()));
    const pool = poolTo(server.port);
    await exchange(pool, attemptOf("GET", "/1"));
    pool.close();
    await once(server.connections[0]!, "end");
    expect(await exchange(pool, attemptOf("GET", "/2"))).toMatchObject({ status: 200 });
    expect(server.requests[1]!.head).toContain("\r\nconnection: close\r\n");
    await once(server.connections[1]!, "end");
    await until(() => pool.size === 0);
  });

  it("does not reuse a connection whose Keep-Alive timeout leaves no margin, and closes idle ones before the upstream's timeout", async () => {
    const short = await upstream((socket) => socket.write(ok("ok", "Keep-Alive: timeout=1\r\n")));
    const pool = poolTo(short.port);
    await exchange(pool, attemptOf("GET", "/1"));
    await exchange(pool, attemptOf("GET", "/2"));
    expect(short.connections.length).toBe(2);

    const hinted = await upstream((socket) => socket.write(ok("ok", "Keep-Alive: timeout=2\r\n")));
    const second = poolTo(hinted.port);
    await exchange(second, attemptOf("GET", "/1"));
    expect(second.idleCount).toBe(1);
    // The upstream never closes: the end it sees is the pool's idle expiry (2 s less the margin).
    await once(hinted.connections[0]!, "end");
    await until(() => second.size === 0);
  });

  it("does not reuse a connection whose response body ran until close", async () => {
    const server = await upstream((socket) => socket.end("HTTP/1.1 200 OK\r\n\r\nuntil close"));
    const pool = poolTo(server.port);
    expect(await exchange(pool, attemptOf("GET", "/1"))).toMatchObject({ status: 200, body: "until close", ending: "end" });
    expect(await exchange(pool, attemptOf("GET", "/2"))).toMatchObject({ status: 200, body: "until close" });
    expect(server.connections.length).toBe(2);
  });

  it("passes 1xx interim responses by, HEAD answers without a body, and trailers of a chunked body", async () => {
    const server = await upstream((socket, request) => {
      if (request.head.startsWith("HEAD")) socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
      else if (request.head.startsWith("GET /204")) socket.write("HTTP/1.1 204 No Content\r\n\r\n");
      else socket.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nhi\r\n0\r\ngrpc-status: 0\r\n\r\n");
    });
    const pool = poolTo(server.port);
    expect(await exchange(pool, attemptOf("HEAD", "/"))).toMatchObject({ status: 200, body: "", ending: "end", headers: { "content-length": "100" } });
    expect(await exchange(pool, attemptOf("GET", "/204"))).toMatchObject({ status: 204, body: "", ending: "end" });
    expect(await exchange(pool, attemptOf("GET", "/grpc"))).toMatchObject({ status: 200, body: "hi", trailers: { "grpc-status": "0" } });
    expect(server.connections.length).toBe(1);
  });

  it("streams a body with its content-length, and one of unknown length chunked", async () => {
    const server = await upstream((socket, request) => socket.write(ok(String(request.body.length))));
    const pool = poolTo(server.port);
    const parts = Array.from({ length: 64 }, (_, i) => Buffer.alloc(16 * 1024, i));
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    expect(await exchange(pool, attemptOf("POST", "/sized", { "content-length": String(total) }, parts))).toMatchObject({ status: 200, body: String(total) });
    expect(server.requests[0]!.head).not.toContain("transfer-encoding");
    expect(server.requests[0]!.body.equals(Buffer.concat(parts))).toBe(true);
    expect(await exchange(pool, attemptOf("POST", "/chunked", {}, parts))).toMatchObject({ status: 200, body: String(total) });
    expect(server.requests[1]!.head).toContain("\r\ntransfer-encoding: chunked\r\n");
    expect(server.requests[1]!.body.equals(Buffer.concat(parts))).toBe(true);
    expect(await exchange(pool, attemptOf("POST", "/empty"))).toMatchObject({ status: 200, body: "0" });
    expect(server.requests[2]!.head).toContain("\r\ncontent-length: 0\r\n");
    expect(server.connections.length).toBe(1);
  });

  it("reads a chunked response with extensions and trailers that the upstream sends in two writes, split at every byte, over one kept connection", async () => {
    const response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nabcd\r\n0\r\ngrpc-status: 0\r\n\r\n";
    const server = await upstream((socket, request) => {
      const at = Number(request.head.split(" ")[1]!.slice(1));
      socket.setNoDelay(true);
      socket.write(response.slice(0, at));
      // A pause between the writes, so that they arrive as separate reads.
      setTimeout(() => socket.write(response.slice(at)), 3);
    });
    const pool = poolTo(server.port);
    for (let at = 1; at < response.length; at++) {
      expect(await exchange(pool, attemptOf("GET", `/${at}`)), `split at ${at}`).toMatchObject({ status: 200, body: "abcd", trailers: { "grpc-status": "0" }, ending: "end" });
    }
    expect(server.connections.length).toBe(1);
  });

  it("reports malformed framing before the headers as a reset and closes the connection", async () => {
    const server = await upstream((socket) => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok"));
    const pool = poolTo(server.port);
    expect(await exchange(pool, attemptOf("GET", "/"))).toMatchObject({ kind: "reset" });
    await once(server.connections[0]!, "end");
  });

  it("reports a head over 16 KiB as a reset", async () => {
    const server = await upstream((socket) => socket.write(`HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(17 * 1024)}\r\nContent-Length: 0\r\n\r\n`));
    expect(await exchange(poolTo(server.port), attemptOf("GET", "/"))).toMatchObject({ kind: "reset" });
  });

  it("resets the body of a response whose connection drops in the middle of it", async () => {
    const server = await upstream((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
      setImmediate(() => socket.destroy());
    });
    expect(await exchange(poolTo(server.port), attemptOf("GET", "/"))).toMatchObject({ kind: "response", status: 200, ending: "reset" });
  });

  it("classifies a reused connection the upstream closes without answering as a reset, not a connect failure, and does not resend the request", async () => {
    const server = await upstream((socket, request) => {
      if (request.connection === 0 && server.requests.length === 1) socket.write(ok());
      else if (request.connection === 0) socket.destroy();
      else socket.write(ok("fresh"));
    });
    const pool = poolTo(server.port);
    await exchange(pool, attemptOf("GET", "/1"));
    expect(await exchange(pool, attemptOf("POST", "/2", { "content-length": "1" }, [Buffer.from("x")]))).toMatchObject({ kind: "reset" });
    expect(server.requests.filter((request) => request.head.startsWith("POST"))).toHaveLength(1);
    // The next request gets a new connection.
    expect(await exchange(pool, attemptOf("GET", "/3"))).toMatchObject({ status: 200, body: "fresh" });
  });

  it("leaves out an idle connection the upstream closed and sends the next request on a new one", async () => {
    const server = await upstream((socket) => socket.write(ok()));
    const pool = poolTo(server.port);
    await exchange(pool, attemptOf("GET", "/1"));
    server.connections[0]!.end();
    await until(() => pool.idleCount === 0);
    expect(await exchange(pool, attemptOf("GET", "/2"))).toMatchObject({ status: 200 });
    expect(server.connections.length).toBe(2);
  });

  it("reports a refused connection and a TLS handshake that outlasts the connect timeout as connect failures", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await exchange(poolTo(port), attemptOf("GET", "/"))).toMatchObject({ kind: "connect-failure" });

    // A plain TCP server that never answers the ClientHello.
    const silent = await upstream(() => {});
    const secure = poolTo(silent.port, { tls: true, connectTimeoutMs: 100, socket: { host: "127.0.0.1", port: silent.port, rejectUnauthorized: false } });
    expect(await exchange(secure, attemptOf("GET", "/"))).toMatchObject({ kind: "connect-failure" });
    await until(() => secure.size === 0);
  });

  it("gives a cancelled waiting request's turn to the next one", async () => {
    const held: net.Socket[] = [];
    const server = await upstream((socket, request) => {
      if (request.head.startsWith("GET /hold")) held.push(socket);
      else socket.write(ok());
    });
    const pool = poolTo(server.port, { maxConnections: 1 });
    const first = exchange(pool, attemptOf("GET", "/hold"));
    await until(() => held.length === 1);
    const { Http1Attempt } = await import("../../../../functions/gateway/node/http1-attempt.js");
    const cancelled = new Http1Attempt(pool, attemptOf("GET", "/cancelled"));
    const waiting = exchange(pool, attemptOf("GET", "/waiting"));
    cancelled.cancel();
    expect(await cancelled.outcome).toEqual({ kind: "aborted" });
    held[0]!.write(ok());
    await first;
    expect(await waiting).toMatchObject({ status: 200 });
    expect(server.requests.map((request) => request.head.split(" ")[1])).toEqual(["/hold", "/waiting"]);
  });

  it("originates TLS with SNI and the trusted CA, reuses the connection, resumes the session on a new one, and refuses a server without the expected name as a connect failure", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-http1-pool-tls-"));
    try {
      const certFile = path.join(dir, "cert.pem");
      const keyFile = path.join(dir, "key.pem");
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-subj", "/CN=svc.local", "-days", "1", "-addext", "subjectAltName=DNS:svc.local"], { stdio: "ignore" });
      const [cert, key] = [readFileSync(certFile), readFileSync(keyFile)];
      const server = await upstream((socket, request) => socket.write(ok((socket as TLSSocket).servername || "", request.head.startsWith("GET /close") ? "Connection: close\r\n" : "")), { cert, key });
      const tlsTo = (servername: string) => poolTo(server.port, { tls: true, socket: { host: "127.0.0.1", port: server.port, servername, ca: cert, ALPNProtocols: ["http/1.1"] } });
      const pool = tlsTo("svc.local");
      expect(await exchange(pool, attemptOf("GET", "/1"))).toMatchObject({ status: 200, body: "svc.local" });
      expect(await exchange(pool, attemptOf("GET", "/close"))).toMatchObject({ status: 200 });
      expect(await exchange(pool, attemptOf("GET", "/3"))).toMatchObject({ status: 200 });
      expect(server.requests.map((request) => request.connection)).toEqual([0, 0, 1]);
      expect((server.connections[1] as TLSSocket).isSessionReused()).toBe(true);

      expect(await exchange(tlsTo("other.local"), attemptOf("GET", "/"))).toMatchObject({ kind: "connect-failure" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
