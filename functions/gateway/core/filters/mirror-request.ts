// A mirrored copy of a routed request, Envoy's shadow request: the same method, path and headers, `-shadow` appended
// to the host, the body if it arrived whole. Runtimes send it through their SideCallTransport and drop the answer.
import type { ProxyRequest } from "../proxy-request.js";
import type { SideRequest } from "./side-call.js";

/** How long a mirrored copy may take before it is abandoned. */
export const MIRROR_TIMEOUT_MS = 15_000;

export function shadowAuthority(authority: string): string {
  const colon = authority.lastIndexOf(":");
  return colon > 0 && !authority.endsWith("]") ? `${authority.slice(0, colon)}-shadow${authority.slice(colon)}` : `${authority}-shadow`;
}

export function mirrorRequest(request: ProxyRequest, body: Uint8Array): SideRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name] = typeof value === "string" ? value : value.join(",");
  if (body.length > 0) headers["content-length"] = String(body.length);
  return { method: request.method, path: request.path, authority: shadowAuthority(request.authority), headers, ...(body.length > 0 ? { body } : {}), timeoutMs: MIRROR_TIMEOUT_MS };
}
