// The gateway's Worker build under wrangler's local runtime (workerd): routes polled from REST xDS, matched in the
// same core-wasm module, run on the same gateway core as on Node, proxied with fetch to real backends on loopback.
import type { JsonValue } from "@bufbuild/protobuf";
import http from "node:http";
import type net from "node:net";
import { CreateMeshCommand, CreateVirtualGatewayCommand, CreateVirtualNodeCommand } from "@aws-sdk/client-app-mesh";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeUrl } from "../../functions/envoy/index.js";
import { startTestControlPlane, testAccountId, type TestControlPlane } from "../support/control-plane.js";
import { startGatewayWorker, type Worker } from "../support/wrangler.js";
import { MakeAny, MakeListener, MakeRouteConfig, MakeSdsSocketTlsListener, MakeStaticCluster } from "./envoy-fixtures.js";
import { createLocalhostNodes, createRoutedService, MakeWeightedRouteSpec, startBackend, waitFor, type Backend } from "./support.js";

/** The gateway Worker (wrangler.gateway.toml) polling `meshplaneUrl` every 200 ms for `nodeId`. */
const startPollingGatewayWorker = async (meshplaneUrl: string, nodeId: string): Promise<{ worker: Worker; url: string }> =>
  startGatewayWorker(meshplaneUrl, nodeId, { XDS_POLL_MS: "200" });

const backendOf = async (response: Response) => ((await response.json()) as { backend?: string }).backend;

