// State-of-the-world RDS and EDS pushes carry only what changed (functions/xds/server/sotw-stream.ts): checked with
// @grpc/grpc-js streams against a real meshplane, by a client that keeps resources across responses as Envoy does,
// compared with what a new stream receives whole, and by the shared encodings' counters.
import { CreateVirtualNodeCommand, UpdateVirtualNodeCommand, type AppMeshClient, type VirtualNodeSpec } from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterLoadAssignmentSchema, ClusterSchema, KEEPS_SOTW_INCREMENTAL_RESOURCES, ListenerSchema, RouteConfigurationSchema, TypeUrl } from "../../../functions/envoy/index.js";
import { createDemoMesh, setWeights } from "./fixtures.js";
import { adsClient, decode, envoyStartup, rdsNames, registerEndpoint, SotwClient, startMeshplane, type Meshplane, type WireAny, type WireResponse } from "./support.js";

const callerSpec = (backends: string[]): VirtualNodeSpec => ({
  listeners: [{ portMapping: { port: 8080, protocol: "http" } }],
  serviceDiscovery: { dns: { hostname: "caller.local" } },
  backends: backends.map((virtualServiceName) => ({ virtualService: { virtualServiceName } })),
});

/** The demo mesh plus `callers`, each listening on 8080 (so it loads an ingress and an egress RouteConfiguration) and calling svc.local. */
async function meshWithCallers(meshplane: Meshplane, meshName: string, callers: string[]): Promise<void> {
  await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName });
  for (const virtualNodeName of callers) await meshplane.appMesh.send(new CreateVirtualNodeCommand({ meshName, virtualNodeName, spec: callerSpec(["svc.local"]) }));
}

const nodeId = (mesh: string, name: string) => `mesh/${mesh}/virtualNode/${name}`;

function resourceName(typeUrl: string, any: WireAny): string {
  if (typeUrl === TypeUrl.route) return decode(RouteConfigurationSchema, any).name;
  if (typeUrl === TypeUrl.endpoint) return decode(ClusterLoadAssignmentSchema, any).clusterName;
  if (typeUrl === TypeUrl.cluster) return decode(ClusterSchema, any).name;
  return decode(ListenerSchema, any).name;
}

/** A response's resources by name, as base64 of their bytes. */
function byName(response: WireResponse): Map<string, string> {
  return new Map(response.resources.map((any) => [resourceName(response.typeUrl, any), Buffer.from(any.value).toString("base64")]));
}

/** What a client holds: per type URL, resources by name (bytes as base64), and the version it accepted. */
interface HeldState {
  resources: Map<string, Map<string, string>>;
  versions: Map<string, string>;
}

/** Everything a new stream of the node receives at start-up: the complete state, to compare with. */
async function wholeState(meshplane: Meshplane, id: string): Promise<HeldState> {
  const client = adsClient(meshplane.xdsAddress);
  const stream = new SotwClient(client, { id, userAgentName: "envoy" });
  try {
    const startup = await envoyStartup(stream);
    const responses = [startup.cds, startup.eds, startup.lds, startup.rds];
    return { resources: new Map(responses.map((response) => [response.typeUrl, byName(response)])), versions: new Map(responses.map((response) => [response.typeUrl, response.versionInfo])) };
  } finally {
    stream.end();
    client.close();
  }
}

/**
 * Keeps resources the way Envoy does: an LDS or CDS response replaces its type, an RDS or EDS response adds or
 * replaces the resources it carries. Subscribes to RDS and EDS by the names its listeners and clusters name, and
 * re-subscribes when they name others.
 */
class KeepingClient implements HeldState {
  readonly resources = new Map<string, Map<string, string>>();
  readonly versions = new Map<string, string>();
  readonly names = new Map<string, string[]>();
  readonly nonces = new Map<string, string>();
  /** RDS and EDS pushes that carried fewer resources than the subscription names. */
  partialPushes = 0;

