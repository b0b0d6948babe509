// Reading a request's JSON object body (its size already bounded by the bodyLimit middleware), with the App Mesh
// errors for what is not one.
import type { Context } from "hono";
import { AppMeshError } from "../appmesh/index.js";

const badRequest = (message: string) => new AppMeshError("BadRequestException", message);

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined || value === "") return true;
  const type = value.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json") || type.startsWith("application/x-amz-json");
}

/** A request body read as a JSON object, or the App Mesh error that says why it is not one. */
type ParsedBody = { object: Record<string, unknown> } | { error: AppMeshError };

declare module "hono" {
  interface ContextVariableMap {
    meshplaneJsonBody: ParsedBody;
  }
}

/** One decoder for every body: decoding without `stream` keeps no state between calls, failed ones included. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseObject(bytes: Uint8Array): ParsedBody {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { error: badRequest("The request body is not valid UTF-8.") };
  }
  if (text.trim() === "") return { object: {} };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: badRequest("The request body is not valid JSON.") };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return { error: badRequest("The request body must be a JSON object.") };
  return { object: body as Record<string, unknown> };
}

/** `bytes` (the request's body) parsed once per request: the auth middleware and the handler both read it. */
function parsedBody(c: Context, bytes: Uint8Array): ParsedBody {
  const kept = c.get("meshplaneJsonBody");
  if (kept) return kept;
  const parsed = parseObject(bytes);
  c.set("meshplaneJsonBody", parsed);
  return parsed;
}

/** The body as a JSON object, or `{}` when it is not one (what authorisation reads; the handler refuses it). */
export function jsonObjectOrEmpty(c: Context, bytes: Uint8Array): Record<string, unknown> {
  const parsed = parsedBody(c, bytes);
  return "object" in parsed ? parsed.object : {};
}

/** The body as a JSON object; an empty body is `{}`. BadRequestException for another content type, bad UTF-8 or JSON. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  if (!isJsonContentType(c.req.header("content-type"))) throw badRequest(`Content-Type ${c.req.header("content-type")} is not supported; send application/json.`);
  const parsed = parsedBody(c, new Uint8Array(await c.req.arrayBuffer()));
  if ("error" in parsed) throw parsed.error;
  return parsed.object;
}
