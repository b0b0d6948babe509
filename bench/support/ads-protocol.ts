// The messages between bench/ads.bench.ts and its client processes (bench/support/ads-clients.ts). Stream indices
// are local to one client process; times are `performance.timeOrigin + performance.now()` (one clock per machine).

export type ParentMessage =
  | { kind: "connect"; address: string; nodeIds: string[]; routeNames: string[]; connections: number; timeoutMs: number }
  /** Drop every stream and open them again against `address` (a restarted control plane), retrying until it listens. */
  | { kind: "reconnect"; address: string; timeoutMs: number }
  /** Start (or restart) counting responses per stream. */
  | { kind: "count" }
  /** Report when each of `streams` has received its next RouteConfiguration. */
  | { kind: "expect"; id: number; streams: number[] }
  | { kind: "stats" }
  | { kind: "close" };

export type ClientMessage =
  | { kind: "started" }
  /** Every stream has received CDS, LDS and RDS. */
  | { kind: "ready"; at: number }
  | { kind: "counting" }
  | { kind: "armed"; id: number }
  /** Arrival times of the expected RouteConfigurations, one per expected stream, in arrival order. */
  | { kind: "arrived"; id: number; arrivals: number[] }
  | { kind: "stats"; pushes: number[]; ready: number }
  | { kind: "closed" };