  constructor(readonly stream: SotwClient) {}

  async start(): Promise<void> {
    const startup = await envoyStartup(this.stream);
    this.names.set(TypeUrl.endpoint, startup.edsNames);
    this.names.set(TypeUrl.route, startup.routeNames);
    for (const response of [startup.cds, startup.eds, startup.lds, startup.rds]) this.#take(response);
  }

  #take(response: WireResponse): void {
    const incremental = response.typeUrl === TypeUrl.route || response.typeUrl === TypeUrl.endpoint;
    const held = incremental ? (this.resources.get(response.typeUrl) ?? new Map<string, string>()) : new Map<string, string>();
    for (const [name, bytes] of byName(response)) held.set(name, bytes);
    // Resources the client no longer names are forgotten, as Envoy drops a RouteConfiguration no listener loads.
    const wanted = this.names.get(response.typeUrl);
    if (wanted) for (const name of [...held.keys()]) if (!wanted.includes(name)) held.delete(name);
    if (incremental && response.resources.length < (wanted?.length ?? 0)) this.partialPushes++;
    this.resources.set(response.typeUrl, held);
    this.versions.set(response.typeUrl, response.versionInfo);
    this.nonces.set(response.typeUrl, response.nonce);
  }

  /** Receives, keeps and ACKs responses until every type's version is the one in `target` (at most `limit` responses). */
  async catchUp(target: HeldState, limit = 20): Promise<void> {
    for (let i = 0; i < limit && [...target.versions].some(([typeUrl, version]) => this.versions.get(typeUrl) !== version); i++) {
      const response = await this.stream.next();
      this.#take(response);
      this.stream.ack(response, this.names.get(response.typeUrl));
      const dependent = response.typeUrl === TypeUrl.listener ? TypeUrl.route : response.typeUrl === TypeUrl.cluster ? TypeUrl.endpoint : null;
      if (!dependent) continue;
      const names = dependent === TypeUrl.route ? rdsNames(response) : edsNames(response);
      if (names.join("\u0000") === this.names.get(dependent)!.join("\u0000")) continue;
      this.names.set(dependent, names);
      this.stream.send({ typeUrl: dependent, resourceNames: names, versionInfo: this.versions.get(dependent)!, responseNonce: this.nonces.get(dependent)! });
    }
  }
}

function edsNames(cds: WireResponse): string[] {
  return cds.resources
    .map((any) => decode(ClusterSchema, any))
    .filter((cluster) => cluster.edsClusterConfig !== undefined)
    .map((cluster) => cluster.edsClusterConfig?.serviceName || cluster.name)
    .sort();
}

const sorted = (map: Map<string, string> | undefined) => [...(map ?? new Map<string, string>())].sort(([a], [b]) => (a < b ? -1 : 1));

async function updateCaller(appMesh: AppMeshClient, meshName: string, virtualNodeName: string, backends: string[]): Promise<void> {
  await appMesh.send(new UpdateVirtualNodeCommand({ meshName, virtualNodeName, spec: callerSpec(backends) }));
}

