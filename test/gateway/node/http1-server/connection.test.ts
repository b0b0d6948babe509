import { afterEach, describe, expect, it } from "vitest";
import { converse, echo, parseResponses, RawClient, startTestServer, type Echo, type TestServer } from "./support.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const body = (response: { body: string }) => JSON.parse(response.body) as Echo;

describe("Http1Connection", () => {
  it("reads the same request whichever byte boundary splits it into two writes", async () => {
    server = await startTestServer();
    const request = "POST /p?q=1 HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\nX-Name: Value\r\nConnection: close\r\n\r\nhello";
    for (let split = 1; split < request.length; split++) {
      const { received, closed } = await converse(server.port, [request.slice(0, split), request.slice(split)]);
      const [response] = parseResponses(received);
      expect(closed).toBe(true);
      expect(response!.status).toBe(200);
      expect(body(response!)).toMatchObject({ method: "POST", url: "/p?q=1", authority: "a.example", body: "hello", headers: { "x-name": "Value", "content-length": "5" } });
    }
  });

  it("reads a chunked request with trailers sent one byte per write", async () => {
    server = await startTestServer();
    const request = "PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n";
    const { received } = await converse(server.port, [...request]);
    const [response] = parseResponses(received);
    expect(body(response!)).toMatchObject({ method: "PUT", body: "hello world" });
    expect(body(response!).headers["transfer-encoding"]).toBeUndefined();
  });

  it("answers pipelined requests in order, parsing the next only after the current response", async () => {
    const order: string[] = [];
    server = await startTestServer({}, {
      request: (request, response) => {
        order.push(`start ${request.url}`);
        // The first answer comes late: a server answering as it parses would send /2 first.
        const delay = request.url === "/1" ? 30 : 0;
        request.resume();
        request.once("end", () => {});
        setTimeout(() => {
          order.push(`end ${request.url}`);
          response.writeHead(200, { "content-type": "text/plain" });
          response.end(request.url);
        }, delay);
      },
    });
    const pipelined = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    const { received } = await converse(server.port, [pipelined]);
    expect(parseResponses(received).map((response) => response.body)).toEqual(["/1", "/2", "/3"]);
    expect(order).toEqual(["start /1", "end /1", "start /2", "end /2", "start /3", "end /3"]);
  });

  it("answers 100 Continue to Expect: 100-continue before the body is sent, and 417 to other expectations", async () => {
    server = await startTestServer();
    const client = new RawClient(server.port);
    client.send("POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    expect(await client.until((text) => text.includes("\r\n\r\n"))).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    client.send("data");
    await client.until((text) => text.includes("data"));
    const [, response] = client.received.split("HTTP/1.1 100 Continue\r\n\r\n");
    expect(body(parseResponses(response!)[0]!)).toMatchObject({ body: "data" });
    expect(body(parseResponses(response!)[0]!).headers.expect).toBeUndefined();
    client.close();

    const other = await converse(server.port, ["GET / HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nConnection: close\r\n\r\n"]);
    expect(parseResponses(other.received).map((response) => response.status)).toEqual([417]);
    expect(server.requests).toHaveLength(1);
  });

  it("closes an HTTP/1.0 connection after its response unless the request asked for keep-alive", async () => {
    server = await startTestServer();
    const plain = await converse(server.port, ["GET /old HTTP/1.0\r\n\r\n"]);
    const [response] = parseResponses(plain.received);
    expect(plain.closed).toBe(true);
    expect(response!.headers.connection).toBe("close");
    expect(body(response!)).toMatchObject({ version: "1.0", url: "/old" });

    const client = new RawClient(server.port);
    client.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    await client.until((text) => parseResponses(text).length === 1 && text.endsWith("}"));
    expect(parseResponses(client.received)[0]!.headers.connection).toBe("keep-alive");
    client.send("GET /b HTTP/1.0\r\n\r\n");
    await client.untilClosed();
    expect(parseResponses(client.received).map((one) => body(one).url)).toEqual(["/a", "/b"]);
  });

  it("streams an HTTP/1.0 response without a length until the connection closes", async () => {
    server = await startTestServer({}, {
      request: (request, response) => {
        request.resume();
        response.writeHead(200, { "content-type": "text/plain" });
        response.write(Buffer.from("part one, "));
        response.end("part two");
      },
    });
    const { received, closed } = await converse(server.port, ["GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"]);
    expect(closed).toBe(true);
    expect(received).toMatch(/connection: close\r\n\r\npart one, part two$/);
    expect(received).not.toMatch(/transfer-encoding/i);
  });

  it("hands an upgrade request's socket and the bytes after its head to the upgrade handler", async () => {
    let seen: { upgrade: string | undefined; head: string } | undefined;
    server = await startTestServer({}, {
      upgrade: (request, socket, head) => {
        seen = { upgrade: request.upgrade, head: head.toString() };
        socket.end("HTTP/1.1 101 Switching Protocols\r\n\r\nframes");
      },
    });
    const { received } = await converse(server.port, ["GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nearly bytes"]);
    expect(received).toBe("HTTP/1.1 101 Switching Protocols\r\n\r\nframes");
    expect(seen).toEqual({ upgrade: "websocket", head: "early bytes" });
    expect(server.requests).toHaveLength(0);
  });

  it("keeps bytes the client sends after an upgrade head until the handler reads the socket later", async () => {
    let readLater: Promise<string> | undefined;
    server = await startTestServer({}, {
      upgrade: (_request, socket, head) => {
        // As the gateway does: the socket is read only once the upstream has connected, a while after the head.
        readLater = new Promise((resolve) =>
          setTimeout(() => {
            let text = head.toString();
            socket.on("data", (data: Buffer) => {
              text += data.toString();
              if (text.endsWith("LATE")) {
                socket.end("HTTP/1.1 101 Switching Protocols\r\n\r\n");
                resolve(text);
              }
            });
          }, 100),
        );
      },
    });
    const client = new RawClient(server.port);
    client.socket.write("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.socket.write("EARLY-BYTES then LATE");
    await expect.poll(() => readLater, { timeout: 5_000 }).toBeDefined();
    expect(await readLater).toBe("EARLY-BYTES then LATE");
    client.socket.destroy();
  });

  it("closes idle connections when draining and sends connection: close on a response in flight", async () => {
    const pending: (() => void)[] = [];
    const nextPending = async () => {
      while (pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      return pending.shift()!;
    };
    server = await startTestServer({}, {
      request: (request, response) => {
        request.resume();
        pending.push(() => response.end("late"));
      },
    });
    const idle = new RawClient(server.port);
    idle.send("GET /idle HTTP/1.1\r\nHost: a\r\n\r\n");
    (await nextPending())();
    await idle.until((text) => text.endsWith("late"));
    const busy = new RawClient(server.port);
    busy.send("GET /busy HTTP/1.1\r\nHost: a\r\n\r\n");
    const answer = await nextPending();
    server.server.drain();
    await idle.untilClosed();
    expect(busy.closed).toBe(false);
    answer();
    await busy.untilClosed();
    const [response] = parseResponses(busy.received);
    expect(response).toMatchObject({ status: 200, body: "late" });
    expect(response!.headers.connection).toBe("close");
  });

  it("answers 408 and closes when a head does not complete within the headers timeout", async () => {
    server = await startTestServer({ headersTimeoutMs: 50 });
    const client = new RawClient(server.port);
    client.send("GET / HTTP/1.1\r\nHost: a\r\n");
    await client.untilClosed();
    expect(client.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(server.requests).toHaveLength(0);
  });

  it("answers 408 when a body does not arrive within the request timeout, and the request sees an abort", async () => {
    let aborted = false;
    server = await startTestServer({ requestTimeoutMs: 50 }, {
      request: (request) => {
        request.on("aborted", () => (aborted = true));
        request.resume();
      },
    });
    const client = new RawClient(server.port);
    client.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nab");
    await client.untilClosed();
    expect(client.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(aborted).toBe(true);
  });

  it("closes a kept-alive connection that stays idle past the keep-alive timeout", async () => {
    server = await startTestServer({ keepAliveTimeoutMs: 50 });
    const client = new RawClient(server.port);
    client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    await client.untilClosed();
    expect(parseResponses(client.received).map((response) => response.status)).toEqual([200]);
  });

  it("drops the unread rest of a body answered early and serves the next request on the connection", async () => {
    server = await startTestServer({}, {
      request: (request, response) => {
        if (request.url === "/early") {
          response.writeHead(413, { "content-type": "text/plain" });
          response.end("too big");
          return;
        }
        echo(request, response);
      },
    });
    const client = new RawClient(server.port);
    client.send("POST /early HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabc");
    await client.until((text) => text.endsWith("too big"));
    client.send("def");
    client.send("GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    await client.untilClosed();
    const responses = parseResponses(client.received);
    expect(responses.map((response) => response.status)).toEqual([413, 200]);
    expect(body(responses[1]!).url).toBe("/next");
  });
});
