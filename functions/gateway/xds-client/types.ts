// What an xDS client (ADS stream, REST polling) hands the gateway runtime, and what it asks back.
import type { ResourceType } from "../../envoy/index.js";

/** Decoded resources of one type by name (Listener, Cluster, RouteConfiguration or ClusterLoadAssignment messages). */
export type XdsResources = Map<string, unknown>;

export type XdsUpdateResult = { ok: true } | { ok: false; message: string };

/** The runtime side of an xDS client. */
export interface XdsSubscriber {
  /**
   * The complete set of resources of `type` the server now selects (state of the world). Returns ok to ACK, or a
   * message to NACK; a rejected update must leave the running config unchanged.
   */
  apply(type: ResourceType, resources: XdsResources, version: string): XdsUpdateResult;
  /** RDS, EDS and SDS (over ADS) names the accepted listeners and clusters refer to (what to subscribe to). */
  wantedNames(): { route: ReadonlySet<string>; endpoint: ReadonlySet<string>; secret?: ReadonlySet<string> };
  /** Called when a stream starts delivering (true) and when it ends (false). */
  onConnection(connected: boolean): void;
}

/** Why an ADS stream ended with an error: the gRPC status the server sent, or the transport's failure. */
export interface XdsStreamError {
  /** gRPC status code (https://grpc.github.io/grpc/core/md_doc_statuscodes.html): 16 UNAUTHENTICATED, 7 PERMISSION_DENIED, 14 UNAVAILABLE, … */
  code: number;
  message: string;
}

/** A running ADS client (state of the world or delta). */
export interface AdsClient {
  /** Whether a stream is open and has received at least one response. */
  readonly connected: boolean;
  /**
   * How the last stream failed, until a stream delivers again: a refusal (UNAUTHENTICATED without a valid token,
   * PERMISSION_DENIED for a node the credentials may not serve) or a connection failure (UNAVAILABLE).
   */
  readonly lastError: XdsStreamError | undefined;
  /** Stops reconnecting and closes the stream. */
  close(): void;
}
