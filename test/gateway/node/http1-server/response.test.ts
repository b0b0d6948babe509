import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createHttp1Server, type Http1Request, type Http1Response } from "../../../../functions/gateway/node/http1-server/index.js";
import { converse, parseResponses, RawClient, startTestServer, type TestServer } from "./support.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

type Handler = (request: Http1Request, response: Http1Response) => void;

async function answer(handler: Handler, requestHead = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"): Promise<string> {
  server = await startTestServer({}, { request: handler });
  return (await converse(server.port, [requestHead])).received;
}

describe("Http1Response", () => {
  it("sends the status line, headers and a small body in one socket write", async () => {
    const writes: Buffer[] = [];
    const http1 = createHttp1Server({
      request: (request, response) => {
        request.resume();
        response.writeHead(201, { "content-type": "text/plain", "x-list": ["a", "b"], "content-length": "5" });
        response.end("hello");
      },
      upgrade: (_request, socket) => socket.destroy(),
    });
    const listener = net.createServer((socket) => {
      const write = socket.write.bind(socket) as (data: Buffer) => boolean;
      socket.write = ((data: Buffer) => {
        writes.push(Buffer.from(data));
        return write(data);
      }) as typeof socket.write;
      http1.accept(socket, socket);
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    try {
      const { received } = await converse((listener.address() as net.AddressInfo).port, ["GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"]);
      expect(writes).toHaveLength(1);
      expect(writes[0]!.toString("latin1")).toBe(received);
      expect(received).toMatch(/^HTTP\/1\.1 201 Created\r\ncontent-type: text\/plain\r\nx-list: a\r\nx-list: b\r\ndate: [^\r]+ GMT\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello$/);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it("frames a body without a length as chunks and sends trailers after the last one", async () => {
    const received = await answer((request, response) => {
      request.resume();
      response.writeHead(200, { "content-type": "application/grpc" });
      response.write(Buffer.from("first"));
      response.write(Buffer.from("second chunk"));
      response.addTrailers({ "grpc-status": "0", "grpc-message": "ok" });
      response.end();
    });
    expect(received).toMatch(/transfer-encoding: chunked\r\nconnection: close\r\n\r\n5\r\nfirst\r\nc\r\nsecond chunk\r\n0\r\ngrpc-status: 0\r\ngrpc-message: ok\r\n\r\n$/);
    expect(parseResponses(received)[0]!.body).toBe("firstsecond chunk");
  });

  it("gives a body passed whole to end() its length, and sends no body for HEAD, 204 and 304", async () => {
    expect(parseResponses(await answer((request, response) => (request.resume(), response.end("whole"))))[0]).toMatchObject({ body: "whole", headers: { "content-length": "5" } });
    await server!.close();
    const head = await answer((request, response) => (request.resume(), response.writeHead(200, { "content-length": "5" }), response.end("hello")), "HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    expect(head).toMatch(/content-length: 5\r\nconnection: close\r\n\r\n$/);
    for (const status of [204, 304]) {
      await server!.close();
      const empty = await answer((request, response) => (request.resume(), response.writeHead(status, {}), response.end("dropped")));
      expect(empty).toMatch(new RegExp(`^HTTP/1\\.1 ${status} [^\\r]+\\r\\ndate: [^\\r]+\\r\\nconnection: close\\r\\n\\r\\n$`));
    }
  });

  it("refuses a header value with CR or LF, a bad name or a status that is not final (throwing, headers still unsent) so the caller can answer instead", async () => {
    const outcomes: string[] = [];
    const received = await answer((request, response) => {
      request.resume();
      try {
        response.writeHead(200, { "x-injected": "a\r\nset-cookie: evil" });
      } catch (error) {
        outcomes.push(`${(error as Error).name} sent=${response.headersSent}`);
      }
      try {
        response.writeHead(200, { "bad name": "v" });
      } catch (error) {
        outcomes.push(`${(error as Error).name} sent=${response.headersSent}`);
      }
      // Not a final status: a gRPC code where an HTTP one belongs, an interim 1xx.
      for (const status of [7, 101]) {
        try {
          response.writeHead(status, {});
        } catch (error) {
          outcomes.push(`${(error as Error).name} sent=${response.headersSent}`);
        }
      }
      response.writeHead(503, { "content-length": "0" });
      response.end();
    });
    expect(outcomes).toEqual(["TypeError sent=false", "TypeError sent=false", "RangeError sent=false", "RangeError sent=false"]);
    expect(received).toMatch(/^HTTP\/1\.1 503 /);
    expect(received).not.toMatch(/evil/);
  });

  it("reports a full socket to a writer of a large body (write() false, then 'drain' once the client reads) and delivers every byte", async () => {
    const total = 32 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 0x61);
    let writtenWhenFull: number | undefined;
    let drains = 0;
    const full = deferred<void>();
    server = await startTestServer({}, {
      request: (request, response) => {
        request.resume();
        response.writeHead(200, { "content-length": String(total) });
        let written = 0;
        const pump = () => {
          while (written < total) {
            written += piece.length;
            if (written >= total) return void response.end(piece);
            if (!response.write(piece)) {
              writtenWhenFull ??= written;
              full.resolve();
              response.once("drain", () => {
                drains++;
                pump();
              });
              return;
            }
          }
        };
        pump();
      },
    });
    const client = new RawClient(server.port);
    client.socket.pause();
    client.send("GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    await full.promise;
    client.socket.resume();
    let bodyBytes = 0;
    let headSeen = false;
    client.socket.removeAllListeners("data");
    client.socket.on("data", (data: Buffer) => {
      if (!headSeen) {
        const end = data.indexOf("\r\n\r\n");
        headSeen = true;
        bodyBytes += data.length - end - 4;
      } else bodyBytes += data.length;
    });
    await client.untilClosed();
    expect(writtenWhenFull).toBeDefined();
    expect(writtenWhenFull!).toBeLessThan(total);
    expect(drains).toBeGreaterThan(0);
    expect(bodyBytes).toBe(total);
  });

  it("pauses reading a request body while its reader is paused, and delivers all of it on resume", async () => {
    const total = 8 * 1024 * 1024;
    let received = 0;
    let whilePaused = 0;
    let paused = false;
    let pausedOnce = false;
    const firstData = deferred<Http1Request>();
    server = await startTestServer({}, {
      request: (request, response) => {
        request.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (paused) whilePaused += chunk.length;
          if (!pausedOnce && received < total) {
            pausedOnce = paused = true;
            request.pause();
            firstData.resolve(request);
          }
        });
        request.on("end", () => response.end(String(received)));
        request.resume();
      },
    });
    const client = new RawClient(server.port);
    client.send(`POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: ${total}\r\nConnection: close\r\n\r\n`);
    client.socket.write(Buffer.alloc(total, 0x62));
    const request = await firstData.promise;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(whilePaused).toBe(0);
    expect(received).toBeLessThan(total);
    paused = false;
    request.resume();
    await client.untilClosed();
    expect(parseResponses(client.received)[0]!.body).toBe(String(total));
  });
});
