// The one HTTP path of the CLI: requests to the endpoint the App Mesh client resolves (--endpoint, the endpoint
// variables, the config file's `services` section), SigV4-signed for service `appmesh` with the client's own
// credential chain, region and hash, sent over kept-alive connections (node:http's Agent: for these small requests it
// costs no more CPU than undici, which would add about 0.2 s of loading to every command), and retried as the AWS
// SDK's standard strategy retries: a dropped or refused connection, throttling (HTTP 429, TooManyRequestsException) and
// HTTP 500/502/503/504, up to the SDK's `maxAttempts` (AWS_MAX_ATTEMPTS, the config file's max_attempts; default 3)
// with jittered exponential backoff or the server's Retry-After. Every request the CLI sends may be repeated:
// reads, creates and updates with a clientToken, tag changes and deletes (a repeated delete's NotFound is handled
// by the caller). The SDK's own `client.send` costs about 3 ms of CPU per call in its middleware and serializers;
// an import makes thousands of calls on a machine it shares with the server it imports into, so it takes this path.
import type { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { SignatureV4 } from "@smithy/signature-v4";
import http from "node:http";
import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { CliFailure } from "./cli-error.js";

/** The SigV4 service name meshplane verifies (the App Mesh API's, and Envoy's `APPMESH_SIGNING_NAME` default). */
const SIGNING_NAME = "appmesh";

export interface SignedRequest {
  method: "GET" | "PUT" | "POST" | "DELETE";
  /** Under the endpoint's base path, already percent-encoded: `/v20190125/meshes/apps/virtualNodes`. */
  path: string;
  /** Decoded values; encoded here. */
  query?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

export interface HttpAnswer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  text: string;
  /** How many times the request was sent, this answer's attempt included (1 when it was not retried). */
  attempts?: number;
}

export interface SignedHttp {
  /** Signs and sends the request (again, after a retryable failure) and returns the last answer; throws the last network error. */
  send(request: SignedRequest): Promise<HttpAnswer>;
  /** The endpoint's base URL (refused when it is App Mesh's own AWS endpoint). */
  endpoint(): Promise<URL>;
  /** Closes the pooled connections. */
  close(): Promise<void>;
}

export interface SignedHttpOptions {
  /** Connections kept open to the endpoint (the CLI sends at most this many requests at once). */
  connections: number;
}

/** App Mesh itself is gone: a request about to leave for *.amazonaws.com means no meshplane endpoint was set. */
export function refuseAwsEndpoint(hostname: string): void {
  if (hostname.endsWith(".amazonaws.com") || hostname.endsWith(".amazonaws.com.cn")) {
    throw new CliFailure(`no meshplane endpoint is configured (the request would go to ${hostname}): pass --endpoint URL or set AWS_ENDPOINT_URL_APP_MESH`);
  }
}

/**
 * The base URL the client sends App Mesh calls to, resolved as the SDK resolves it (an explicit endpoint, else the
 * config file's `services` section, else the region's AWS endpoint, which is refused).
 *
 * @example
 * await resolveEndpoint(new AppMeshClient({ endpoint: "http://127.0.0.1:8787/" })) // → URL "http://127.0.0.1:8787/"
 */
export async function resolveEndpoint(client: AppMeshClient): Promise<URL> {
  const config = client.config;
  let url: URL;
  if (config.isCustomEndpoint) {
    const endpoint = await config.endpoint!();
    url = new URL(`${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ""}${endpoint.path}`);
  } else {
    const configured = await config.serviceConfiguredEndpoint?.();
    url = configured
      ? new URL(configured)
      : config.endpointProvider({ Region: await config.region(), UseFIPS: await config.useFipsEndpoint(), UseDualStack: await config.useDualstackEndpoint() }).url;
  }
  refuseAwsEndpoint(url.hostname);
  return url;
}

/** Network failures the SDK retries (`NODEJS_TIMEOUT_ERROR_CODES`, `NODEJS_NETWORK_ERROR_CODES`); a dropped connection is ECONNRESET. */
const retryableCodes = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
const retryableStatuses = new Set([429, 500, 502, 503, 504]);
const throttlingErrors = new Set(["TooManyRequestsException", "ThrottlingException"]);
/** The SDK's backoff: full jitter over 100 ms · 2^attempt, at most 20 s. */
const backoffBaseMs = 100;
const backoffMaxMs = 20_000;

/** The code of a failed connection (`ECONNREFUSED`, `ECONNRESET`, …). */
function connectionErrorCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** True when the request failed for its connection (not for credentials or the endpoint's configuration). */
export const isConnectionError = (error: unknown): boolean => connectionErrorCode(error) !== undefined;

function isRetryableAnswer(answer: HttpAnswer): boolean {
  return retryableStatuses.has(answer.status) || throttlingErrors.has(answer.headers["x-amzn-errortype"]?.split(":")[0] ?? "");
}

function delayBefore(attempt: number, answer: HttpAnswer | undefined): number {
  const retryAfter = Number(answer?.headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(retryAfter * 1000, backoffMaxMs);
  return Math.random() * Math.min(backoffBaseMs * 2 ** attempt, backoffMaxMs);
}

/** RFC 3986 percent-encoding, as the SDK encodes URI labels and query values (SigV4 canonicalizes the same way). */
export const encodeRfc3986 = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

const queryString = (query: Record<string, string> | undefined): string =>
  Object.entries(query ?? {})
    .map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`)
    .join("&");

/** One request on `agent`'s connections: the answer, or the socket's error. */
function exchange(base: URL, agent: http.Agent, request: { method: string; path: string; headers: Record<string, string>; body?: string }): Promise<HttpAnswer> {
  const transport = base.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = transport.request(
      { protocol: base.protocol, hostname: base.hostname, port: base.port || undefined, method: request.method, path: request.path, headers: request.headers, agent },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", reject);
        incoming.on("end", () => {
          const headers: Record<string, string | undefined> = {};
          for (const [name, value] of Object.entries(incoming.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
          resolve({ status: incoming.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString("utf8") });
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(request.body);
  });
}

export function createSignedHttp(client: AppMeshClient, options: SignedHttpOptions): SignedHttp {
  let agent: http.Agent | undefined;
  let ready: Promise<{ base: URL; signer: SignatureV4; maxAttempts: number }> | undefined;
  const prepare = () =>
    (ready ??= (async () => {
      const base = await resolveEndpoint(client);
      const signer = new SignatureV4({ service: SIGNING_NAME, region: await client.config.region(), credentials: client.config.credentials, sha256: client.config.sha256 });
      agent = new (base.protocol === "https:" ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: options.connections });
      return { base, signer, maxAttempts: Math.max(1, await client.config.maxAttempts()) };
    })());

  const sendOnce = async (base: URL, signer: SignatureV4, request: SignedRequest): Promise<HttpAnswer> => {
    const path = `${base.pathname.replace(/\/$/, "")}${request.path}`;
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const signed = await signer.sign({
      method: request.method,
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port ? { port: Number(base.port) } : {}),
      path,
      query: request.query ?? {},
      headers: { host: base.host, ...(payload !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } : {}) },
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const search = queryString(request.query);
    return exchange(base, agent!, { method: request.method, path: search ? `${path}?${search}` : path, headers: signed.headers, ...(payload !== undefined ? { body: payload } : {}) });
  };

  return {
    async send(request) {
      const { base, signer, maxAttempts } = await prepare();
      for (let attempt = 1; ; attempt++) {
        let answer: HttpAnswer | undefined;
        try {
          answer = await sendOnce(base, signer, request);
          if (!isRetryableAnswer(answer) || attempt >= maxAttempts) return { ...answer, attempts: attempt };
        } catch (error) {
          if (!retryableCodes.has(connectionErrorCode(error) ?? "") || attempt >= maxAttempts) throw error;
        }
        await sleep(delayBefore(attempt, answer));
      }
    },
    endpoint: async () => (await prepare()).base,
    async close() {
      agent?.destroy();
    },
  };
}
