// The request as it travels between hops inside the gateway, whatever the runtime it arrived on.

/** A request between hops: lower-case header names, no pseudo-headers, no hop-by-hop headers. */
export interface ProxyRequest {
  method: string;
  authority: string;
  /** Path and query. */
  path: string;
  scheme: "http" | "https";
  headers: Record<string, string | string[]>;
}
