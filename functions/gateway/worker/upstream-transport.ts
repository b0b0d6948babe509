// The Worker runtime's UpstreamTransport: fetch. Retries, back-off, host choice, outlier ejection, circuit breakers
// and timeouts are the core's, as on Node. What fetch cannot do, the Worker build does not do:
// - no connect timeout and no telling failures apart: every failed fetch counts as a connect failure;
// - no DNS of its own: DNS clusters keep their hostnames as hosts and fetch resolves them;
// - no active health checks: an isolate runs no timers between requests (hosts stay healthy as far as checks go);
// - no TLS origination with the cluster's own trust, client certificate or SAN checks: clusters with an
//   UpstreamTlsContext answer 503 UF instead of going out in plaintext;
// - no HTTP/2 prior knowledge: HTTP/2 clusters get what fetch negotiates (HTTP/1.1 to cleartext upstreams);
// - no arbitrary Host header: the routed authority travels as x-forwarded-host.
import type { RunningAttempt, UpstreamResponseHead, UpstreamTransport } from "../core/index.js";

/** The downstream body as the Worker holds it: none or bytes (kept, so a retry can resend them), or a stream sent once. */
export type WorkerRequestBody = { readonly bytes: ArrayBuffer | null } | { readonly stream: ReadableStream<Uint8Array> };

export interface FetchUpstreamResponse extends UpstreamResponseHead {
  readonly response: Response;
  /** Resets the response body (route or idle timeout after the headers). */
  abort(): void;
}

export type WorkerUpstreamTransport = UpstreamTransport<WorkerRequestBody, FetchUpstreamResponse>;

export const hostOrigin = (address: string, port: number): string => `http://${address.includes(":") ? `[${address}]` : address}:${port}`;

function fetchResponse(response: Response, controller: AbortController): FetchUpstreamResponse {
  return {
    response,
    status: response.status,
    header: (name) => response.headers.get(name) ?? undefined,
    forEachHeader: (visit) => response.headers.forEach((value, name) => visit(name, value)),
    discard: () => void response.body?.cancel().catch(() => {}),
    abort: () => controller.abort(),
  };
}

export function createWorkerUpstreamTransport(doFetch: typeof fetch = fetch): WorkerUpstreamTransport {
  return {
    startAttempt({ host, request, body }): RunningAttempt<FetchUpstreamResponse> {
      const controller = new AbortController();
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
      headers.set("x-forwarded-host", request.authority);
      let cancelled = false;
      const outcome = doFetch(`${hostOrigin(host.address, host.port)}${request.path}`, {
        method: request.method,
        headers,
        body: "stream" in body ? body.stream : body.bytes,
        redirect: "manual",
        signal: controller.signal,
      }).then(
        (response) => ({ kind: "response" as const, response: fetchResponse(response, controller) }),
        () => ({ kind: cancelled ? ("aborted" as const) : ("connect-failure" as const) }),
      );
      return {
        outcome,
        cancel() {
          cancelled = true;
          controller.abort();
        },
      };
    },
    unreachable(cluster) {
      return cluster.config.tls ? "upstream TLS: the Worker build cannot originate TLS with a cluster's own trust settings" : undefined;
    },
    clusterChanged() {},
  };
}