describe("gateway Worker build", () => {
  const mesh = "worker-gw";
  let controlPlane: TestControlPlane;
  let one: Backend;
  let two: Backend;
  let worker: Worker;
  let url: string;

  beforeAll(async () => {
    [controlPlane, one, two] = await Promise.all([startTestControlPlane(), startBackend("one"), startBackend("two")]);
    const { client } = controlPlane;
    await client.send(new CreateMeshCommand({ meshName: mesh }));
    await createLocalhostNodes(client, mesh, [["one", one], ["two", two]] as const);
    await client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } }));
    await createRoutedService(client, mesh, { service: "svc.local", gateway: "gw", prefix: "/chapter", routes: { r: MakeWeightedRouteSpec([["one", 100], ["two", 0]]) } });
    ({ worker, url } = await startPollingGatewayWorker(controlPlane.url, `mesh/${mesh}/virtualGateway/gw`));
  });

  afterAll(async () => {
    await worker?.dispose();
    await controlPlane?.stop();
    await Promise.all([one?.close(), two?.close()]);
  });

  it("routes through both gateway hops with the route's rewrite", async () => {
    const response = await fetch(`${url}/chapter/7?q=1`);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toMatchObject({ backend: "one", path: "/7?q=1" });
  });

  it("forwards request bodies of 10 B and 200 kB intact", async () => {
    for (const size of [10, 200_000]) {
      const body = "x".repeat(size);
      const response = await fetch(`${url}/chapter/echo`, { method: "POST", body });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(body);
    }
  });

  it("answers 404 NR where no gateway route matches", async () => {
    const response = await fetch(`${url}/elsewhere`);
    expect(response.status).toBe(404);
    expect(response.headers.get("x-meshplane-flags")).toBe("NR");
  });

  it("picks up a route change on a later poll", async () => {
    const moving = await createRoutedService(controlPlane.client, mesh, { service: "moving.local", gateway: "gw", prefix: "/moving", routes: { r: MakeWeightedRouteSpec([["one", 100], ["two", 0]]) } });
    expect(await waitFor(async () => (await backendOf(await fetch(`${url}/moving/1`))) === "one", 10_000)).toBe(true);
    await moving.updateRoute("r", MakeWeightedRouteSpec([["one", 0], ["two", 100]]));
    expect(await waitFor(async () => (await backendOf(await fetch(`${url}/moving/1`))) === "two", 10_000)).toBe(true);
  });

  const putPolicy = async (name: string, targetArn: string, spec: unknown) => {
    const put = await controlPlane.request("PUT", `/v1/meshes/${mesh}/policies/${name}`, { body: JSON.stringify({ targetRef: { arn: targetArn }, spec }), headers: { "content-type": "application/json" } });
    expect(put.status, await put.clone().text()).toBe(200);
  };
  const routeArn = (route: string) => `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/${mesh}/virtualGateway/gw/gatewayRoute/${route}`;

  it("runs a route's fault injection policy: every request aborted with the policy's status and flag FI", async () => {
    await createRoutedService(controlPlane.client, mesh, { service: "faulty.local", gateway: "gw", prefix: "/faulty", routes: { r: MakeWeightedRouteSpec([["one", 100]]) } });
    expect(await waitFor(async () => (await fetch(`${url}/faulty/1`)).status === 200, 10_000)).toBe(true);
    await putPolicy("faulty", routeArn("faulty-local"), { faultInjection: { abort: { httpStatus: 418, percentage: 100 } } });
    expect(await waitFor(async () => (await fetch(`${url}/faulty/1`)).status === 418, 10_000)).toBe(true);
    const aborted = await fetch(`${url}/faulty/1`);
    expect([aborted.status, aborted.headers.get("x-meshplane-flags")]).toEqual([418, "FI"]);
    expect((await fetch(`${url}/chapter/7`)).status).toBe(200);
  });

  it("runs a route's rate limit per isolate: past the bucket, the policy's status and body", async () => {
    await createRoutedService(controlPlane.client, mesh, { service: "limited.local", gateway: "gw", prefix: "/limited", routes: { r: MakeWeightedRouteSpec([["one", 100]]) } });
    expect(await waitFor(async () => (await fetch(`${url}/limited/1`)).status === 200, 10_000)).toBe(true);
    await putPolicy("limited", routeArn("limited-local"), { rateLimit: { requests: 1, interval: { value: 3600, unit: "s" }, response: { statusCode: 429, body: "slow down" } } });
    expect(await waitFor(async () => (await fetch(`${url}/limited/1`)).status === 429, 10_000)).toBe(true);
    const limited = await fetch(`${url}/limited/1`);
    expect([limited.status, await limited.text()]).toEqual([429, "slow down"]);
  });

  it("runs a route's jwt policy with a remote JWKS fetched with fetch: a valid token passes with its claim as a header, others get 401", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
    const jwksServed: string[] = [];
    const jwks = http.createServer((incoming, response) => {
      jwksServed.push(incoming.url ?? "");
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    try {
      const jwksPort = (jwks.address() as net.AddressInfo).port;
      await createLocalhostNodes(controlPlane.client, mesh, [["jwks", { name: "jwks", host: "127.0.0.1", port: jwksPort, paths: [], close: async () => {} }]] as const);
      await createRoutedService(controlPlane.client, mesh, { service: "signed.local", gateway: "gw", prefix: "/signed", routes: { r: MakeWeightedRouteSpec([["one", 100]]) } });
      await putPolicy("signed", routeArn("signed-local"), {
        jwt: { providers: [{ name: "idp", issuer: "https://issuer.example", audiences: ["orders"], jwks: { remote: { url: "http://jwks.local/keys.json", backendRef: { virtualNode: { virtualNodeName: "jwks" } } } }, claimToHeaders: [{ claim: "sub", header: "x-user" }] }] },
      });
      expect(await waitFor(async () => (await fetch(`${url}/signed/x`)).status === 401, 10_000)).toBe(true);
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ sub: "alice" }).setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer("https://issuer.example").setAudience("orders").setIssuedAt().setExpirationTime(now + 600).sign(privateKey);
      const valid = await fetch(`${url}/signed/x`, { headers: { authorization: `Bearer ${token}` } });
      expect(valid.status, await valid.clone().text()).toBe(200);
      expect(((await valid.json()) as { headers: Record<string, string> }).headers["x-user"]).toBe("alice");
      expect(jwksServed).toContain("/keys.json");
      const missing = await fetch(`${url}/signed/x`);
      expect([missing.status, await missing.text()]).toEqual([401, "Jwt is missing"]);
    } finally {
      await new Promise<void>((resolve) => jwks.close(() => resolve()));
    }
  });

  it("mirrors a route's requests to the shadow backend with fetch, the body included, and answers from the real one", async () => {
    const shadow = await startBackend("shadow");
    try {
      await createLocalhostNodes(controlPlane.client, mesh, [["shadow", shadow]] as const);
      await createRoutedService(controlPlane.client, mesh, { service: "mirrored.local", gateway: "gw", prefix: "/mirrored", routes: { r: MakeWeightedRouteSpec([["one", 100]]) } });
      await putPolicy("mirrored", routeArn("mirrored-local"), { mirror: { backendRef: { virtualNode: { virtualNodeName: "shadow" } }, percentage: 100 } });
      expect(await waitFor(async () => (await fetch(`${url}/mirrored/probe`)).status === 200 && shadow.paths.includes("/probe"), 10_000)).toBe(true);
      const answered = await fetch(`${url}/mirrored/echo`, { method: "POST", body: "copied body" });
      expect([answered.status, await answered.text()]).toEqual([200, "copied body"]);
      expect(await waitFor(() => shadow.paths.includes("/echo"), 10_000)).toBe(true);
    } finally {
      await shadow.close();
    }
  });
});

