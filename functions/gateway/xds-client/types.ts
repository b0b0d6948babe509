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
