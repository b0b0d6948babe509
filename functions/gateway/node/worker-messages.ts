// The IPC messages between the gateway's primary process and its workers (node:cluster, "advanced"
// serialization so protobuf bytes cross as Uint8Arrays).
import type { HostHealth } from "./admin.js";
import type { MetricFamilyState } from "./metric-families.js";
import type { EncodedUpdate } from "./xds-fan-out.js";

/** What a worker reports when asked. */
export interface WorkerReport {
  ready: boolean;
  activeRequests: number;
  requests: number;
  metrics: MetricFamilyState[];
  hosts: HostHealth[];
  listeners: Record<string, number>;
}

export type PrimaryMessage =
  | { kind: "apply"; update: EncodedUpdate }
  | { kind: "connection"; connected: boolean }
  | { kind: "report"; id: number }
  /** Stop accepting, finish in-flight requests, exit. */
  | { kind: "drain" };

export type WorkerMessage =
  /** The worker listens for messages: the primary replays the accepted state to it. */
  | { kind: "hello" }
  | { kind: "report"; id: number; report: WorkerReport }
  /** A worker could not apply what the primary accepted (it logs; the primary counts nothing twice). */
  | { kind: "refused"; type: string; message: string };

/** The worker's settings, passed in its environment (GATEWAY_WORKER_OPTIONS) as JSON. */
export interface WorkerOptions {
  /** The gateway's node id (the App Mesh metrics' Mesh and VirtualGateway/VirtualNode dimensions). */
  nodeId: string;
  bindHost: string;
  bindOutbound: boolean;
  portOverrides: Record<string, number>;
}
