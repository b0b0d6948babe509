// The registry of connected proxies the status endpoint lists: one record per open ADS stream, updated in place
// by the stream as it sends, and as the proxy ACKs or NACKs.

export interface TypeStatus {
  /** Version of the last response sent for this type. */
  sentVersion: string | null;
  /** Last version the proxy accepted. */
  ackedVersion: string | null;
  /** Last version the proxy rejected, and why. Cleared when a later version is accepted. */
  nackedVersion: string | null;
  lastNackError: string | null;
  lastNackAt: string | null;
}

export interface ProxyStatus {
  streamId: number;
  protocol: "sotw" | "delta";
  nodeId: string;
  nodeCluster: string;
  userAgent: string;
  peerAddress: string;
  connectedSince: string;
  /** By type URL. */
  types: Record<string, TypeStatus>;
}

export class ProxyRegistry {
  readonly #proxies = new Map<number, ProxyStatus>();
  #nextId = 1;

  open(protocol: ProxyStatus["protocol"], peerAddress: string): ProxyStatus {
    const status: ProxyStatus = {
      streamId: this.#nextId++,
      protocol,
      nodeId: "",
      nodeCluster: "",
      userAgent: "",
      peerAddress,
      connectedSince: new Date().toISOString(),
      types: {},
    };
    this.#proxies.set(status.streamId, status);
    return status;
  }

  close(status: ProxyStatus): void {
    this.#proxies.delete(status.streamId);
  }

  get size(): number {
    return this.#proxies.size;
  }

  list(): ProxyStatus[] {
    return [...this.#proxies.values()];
  }
}

export function typeStatus(proxy: ProxyStatus, typeUrl: string): TypeStatus {
  let status = proxy.types[typeUrl];
  if (!status) {
    status = { sentVersion: null, ackedVersion: null, nackedVersion: null, lastNackError: null, lastNackAt: null };
    proxy.types[typeUrl] = status;
  }
  return status;
}
