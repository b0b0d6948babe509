import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { converse, parseResponses, startTestServer, type Echo, type TestServer } from "./support.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ maxHeadersCount: 50 });
});
afterAll(() => server.close());

/** Sends one head (and what follows) and returns the status the server answered, having checked it then closed. */
async function refusal(raw: string): Promise<number> {
  const before = server.requests.length;
  const { received, closed } = await converse(server.port, [raw]);
  expect(closed).toBe(true);
  expect(server.requests.length).toBe(before);
  expect(received).toMatch(/^HTTP\/1\.1 \d{3} [^\r]*\r\ncontent-length: 0\r\nconnection: close\r\n\r\n$/);
  return Number(received.slice(9, 12));
}

const head = (lines: string[]) => `${lines.join("\r\n")}\r\n\r\n`;

describe("parseRequestHead (through the server's socket)", () => {
  it.each([
    ["Transfer-Encoding beside Content-Length", head(["POST / HTTP/1.1", "Host: a", "Content-Length: 3", "Transfer-Encoding: chunked"]) + "0\r\n\r\n"],
    ["Content-Length beside Transfer-Encoding (other order)", head(["POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked", "Content-Length: 3"]) + "0\r\n\r\n"],
    ["a coding after chunked", head(["POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked, gzip"])],
    ["a coding before chunked", head(["POST / HTTP/1.1", "Host: a", "Transfer-Encoding: gzip, chunked"])],
    ["chunked twice", head(["POST / HTTP/1.1", "Host: a", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"])],
    ["identity", head(["POST / HTTP/1.1", "Host: a", "Transfer-Encoding: identity"])],
    ["Transfer-Encoding in HTTP/1.0", head(["POST / HTTP/1.0", "Transfer-Encoding: chunked"])],
    ["a Content-Length that is not a number", head(["POST / HTTP/1.1", "Host: a", "Content-Length: 3a"])],
    ["a negative Content-Length", head(["POST / HTTP/1.1", "Host: a", "Content-Length: -1"])],
    ["a Content-Length list", head(["POST / HTTP/1.1", "Host: a", "Content-Length: 3, 3"])],
    ["two different Content-Lengths", head(["POST / HTTP/1.1", "Host: a", "Content-Length: 3", "Content-Length: 4"])],
    ["obs-fold", head(["GET / HTTP/1.1", "Host: a", "X-Folded: one", " two"])],
    ["whitespace before the colon", head(["GET / HTTP/1.1", "Host: a", "X-Name : value"])],
    ["an empty header name", head(["GET / HTTP/1.1", "Host: a", ": value"])],
    ["a line without a colon", head(["GET / HTTP/1.1", "Host: a", "no colon here"])],
    ["a bare CR in a value", head(["GET / HTTP/1.1", "Host: a", "X-Name: a\rb"])],
    ["a bare LF ending a header line", "GET / HTTP/1.1\r\nHost: a\nX-Name: b\r\n\r\n"],
    ["bare LF line endings only", "GET / HTTP/1.1\nHost: a\n\n"],
    ["a NUL in a value", head(["GET / HTTP/1.1", "Host: a", "X-Name: a\u0000b"])],
    ["a control character in a value", head(["GET / HTTP/1.1", "Host: a", "X-Name: a\u0001b"])],
    ["DEL in a value", head(["GET / HTTP/1.1", "Host: a", "X-Name: a\u007fb"])],
    ["two Host headers", head(["GET / HTTP/1.1", "Host: a", "Host: b"])],
    ["a method that is not a token", head(["G(T / HTTP/1.1", "Host: a"])],
    ["two spaces in the request line", head(["GET  / HTTP/1.1", "Host: a"])],
    ["a control character in the target", head(["GET /a\u0001 HTTP/1.1", "Host: a"])],
    ["no version", head(["GET /", "Host: a"])],
    ["a version that is not HTTP", head(["GET / HTXP/1.1", "Host: a"])],
    ["CONNECT", head(["CONNECT a:443 HTTP/1.1", "Host: a:443"])],
    ["an HTTP/1.1 request without Host", head(["GET / HTTP/1.1", "Accept: */*"])],
    ["a target that is neither origin-form, absolute-form nor *", head(["GET index.html HTTP/1.1", "Host: a"])],
    ["an absolute-form target with userinfo", head(["GET http://user@b.example/ HTTP/1.1", "Host: a"])],
    ["an absolute-form target of another scheme", head(["GET ftp://b.example/ HTTP/1.1", "Host: a"])],
  ])("answers 400 and closes on %s", async (_shape, raw) => {
    expect(await refusal(raw)).toBe(400);
  });

  it("answers 505 to a well-formed version other than 1.0 and 1.1", async () => {
    expect(await refusal(head(["GET / HTTP/1.2", "Host: a"]))).toBe(505);
    expect(await refusal(head(["GET / HTTP/2.0", "Host: a"]))).toBe(505);
  });

  it("answers 431 to a head over 16 KiB, complete or not, and to too many header fields", async () => {
    expect(await refusal(head(["GET / HTTP/1.1", "Host: a", `X-Big: ${"b".repeat(16 * 1024)}`]))).toBe(431);
    expect(await refusal(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"b".repeat(16 * 1024)}`)).toBe(431);
    const many = Array.from({ length: 51 }, (_, i) => `X-${i}: v`);
    expect(await refusal(head(["GET / HTTP/1.1", "Host: a", ...many]))).toBe(431);
  });

  it("accepts a repeated identical Content-Length, forwarding it once, and ignores empty lines before the request line", async () => {
    const { received } = await converse(server.port, ["\r\n\r\n" + head(["POST /same HTTP/1.1", "Host: a", "Content-Length: 2", "content-length: 2", "Connection: close"]) + "ok"]);
    const echo = JSON.parse(parseResponses(received)[0]!.body) as Echo;
    expect(echo).toMatchObject({ url: "/same", body: "ok", headers: { "content-length": "2" } });
  });

  it("builds the ProxyRequest from the head: lower-case names, repeats as lists, hop-by-hop gone, te: trailers kept, latin1 values", async () => {
    const { received } = await converse(server.port, [
      head(["GET /p HTTP/1.1", "HOST: gw.example:8080", "X-Multi: one", "x-multi: two", "Connection: close, X-Hop", "Keep-Alive: timeout=5", "TE: trailers", "X-Latin: caf\u00e9", "X-Request-Id: given"]),
    ]);
    const echo = JSON.parse(parseResponses(received)[0]!.body) as Echo;
    expect(echo.authority).toBe("gw.example:8080");
    expect(echo.headers).toEqual({ "x-multi": ["one", "two"], te: "trailers", "x-latin": "caf\u00e9", "x-request-id": "given", "x-forwarded-proto": "http" });
  });

  it("routes an absolute-form target on its own authority and forwards it in origin-form, as Envoy's codec does", async () => {
    for (const [target, url] of [["http://b.example:8080/p?q=1", "/p?q=1"], ["HTTP://b.example:8080", "/"], ["http://b.example:8080?q", "/?q"]] as const) {
      const { received } = await converse(server.port, [head([`GET ${target} HTTP/1.1`, "Host: a.example", "Connection: close"])]);
      const echo = JSON.parse(parseResponses(received)[0]!.body) as Echo;
      expect([echo.authority, echo.url]).toEqual(["b.example:8080", url]);
    }
  });
});
