// The registry of connected proxies the status endpoint lists: one record per open ADS stream, kept as an
// XdsObserver: created when the stream opens, updated as it sends and as the proxy ACKs or NACKs, dropped on close.
import type { Node } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import type { SentResponse, StreamAck, StreamInfo, StreamNack, StreamProtocol, XdsObserver } from "./observer.js";

export interface TypeStatus {
  /** Version of the last response sent for this type. */
  sentVersion: string | null;
  /** Last version the proxy accepted. */
  ackedVersion: string | null;
  /** Last version the proxy rejected, and why. */
  nackedVersion: string | null;
  lastNackError: string | null;
  lastNackAt: string | null;
}

export interface ProxyStatus {
  streamId: number;
  protocol: StreamProtocol;
  nodeId: string;
  nodeCluster: string;
  userAgent: string;
  peerAddress: string;
  connectedSince: string;
  /** By type URL. */
  types: Record<string, TypeStatus>;
}

export class ProxyRegistry implements XdsObserver {
  readonly #proxies = new Map<number, ProxyStatus>();

  get size(): number {
    return this.#proxies.size;
  }

  list(): ProxyStatus[] {
    return [...this.#proxies.values()];
  }

  onStreamOpen(stream: StreamInfo): void {
    this.#proxies.set(stream.id, {
      streamId: stream.id,
      protocol: stream.protocol,
      nodeId: "",
      nodeCluster: "",
      userAgent: "",
      peerAddress: stream.peerAddress,
      connectedSince: new Date().toISOString(),
      types: {},
    });
  }

  onStreamNode(stream: StreamInfo, node: Node): void {
    const proxy = this.#proxies.get(stream.id);
    if (!proxy) return;
    proxy.nodeId = node.id;
    proxy.nodeCluster = node.cluster;
    proxy.userAgent = `${node.userAgentName} ${node.userAgentVersionType.case === "userAgentVersion" ? node.userAgentVersionType.value : ""}`.trim();
  }

  onStreamRequest(): void {}

  onStreamResponse(stream: StreamInfo, response: SentResponse): void {
    const status = this.#typeStatus(stream, response.typeUrl);
    if (status) status.sentVersion = response.version;
  }

  onStreamAck(stream: StreamInfo, ack: StreamAck): void {
    const status = this.#typeStatus(stream, ack.typeUrl);
    if (status) status.ackedVersion = ack.version;
  }

  onStreamNack(stream: StreamInfo, nack: StreamNack): void {
    const status = this.#typeStatus(stream, nack.typeUrl);
    if (!status) return;
    status.nackedVersion = nack.version;
    status.lastNackError = nack.message;
    status.lastNackAt = new Date().toISOString();
  }

  onStreamClosed(stream: StreamInfo): void {
    this.#proxies.delete(stream.id);
  }

  onFetchRequest(): void {}
  onFetchResponse(): void {}

  #typeStatus(stream: StreamInfo, typeUrl: string): TypeStatus | undefined {
    const proxy = this.#proxies.get(stream.id);
    if (!proxy) return undefined;
    let status = proxy.types[typeUrl];
    if (!status) {
      status = { sentVersion: null, ackedVersion: null, nackedVersion: null, lastNackError: null, lastNackAt: null };
      proxy.types[typeUrl] = status;
    }
    return status;
  }
}
