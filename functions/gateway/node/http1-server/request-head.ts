// Parsing an HTTP/1.1 request head (request line and header fields, RFC 9112 §3 and §5) straight into the core's
// ProxyRequest. The gateway faces clients, so anything two parsers could read differently is refused rather than
// repaired (RFC 9112 §6.3, §11.2 request smuggling): both Transfer-Encoding and Content-Length, any transfer coding
// but a single `chunked`, a Content-Length that is not one number, obs-fold, whitespace before a colon, bare CR or
// LF, control characters, more than one Host.
import type { ProxyRequest } from "../../core/index.js";
import { addHeader, completeRequestHeaders, REQUEST_HOP_BY_HOP } from "../request-headers.js";
import { isFieldValue, isToken, isTokenCode } from "../http-syntax.js";

/** The parsed head; `text` is the head as received (latin1), kept to rebuild Node-style headers for access logs. */
export interface RequestHead {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  /** Host, hop-by-hop and Expect removed; x-forwarded-proto and x-request-id added. */
  proxied: ProxyRequest;
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** Connection persistence by RFC 9112 §9.3: 1.1 unless `close`, 1.0 only with `keep-alive`. */
  keepAlive: boolean;
  /** The Expect value, lower-cased, or undefined. */
  expect: string | undefined;
  /** The Upgrade value when Connection lists `upgrade` (node:http's rule for its `upgrade` event). */
  upgrade: string | undefined;
  text: string;
}

/** Why a head is refused: the status answered before the connection is closed. */
export type HeadError = 400 | 431 | 505;

export interface HeadLimits {
  /** Header fields beyond this many: 431. */
  maxHeadersCount: number;
}

const COLON = 58;
const SLASH = 47;
/** http(s)://authority then path and query; the fragment is not part of a request target. */
const ABSOLUTE_FORM = /^(https?):\/\/([^/?#]+)([^#]*)$/i;
const SPACE = 32;
const TAB = 9;


/** The index of a header line's colon after a valid name, or -1 (no colon, empty name, whitespace before it). */
export function fieldNameEnd(text: string, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const code = text.charCodeAt(i);
    if (code === COLON) break;
    if (!isTokenCode(code)) return -1;
    i++;
  }
  return i === start || i === end ? -1 : i;
}

/** [start, end) of a field value without its optional surrounding whitespace. */
function trimmedValue(text: string, start: number, end: number): string {
  while (start < end && (text.charCodeAt(start) === SPACE || text.charCodeAt(start) === TAB)) start++;
  while (end > start && (text.charCodeAt(end - 1) === SPACE || text.charCodeAt(end - 1) === TAB)) end--;
  return text.slice(start, end);
}

function hasUpperCase(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 65 && code <= 90) return true;
  }
  return false;
}

/** Content-Length: one run of digits (a list, even of equal values, is refused: RFC 9112 §6.3 lets us). */
function parseContentLength(value: string): number {
  if (value.length === 0 || value.length > 15) return -1;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 48 || code > 57) return -1;
  }
  return Number(value);
}

/** Whether a comma-separated list (Connection) holds `token`, case-insensitively. */
function listHas(list: string, token: string): boolean {
  const lower = list.toLowerCase();
  let start = 0;
  while (start <= lower.length) {
    let end = lower.indexOf(",", start);
    if (end === -1) end = lower.length;
    if (trimmedValue(lower, start, end) === token) return true;
    start = end + 1;
  }
  return false;
}

function parseRequestLine(text: string, end: number): { method: string; target: string; minor: 0 | 1 } | HeadError {
  const space1 = text.indexOf(" ", 0);
  if (space1 <= 0 || space1 >= end || !isToken(text, 0, space1)) return 400;
  const space2 = text.indexOf(" ", space1 + 1);
  if (space2 === -1 || space2 >= end || space2 === space1 + 1) return 400;
  for (let i = space1 + 1; i < space2; i++) {
    const code = text.charCodeAt(i);
    if (code <= SPACE || code >= 127) return 400;
  }
  const version = text.slice(space2 + 1, end);
  if (version === "HTTP/1.1" || version === "HTTP/1.0") return { method: text.slice(0, space1), target: text.slice(space1 + 1, space2), minor: version === "HTTP/1.1" ? 1 : 0 };
  return /^HTTP\/\d\.\d$/.test(version) ? 505 : 400;
}

/**
 * Parses `text`, the head up to (not including) the CRLF CRLF that ends it, leading empty lines already skipped.
 *
 * @example
 * parseRequestHead("GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2", { maxHeadersCount: 2000 })
 * // → { method: "GET", target: "/a", minor: 1, contentLength: 2, proxied: { authority: "x", headers: { "content-length": "2", … } }, … }
 */