describe("gateway Worker build with an authorization server it cannot ask", () => {
  const mesh = "worker-authz";
  let controlPlane: TestControlPlane;
  let app: Backend;
  let worker: Worker | undefined;

  beforeAll(async () => {
    [controlPlane, app] = await Promise.all([startTestControlPlane(), startBackend("app")]);
  });
  afterAll(async () => {
    await worker?.dispose();
    await controlPlane?.stop();
    await app?.close();
  });

  it("answers 503 UAEX for a gRPC ext_authz server even with failureMode ALLOW, instead of passing requests unchecked", async () => {
    const { client } = controlPlane;
    await client.send(new CreateMeshCommand({ meshName: mesh }));
    await createLocalhostNodes(client, mesh, [["app", app]] as const);
    // Nothing listens there: the Worker must not even try (fetch cannot speak gRPC), whatever the failure mode says.
    await client.send(new CreateVirtualNodeCommand({ meshName: mesh, virtualNodeName: "authz", spec: { listeners: [{ portMapping: { port: 9, protocol: "grpc" } }], serviceDiscovery: { dns: { hostname: "localhost" } } } }));
    await client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } }));
    await createRoutedService(client, mesh, { service: "app.local", gateway: "gw", prefix: "/app", routes: { r: MakeWeightedRouteSpec([["app", 100]]) } });
    let url: string;
    ({ worker, url } = await startGatewayWorker(controlPlane.url, `mesh/${mesh}/virtualGateway/gw`, { XDS_POLL_MS: "200" }));
    expect(await waitFor(async () => (await fetch(`${url}/app/1`)).status === 200, 10_000)).toBe(true);
    const policy = { targetRef: { arn: `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/${mesh}/virtualGateway/gw` }, spec: { externalAuthorization: { protocol: "GRPC", backendRef: { virtualNode: { virtualNodeName: "authz" } }, failureMode: "ALLOW", timeout: { value: 1, unit: "s" } } } };
    const put = await controlPlane.request("PUT", `/v1/meshes/${mesh}/policies/authz`, { body: JSON.stringify(policy), headers: { "content-type": "application/json" } });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await waitFor(async () => (await fetch(`${url}/app/1`)).status === 503, 10_000)).toBe(true);
    const refused = await fetch(`${url}/app/1`);
    expect([refused.status, refused.headers.get("x-meshplane-flags")]).toEqual([503, "UAEX"]);
    expect(await refused.text()).toMatch(/cannot make HTTP\/2 side calls/);
  });
});

// meshplane validates what it sends, so it never emits a cluster Envoy would refuse, and App Mesh's client-error
// retry event becomes retriable-status-codes, not retriable-4xx. To drive the Worker with such resources this suite
// serves REST xDS itself: real HTTP on loopback, the protocol as Envoy speaks it, resources written by hand.
interface ScriptedRestXds {
  url: string;
  /** DiscoveryRequests received, as JSON, in order. */
  requests: Array<{ typeUrl?: string; versionInfo?: string; errorDetail?: { code?: number; message?: string } }>;
  /** Sets what a type's next responses carry. */
  serve(type: "listener" | "cluster" | "route", version: string, resources: object[]): void;
  close(): Promise<void>;
}

