// What the Node adapter tells observers about downstream traffic: a connection accepted, a request answered. The
// App Mesh metrics extension's series (appmesh-metrics.ts) are built on it; the arguments are values the request
// path already holds, so telling an observer allocates nothing.
import type net from "node:net";
import type { ListenerConfig, StatsTarget } from "../core/index.js";

export interface RequestObserver {
  /** A downstream TCP connection was accepted on `listener` (before TLS or protocol detection). */
  connectionAccepted(listener: ListenerConfig, socket: net.Socket): void;
  /**
   * A downstream request on `listener` was answered: `status` went downstream, `fromTarget` says whether it was the
   * upstream target's response (not a local reply of the gateway), `elapsedMs` runs from the request's arrival to
   * its last response byte. `target` is the routed target's App Mesh dimensions, when the resources tag them.
   */
  requestCompleted(listener: ListenerConfig, target: StatsTarget | undefined, status: number, fromTarget: boolean, grpc: boolean, elapsedMs: number): void;
}

export const noRequestObserver: RequestObserver = {
  connectionAccepted: () => {},
  requestCompleted: () => {},
};
