// meshplane's own HTTP API beside the App Mesh API (`POST /v1/xds/explain`, …): JSON requests sent to the endpoint
// the App Mesh client resolves, SigV4-signed (service `appmesh`) by the AWS SDK's signer with the client's own
// credential chain, region and hash, and sent by the client's own HTTP handler (its agent, timeouts and TLS), so a
// meshplane with authentication checks them exactly as it checks App Mesh calls. Refusals come back in App Mesh's
// error format and are reported by their exception name.
import type { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { SignatureV4 } from "@smithy/signature-v4";
import { CliFailure } from "./cli-error.js";
import { resolveEndpoint } from "./connection.js";

/** The SigV4 service name meshplane verifies (the App Mesh API's, and Envoy's `APPMESH_SIGNING_NAME` default). */
const SIGNING_NAME = "appmesh";

/** `ForbiddenException` from `x-amzn-ErrorType: ForbiddenException:http://…` or a `__type` of `ns#ForbiddenException`. */
function exceptionName(headers: Record<string, string | undefined>, body: Record<string, unknown> | undefined): string | undefined {
  const header = headers["x-amzn-errortype"]?.split(":")[0];
  const type = typeof body?.__type === "string" ? body.__type.split("#").pop() : undefined;
  return header || type || undefined;
}

async function readText(body: unknown): Promise<string> {
  if (body === undefined || body === null) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * POSTs `body` as JSON to `path` (e.g. `/v1/xds/explain`) under the client's endpoint and returns the JSON answer.
 * Throws a CliFailure naming App Mesh's exception and message for an error answer, and one naming the URL when
 * meshplane cannot be reached or does not serve the path.
 *
 * @example
 * await postSignedJson(client, "/v1/xds/explain", { node: "mesh/apps/virtualNode/serviceA", request: { authority: "serviceb.apps.local", path: "/" } })
 * // → { outcome: "routed", … }; with a principal lacking the permission it throws
 * //   "ForbiddenException: User: reader is not authorized to perform: appmesh:StreamAggregatedResources on resource: …"
 */
export function postSignedJson(client: AppMeshClient, path: string, body: unknown): Promise<unknown> {
  return sendSignedJson(client, "POST", path, body);
}

/** The same for any method; `path` may carry a query. A `NotFoundException` answer is `undefined` when `allowNotFound`. */
export async function sendSignedJson(client: AppMeshClient, method: "GET" | "PUT" | "POST" | "DELETE", path: string, body?: unknown, allowNotFound = false): Promise<unknown> {
  const endpoint = await resolveEndpoint(client);
  const url = new URL(`${endpoint.pathname.replace(/\/$/, "")}${path}`, endpoint);
  const signer = new SignatureV4({ service: SIGNING_NAME, region: await client.config.region(), credentials: client.config.credentials, sha256: client.config.sha256 });
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, key) => (query[key] = value));
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query,
    headers: { host: url.host, ...(payload !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } : {}) },
    ...(payload !== undefined ? { body: payload } : {}),
  });
  let status: number;
  let headers: Record<string, string | undefined>;
  let text: string;
  try {
    const { response } = await client.config.requestHandler.handle(signed);
    [status, headers, text] = [response.statusCode, response.headers, await readText(response.body)];
  } catch (error) {
    throw new CliFailure(`cannot reach meshplane at ${url.origin}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ok = status >= 200 && status < 300;
  const answer = parseJson(text);
  if (ok && answer !== undefined) return answer;
  const details = isObject(answer) ? answer : undefined;
  const name = ok ? undefined : exceptionName(headers, details);
  if (allowNotFound && name === "NotFoundException") return undefined;
  const message = details?.message ?? details?.Message;
  if (name && typeof message === "string") throw new CliFailure(`${name}: ${message}`);
  throw new CliFailure(`meshplane at ${url.origin} answered ${method} ${url.pathname} with HTTP ${status}${ok ? " and no JSON" : ""}: is this a meshplane that serves ${path}?`);
}
