// The request as it travels between hops inside the gateway, whatever the runtime it arrived on.

/** A request between hops: lower-case header names, no pseudo-headers, no hop-by-hop headers. */
export interface ProxyRequest {
  method: string;
  authority: string;
  /** Path and query. */
  path: string;
  scheme: "http" | "https";
  headers: Record<string, string | string[]>;
  /** The downstream client's address, when the runtime knows it (hash policies on source IP, ext_authz's source). */
  remoteAddress?: string;
}
