// What the control-plane Worker, its mesh hubs (mesh-hub.ts) and subscribed gateways exchange. The signals are
// meshplane's subscription protocol (docs/serverless.md §5); gateways parse them on their side, since the
// gateway knows meshplane only through its wire protocols.

/** Sent to a subscriber: `subscribed` once accepted, `changed` after each committed write that may concern it. */
export type SubscriptionSignal = { type: "subscribed" } | { type: "changed"; scope: string; revision: number };

/** One REST xDS poll as the Worker saw it. */
export interface PollEvent {
  /** ISO 8601. */
  at: string;
  nodeId: string;
  nodeCluster: string;
  userAgent: string;
  typeUrl: string;
  /** The request's version_info: what the node holds ("" before its first accepted response). */
  heldVersion: string;
  /** The request's error_detail message (a NACK of the version sent before), else null. */
  nack: string | null;
  /** Version of the response sent; null when the poll answered 304 or failed. */
  sentVersion: string | null;
}

export interface HubTypeStatus {
  sentVersion: string | null;
  ackedVersion: string | null;
  nackedVersion: string | null;
  lastNackError: string | null;
  lastNackAt: string | null;
  lastPollAt: string;
}

/** `/v1/xds/proxies` on the Worker: one entry per node that polled (or subscribed) recently. */
export interface HubProxyStatus {
  protocol: "rest";
  nodeId: string;
  nodeCluster: string;
  userAgent: string;
  firstPollAt: string | null;
  /** Recorded at most every few seconds per node and type while nothing changes (poll-recorder.ts). */
  lastPollAt: string | null;
  /** Open subscriptions of this node (gateway Workers), with when each was accepted. */
  subscriptions: Array<{ since: string }>;
  /** By type URL. */
  types: Record<string, HubTypeStatus>;
}
