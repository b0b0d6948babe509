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

/** The body as a JSON object; an empty body is `{}`. BadRequestException for another content type, bad UTF-8 or JSON. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  if (!isJsonContentType(c.req.header("content-type"))) throw badRequest(`Content-Type ${c.req.header("content-type")} is not supported; send application/json.`);
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badRequest("The request body is not valid UTF-8.");
  }
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("The request body must be a JSON object.");
  return body as Record<string, unknown>;
}