function startScriptedRestXds(): Promise<ScriptedRestXds> {
  const requests: ScriptedRestXds["requests"] = [];
  const served = new Map<string, { version: string; resources: object[] }>();
  const paths: Record<string, string> = { listeners: TypeUrl.listener, clusters: TypeUrl.cluster, routes: TypeUrl.route, endpoints: TypeUrl.endpoint };
  const server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      const typeUrl = paths[/discovery:(\w+)$/.exec(request.url ?? "")?.[1] ?? ""];
      if (!typeUrl) return response.writeHead(404).end();
      requests.push(JSON.parse(text) as ScriptedRestXds["requests"][number]);
      const current = served.get(typeUrl) ?? { version: "", resources: [] };
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ versionInfo: current.version, typeUrl, resources: current.resources }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        requests,
        serve: (type, version, resources) => served.set(TypeUrl[type], { version, resources: resources.map((resource) => MakeAny(type, resource)) }),
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    ),
  );
}

describe("gateway Worker build on the shared gateway core", () => {
  let xds: ScriptedRestXds;
  let plain: Backend;
  let conflicted: http.Server;
  let conflictedPort: number;
  /** Attempts per x-request-id, and the x-envoy-attempt-count each carried. */
  const attempts = new Map<string, string[]>();
  let worker: Worker;
  let url: string;
  const retryOn4xx = { retryOn: "retriable-4xx", numRetries: 2, retryBackOff: { baseInterval: "0.002s", maxInterval: "0.01s" } };
  const routes: JsonValue[] = [
    { match: { prefix: "/conflict" }, route: { cluster: "conflicted", retryPolicy: retryOn4xx } },
    { match: { prefix: "/broken" }, route: { cluster: "broken" } },
    { match: { prefix: "/" }, route: { cluster: "plain" } },
  ];

  beforeAll(async () => {
    // Answers 409 Conflict to a request's first attempt, then echoes what it was sent.
    conflicted = http.createServer((request, response) => {
      const id = String(request.headers["x-request-id"]);
      const seen = [...(attempts.get(id) ?? []), String(request.headers["x-envoy-attempt-count"] ?? "1")];
      attempts.set(id, seen);
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => response.writeHead(seen.length === 1 ? 409 : 200, { "content-type": "text/plain" }).end(Buffer.concat(chunks)));
    });
    [xds, plain, conflictedPort] = await Promise.all([
      startScriptedRestXds(),
      startBackend("plain"),
      new Promise<number>((resolve) => conflicted.listen(0, "127.0.0.1", () => resolve((conflicted.address() as net.AddressInfo).port))),
    ]);
    xds.serve("cluster", "c1", [MakeStaticCluster("plain", [plain.port]), MakeStaticCluster("conflicted", [conflictedPort])]);
    xds.serve("listener", "l1", [MakeListener("ingress", 8080, "rc")]);
    xds.serve("route", "r1", [MakeRouteConfig("rc", routes)]);
    ({ worker, url } = await startPollingGatewayWorker(xds.url, "mesh/scripted/virtualGateway/gw"));
    expect(await waitFor(async () => (await backendOf(await fetch(`${url}/`))) === "plain", 10_000)).toBe(true);
  });

  afterAll(async () => {
    await worker?.dispose();
    await xds?.close();
    await plain?.close();
    conflicted?.closeAllConnections();
    conflicted?.close();
  });

  it("retries a 409 on retriable-4xx, resending the kept request body, and marks the retry with x-envoy-attempt-count", async () => {
    const response = await fetch(`${url}/conflict/1`, { method: "POST", body: "small body", headers: { "x-request-id": "retry-4xx-small" } });
    expect([response.status, await response.text()]).toEqual([200, "small body"]);
    expect(attempts.get("retry-4xx-small")).toEqual(["1", "2"]);
  });

  it("passes a 409 through without retrying when the body streamed past the replay limit", async () => {
    const body = "y".repeat(200_000);
    const response = await fetch(`${url}/conflict/2`, { method: "POST", body, headers: { "x-request-id": "retry-4xx-large" } });
    expect([response.status, (await response.text()).length]).toEqual([409, body.length]);
    expect(attempts.get("retry-4xx-large")).toEqual(["1"]);
  });

  it("NACKs a cluster Envoy would refuse with the reason and the last accepted version, keeps serving the accepted clusters, and accepts the next valid version", async () => {
    const before = xds.requests.length;
    xds.serve("cluster", "c2", [MakeStaticCluster("plain", [plain.port]), MakeStaticCluster("conflicted", [conflictedPort]), MakeStaticCluster("broken", [plain.port], {}, "localhost")]);
    const nacked = () => xds.requests.slice(before).find((request) => request.typeUrl === TypeUrl.cluster && request.errorDetail !== undefined);
    // A Worker polls only while it serves requests (an isolate runs no timers between them).
    const pollUntil = (done: () => boolean) => waitFor(async () => (await fetch(`${url}/`).then((r) => r.arrayBuffer()), done()), 10_000);
    expect(await pollUntil(() => nacked() !== undefined)).toBe(true);
    expect(nacked()).toMatchObject({ versionInfo: "c1", errorDetail: { code: 3, message: expect.stringMatching(/cluster broken: malformed IP address: localhost/) } });
    const refused = await fetch(`${url}/broken/1`);
    expect([refused.status, refused.headers.get("x-meshplane-flags")]).toEqual([503, "NC"]);
    expect(await backendOf(await fetch(`${url}/`))).toBe("plain");
    xds.serve("cluster", "c3", [MakeStaticCluster("plain", [plain.port]), MakeStaticCluster("conflicted", [conflictedPort])]);
    const acceptedAgain = () => xds.requests.slice(before).some((request) => request.typeUrl === TypeUrl.cluster && request.versionInfo === "c3" && request.errorDetail === undefined);
    expect(await pollUntil(acceptedAgain)).toBe(true);
  });

  /** The refusal of `version` of `typeUrl` the Worker reported, once a request after `from` carries one. */
  const nackOf = (from: number, typeUrl: string) => xds.requests.slice(from).find((request) => request.typeUrl === typeUrl && request.errorDetail !== undefined);
  /** A Worker polls only while it serves requests (an isolate runs no timers between them). */
  const pollUntil = (done: () => boolean) => waitFor(async () => (await fetch(`${url}/`).then((r) => r.arrayBuffer()), done()), 10_000);
  const acceptedAgain = (from: number, typeUrl: string, version: string) => () =>
    xds.requests.slice(from).some((request) => request.typeUrl === typeUrl && request.versionInfo === version && request.errorDetail === undefined);

  it("NACKs a cluster it cannot even decode as a Cluster, with the reason, instead of failing its requests, and keeps serving the accepted clusters", async () => {
    const before = xds.requests.length;
    xds.serve("cluster", "undecodable", [MakeStaticCluster("plain", [plain.port]), MakeStaticCluster("conflicted", [conflictedPort]), MakeStaticCluster("odd", [plain.port], { connectTimeout: "soon" })]);
    expect(await pollUntil(() => nackOf(before, TypeUrl.cluster) !== undefined)).toBe(true);
    expect(nackOf(before, TypeUrl.cluster)).toMatchObject({ errorDetail: { code: 3, message: expect.stringMatching(/^cannot decode the cluster response: .*Duration from JSON: "soon"/) } });
    expect(await backendOf(await fetch(`${url}/`))).toBe("plain");
    xds.serve("cluster", "decodable", [MakeStaticCluster("plain", [plain.port]), MakeStaticCluster("conflicted", [conflictedPort])]);
    expect(await pollUntil(acceptedAgain(before, TypeUrl.cluster, "decodable"))).toBe(true);
  });

  it("NACKs a listener whose TLS comes from an SDS socket, with the reason, and keeps serving the listener it had", async () => {
    const before = xds.requests.length;
    xds.serve("listener", "spire", [MakeListener("ingress", 8080, "rc"), MakeSdsSocketTlsListener("spire", 8443, "rc")]);
    expect(await pollUntil(() => nackOf(before, TypeUrl.listener) !== undefined)).toBe(true);
    expect(nackOf(before, TypeUrl.listener)).toMatchObject({ errorDetail: { code: 3, message: "listener spire: this gateway cannot terminate its TLS: certificates from an SDS socket are not served by this gateway" } });
    expect(await backendOf(await fetch(`${url}/`))).toBe("plain");
    xds.serve("listener", "plain-again", [MakeListener("ingress", 8080, "rc")]);
    expect(await pollUntil(acceptedAgain(before, TypeUrl.listener, "plain-again"))).toBe(true);
  });
});
