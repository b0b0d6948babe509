// Checks the body of `POST /v1/xds/explain` (and of the console's explain form): a value or a message naming the
// field at fault, never an exception.
import type { ExplainInput, ExplainedRequest } from "./explain.js";

export interface ExplainBody extends ExplainInput {
  /** The node id whose served configuration answers: `mesh/<mesh>/virtualNode/<name>`, `…/virtualGateway/<name>` or an ARN. */
  node: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_TEXT = 8192;
const MAX_HEADERS = 100;

function parseHeaders(value: unknown): ExplainedRequest["headers"] | string {
  if (!isObject(value)) return "request.headers must be an object of header names to values";
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS) return `request.headers may hold at most ${MAX_HEADERS} headers`;
  const headers: Record<string, string | string[]> = {};
  for (const [name, raw] of entries) {
    if (!TOKEN.test(name)) return `request.headers: "${name}" is not a header name`;
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.some((item) => typeof item !== "string" || item.length > MAX_TEXT)) return `request.headers.${name} must be a string (or a list of strings) of at most ${MAX_TEXT} characters`;
    headers[name.toLowerCase()] = Array.isArray(raw) ? (raw as string[]) : (raw as string);
  }
  return headers;
}

/**
 * @example
 * parseExplainBody({ node: "mesh/apps/virtualNode/serviceA", request: { method: "GET", authority: "serviceb.apps.local", path: "/" } })
 * // → { node: "mesh/apps/virtualNode/serviceA", request: { method: "GET", authority: "serviceb.apps.local", path: "/" } }
 * parseExplainBody({ node: "mesh/apps/virtualNode/serviceA" }) // → "request is required: { method, authority, path, headers? }"
 */
export function parseExplainBody(body: unknown): ExplainBody | string {
  if (!isObject(body)) return "The body must be a JSON object: { node, listener?, port?, request: { method, authority, path, headers? } }";
  if (typeof body.node !== "string" || body.node === "") return "node is required (e.g. mesh/apps/virtualNode/serviceA)";
  const request = body.request;
  if (!isObject(request)) return "request is required: { method, authority, path, headers? }";
  const method = request.method ?? "GET";
  if (typeof method !== "string" || !TOKEN.test(method)) return "request.method must be an HTTP method such as GET";
  if (typeof request.authority !== "string" || request.authority === "" || request.authority.length > MAX_TEXT) return "request.authority is required (the Host header, e.g. serviceb.apps.local:80)";
  if (typeof request.path !== "string" || !request.path.startsWith("/") || request.path.length > MAX_TEXT) return "request.path is required and must start with /";
  const parsed: ExplainBody = { node: body.node, request: { method, authority: request.authority, path: request.path } };
  if (request.headers !== undefined) {
    const headers = parseHeaders(request.headers);
    if (typeof headers === "string") return headers;
    parsed.request.headers = headers!;
  }
  if (body.listener !== undefined) {
    if (typeof body.listener !== "string" || body.listener === "") return "listener must be a listener name (e.g. lds_egress_0.0.0.0_15001)";
    parsed.listener = body.listener;
  }
  if (body.port !== undefined) {
    if (typeof body.port !== "number" || !Number.isInteger(body.port) || body.port < 1 || body.port > 65535) return "port must be an integer between 1 and 65535";
    parsed.port = body.port;
  }
  return parsed;
}
