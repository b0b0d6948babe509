import { describe, expect, it } from "vitest";
import { MAX_HEAD_BYTES, ResponseParser, type ResponseEvents } from "../../../../functions/gateway/node/http1-client/index.js";
import { headersFrom, type ResponseHeaders } from "../../../../functions/gateway/node/upstream-response.js";

/** What a parser reported, in a comparable shape. */
interface Parsed {
  heads: { status: number; headers: ResponseHeaders }[];
  body: string;
  trailers: ResponseHeaders | null;
  ended: number;
  error: string | undefined;
}

function collector(): { events: ResponseEvents; parsed: Parsed } {
  const parsed: Parsed = { heads: [], body: "", trailers: null, ended: 0, error: undefined };
  const events: ResponseEvents = {
    onResponseHead: (status, head, fields) => parsed.heads.push({ status, headers: headersFrom(head, fields) }),
    onResponseBody: (chunk) => (parsed.body += chunk.toString("latin1")),
    onResponseEnd: (trailers, fields) => {
      parsed.ended++;
      if (trailers && fields && fields.length > 0) parsed.trailers = headersFrom(trailers, fields);
    },
    onProtocolError: (reason) => (parsed.error ??= reason),
  };
  return { events, parsed };
}

/** Feeds `pieces` to a fresh parser expecting the response to a `method` request; `close`: the upstream then closes. */
function parse(pieces: readonly string[], options: { head?: boolean; close?: boolean } = {}): Parsed & { keepAlive: boolean; keepAliveTimeoutMs: number } {
  const { events, parsed } = collector();
  const parser = new ResponseParser(events);
  parser.expect(options.head ?? false);
  for (const piece of pieces) parser.execute(Buffer.from(piece, "latin1"));
  if (options.close) parser.finish();
  return { ...parsed, keepAlive: parser.keepAlive, keepAliveTimeoutMs: parser.keepAliveTimeoutMs };
}

/** Every way of cutting `bytes` in two, plus one byte at a time. */
function splits(bytes: string): string[][] {
  const all: string[][] = [];
  for (let i = 1; i < bytes.length; i++) all.push([bytes.slice(0, i), bytes.slice(i)]);
  all.push([...bytes]);
  return all;
}

