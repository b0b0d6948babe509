// The primary's side of one xDS stream for N worker processes (worker-pool.ts): the primary is the ADS client's
// subscriber, checks every update with the same SnapshotBuilder the workers run (so it ACKs or NACKs once, as one
// Envoy does for all its --concurrency workers), and hands what it accepted to every worker as protobuf bytes. It
// keeps the accepted state so a worker that starts later (or restarts) gets everything in make-before-break order.
import { fromBinary, toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { Core } from "../../../core-wasm/index.js";
import { envoyRegistry, type ResourceType } from "../../envoy/index.js";
import { createSnapshotBuilder, type SnapshotBuilder, type UpstreamTransport, type WantedNames } from "../core/index.js";
import type { XdsResources, XdsSubscriber, XdsUpdateResult } from "../xds-client/types.js";
import type { GatewayMetrics } from "./metrics.js";

/** One accepted update as it crosses to a worker: resources by name, each as its type name and binary protobuf. */
export interface EncodedUpdate {
  type: ResourceType;
  version: string;
  resources: [name: string, typeName: string, bytes: Uint8Array][];
}

/** The order a new worker receives the accepted state in: what a resource refers to arrives before it. */
const REPLAY_ORDER: readonly ResourceType[] = ["secret", "cluster", "endpoint", "listener", "route"];

export function encodeUpdate(type: ResourceType, resources: XdsResources, version: string): EncodedUpdate {
  const encoded: EncodedUpdate["resources"] = [];
  for (const [name, resource] of resources) {
    const message = resource as Message;
    const schema = envoyRegistry.getMessage(message.$typeName);
    if (!schema) throw new Error(`no schema for ${message.$typeName}`);
    encoded.push([name, message.$typeName, toBinary(schema as DescMessage, message)]);
  }
  return { type, version, resources: encoded };
}

export function decodeUpdate(update: EncodedUpdate): XdsResources {
  const resources: XdsResources = new Map();
  for (const [name, typeName, bytes] of update.resources) {
    const schema = envoyRegistry.getMessage(typeName);
    if (!schema) throw new Error(`no schema for ${typeName}`);
    resources.set(name, fromBinary(schema as DescMessage, bytes));
  }
  return resources;
}

/** A transport for checking only: the primary never forwards, resolves or probes. */
const checkingTransport: UpstreamTransport = {
  startAttempt() {
    throw new Error("the primary process does not forward requests");
  },
  unreachable: () => undefined,
  clusterChanged() {},
};

export interface XdsFanOut extends XdsSubscriber {
  /** The accepted state, in the order a starting worker must apply it. */
  replay(): EncodedUpdate[];
  /** Accepted resources and versions, for /config_dump. */
  readonly builder: SnapshotBuilder;
  versions(): ReadonlyMap<ResourceType, string>;
  connected(): boolean;
  close(): void;
}

export function createXdsFanOut(options: {
  core: Core;
  metrics: GatewayMetrics;
  /** Sends an accepted update to every running worker. */
  broadcast(update: EncodedUpdate): void;
  /** Tells every running worker the stream's state. */
  broadcastConnection(connected: boolean): void;
  log(message: string): void;
}): XdsFanOut {
  const builder = createSnapshotBuilder({ core: options.core, transport: checkingTransport });
  const accepted = new Map<ResourceType, EncodedUpdate>();
  let connected = false;
  return {
    builder,
    apply(type: ResourceType, resources: XdsResources, version: string): XdsUpdateResult {
      const result = builder.apply(type, resources);
      options.metrics.countUpdate(type, result.ok);
      if (!result.ok) return result;
      let update: EncodedUpdate;
      try {
        update = encodeUpdate(type, resources, version);
      } catch (error) {
        return { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
      accepted.set(type, update);
      options.broadcast(update);
      return result;
    },
    wantedNames(): WantedNames {
      return builder.wantedNames();
    },
    onConnection(isConnected: boolean): void {
      connected = isConnected;
      options.metrics.connectedState.root.set(isConnected ? 1 : 0);
      options.log(isConnected ? "xds: connected" : "xds: disconnected; workers serve the last accepted config");
      options.broadcastConnection(isConnected);
    },
    replay: () => REPLAY_ORDER.flatMap((type) => accepted.get(type) ?? []),
    versions: () => new Map([...accepted].map(([type, update]) => [type, update.version])),
    connected: () => connected,
    close: () => builder.close(),
  };
}