export function parseRequestHead(text: string, limits: HeadLimits, secure = false): RequestHead | HeadError {
  let lineEnd = text.indexOf("\r\n");
  if (lineEnd === -1) lineEnd = text.length;
  const line = parseRequestLine(text, lineEnd);
  if (typeof line === "number") return line;
  const headers: Record<string, string | string[]> = {};
  let authority: string | undefined;
  let te: string | undefined;
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let connection: string | undefined;
  let expect: string | undefined;
  let upgrade: string | undefined;
  let count = 0;
  let start = lineEnd + 2;
  while (start < text.length) {
    let end = text.indexOf("\r\n", start);
    if (end === -1) end = text.length;
    if (++count > limits.maxHeadersCount) return 431;
    // A line starting with whitespace is obs-fold (RFC 9112 §5.2); fieldNameEnd refuses it with the other bad names.
    const colon = fieldNameEnd(text, start, end);
    if (colon === -1 || !isFieldValue(text, colon + 1, end)) return 400;
    const name = hasUpperCase(text, start, colon) ? text.slice(start, colon).toLowerCase() : text.slice(start, colon);
    const value = trimmedValue(text, colon + 1, end);
    start = end + 2;
    if (!REQUEST_HOP_BY_HOP.has(name)) {
      if (name === "content-length") {
        const length = parseContentLength(value);
        if (length === -1 || (contentLength !== -1 && length !== contentLength)) return 400;
        if (contentLength !== -1) continue;
        contentLength = length;
      }
      addHeader(headers, name, value);
      continue;
    }
    switch (name) {
      case "host":
        if (authority !== undefined) return 400;
        authority = value;
        break;
      case "transfer-encoding":
        if (transferEncoding !== undefined) return 400;
        transferEncoding = value;
        break;
      case "connection":
        connection = connection === undefined ? value : `${connection}, ${value}`;
        break;
      case "te":
        te = value;
        break;
      case "expect":
        expect = value.toLowerCase();
        break;
      case "upgrade":
        upgrade = value;
        break;
    }
  }
  const { method, minor } = line;
  // An HTTP/1.1 request without Host is refused (RFC 9112 §3.2), as node:http does: it would route on an empty authority.
  if (minor === 1 && authority === undefined) return 400;
  let target = line.target;
  if (target.charCodeAt(0) !== SLASH && target !== "*") {
    // Absolute-form (RFC 9112 §3.2.2): its authority replaces Host and the request goes on in origin-form, as
    // Envoy's HTTP/1 codec turns it into :authority and :path; routing and the upstream then see the same host.
    const absolute = ABSOLUTE_FORM.exec(target);
    if (!absolute || absolute[2]!.includes("@")) return 400;
    authority = absolute[2]!;
    const rest = absolute[3]!;
    target = rest === "" ? "/" : rest.charCodeAt(0) === SLASH ? rest : `/${rest}`;
  }
  let chunked = false;
  if (transferEncoding !== undefined) {
    // Only `chunked`, once, and never beside Content-Length; HTTP/1.0 has no transfer codings (RFC 9112 §6.1).
    if (transferEncoding.toLowerCase() !== "chunked" || contentLength !== -1 || minor === 0) return 400;
    chunked = true;
  }
  const keepAlive = connection === undefined ? minor === 1 : minor === 1 ? !listHas(connection, "close") : listHas(connection, "keep-alive") && !listHas(connection, "close");
  completeRequestHeaders(headers, te, secure);
  const proxied: ProxyRequest = { method, authority: authority ?? "", path: target, scheme: "http", headers };
  return {
    method,
    target,
    minor,
    proxied,
    contentLength,
    chunked,
    keepAlive,
    expect,
    upgrade: upgrade !== undefined && connection !== undefined && listHas(connection, "upgrade") ? upgrade : undefined,
    text,
  };
}

/** Node's `request.headers` for the head (lower-case names; repeats joined with ", ", cookies with "; ", set-cookie kept as a list). */
export function headersOfHead(text: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  let start = text.indexOf("\r\n") + 2;
  if (start === 1) return headers;
  while (start < text.length) {
    let end = text.indexOf("\r\n", start);
    if (end === -1) end = text.length;
    const colon = text.indexOf(":", start);
    const name = text.slice(start, colon).toLowerCase();
    const value = trimmedValue(text, colon + 1, end);
    start = end + 2;
    const existing = headers[name];
    if (existing === undefined) headers[name] = name === "set-cookie" ? [value] : value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[name] = `${existing}${name === "cookie" ? "; " : ", "}${value}`;
  }
  return headers;
}
