// The one HTTP path of the CLI: requests to the endpoint the App Mesh client resolves (--endpoint, the endpoint
// variables, the config file's `services` section), SigV4-signed for service `appmesh` with the client's own
// credential chain, region and hash, sent over a keep-alive connection pool (undici), and retried as the AWS SDK's
// standard strategy retries: a dropped or refused connection, throttling (HTTP 429, TooManyRequestsException) and
// HTTP 500/502/503/504, up to the SDK's `maxAttempts` (AWS_MAX_ATTEMPTS, the config file's max_attempts; default 3)
// with jittered exponential backoff or the server's Retry-After. Every request the CLI sends may be repeated:
// reads, creates and updates with a clientToken, tag changes and deletes (a repeated delete's NotFound is handled
// by the caller). The SDK's own `client.send` costs about 3 ms of CPU per call in its middleware and serializers;
// an import makes thousands of calls on a machine it shares with the server it imports into, so it takes this path.
import type { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { SignatureV4 } from "@smithy/signature-v4";
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
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

/** Network failures the SDK retries (`NODEJS_TIMEOUT_ERROR_CODES`, `NODEJS_NETWORK_ERROR_CODES`) and undici's names for a dropped socket. */
const retryableCodes = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "UND_ERR_CONNECT_TIMEOUT"]);
const retryableStatuses = new Set([429, 500, 502, 503, 504]);
const throttlingErrors = new Set(["TooManyRequestsException", "ThrottlingException"]);
/** The SDK's backoff: full jitter over 100 ms · 2^attempt, at most 20 s. */
const backoffBaseMs = 100;
const backoffMaxMs = 20_000;

/** The code of a failed connection (`ECONNREFUSED`, undici's `UND_ERR_SOCKET`, …), here or in the error's causes. */
function connectionErrorCode(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
  }
  return undefined;
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

const headerValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(", ") : value);

/** RFC 3986 percent-encoding, as the SDK encodes URI labels and query values (SigV4 canonicalizes the same way). */
export const encodeRfc3986 = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

const queryString = (query: Record<string, string> | undefined): string =>
  Object.entries(query ?? {})
    .map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`)
    .join("&");

export function createSignedHttp(client: AppMeshClient, options: SignedHttpOptions): SignedHttp {
  let pool: Pool | undefined;
  let ready: Promise<{ base: URL; signer: SignatureV4; maxAttempts: number }> | undefined;
  const prepare = () =>
    (ready ??= (async () => {
      const base = await resolveEndpoint(client);
      const signer = new SignatureV4({ service: SIGNING_NAME, region: await client.config.region(), credentials: client.config.credentials, sha256: client.config.sha256 });
      pool = new Pool(base.origin, { connections: options.connections });
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
    const response = await pool!.request({ method: request.method, path: search ? `${path}?${search}` : path, headers: signed.headers, ...(payload !== undefined ? { body: payload } : {}) });
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = headerValue(value);
    return { status: response.statusCode, headers, text: await response.body.text() };
  };

  return {
    async send(request) {
      const { base, signer, maxAttempts } = await prepare();
      for (let attempt = 1; ; attempt++) {
        let answer: HttpAnswer | undefined;
        try {
          answer = await sendOnce(base, signer, request);
          if (!isRetryableAnswer(answer) || attempt >= maxAttempts) return answer;
        } catch (error) {
          if (!retryableCodes.has(connectionErrorCode(error) ?? "") || attempt >= maxAttempts) throw error;
        }
        await sleep(delayBefore(attempt, answer));
      }
    },
    endpoint: async () => (await prepare()).base,
    async close() {
      await pool?.close();
    },
  };
}
