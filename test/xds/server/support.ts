// Shared pieces of the ADS acceptance tests: a real meshplane in-process (temp SQLite, free ports), the AWS SDK
// against its REST API, and an ADS client built on @grpc/grpc-js + @grpc/proto-loader from the vendored Envoy
// protos — a client meshplane did not write. Resource payloads are decoded with the generated protobuf-es schemas.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { configFromEnv } from "../../../functions/config.js";
import { startControlPlane, type RunningControlPlane } from "../../../functions/node.js";
import { ClusterSchema, envoyRegistry, ListenerSchema, TypeUrl } from "../../../functions/envoy/index.js";
import { Cluster_DiscoveryType } from "../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import { announcedXdsPort, startMeshplaneProcess, testRuntime } from "../../support/process.js";
import type { HttpConnectionManager } from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface Meshplane {
  /** The in-process control plane (Node runs only; under Deno this throws). */
  readonly running: RunningControlPlane;
  url: string;
  xdsAddress: string;
  appMesh: AppMeshClient;
  close(): Promise<void>;
}

/** meshplane on a fresh SQLite file: in this process, or as `deno task start` when the suite runs under Deno. */
export async function startMeshplane(env: Record<string, string> = {}): Promise<Meshplane> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-xds-"));
  const settings = { PORT: "0", XDS_PORT: "0", MESHPLANE_DB: path.join(dir, "meshplane.db"), ...env };
  const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
  if (testRuntime() === "deno") {
    const meshplane = await startMeshplaneProcess(settings);
    const xdsPort = await announcedXdsPort(meshplane);
    const appMesh = new AppMeshClient({ endpoint: meshplane.url, region: "us-east-1", credentials });
    return {
      get running(): RunningControlPlane {
        throw new Error("this suite reaches into the in-process control plane; under Deno meshplane runs as a separate process");
      },
      url: meshplane.url,
      xdsAddress: `127.0.0.1:${xdsPort}`,
      appMesh,
      async close() {
        appMesh.destroy();
        await meshplane.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const running = await startControlPlane(configFromEnv(settings));
  const appMesh = new AppMeshClient({ endpoint: running.url, region: "us-east-1", credentials });
  return {
    running,
    url: running.url,
    xdsAddress: `127.0.0.1:${running.xdsPort}`,
    appMesh,
    async close() {
      appMesh.destroy();
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function registerEndpoint(url: string, namespace: string, service: string, instanceId: string, address: string, port: number): Promise<void> {
  const response = await fetch(`${url}/v1/endpoints/${namespace}/${service}/${instanceId}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ address, port }),
  });
  if (!response.ok) throw new Error(`registering ${namespace}/${service}/${instanceId}: ${response.status} ${await response.text()}`);
}

// ---- the grpc-js ADS client ------------------------------------------------------------------------------------

/** DiscoveryResponse / DeltaDiscoveryResponse as proto-loader decodes them (camelCase, Any keeps `type_url`). */
export interface WireAny {
  type_url: string;
  value: Buffer;
}
export interface WireResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: WireAny[];
}
export interface WireDeltaResponse {
  systemVersionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: Array<{ name: string; version: string; resource: WireAny }>;
  removedResources: string[];
}

type AdsConstructor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => grpc.Client & {
  StreamAggregatedResources(metadata?: grpc.Metadata): grpc.ClientDuplexStream<unknown, WireResponse>;
  DeltaAggregatedResources(metadata?: grpc.Metadata): grpc.ClientDuplexStream<unknown, WireDeltaResponse>;
};

let adsConstructor: AdsConstructor | undefined;
function loadAds(): AdsConstructor {
  if (adsConstructor) return adsConstructor;
  const definition = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", {
    includeDirs: [path.join(root, "proto/vendor")],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: AdsConstructor } } } } };
  adsConstructor = loaded.envoy.service.discovery.v3.AggregatedDiscoveryService;
  return adsConstructor;
}

export function adsClient(address: string, options: grpc.ChannelOptions = {}) {
  const Ads = loadAds();
  return new Ads(address, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1, "grpc.enable_channelz": 0, ...options });
}

/** An async queue over a stream's responses, plus the terminal status. */
class Inbox<T> {
  readonly items: T[] = [];
  #waiters: Array<(item: T | Error) => void> = [];
  error: (grpc.ServiceError & Error) | null = null;
  ended = false;
  push(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }
  fail(error: Error): void {
    this.error = error as grpc.ServiceError & Error;
    for (const waiter of this.#waiters.splice(0)) waiter(error);
  }
  next(timeoutMs = 20_000): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push((item) => {
        clearTimeout(timer);
        if (item instanceof Error) reject(item);
        else resolve(item);
      });
    });
  }
}

export interface NodeInit {
  id: string;
  cluster?: string;
  userAgentName?: string;
  clientFeatures?: string[];
}

/** A state-of-the-world ADS stream driven like Envoy drives it. */
export class SotwClient {
  readonly call: grpc.ClientDuplexStream<unknown, WireResponse>;
  readonly inbox = new Inbox<WireResponse>();
  readonly status: Promise<grpc.StatusObject>;
  #sentNode = false;

  /** `metadata`: sent with the call, as Envoy sends its call credentials (e.g. a SigV4 signature). */
  constructor(readonly client: ReturnType<typeof adsClient>, readonly node: NodeInit, metadata = new grpc.Metadata()) {
    this.call = client.StreamAggregatedResources(metadata);
    this.call.on("data", (response: WireResponse) => this.inbox.push(response));
    this.call.on("error", (error: Error) => this.inbox.fail(error));
    this.status = new Promise((resolve) => this.call.on("status", resolve));
  }

  send(request: { typeUrl: string; resourceNames?: string[]; versionInfo?: string; responseNonce?: string; errorDetail?: { code: number; message: string } }): void {
    const message: Record<string, unknown> = { ...request, resourceNames: request.resourceNames ?? [] };
    if (!this.#sentNode) {
      message.node = { id: this.node.id, cluster: this.node.cluster ?? this.node.id, userAgentName: this.node.userAgentName ?? "grpc-js-test", clientFeatures: this.node.clientFeatures ?? [] };
      this.#sentNode = true;
    }
    this.call.write(message);
  }

  ack(response: WireResponse, resourceNames?: string[]): void {
    this.send({ typeUrl: response.typeUrl, versionInfo: response.versionInfo, responseNonce: response.nonce, ...(resourceNames ? { resourceNames } : {}) });
  }

  nack(response: WireResponse, previousVersion: string, message: string, resourceNames?: string[]): void {
    this.send({ typeUrl: response.typeUrl, versionInfo: previousVersion, responseNonce: response.nonce, errorDetail: { code: 3, message }, ...(resourceNames ? { resourceNames } : {}) });
  }

  next(timeoutMs?: number): Promise<WireResponse> {
    return this.inbox.next(timeoutMs);
  }

  end(): void {
    this.call.end();
  }
}

/** A delta ADS stream. */
export class DeltaClient {
  readonly call: grpc.ClientDuplexStream<unknown, WireDeltaResponse>;
  readonly inbox = new Inbox<WireDeltaResponse>();
  readonly status: Promise<grpc.StatusObject>;
  #sentNode = false;

  constructor(readonly client: ReturnType<typeof adsClient>, readonly node: NodeInit, metadata = new grpc.Metadata()) {
    this.call = client.DeltaAggregatedResources(metadata);
    this.call.on("data", (response: WireDeltaResponse) => this.inbox.push(response));
    this.call.on("error", (error: Error) => this.inbox.fail(error));
    this.status = new Promise((resolve) => this.call.on("status", resolve));
  }

  send(request: { typeUrl: string; resourceNamesSubscribe?: string[]; resourceNamesUnsubscribe?: string[]; responseNonce?: string; errorDetail?: { code: number; message: string } }): void {
    const message: Record<string, unknown> = { ...request };
    if (!this.#sentNode) {
      message.node = { id: this.node.id, cluster: this.node.cluster ?? this.node.id };
      this.#sentNode = true;
    }
    this.call.write(message);
  }

  ack(response: WireDeltaResponse): void {
    this.send({ typeUrl: response.typeUrl, responseNonce: response.nonce });
  }

  next(timeoutMs?: number): Promise<WireDeltaResponse> {
    return this.inbox.next(timeoutMs);
  }

  end(): void {
    this.call.end();
  }
}

// ---- Envoy's start-up ----

export interface Startup {
  cds: WireResponse;
  eds: WireResponse;
  lds: WireResponse;
  rds: WireResponse;
  edsNames: string[];
  routeNames: string[];
  order: string[];
}

/** Subscribes the way Envoy does at start-up: CDS, then EDS for the EDS clusters, then LDS, then RDS; ACKs each. */
export async function envoyStartup(stream: SotwClient): Promise<Startup> {
  const order: string[] = [];
  stream.send({ typeUrl: TypeUrl.cluster });
  const cds = await stream.next();
  order.push(typeName(cds.typeUrl));
  stream.ack(cds);
  const edsNames = cds.resources
    .map((any) => decode(ClusterSchema, any))
    .filter((cluster) => cluster.clusterDiscoveryType.case === "type" && cluster.clusterDiscoveryType.value === Cluster_DiscoveryType.EDS)
    .map((cluster) => cluster.edsClusterConfig?.serviceName || cluster.name)
    .sort();
  stream.send({ typeUrl: TypeUrl.endpoint, resourceNames: edsNames });
  const eds = await stream.next();
  order.push(typeName(eds.typeUrl));
  stream.ack(eds, edsNames);
  stream.send({ typeUrl: TypeUrl.listener });
  const lds = await stream.next();
  order.push(typeName(lds.typeUrl));
  stream.ack(lds);
  const routeNames = rdsNames(lds);
  stream.send({ typeUrl: TypeUrl.route, resourceNames: routeNames });
  const rds = await stream.next();
  order.push(typeName(rds.typeUrl));
  stream.ack(rds, routeNames);
  return { cds, eds, lds, rds, edsNames, routeNames, order };
}

// ---- decoding --------------------------------------------------------------------------------------------------

export function decode<Desc extends DescMessage>(schema: Desc, any: WireAny): MessageShape<Desc> {
  return fromBinary(schema, new Uint8Array(any.value));
}

/** Route configuration names the listeners' HTTP connection managers load through RDS. */
export function rdsNames(response: WireResponse): string[] {
  const names = new Set<string>();
  for (const any of response.resources) {
    const listener = decode(ListenerSchema, any);
    const managers: Array<HttpConnectionManager | undefined> = [];
    if (listener.apiListener?.apiListener) managers.push(anyUnpack(listener.apiListener.apiListener, envoyRegistry) as HttpConnectionManager | undefined);
    for (const chain of listener.filterChains) {
      for (const filter of chain.filters) {
        if (filter.configType.case === "typedConfig") {
          const config = anyUnpack(filter.configType.value, envoyRegistry) as { $typeName?: string } | undefined;
          if (config?.$typeName === "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager") managers.push(config as HttpConnectionManager);
        }
      }
    }
    for (const manager of managers) if (manager?.routeSpecifier.case === "rds") names.add(manager.routeSpecifier.value.routeConfigName);
  }
  return [...names].sort();
}

export const typeName = (typeUrl: string): string => Object.entries(TypeUrl).find(([, url]) => url === typeUrl)?.[0] ?? typeUrl;
