// The upstream request head: what routing and the filters left is written as one block, and nothing in it can end
// a line early, smuggle a second request or change the framing this client chose.
import { describe, expect, it } from "vitest";
import type { ProxyRequest } from "../../../../functions/gateway/core/index.js";
import { serializeRequestHead } from "../../../../functions/gateway/node/http1-client/request-head.js";

const request = (headers: ProxyRequest["headers"], method = "GET"): ProxyRequest => ({ method, authority: "svc.local", path: "/a?b=1", scheme: "http", headers });

describe("serializeRequestHead", () => {
  it("writes host first, then the headers in order with repeats on their own lines, then its own framing", () => {
    expect(serializeRequestHead(request({ accept: "*/*", "x-multi": ["one", "two"] }), "none", false)).toBe("GET /a?b=1 HTTP/1.1\r\nhost: svc.local\r\naccept: */*\r\nx-multi: one\r\nx-multi: two\r\n\r\n");
    expect(serializeRequestHead(request({}, "POST"), "none", true)).toBe("POST /a?b=1 HTTP/1.1\r\nhost: svc.local\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    expect(serializeRequestHead(request({}, "POST"), "chunked", false)).toBe("POST /a?b=1 HTTP/1.1\r\nhost: svc.local\r\ntransfer-encoding: chunked\r\n\r\n");
  });

  it("leaves out connection headers a filter put there, so only its own framing reaches the upstream", () => {
    const head = serializeRequestHead(request({ "content-length": "5", "transfer-encoding": "chunked", connection: "upgrade", upgrade: "h2c", host: "other", "keep-alive": "timeout=5", te: "gzip", trailer: "x" }, "POST"), "length", false);
    expect(head).toBe("POST /a?b=1 HTTP/1.1\r\nhost: svc.local\r\ncontent-length: 5\r\n\r\n");
    expect(serializeRequestHead(request({ te: "trailers" }), "none", false)).toContain("\r\nte: trailers\r\n");
  });

  it("refuses a header name that is not a token or a value, authority or target that could end a line", () => {
    expect(serializeRequestHead(request({ "x-a\r\nx-b": "1" }), "none", false)).toBeUndefined();
    expect(serializeRequestHead(request({ "x a": "1" }), "none", false)).toBeUndefined();
    expect(serializeRequestHead(request({ "x-a": "1\r\nx-b: 2" }), "none", false)).toBeUndefined();
    expect(serializeRequestHead({ ...request({}), authority: "svc\r\nx: y" }, "none", false)).toBeUndefined();
    expect(serializeRequestHead({ ...request({}), path: "/a b" }, "none", false)).toBeUndefined();
  });
});