describe("ResponseParser", () => {
  it("parses a content-length response the same whichever byte boundary the reads split it at", () => {
    const response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Pad:  spaced value \t\r\nContent-Length: 5\r\n\r\nhello";
    for (const pieces of splits(response)) {
      const parsed = parse(pieces);
      expect(parsed.error).toBeUndefined();
      expect(parsed.heads).toEqual([{ status: 200, headers: { "content-type": "text/plain", "set-cookie": ["a=1", "b=2"], "x-pad": "spaced value", "content-length": "5" } }]);
      expect(parsed.body).toBe("hello");
      expect(parsed.ended).toBe(1);
      expect(parsed.keepAlive).toBe(true);
    }
  });

  it("decodes a chunked body with chunk extensions and trailers at every split", () => {
    const response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: grpc-status\r\n\r\n5;name=value\r\nhello\r\nA ; ext\r\n, world!!!\r\n0\r\ngrpc-status: 0\r\ngrpc-message: ok\r\n\r\n";
    for (const pieces of splits(response)) {
      const parsed = parse(pieces);
      expect(parsed.error).toBeUndefined();
      expect(parsed.heads.map((head) => head.status)).toEqual([200]);
      expect(parsed.body).toBe("hello, world!!!");
      expect(parsed.trailers).toEqual({ "grpc-status": "0", "grpc-message": "ok" });
      expect(parsed.ended).toBe(1);
    }
  });

  it("ends a chunked body without trailers at its last chunk's empty line, at every split", () => {
    const response = "HTTP/1.1 200 OK\r\ntransfer-encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    for (const pieces of splits(response)) {
      const parsed = parse(pieces);
      expect(parsed.error).toBeUndefined();
      expect(parsed.body).toBe("abc");
      expect(parsed.trailers).toBeNull();
      expect(parsed.ended).toBe(1);
    }
  });

  it("reads a body without framing until the upstream closes, and does not keep the connection", () => {
    const parsed = parse(["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst ", "second"], { close: true });
    expect(parsed.body).toBe("first second");
    expect(parsed.ended).toBe(1);
    expect(parsed.keepAlive).toBe(false);
    const cut = parse(["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"], { close: true });
    expect(cut.ended).toBe(0);
  });

  it("skips 100 Continue and other 1xx interim responses and reports only the final head", () => {
    const response = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    for (const pieces of splits(response)) {
      const parsed = parse(pieces);
      expect(parsed.error).toBeUndefined();
      expect(parsed.heads).toEqual([{ status: 201, headers: { "content-length": "2" } }]);
      expect(parsed.body).toBe("ok");
    }
  });

  it("reads no body for a HEAD request, a 204 or a 304 whatever their framing headers say", () => {
    expect(parse(["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"], { head: true })).toMatchObject({ body: "", ended: 1, keepAlive: true });
    expect(parse(["HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"])).toMatchObject({ body: "", ended: 1 });
    expect(parse(["HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"])).toMatchObject({ body: "", ended: 1 });
  });

  it("keeps the connection only when the response allows it: Connection: close, HTTP/1.0 without keep-alive, and the Keep-Alive timeout", () => {
    expect(parse(["HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n"]).keepAlive).toBe(false);
    expect(parse(["HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"]).keepAlive).toBe(false);
    expect(parse(["HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"]).keepAlive).toBe(true);
    const hinted = parse(["HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n"]);
    expect(hinted.keepAliveTimeoutMs).toBe(5000);
    expect(parse(["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]).keepAliveTimeoutMs).toBe(-1);
  });

  it("accepts a Content-Length repeated with the same value", () => {
    const parsed = parse(["HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"]);
    expect(parsed.error).toBeUndefined();
    expect(parsed.body).toBe("abc");
  });

  const malformed: [string, string][] = [
    ["Transfer-Encoding with Content-Length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"],
    ["a Content-Length that is not digits", "HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\n"],
    ["a negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"],
    ["a Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n"],
    ["two different Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"],
    ["a transfer coding other than chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"],
    ["Transfer-Encoding twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"],
    ["obs-fold", "HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nContent-Length: 0\r\n\r\n"],
    ["bare LF line endings", "HTTP/1.1 200 OK\nContent-Length: 0\n\n"],
    ["a bare LF inside the head", "HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\nContent-Length: 0\r\n\r\n"],
    ["a bare CR inside a value", "HTTP/1.1 200 OK\r\nX-A: 1\r2\r\nContent-Length: 0\r\n\r\n"],
    ["whitespace before the colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"],
    ["a NUL in a value", "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 0\r\n\r\n"],
    ["a status line of another protocol", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"],
    ["a two-digit status", "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n"],
    ["101 Switching Protocols (never asked for)", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"],
    ["a malformed chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ["chunk data longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n"],
    ["a chunk size with a bare LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n"],
    ["a chunk size beyond 2^53", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n"],
  ];
  for (const [what, response] of malformed) {
    it(`refuses ${what} as a protocol error, at every split`, () => {
      for (const pieces of splits(response)) {
        const parsed = parse(pieces);
        expect(parsed.error, JSON.stringify(pieces)).toBeDefined();
        expect(parsed.ended).toBe(0);
      }
    });
  }

  it("reports bytes after a complete response as a protocol error (the connection cannot be trusted), at every split", () => {
    for (const pieces of splits("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n")) {
      const parsed = parse(pieces);
      expect(parsed.body).toBe("ok");
      expect(parsed.ended).toBe(1);
      expect(parsed.error).toBe("data after the response");
    }
  });

  it("refuses a head over 16 KiB, before its end arrives as well as after", () => {
    const big = `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(MAX_HEAD_BYTES)}\r\n`;
    expect(parse([big]).error).toBe("response head too large");
    expect(parse([`${big}Content-Length: 0\r\n\r\n`]).error).toBe("response head too large");
    const fits = `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(MAX_HEAD_BYTES - 64)}\r\nContent-Length: 0\r\n\r\n`;
    expect(parse([fits]).error).toBeUndefined();
  });
});
