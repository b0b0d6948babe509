// ADS acceptance: a real meshplane (startControlPlane, temp SQLite, free ports), driven by @grpc/grpc-js clients
// over a real socket and by the AWS SDK for writes.
import { CreateRouteCommand, UpdateVirtualNodeCommand } from "@aws-sdk/client-app-mesh";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RouteConfigurationSchema, TypeUrl } from "../../../functions/envoy/index.js";
import { createDemoMesh, setWeights } from "./fixtures.js";
import { adsClient, decode, DeltaClient, envoyStartup, rdsNames, registerEndpoint, SotwClient, startMeshplane, typeName, type Meshplane, type WireResponse } from "./support.js";

const FRONT = (mesh: string) => `mesh/${mesh}/virtualNode/front`;

interface ProxyView {
  nodeId: string;
  peerAddress: string;
  connectedSince: string;
  types: Record<string, { sentVersion: string | null; ackedVersion: string | null; nackedVersion: string | null; lastNackError: string | null }>;
}

async function proxies(meshplane: Meshplane, nodeId: string): Promise<ProxyView[]> {
  const response = await fetch(`${meshplane.url}/v1/xds/proxies?nodeId=${encodeURIComponent(nodeId)}`);
  return ((await response.json()) as { proxies: ProxyView[] }).proxies;
}

