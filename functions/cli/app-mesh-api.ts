// The App Mesh API as the CLI uses it: each operation's HTTP binding (method, URI, query and body members) taken
// from the model meshplane serves (functions/appmesh's operation table, generated from service-2.json), sent over
// the CLI's signed HTTP path, so that reading, creating, updating and deleting go through one generic path (as the
// service has one). Answers are the REST body as it travels: a resource operation's body is the resource data
// itself (the output's `payload` member in the model), a list's is `{ <kinds>: [...], nextToken }`. Refusals become
// an AppMeshApiError named by App Mesh's exception, with its message.
import type { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { randomUUID } from "node:crypto";
// The wire binding comes from the model the server is generated from, not from a second table here.
import { appMeshOperations, appMeshShapes, type AppMeshOperationName, type AppMeshOperations } from "../appmesh/index.js";
import { apiListMembers, apiNameMembers, apiOperation, type ResourceKind } from "../migrate/index.js";
import { AppMeshApiError, CliFailure } from "./cli-error.js";
import { createSignedHttp, encodeRfc3986, type HttpAnswer, type SignedHttp, type SignedRequest } from "./signed-http.js";

/** Calls in flight at once (reading and applying), and so the connections kept open. */
export const apiConcurrency = 8;

/** The CLI's handle on one meshplane: App Mesh operations and meshplane's own HTTP API, on the same connections. */
export interface AppMeshApi {
  /** Runs one App Mesh operation; returns the response body. Throws AppMeshApiError for App Mesh's refusals. */
  call<Operation extends AppMeshOperationName>(operation: Operation, input: AppMeshOperations[Operation]["input"]): Promise<AppMeshOperations[Operation]["body"]>;
  /** The signed HTTP path the calls take (meshplane's `/v1/…` API uses it directly). */
  readonly http: SignedHttp;
  /** Closes the connections and the SDK client that holds the configuration. */
  close(): Promise<void>;
}

/** `ForbiddenException` from `x-amzn-ErrorType: ForbiddenException:http://…` or a `__type` of `ns#ForbiddenException`. */
export function exceptionName(headers: Record<string, string | undefined>, body: Record<string, unknown> | undefined): string | undefined {
  const header = headers["x-amzn-errortype"]?.split(":")[0];
  const type = typeof body?.__type === "string" ? body.__type.split("#").pop() : undefined;
  return header || type || undefined;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The request of an operation: URI labels and query members from the model, the other members as the JSON body. */
function toRequest(operation: AppMeshOperationName, input: Record<string, unknown>): SignedRequest {
  const model = appMeshOperations[operation];
  const members = (model.input && appMeshShapes[model.input].members) ?? {};
  const query: Record<string, string> = {};
  const body: Record<string, unknown> = {};
  let path = model.requestUri;
  for (const [name, member] of Object.entries(members)) {
    const value = input[name] ?? (member.idempotencyToken ? randomUUID() : undefined);
    if (value === undefined) continue;
    const wireName = member.locationName ?? name;
    if (member.location === "uri") path = path.replace(`{${wireName}}`, encodeRfc3986(String(value)));
    else if (member.location === "querystring") query[wireName] = String(value);
    else if (member.location === undefined) body[name] = value;
  }
  const hasBody = Object.values(members).some((member) => member.location === undefined);
  return { method: model.method as SignedRequest["method"], path, query, ...(hasBody ? { body } : {}) };
}

/** App Mesh's refusal in an answer, or a plain description when the answer is not App Mesh's. */
function toError(request: SignedRequest, answer: HttpAnswer, origin: string): Error {
  const details = parseJson(answer.text);
  const name = exceptionName(answer.headers, isObject(details) ? details : undefined);
  const message = isObject(details) ? (details.message ?? details.Message) : undefined;
  if (name) return new AppMeshApiError(name, typeof message === "string" ? message : "", answer.status);
  return new CliFailure(`meshplane at ${origin} answered ${request.method} ${request.path} with HTTP ${answer.status}: is this meshplane's App Mesh API?`);
}

export function createAppMeshApi(client: AppMeshClient): AppMeshApi {
  const http = createSignedHttp(client, { connections: apiConcurrency });
  return {
    http,
    async call(operation, input) {
      const request = toRequest(operation, input as Record<string, unknown>);
      const answer = await http.send(request);
      if (answer.status >= 200 && answer.status < 300) {
        const body = answer.text === "" ? {} : parseJson(answer.text);
        if (isObject(body)) return body as never;
      }
      throw toError(request, answer, (await http.endpoint()).origin);
    },
    async close() {
      await http.close();
      client.destroy();
    },
  };
}

/** The resource data of a Create/Describe/Update/Delete answer (`{ spec, metadata, … }`). */
export interface ResourceData {
  spec?: Record<string, unknown>;
  metadata: { arn: string; uid: string; version: number; meshOwner: string; resourceOwner: string };
}

/** The members naming a resource in its kind's inputs (see apiNameMembers). */
export const nameMembers = apiNameMembers;

/** Runs `Create|Describe|Update|Delete<Kind>` and returns the resource data it answers. */
export async function sendResourceCommand(api: AppMeshApi, action: "create" | "describe" | "update" | "delete", kind: ResourceKind, input: Record<string, unknown>): Promise<ResourceData> {
  return (await api.call(apiOperation(kind, action), input as never)) as unknown as ResourceData;
}

/** Every page of `List<Kinds>` for the given scope: the names of the listed resources. */
export async function listNames(api: AppMeshApi, kind: ResourceKind, scope: Record<string, string>): Promise<string[]> {
  const { listKey, nameMember } = apiListMembers(kind);
  const operation = apiOperation(kind, "list");
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const output = (await api.call(operation, { ...scope, limit: 100, ...(nextToken ? { nextToken } : {}) } as never)) as Record<string, unknown>;
    const refs = (output[listKey] ?? []) as Array<Record<string, string>>;
    names.push(...refs.map((ref) => ref[nameMember]!));
    nextToken = output.nextToken as string | undefined;
  } while (nextToken);
  return names;
}
