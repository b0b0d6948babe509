import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { converse, parseResponses, startTestServer, type Echo, type TestServer } from "./support.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ maxChunkLineLength: 64, maxHeaderSize: 1024 });
});
afterAll(() => server.close());

const chunkedHead = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";

async function bodyOf(chunks: string): Promise<string> {
  const { received } = await converse(server.port, [chunkedHead + chunks]);
  return (JSON.parse(parseResponses(received)[0]!.body) as Echo).body;
}

/** The connection was answered 400 and closed, the body cut short (the request had started: it saw an abort). */
async function refusedBody(chunks: string): Promise<void> {
  const { received, closed } = await converse(server.port, [chunkedHead + chunks]);
  expect(closed).toBe(true);
  expect(received).toBe("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
}

describe("ChunkedDecoder (through the server's socket)", () => {
  it("decodes chunks of any size with upper- and lower-case hex, extensions and trailers", async () => {
    const big = "x".repeat(0x1a2b);
    expect(await bodyOf(`3\r\nabc\r\n1A2b;name="quoted value";flag\r\n${big}\r\n0;last\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n`)).toBe(`abc${big}`);
    expect(await bodyOf("0\r\n\r\n")).toBe("");
    expect(await bodyOf("2 ;ext\r\nhi\r\n0\r\n\r\n")).toBe("hi");
  });

  it("reads a pipelined request that follows a chunked body's trailers", async () => {
    const { received } = await converse(server.port, [
      "POST /1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: 1\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    ]);
    expect(parseResponses(received).map((response) => (JSON.parse(response.body) as Echo).url)).toEqual(["/1", "/2"]);
  });

  it.each([
    ["a size that is not hex", "zz\r\nab\r\n0\r\n\r\n"],
    ["an empty size", "\r\nab\r\n0\r\n\r\n"],
    ["a size past 2^53", "fffffffffffffffffff\r\n"],
    ["a negative size", "-1\r\n"],
    ["whitespace after the size without an extension", "2 \r\nab\r\n0\r\n\r\n"],
    ["a size line ended by a bare LF", "2\nab\r\n0\r\n\r\n"],
    ["a control character in an extension", "2;a\u0001b\r\nab\r\n0\r\n\r\n"],
    ["extensions over the limit", `2;${"e".repeat(80)}\r\nab\r\n0\r\n\r\n`],
    ["chunk data longer than its size", "2\r\nabc\r\n0\r\n\r\n"],
    ["chunk data not followed by CRLF", "2\r\nab\n0\r\n\r\n"],
    ["a trailer with whitespace before its colon", "0\r\nX-T : 1\r\n\r\n"],
    ["an obs-folded trailer", "0\r\nX-T: 1\r\n folded\r\n\r\n"],
    ["a trailer section over the head limit", `0\r\nX-T: ${"t".repeat(2000)}\r\n\r\n`],
  ])("answers 400 and closes on %s", async (_shape, chunks) => {
    await refusedBody(chunks);
  });
});
