// The Worker runtime's SideCallTransport: the gateway's own requests (ext_authz checks, JWKS fetches, mirrored
// copies) to one host of a cluster, chosen by the cluster's load balancer, with fetch. What fetch cannot do is
// refused up front (`unreachable`): no HTTP/2 prior knowledge (gRPC authorization servers need it), no TLS
// origination with the cluster's own trust; an ext_authz filter then answers 503 whatever its failure mode, a JWKS
// fetch fails closed. As for forwarded requests, the authority travels as x-forwarded-host.
import { createSideCallTransport, tlsSideCallRefusal, type SideCallTransport, type SideResponse } from "../core/filters/index.js";
import type { UpstreamCluster } from "../core/index.js";
import { hostOrigin } from "./upstream-transport.js";

function unreachable(cluster: UpstreamCluster): string | undefined {
  if (cluster.config.http2) return `cluster ${cluster.name}: the Worker cannot make HTTP/2 side calls (gRPC needs prior knowledge)`;
  return tlsSideCallRefusal(cluster);
}

export function createWorkerSideCalls(doFetch: typeof fetch = fetch): SideCallTransport {
  return createSideCallTransport(unreachable, async (host, _cluster, request): Promise<SideResponse> => {
    const headers = new Headers(request.headers);
    headers.set("x-forwarded-host", request.authority);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("side call timeout")), request.timeoutMs);
    try {
      const response = await doFetch(`${hostOrigin(host.address, host.port)}${request.path}`, {
        method: request.method,
        headers,
        body: request.body ?? null,
        redirect: "manual",
        signal: controller.signal,
      });
      const body = new Uint8Array(await response.arrayBuffer());
      const flat: Record<string, string> = {};
      response.headers.forEach((value, name) => (flat[name] = value));
      return { status: response.status, headers: flat, body, trailers: {} };
    } finally {
      clearTimeout(timer);
    }
  });
}