describe("SotwStream", () => {
  let meshplane: Meshplane;

  beforeAll(async () => {
    meshplane = await startMeshplane();
  });
  afterAll(async () => {
    await meshplane?.close();
  });

  it("encodes one push for every stream of nodes whose changed RouteConfiguration is the same, and sends each only that one", async () => {
    const mesh = "shared";
    const callers = ["c1", "c2", "c3"];
    await meshWithCallers(meshplane, mesh, callers);
    const client = adsClient(meshplane.xdsAddress);
    const streams = callers.flatMap((name) => [0, 1].map(() => new SotwClient(client, { id: nodeId(mesh, name), userAgentName: "envoy" })));
    try {
      const startups = await Promise.all(streams.map((stream) => envoyStartup(stream)));
      for (const startup of startups) expect(startup.routeNames.length).toBe(2);
      const counts = meshplane.running.xds.ads.encodings;
      const before = { built: counts.built, reused: counts.reused };
      await setWeights(meshplane.appMesh, mesh, { blue: 30, green: 70 });
      const pushes = await Promise.all(streams.map((stream) => stream.next()));
      const egress = new Set<string>();
      for (const push of pushes) {
        expect(push.typeUrl).toBe(TypeUrl.route);
        expect(push.resources.length).toBe(1);
        egress.add([...byName(push).keys()][0]!);
      }
      expect(egress.size).toBe(1);
      expect(counts.built - before.built).toBe(1);
      expect(counts.reused - before.reused).toBe(streams.length - 1);
      // Each node's response still carries its own version: the hash of everything its subscription selects.
      const versions = new Map(pushes.map((push, i) => [streams[i]!.node.id, push.versionInfo]));
      for (const [i, push] of pushes.entries()) expect(push.versionInfo).toBe(versions.get(streams[i]!.node.id));
      expect(new Set(versions.values()).size).toBe(callers.length);
      for (const [i, push] of pushes.entries()) streams[i]!.ack(push, startups[i]!.routeNames);
    } finally {
      for (const stream of streams) stream.end();
      client.close();
    }
  });

  it("does not flush a stream with nothing left to send for an ACK that keeps its selection, and still answers a changed selection", async () => {
    const mesh = "quiet-acks";
    await meshWithCallers(meshplane, mesh, ["caller"]);
    const client = adsClient(meshplane.xdsAddress);
    const stream = new SotwClient(client, { id: nodeId(mesh, "caller"), userAgentName: "envoy" });
    const ads = meshplane.running.xds.ads;
    try {
      const { rds, routeNames } = await envoyStartup(stream);
      expect(routeNames.length).toBe(2);
      // A changed selection owes a response; once it arrived, the server has applied every request sent before it.
      stream.send({ typeUrl: TypeUrl.route, resourceNames: [routeNames[0]!], versionInfo: rds.versionInfo, responseNonce: rds.nonce });
      const narrowed = await stream.next();
      expect(narrowed.resources.length).toBe(1);
      const before = ads.flushes;
      stream.ack(narrowed, [routeNames[0]!]);
      // Sent behind the ACK on the same stream: by its answer both were applied.
      stream.send({ typeUrl: TypeUrl.route, resourceNames: routeNames, versionInfo: narrowed.versionInfo, responseNonce: narrowed.nonce });
      const widened = await stream.next();
      expect(widened.resources.length).toBe(2);
      // The ACK woke nothing; the widened selection one flush.
      expect(ads.flushes - before).toBe(1);
      stream.ack(widened, routeNames);
      await setWeights(meshplane.appMesh, mesh, { blue: 40, green: 60 });
      const push = await stream.next();
      expect(push.typeUrl).toBe(TypeUrl.route);
    } finally {
      stream.end();
      client.close();
    }
  });

  it("leaves a client that keeps RDS and EDS resources across responses with what a new stream receives whole, after each change", async () => {
    const mesh = "keeping";
    await meshWithCallers(meshplane, mesh, ["caller"]);
    const id = nodeId(mesh, "caller");
    const client = adsClient(meshplane.xdsAddress);
    const keeping = new KeepingClient(new SotwClient(client, { id, userAgentName: "envoy" }));
    const changes: Array<() => Promise<void>> = [
      () => setWeights(meshplane.appMesh, mesh, { blue: 70, green: 30 }),
      () => registerEndpoint(meshplane.url, mesh, "blue", "blue-2", "127.0.0.1", 9011),
      () => updateCaller(meshplane.appMesh, mesh, "caller", ["svc.local", "other.local"]),
      () => setWeights(meshplane.appMesh, mesh, { blue: 20, green: 80 }),
      () => registerEndpoint(meshplane.url, mesh, "other", "other-2", "127.0.0.1", 9013),
      () => updateCaller(meshplane.appMesh, mesh, "caller", ["svc.local"]),
    ];
    try {
      await keeping.start();
      for (const change of changes) {
        await change();
        const whole = await wholeState(meshplane, id);
        await keeping.catchUp(whole);
        expect(keeping.versions).toEqual(whole.versions);
        for (const typeUrl of [TypeUrl.cluster, TypeUrl.endpoint, TypeUrl.listener, TypeUrl.route]) expect(sorted(keeping.resources.get(typeUrl))).toEqual(sorted(whole.resources.get(typeUrl)));
      }
      // Weights and single endpoints changed one resource of several: those pushes carried only it.
      expect(keeping.partialPushes).toBeGreaterThanOrEqual(3);
    } finally {
      keeping.stream.end();
      client.close();
    }
  });

  it("answers a NACK's next change, a request without a nonce and a new stream with every resource the subscription names", async () => {
    const mesh = "resend";
    await meshWithCallers(meshplane, mesh, ["caller"]);
    const id = nodeId(mesh, "caller");
    const client = adsClient(meshplane.xdsAddress);
    const stream = new SotwClient(client, { id, userAgentName: "envoy" });
    try {
      const startup = await envoyStartup(stream);
      expect(startup.rds.resources.length).toBe(2);
      await setWeights(meshplane.appMesh, mesh, { blue: 60, green: 40 });
      const partial = await stream.next();
      expect(partial.resources.length).toBe(1);
      stream.nack(partial, startup.rds.versionInfo, "rejected by the test", startup.routeNames);
      await setWeights(meshplane.appMesh, mesh, { blue: 10, green: 90 });
      const afterNack = await stream.next();
      expect(afterNack.typeUrl).toBe(TypeUrl.route);
      expect([...byName(afterNack).keys()].sort()).toEqual(startup.routeNames);
      stream.ack(afterNack, startup.routeNames);
      stream.send({ typeUrl: TypeUrl.route, resourceNames: startup.routeNames });
      const again = await stream.next();
      expect([...byName(again).keys()].sort()).toEqual(startup.routeNames);
      expect(again.versionInfo).toBe(afterNack.versionInfo);
      stream.ack(again, startup.routeNames);
      const fresh = await wholeState(meshplane, id);
      expect([...fresh.resources.get(TypeUrl.route)!.keys()].sort()).toEqual(startup.routeNames);
      expect(fresh.versions.get(TypeUrl.route)).toBe(afterNack.versionInfo);
    } finally {
      stream.end();
      client.close();
    }
  });

  it.each([
    { title: "keeps sending complete RDS responses to an older meshplane gateway (no client feature), which replaces its routes with each one", clientFeatures: [] as string[], complete: true },
    { title: "sends only the changed RouteConfiguration to a meshplane gateway whose node says it keeps routes and endpoints", clientFeatures: [KEEPS_SOTW_INCREMENTAL_RESOURCES], complete: false },
  ])("$title", async ({ clientFeatures, complete }) => {
    const mesh = `gateway-client-${complete ? "replacing" : "keeping"}`;
    await meshWithCallers(meshplane, mesh, ["caller"]);
    const client = adsClient(meshplane.xdsAddress);
    const stream = new SotwClient(client, { id: nodeId(mesh, "caller"), userAgentName: "meshplane-gateway", clientFeatures });
    try {
      const startup = await envoyStartup(stream);
      expect(startup.routeNames.length).toBe(2);
      await setWeights(meshplane.appMesh, mesh, { blue: 40, green: 60 });
      const push = await stream.next();
      expect(push.typeUrl).toBe(TypeUrl.route);
      expect([...byName(push).keys()].length).toBe(complete ? 2 : 1);
      if (complete) expect([...byName(push).keys()].sort()).toEqual(startup.routeNames);
      stream.ack(push, startup.routeNames);
    } finally {
      stream.end();
      client.close();
    }
  });
});
