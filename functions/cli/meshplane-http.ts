// meshplane's own HTTP API beside the App Mesh API (`POST /v1/xds/explain`, …): JSON requests over the CLI's
// signed HTTP path (the same endpoint, SigV4 signature, credentials, connections and retries as the App Mesh
// calls), so a meshplane with authentication checks them exactly as it checks App Mesh calls. Refusals come back
// in App Mesh's error format and are reported by their exception name.
import { exceptionName, isObject, parseJson, type AppMeshApi } from "./app-mesh-api.js";
import { CliFailure } from "./cli-error.js";
import { isConnectionError, type HttpAnswer } from "./signed-http.js";

/**
 * POSTs `body` as JSON to `path` (e.g. `/v1/xds/explain`) under the endpoint and returns the JSON answer.
 * Throws a CliFailure naming App Mesh's exception and message for an error answer, and one naming the URL when
 * meshplane cannot be reached or does not serve the path.
 *
 * @example
 * await postSignedJson(api, "/v1/xds/explain", { node: "mesh/apps/virtualNode/serviceA", request: { authority: "serviceb.apps.local", path: "/" } })
 * // → { outcome: "routed", … }; with a principal lacking the permission it throws
 * //   "ForbiddenException: User: reader is not authorized to perform: appmesh:StreamAggregatedResources on resource: …"
 */
export function postSignedJson(api: AppMeshApi, path: string, body: unknown): Promise<unknown> {
  return sendSignedJson(api, "POST", path, body);
}

/** The same for any method; `path` may carry a query. A `NotFoundException` answer is `undefined` when `allowNotFound`. */
export async function sendSignedJson(api: AppMeshApi, method: "GET" | "PUT" | "POST" | "DELETE", path: string, body?: unknown, allowNotFound = false): Promise<unknown> {
  return (await sendSignedJsonAnswer(api, method, path, body, allowNotFound)).json;
}

/** What sendSignedJsonAnswer read: the JSON (undefined for an allowed NotFound) and how many times the request was sent. */
export interface SignedJsonAnswer {
  json: unknown;
  attempts: number;
}

/** As sendSignedJson, with the number of attempts (a DELETE retried after a dropped connection may find its own work done). */
export async function sendSignedJsonAnswer(api: AppMeshApi, method: "GET" | "PUT" | "POST" | "DELETE", path: string, body?: unknown, allowNotFound = false): Promise<SignedJsonAnswer> {
  const endpoint = await api.http.endpoint();
  const url = new URL(`${endpoint.pathname.replace(/\/$/, "")}${path}`, endpoint);
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, key) => (query[key] = value));
  let answer: HttpAnswer;
  try {
    answer = await api.http.send({ method, path: path.split("?")[0]!, query, ...(body !== undefined ? { body } : {}) });
  } catch (error) {
    if (!isConnectionError(error)) throw error;
    throw new CliFailure(`cannot reach meshplane at ${url.origin}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const attempts = answer.attempts ?? 1;
  const ok = answer.status >= 200 && answer.status < 300;
  const parsed = parseJson(answer.text);
  if (ok && parsed !== undefined) return { json: parsed, attempts };
  const details = isObject(parsed) ? parsed : undefined;
  const name = ok ? undefined : exceptionName(answer.headers, details);
  if (allowNotFound && name === "NotFoundException") return { json: undefined, attempts };
  const message = details?.message ?? details?.Message;
  if (name && typeof message === "string") throw new CliFailure(`${name}: ${message}`);
  throw new CliFailure(`meshplane at ${url.origin} answered ${method} ${url.pathname} with HTTP ${answer.status}${ok ? " and no JSON" : ""}: is this a meshplane that serves ${path}?`);
}