/** Polls the status endpoint until `check` holds (a protocol event, not a timing assertion). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, attempts = 200): Promise<T> {
  let value = await read();
  for (let i = 0; i < attempts && !check(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}

function routeWeights(response: WireResponse): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const any of response.resources) {
    const config = decode(RouteConfigurationSchema, any);
    for (const host of config.virtualHosts) {
      for (const route of host.routes) {
        if (route.action.case !== "route" || route.action.value.clusterSpecifier.case !== "weightedClusters") continue;
        for (const cluster of route.action.value.clusterSpecifier.value.clusters) weights[cluster.name] = cluster.weight ?? 0;
      }
    }
  }
  return weights;
}

describe("ADS state of the world (grpc-js client)", () => {
  let meshplane: Meshplane;
  const mesh = "demo";

  beforeAll(async () => {
    meshplane = await startMeshplane();
    await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName: mesh });
  });
  afterAll(async () => {
    await meshplane?.close();
  });

  it("sends a node clusters, endpoints, listeners and routes in that order, and records its ACKs", async () => {
    const client = adsClient(meshplane.xdsAddress);
    const stream = new SotwClient(client, { id: FRONT(mesh) });
    try {
      const startup = await envoyStartup(stream);
      expect(startup.order).toEqual(["cluster", "endpoint", "listener", "route"]);
      expect(startup.cds.resources.length).toBeGreaterThanOrEqual(3);
      expect(startup.eds.resources.length).toBe(startup.edsNames.length);
      expect(startup.lds.resources.length).toBeGreaterThan(0);
      expect(startup.rds.resources.length).toBe(startup.routeNames.length);
      for (const response of [startup.cds, startup.eds, startup.lds, startup.rds]) {
        expect(response.versionInfo).not.toBe("");
        expect(response.nonce).not.toBe("");
      }

      const [view] = await eventually(
        () => proxies(meshplane, FRONT(mesh)),
        (list) => list.length === 1 && list[0]!.types[TypeUrl.route]?.ackedVersion === startup.rds.versionInfo,
      );
      expect(view!.peerAddress).toMatch(/^(::ffff:)?127\.0\.0\.1:\d+$/);
      expect(Date.parse(view!.connectedSince)).not.toBeNaN();
      expect(view!.types[TypeUrl.cluster]!.ackedVersion).toBe(startup.cds.versionInfo);
      expect(view!.types[TypeUrl.endpoint]!.ackedVersion).toBe(startup.eds.versionInfo);
      expect(view!.types[TypeUrl.listener]!.ackedVersion).toBe(startup.lds.versionInfo);

      const metrics = await (await fetch(`${meshplane.url}/metrics`)).text();
      expect(metrics).toMatch(/^meshplane_xds_connected_proxies [1-9]/m);
      expect(metrics).toContain("meshplane_xds_push_latency_seconds_bucket");
    } finally {
      stream.end();
      client.close();
    }
  });

  it("pushes a new RouteConfiguration when route weights change through the AWS SDK, and nothing else", async () => {
    const client = adsClient(meshplane.xdsAddress);
    const stream = new SotwClient(client, { id: FRONT(mesh) });
    try {
      const startup = await envoyStartup(stream);
      await setWeights(meshplane.appMesh, mesh, { blue: 90, green: 10 });
      // Pushes of one change go out clusters → endpoints → listeners → routes, so had any other type changed it
      // would arrive before the route configuration.
      const update = await stream.next();
      expect(typeName(update.typeUrl)).toBe("route");
      expect(update.versionInfo).not.toBe(startup.rds.versionInfo);
      expect(Object.values(routeWeights(update)).sort((a, b) => a - b)).toEqual([10, 90]);
      stream.ack(update, startup.routeNames);

      const [view] = await eventually(
        () => proxies(meshplane, FRONT(mesh)),
        (list) => list[0]?.types[TypeUrl.route]?.ackedVersion === update.versionInfo,
      );
      expect(view!.types[TypeUrl.cluster]!.sentVersion).toBe(startup.cds.versionInfo);
      expect(view!.types[TypeUrl.endpoint]!.sentVersion).toBe(startup.eds.versionInfo);
      expect(view!.types[TypeUrl.listener]!.sentVersion).toBe(startup.lds.versionInfo);
      expect(stream.inbox.items).toEqual([]);
    } finally {
      stream.end();
      client.close();
    }
  });

  it("keeps the last accepted version after a NACK, records the error, and does not resend the rejected version", async () => {
    const client = adsClient(meshplane.xdsAddress);
    const stream = new SotwClient(client, { id: FRONT(mesh) });
    try {
      const startup = await envoyStartup(stream);
      await setWeights(meshplane.appMesh, mesh, { blue: 30, green: 70 });
      const rejected = await stream.next();
      expect(typeName(rejected.typeUrl)).toBe("route");
      stream.nack(rejected, startup.rds.versionInfo, "route weights rejected by the test", startup.routeNames);

      const [view] = await eventually(
        () => proxies(meshplane, FRONT(mesh)),
        (list) => list[0]?.types[TypeUrl.route]?.lastNackError === "route weights rejected by the test",
      );
      expect(view!.types[TypeUrl.route]!.ackedVersion).toBe(startup.rds.versionInfo);
      expect(view!.types[TypeUrl.route]!.nackedVersion).toBe(rejected.versionInfo);

      // An endpoint change makes a new snapshot in which routes still carry the rejected version: only EDS goes out.
      await registerEndpoint(meshplane.url, mesh, "blue", "blue-2", "127.0.0.1", 9011);
      const endpoints = await stream.next();
      expect(typeName(endpoints.typeUrl)).toBe("endpoint");
      stream.ack(endpoints, startup.edsNames);
      // The next different route version is sent; had the rejected one been resent it would come first.
      await setWeights(meshplane.appMesh, mesh, { blue: 20, green: 80 });
      const next = await stream.next();
      expect(typeName(next.typeUrl)).toBe("route");
      expect(next.versionInfo).not.toBe(rejected.versionInfo);
      expect(Object.values(routeWeights(next)).sort((a, b) => a - b)).toEqual([20, 80]);
      stream.ack(next, startup.routeNames);
    } finally {
      stream.end();
      client.close();
    }
  });

  it("ignores requests whose nonce is stale", async () => {
    const client = adsClient(meshplane.xdsAddress);
    const stream = new SotwClient(client, { id: FRONT(mesh) });
    try {
      const startup = await envoyStartup(stream);
      // A request answering an old nonce with a different subscription must change nothing.
      stream.send({ typeUrl: TypeUrl.route, versionInfo: startup.rds.versionInfo, responseNonce: "stale-nonce", resourceNames: [] });
      await setWeights(meshplane.appMesh, mesh, { blue: 55, green: 45 });
      const update = await stream.next();
      expect(typeName(update.typeUrl)).toBe("route");
      // Still subscribed by name: the push carries the changed RouteConfiguration (had the stale request emptied the
      // subscription, it would carry none).
      expect(Object.values(routeWeights(update)).sort((a, b) => a - b)).toEqual([45, 55]);
      stream.ack(update, startup.routeNames);
    } finally {
      stream.end();
      client.close();
    }
  });

  it("never queues for a slow proxy: while it holds an unacknowledged push others get every change, and it then gets only the latest", async () => {
    const slowClient = adsClient(meshplane.xdsAddress);
    const fastClient = adsClient(meshplane.xdsAddress);
    const slow = new SotwClient(slowClient, { id: FRONT(mesh) });
    const fast = new SotwClient(fastClient, { id: FRONT(mesh) });
    try {
      const slowStart = await envoyStartup(slow);
      const fastStart = await envoyStartup(fast);
      const series = [
        { blue: 11, green: 89 },
        { blue: 12, green: 88 },
        { blue: 13, green: 87 },
        { blue: 14, green: 86 },
      ];
      for (const weights of series) {
        await setWeights(meshplane.appMesh, mesh, weights);
        const update = await fast.next();
        expect(Object.values(routeWeights(update)).sort((a, b) => a - b)).toEqual([weights.blue, weights.green].sort((a, b) => a - b));
        fast.ack(update, fastStart.routeNames);
      }
      // The slow proxy got the first change and never answered: nothing else was sent to it meanwhile.
      const held = await slow.next();
      expect(Object.values(routeWeights(held)).sort((a, b) => a - b)).toEqual([11, 89]);
      expect(slow.inbox.items).toEqual([]);
      slow.ack(held, slowStart.routeNames);
      const latest = await slow.next();
      expect(Object.values(routeWeights(latest)).sort((a, b) => a - b)).toEqual([14, 86]);
      slow.ack(latest, slowStart.routeNames);
    } finally {
      slow.end();
      fast.end();
      slowClient.close();
      fastClient.close();
    }
  });

  it.each([
    ["an unknown mesh", "mesh/no-such-mesh/virtualNode/front"],
    ["a malformed id", "front"],
    ["an unknown virtual node", "mesh/demo/virtualNode/nobody"],
  ])("closes the stream with status 3 (INVALID_ARGUMENT) for %s", async (_label, id) => {
    const client = adsClient(meshplane.xdsAddress);
    const stream = new SotwClient(client, { id });
    try {
      stream.send({ typeUrl: TypeUrl.cluster });
      const status = await stream.status;
      expect(status.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(status.details).not.toBe("");
    } finally {
      client.close();
    }
  });
});

describe("ADS delta (grpc-js client)", () => {
  let meshplane: Meshplane;
  const mesh = "delta";

  beforeAll(async () => {
    meshplane = await startMeshplane();
    await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName: mesh });
  });
  afterAll(async () => {
    await meshplane?.close();
  });

  it("sends a new route as one added resource and a deleted backend as one removal", async () => {
    const client = adsClient(meshplane.xdsAddress);
    const stream = new DeltaClient(client, { id: FRONT(mesh) });
    try {
      stream.send({ typeUrl: TypeUrl.cluster });
      const cds = await stream.next();
      expect(typeName(cds.typeUrl)).toBe("cluster");
      expect(cds.removedResources).toEqual([]);
      stream.ack(cds);
      const clusterNames = cds.resources.map((resource) => resource.name).sort();
      stream.send({ typeUrl: TypeUrl.listener });
      const lds = await stream.next();
      stream.ack(lds);
      const routeNames = rdsNames({ versionInfo: "", typeUrl: lds.typeUrl, nonce: "", resources: lds.resources.map((resource) => resource.resource) });
      stream.send({ typeUrl: TypeUrl.route, resourceNamesSubscribe: routeNames });
      const rds = await stream.next();
      expect(rds.resources.map((resource) => resource.name).sort()).toEqual(routeNames);
      stream.ack(rds);

      // A new route on the router: its route configuration comes back as exactly one added (updated) resource.
      await meshplane.appMesh.send(
        new CreateRouteCommand({
          meshName: mesh,
          virtualRouterName: "router",
          routeName: "canary",
          spec: { priority: 1, httpRoute: { match: { prefix: "/canary" }, action: { weightedTargets: [{ virtualNode: "green", weight: 1 }] } } },
        }),
      );
      const added = await stream.next();
      expect(typeName(added.typeUrl)).toBe("route");
      expect(added.resources.length).toBe(1);
      expect(added.removedResources).toEqual([]);
      const previous = rds.resources.find((resource) => resource.name === added.resources[0]!.name)!;
      expect(added.resources[0]!.version).not.toBe(previous.version);
      stream.ack(added);

      // Dropping the other.local backend removes exactly one cluster.
      await meshplane.appMesh.send(
        new UpdateVirtualNodeCommand({
          meshName: mesh,
          virtualNodeName: "front",
          spec: { backends: [{ virtualService: { virtualServiceName: "svc.local" } }], serviceDiscovery: { awsCloudMap: { namespaceName: mesh, serviceName: "front" } } },
        }),
      );
      const removal = await stream.next();
      expect(typeName(removal.typeUrl)).toBe("cluster");
      expect(removal.resources).toEqual([]);
      expect(removal.removedResources.length).toBe(1);
      expect(clusterNames).toContain(removal.removedResources[0]);
      expect(removal.removedResources[0]).toContain("other");
      stream.ack(removal);
    } finally {
      stream.end();
      client.close();
    }
  });
});

describe("ADS delta: subscriptions, reconnects, NACKs (grpc-js client)", () => {
  let meshplane: Meshplane;
  const mesh = "delta2";

  beforeAll(async () => {
    meshplane = await startMeshplane();
    await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName: mesh });
  });
  afterAll(async () => {
    await meshplane?.close();
  });

  it("answers named subscriptions, removes on unsubscribe, resumes from initial_resource_versions without resending what the client holds, and answers a later re-subscription in full", async () => {
    const client = adsClient(meshplane.xdsAddress);
    const blue = `cds_egress_${mesh}_blue_http_9001`;
    const green = `cds_egress_${mesh}_green_http_9002`;
    try {
      const first = new DeltaClient(client, { id: FRONT(mesh) });
      first.send({ typeUrl: TypeUrl.endpoint, resourceNamesSubscribe: [blue] });
      const eds = await first.next();
      expect(eds.resources.map((resource) => resource.name)).toEqual([blue]);
      first.ack(eds);
      first.send({ typeUrl: TypeUrl.endpoint, resourceNamesSubscribe: [green, "no-such-cluster"] });
      const more = await first.next();
      expect(more.resources.map((resource) => resource.name)).toEqual([green]);
      expect(more.removedResources).toEqual(["no-such-cluster"]);
      first.ack(more);
      const held = Object.fromEntries([...eds.resources, ...more.resources].map((resource) => [resource.name, resource.version]));
      first.end();

      // A reconnecting client tells the server what it holds: only what changed since comes back.
      const second = new DeltaClient(client, { id: FRONT(mesh) });
      second.send({ typeUrl: TypeUrl.endpoint, resourceNamesSubscribe: [blue, green], initialResourceVersions: held } as never);
      const resumed = await second.next();
      // The first request is answered, without the resources whose versions the client listed as held.
      expect(resumed.resources).toEqual([]);
      expect(resumed.removedResources).toEqual([]);
      second.ack(resumed);
      await registerEndpoint(meshplane.url, mesh, "green", "green-2", "127.0.0.1", 9012);
      const changed = await second.next();
      expect(changed.resources.map((resource) => resource.name)).toEqual([green]);
      expect(changed.removedResources).toEqual([]);
      second.ack(changed);
      // The unsubscribe travels with a subscription to a name that does not exist, so that its answer (that name
      // removed) shows the server applied it before the writes below, which reach it over another connection.
      second.send({ typeUrl: TypeUrl.endpoint, resourceNamesUnsubscribe: [green], resourceNamesSubscribe: ["no-such-cluster"] });
      const unsubscribed = await second.next();
      expect(unsubscribed.resources).toEqual([]);
      expect(unsubscribed.removedResources).toEqual(["no-such-cluster"]);
      second.ack(unsubscribed);
      await registerEndpoint(meshplane.url, mesh, "green", "green-3", "127.0.0.1", 9013);
      await registerEndpoint(meshplane.url, mesh, "blue", "blue-3", "127.0.0.1", 9014);
      // Green is no longer subscribed: the next push carries blue only.
      const afterUnsubscribe = await second.next();
      expect(afterUnsubscribe.resources.map((resource) => resource.name)).toEqual([blue]);
      second.ack(afterUnsubscribe);
      // Later in the stream, subscribing to a name the client holds is answered with the resource (it may have forgotten it).
      second.send({ typeUrl: TypeUrl.endpoint, resourceNamesSubscribe: [blue] });
      const again = await second.next();
      expect(again.resources.map((resource) => [resource.name, resource.version])).toEqual([[blue, afterUnsubscribe.resources[0]!.version]]);
      second.ack(again);
      second.end();
    } finally {
      client.close();
    }
  });

  it("records a delta NACK and does not resend the rejected resource version", async () => {
    const client = adsClient(meshplane.xdsAddress);
    const stream = new DeltaClient(client, { id: FRONT(mesh) });
    try {
      stream.send({ typeUrl: TypeUrl.route, resourceNamesSubscribe: ["rds_egress_http_8080"] });
      stream.ack(await stream.next());
      await setWeights(meshplane.appMesh, mesh, { blue: 10, green: 90 });
      const rejected = await stream.next();
      stream.send({ typeUrl: TypeUrl.route, responseNonce: rejected.nonce, errorDetail: { code: 3, message: "delta says no" } });
      const views = await eventually(
        () => proxies(meshplane, FRONT(mesh)),
        (list) => list.some((view) => view.types[TypeUrl.route]?.lastNackError === "delta says no"),
      );
      expect(views.some((view) => view.types[TypeUrl.route]?.lastNackError === "delta says no")).toBe(true);
      // An endpoint change produces a new snapshot; the rejected route is not sent again, the next one is.
      await registerEndpoint(meshplane.url, mesh, "blue", "blue-9", "127.0.0.1", 9019);
      await setWeights(meshplane.appMesh, mesh, { blue: 40, green: 60 });
      const next = await stream.next();
      expect(next.resources.length).toBe(1);
      expect(next.resources[0]!.version).not.toBe(rejected.resources[0]!.version);
      stream.ack(next);
    } finally {
      stream.end();
      client.close();
    }
  });
});

describe("graceful shutdown", () => {
  it("ends open streams with status 0 (OK)", async () => {
    const meshplane = await startMeshplane();
    await createDemoMesh(meshplane.appMesh, meshplane.url, { meshName: "bye" });
    const client = adsClient(meshplane.xdsAddress);
    const stream = new SotwClient(client, { id: FRONT("bye") });
    try {
      stream.send({ typeUrl: TypeUrl.cluster });
      stream.ack(await stream.next());
      await meshplane.close();
      const status = await stream.status;
      expect(status.code).toBe(GrpcStatus.OK);
    } finally {
      client.close();
    }
  });
});
