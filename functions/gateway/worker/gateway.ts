// The gateway runtime in a Worker: the REST xDS client's subscriber. The core's SnapshotBuilder validates each
// update whole and publishes a new snapshot, exactly as on Node (a refused update is NACKed with the same reason);
// requests reach upstreams through the fetch UpstreamTransport. One per isolate.
import type { Core } from "../../../core-wasm/index.js";
import type { ResourceType } from "../../envoy/index.js";
import { createSnapshotBuilder, type GatewaySnapshot, type ListenerConfig, type SnapshotBuilder, type WantedNames } from "../core/index.js";
import type { XdsResources, XdsSubscriber, XdsUpdateResult } from "../xds-client/types.js";
import type { WorkerUpstreamTransport } from "./upstream-transport.js";

export class WorkerGateway implements XdsSubscriber {
  readonly #builder: SnapshotBuilder;
  readonly transport: WorkerUpstreamTransport;
  connected = false;

  constructor(core: Core, transport: WorkerUpstreamTransport) {
    this.transport = transport;
    // Requests match synchronously on arrival, so the default (dispose retired tables at once) is right here.
    this.#builder = createSnapshotBuilder({ core, transport });
  }

  get snapshot(): GatewaySnapshot {
    return this.#builder.snapshot();
  }

  /** The listener this Worker serves: the named one (name or port), else the first INBOUND listener with routes. */
  servedListener(name: string | undefined): ListenerConfig | undefined {
    const listeners = [...this.#builder.snapshot().listeners.values()];
    if (name) return listeners.find((l) => l.name === name || String(l.port) === name);
    return listeners.find((l) => l.direction === "INBOUND" && l.routeConfigName) ?? listeners.find((l) => l.routeConfigName);
  }

  wantedNames(): WantedNames {
    return this.#builder.wantedNames();
  }

  onConnection(connected: boolean): void {
    this.connected = connected;
  }

  apply(type: ResourceType, resources: XdsResources): XdsUpdateResult {
    return this.#builder.apply(type, resources);
  }
}
