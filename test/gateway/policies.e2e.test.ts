// Policies end to end with real traffic: a meshplane control plane (SQLite, in this process) translates each policy,
// the Node gateway takes it over ADS and real HTTP/gRPC servers on loopback are the backends, shadows and
// authorization servers. Each case has its own backends, router and gateway route (its own prefix) on the shared
// virtual gateway, or its own virtual gateway for listener-wide policies, so no case depends on another.
import { CreateMeshCommand, CreateVirtualGatewayCommand, CreateVirtualNodeCommand, CreateVirtualServiceCommand, CreateGatewayRouteCommand } from "@aws-sdk/client-app-mesh";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../functions/gateway/index.js";
import { startTestControlPlane, testAccountId, type TestControlPlane } from "../support/control-plane.js";
import { repoRoot } from "../support/process.js";
import { countBy, createLocalhostNodes, createRoutedService, freePort, get, MakeWeightedRouteSpec, startBackend, waitFor, type Backend } from "./support.js";

const mesh = "policy-traffic";
const arn = (rest: string) => `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/${mesh}${rest}`;

/** An HTTP server answering like startBackend, with a `server` header of its own. */
function startServerBackend(name: string): Promise<Backend & { server: http.Server }> {
  const paths: string[] = [];
  const server = http.createServer((request, response) => {
    paths.push(request.url ?? "");
    request.resume();
    response.writeHead(200, { "content-type": "application/json", server: "backend-server", "x-backend": name });
    response.end(JSON.stringify({ backend: name, path: request.url, headers: request.headers }));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ name, host: "127.0.0.1", port: (server.address() as net.AddressInfo).port, paths, server, close: () => new Promise<void>((done) => server.close(() => done())) })),
  );
}

function request(port: number, method: string, pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: "127.0.0.1", port, method, path: pathAndQuery, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

describe("gateway policies (meshplane → ADS → Node gateway → real backends)", () => {
  let plane: TestControlPlane;
  let gateway: RunningGateway;
  let port: number;
  const closers: Array<() => Promise<void> | void> = [];

  const putPolicy = async (name: string, targetArn: string, spec: unknown) => {
    const response = await plane.request("PUT", `/v1/meshes/${mesh}/policies/${name}`, { body: JSON.stringify({ targetRef: { arn: targetArn }, spec }), headers: { "content-type": "application/json" } });
    expect(response.status, await response.clone().text()).toBe(200);
  };

  /** Backends behind their own service, router and gateway route `prefix` on gateway `gw`. */
  async function routedBackends(prefix: string, names: string[], makeBackend: (name: string) => Promise<Backend> = (name) => startBackend(name)): Promise<Backend[]> {
    const backends = await Promise.all(names.map(makeBackend));
    backends.forEach((backend) => closers.push(() => backend.close()));
    await createLocalhostNodes(plane.client, mesh, backends.map((backend) => [backend.name, backend] as const));
    await createRoutedService(plane.client, mesh, { service: `${prefix.slice(1)}.local`, gateway: "gw", prefix, routes: { main: MakeWeightedRouteSpec(backends.map((backend) => [backend.name, 1] as const)) } });
    expect(await waitFor(async () => (await get(port, `${prefix}/ready`)).status === 200, 20_000)).toBe(true);
    return backends;
  }

  /** A virtual gateway of its own (listener-wide policies), served by its own gateway, routing `/` to `node`. */
  async function ownGateway(name: string, node: string): Promise<number> {
    const ownPort = await freePort();
    await plane.client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: name, spec: { listeners: [{ portMapping: { port: ownPort, protocol: "http" } }] } }));
    await plane.client.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: `${name}.local`, spec: { provider: { virtualNode: { virtualNodeName: node } } } }));
    await plane.client.send(new CreateGatewayRouteCommand({ meshName: mesh, virtualGatewayName: name, gatewayRouteName: "all", spec: { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: `${name}.local` } } } } } }));
    const running = await startGateway({ nodeId: `mesh/${mesh}/virtualGateway/${name}`, xdsAddress: `127.0.0.1:${plane.running.xdsPort}` });
    closers.push(() => running.close());
    return ownPort;
  }

  beforeAll(async () => {
    plane = await startTestControlPlane();
    port = await freePort();
    await plane.client.send(new CreateMeshCommand({ meshName: mesh }));
    await plane.client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port, protocol: "http" } }] } }));
    gateway = await startGateway({ nodeId: `mesh/${mesh}/virtualGateway/gw`, xdsAddress: `127.0.0.1:${plane.running.xdsPort}` });
  }, 60_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await gateway?.close();
    await plane?.stop();
  });

  it("aborts the configured share of requests with the configured status and delays every request by at least the fixed delay", async () => {
    await routedBackends("/fault", ["fault-a"]);
    await putPolicy("fault", arn("/virtualGateway/gw/gatewayRoute/fault-local"), { faultInjection: { abort: { httpStatus: 418, percentage: 50 }, delay: { fixed: { value: 50, unit: "ms" }, percentage: 100 } } });
    expect(await waitFor(async () => (await get(port, "/fault/x")).status === 418, 20_000)).toBe(true);
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      const reply = await get(port, "/fault/x");
      // The fixed delay is a lower bound (a sleep before the abort or the forward), not a speed measurement.
      expect(performance.now() - started).toBeGreaterThanOrEqual(45);
      if (reply.status === 418) expect(reply.flags).toBe("FI");
      statuses.push(reply.status);
    }
    const aborted = statuses.filter((status) => status === 418).length;
    expect(statuses.every((status) => status === 418 || status === 200)).toBe(true);
    // 50 % of 200: outside [60, 140] has a probability below 1e-8.
    expect(aborted).toBeGreaterThanOrEqual(60);
    expect(aborted).toBeLessThanOrEqual(140);
  });

  it("answers requests beyond the token bucket with 429 and the configured body", async () => {
    await routedBackends("/limited", ["limited-a"]);
    const target = arn("/virtualGateway/gw/gatewayRoute/limited-local");
    await putPolicy("limit", target, { rateLimit: { requests: 1, interval: { value: 3600, unit: "s" }, response: { statusCode: 429, body: "first" } } });
    expect(await waitFor(async () => (await request(port, "GET", "/limited/x")).status === 429, 20_000)).toBe(true);
    // That bucket stays empty for an hour. A changed policy is a new bucket, full: its burst passes, then its 430s.
    await putPolicy("limit", target, { rateLimit: { requests: 1, interval: { value: 3600, unit: "s" }, burst: 2, response: { statusCode: 430, body: "slow down" } } });
    const seen: number[] = [];
    for (let i = 0; i < 2000 && seen.at(-1) !== 430; i++) seen.push((await request(port, "GET", "/limited/x")).status);
    expect(seen.slice(seen.lastIndexOf(429) + 1)).toEqual([200, 200, 430]);
    const limited = await request(port, "GET", "/limited/x");
    expect([limited.status, limited.body]).toEqual([430, "slow down"]);
    expect(limited.headers["x-envoy-ratelimited"]).toBe("true");
  });

  it("adds and removes request and response headers, and the response has no server header", async () => {
    const [backend] = await routedBackends("/headers", ["headers-a"], startServerBackend);
    const before = await request(port, "GET", "/headers/x");
    expect(before.headers.server).toBe("envoy");
    await putPolicy("headers", arn("/virtualGateway/gw/gatewayRoute/headers-local"), {
      headers: { request: { set: [{ name: "x-policy", value: "on" }], remove: ["x-secret"] }, response: { add: [{ name: "x-served-by", value: "meshplane" }], remove: ["server", "x-backend"] } },
    });
    expect(await waitFor(async () => (await request(port, "GET", "/headers/x")).headers["x-served-by"] === "meshplane", 20_000)).toBe(true);
    const reply = await request(port, "GET", "/headers/x", { "x-secret": "hide me" });
    expect(reply.headers.server).toBeUndefined();
    expect(reply.headers["x-backend"]).toBeUndefined();
    const seen = JSON.parse(reply.body) as { backend: string; headers: Record<string, string> };
    expect(seen.backend).toBe(backend!.name);
    expect(seen.headers["x-policy"]).toBe("on");
    expect(seen.headers["x-secret"]).toBeUndefined();
  });

  it("answers a CORS preflight from an allowed origin with the configured policy and leaves other origins alone", async () => {
    const [backend] = await routedBackends("/cors", ["cors-a"]);
    await putPolicy("cors", arn("/virtualGateway/gw/gatewayRoute/cors-local"), {
      cors: { allowOrigins: [{ exact: "https://app.example" }, { regex: "https://.*\\.trusted\\.example" }], allowMethods: ["GET", "PUT"], allowHeaders: ["x-token"], allowCredentials: true, maxAge: { value: 600, unit: "s" } },
    });
    const preflight = { origin: "https://app.example", "access-control-request-method": "PUT" };
    expect(await waitFor(async () => (await request(port, "OPTIONS", "/cors/x", preflight)).headers["access-control-allow-origin"] === "https://app.example", 20_000)).toBe(true);
    const seenBefore = backend!.paths.length;
    const answer = await request(port, "OPTIONS", "/cors/x", preflight);
    expect(answer.status).toBe(200);
    expect(answer.headers).toMatchObject({ "access-control-allow-methods": "GET,PUT", "access-control-allow-headers": "x-token", "access-control-max-age": "600", "access-control-allow-credentials": "true" });
    expect(backend!.paths.length).toBe(seenBefore);
    const regexOrigin = await request(port, "GET", "/cors/x", { origin: "https://a.trusted.example" });
    expect(regexOrigin.headers["access-control-allow-origin"]).toBe("https://a.trusted.example");
    const other = await request(port, "OPTIONS", "/cors/x", { origin: "https://evil.example", "access-control-request-method": "PUT" });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    expect(backend!.paths.length).toBe(seenBefore + 2);
  });

  it("passes a JWT signed by the provider's key and answers an expired, wrongly signed or missing one with 401", async () => {
    const [backend] = await routedBackends("/jwt", ["jwt-a"]);
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const other = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
    await putPolicy("jwt", arn("/virtualGateway/gw/gatewayRoute/jwt-local"), {
      jwt: { providers: [{ name: "test", issuer: "https://issuer.example", audiences: ["orders"], jwks: { inline: JSON.stringify({ keys: [jwk] }) }, claimToHeaders: [{ claim: "sub", header: "x-user" }] }] },
    });
    const sign = (key: Parameters<SignJWT["sign"]>[0], expires: number) =>
      new SignJWT({ sub: "alice" }).setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer("https://issuer.example").setAudience("orders").setIssuedAt().setExpirationTime(expires).sign(key);
    const now = Math.floor(Date.now() / 1000);
    expect(await waitFor(async () => (await request(port, "GET", "/jwt/x")).status === 401, 20_000)).toBe(true);
    const valid = await request(port, "GET", "/jwt/x", { authorization: `Bearer ${await sign(privateKey, now + 600)}` });
    expect(valid.status).toBe(200);
    const seen = JSON.parse(valid.body) as { backend: string; headers: Record<string, string> };
    expect(seen.backend).toBe(backend!.name);
    expect(seen.headers["x-user"]).toBe("alice");
    expect(seen.headers.authorization).toBeUndefined();
    const expired = await request(port, "GET", "/jwt/x", { authorization: `Bearer ${await sign(privateKey, now - 3600)}` });
    expect([expired.status, expired.body]).toEqual([401, "Jwt is expired"]);
    const forged = await request(port, "GET", "/jwt/x", { authorization: `Bearer ${await sign(other.privateKey, now + 600)}` });
    expect([forged.status, forged.body]).toEqual([401, "Jwt verification fails"]);
    const missing = await request(port, "GET", "/jwt/x");
    expect([missing.status, missing.body]).toEqual([401, "Jwt is missing"]);
  });

  it("mirrors requests to the shadow backend and discards its responses", async () => {
    const [backend] = await routedBackends("/mirror", ["mirror-a"]);
    const shadow = await startBackend("mirror-shadow");
    closers.push(() => shadow.close());
    await createLocalhostNodes(plane.client, mesh, [["mirror-shadow", shadow]]);
    await putPolicy("mirror", arn("/virtualGateway/gw/gatewayRoute/mirror-local"), { mirror: { backendRef: { virtualNode: { virtualNodeName: "mirror-shadow" } }, percentage: 100 } });
    expect(await waitFor(async () => (await get(port, "/mirror/probe")).status === 200 && shadow.paths.includes("/probe"), 20_000)).toBe(true);
    const reply = await get(port, "/mirror/once");
    expect(reply.backend).toBe(backend!.name);
    // The copy is the request as forwarded (after the gateway route's prefix rewrite); its answer went nowhere.
    expect(await waitFor(() => shadow.paths.includes("/once"), 10_000)).toBe(true);
  });

  it("keeps each header value's requests on one instance with ring hash", async () => {
    // Envoy reaches a Cloud Map instance on its node's listener port: three loopback addresses, one port.
    const ringPort = await freePort();
    const backends = await Promise.all([1, 2, 3].map((n) => startBackend(`ring-${n}`, { host: `127.0.0.${n}`, port: ringPort })));
    backends.forEach((backend) => closers.push(() => backend.close()));
    await plane.client.send(new CreateVirtualNodeCommand({ meshName: mesh, virtualNodeName: "ring", spec: { listeners: [{ portMapping: { port: ringPort, protocol: "http" } }], serviceDiscovery: { awsCloudMap: { namespaceName: mesh, serviceName: "ring" } } } }));
    for (const backend of backends) {
      const response = await plane.request("PUT", `/v1/endpoints/${mesh}/ring/${backend.name}`, { body: JSON.stringify({ address: backend.host, port: ringPort }), headers: { "content-type": "application/json" } });
      expect(response.ok).toBe(true);
    }
    await createRoutedService(plane.client, mesh, { service: "ring.local", gateway: "gw", prefix: "/ring", routes: { main: MakeWeightedRouteSpec([["ring", 1]]) } });
    await putPolicy("ring", arn("/virtualNode/ring"), { loadBalancing: { algorithm: "RING_HASH", hashKeys: [{ header: { name: "x-user" } }] } });
    const spread = async (headers: Record<string, string>) => countBy(await Promise.all(Array.from({ length: 12 }, () => get(port, "/ring/x", headers))), (reply) => reply.backend ?? `status ${reply.status}`);
    // Without the key a ring-hash cluster picks at random: all three instances answer once EDS has them all.
    expect(await waitFor(async () => Object.keys(await spread({})).length === 3, 20_000)).toBe(true);
    const chosen = new Set<string>();
    for (const user of ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"]) {
      const counts = await spread({ "x-user": user });
      expect(Object.keys(counts)).toHaveLength(1);
      chosen.add(Object.keys(counts)[0]!);
    }
    // Different keys land on different instances (8 keys on one of 3 instances: probability 3/3^8).
    expect(chosen.size).toBeGreaterThan(1);
  });

  it("asks an HTTP authorization server, forwarding what it allows and answering its denial", async () => {
    const backend = await startBackend("authz-http-app");
    closers.push(() => backend.close());
    const checks: string[] = [];
    const authz = http.createServer((incoming, response) => {
      checks.push(`${incoming.method} ${incoming.url}`);
      incoming.resume();
      if (incoming.headers.authorization === "let-me-in") response.writeHead(200, { "x-authz-user": "bob" }).end();
      else response.writeHead(403, { "content-type": "text/plain", "x-authz": "denied" }).end("not you");
    });
    await new Promise<void>((resolve) => authz.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise<void>((resolve) => authz.close(() => resolve())));
    const authzPort = (authz.address() as net.AddressInfo).port;
    await createLocalhostNodes(plane.client, mesh, [["authz-http-app", backend], ["authz-http", { name: "authz-http", host: "127.0.0.1", port: authzPort, paths: [], close: async () => {} }]]);
    const ownPort = await ownGateway("authz-http-gw", "authz-http-app");
    await putPolicy("authz-http", arn("/virtualGateway/authz-http-gw"), {
      externalAuthorization: { protocol: "HTTP", backendRef: { virtualNode: { virtualNodeName: "authz-http" } }, pathPrefix: "/check", forwardUpstreamHeaders: ["x-authz-user"], timeout: { value: 2, unit: "s" } },
    });
    expect(await waitFor(async () => (await request(ownPort, "GET", "/x")).status === 403, 30_000)).toBe(true);
    const denied = await request(ownPort, "GET", "/orders?id=1");
    expect([denied.status, denied.body, denied.headers["x-authz"]]).toEqual([403, "not you", "denied"]);
    expect(checks).toContain("GET /check/orders?id=1");
    const allowed = await request(ownPort, "GET", "/orders", { authorization: "let-me-in" });
    expect(allowed.status).toBe(200);
    expect((JSON.parse(allowed.body) as { headers: Record<string, string> }).headers["x-authz-user"]).toBe("bob");
  });

  it("asks a gRPC authorization server (envoy.service.auth.v3) and follows its OK and its denial", async () => {
    const backend = await startBackend("authz-grpc-app");
    closers.push(() => backend.close());
    const definition = protoLoader.loadSync("envoy/service/auth/v3/external_auth.proto", { includeDirs: [path.join(repoRoot, "proto/vendor")], keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as { envoy: { service: { auth: { v3: { Authorization: { service: grpc.ServiceDefinition } } } } } };
    const server = new grpc.Server();
    server.addService(loaded.envoy.service.auth.v3.Authorization.service, {
      Check: (call: grpc.ServerUnaryCall<{ attributes: { request: { http: { headers: Record<string, string>; path: string } } } }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const httpRequest = call.request.attributes.request.http;
        if (httpRequest.headers["x-ticket"] === "valid") {
          callback(null, { status: { code: 0 }, okResponse: { headers: [{ header: { key: "x-checked", value: httpRequest.path } }] } });
        } else {
          callback(null, { status: { code: 7 }, deniedResponse: { status: { code: 401 }, body: "no ticket", headers: [{ header: { key: "x-denied-by", value: "grpc" } }] } });
        }
      },
    });
    const grpcPort = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    closers.push(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
    await createLocalhostNodes(plane.client, mesh, [["authz-grpc-app", backend]]);
    await plane.client.send(new CreateVirtualNodeCommand({ meshName: mesh, virtualNodeName: "authz-grpc", spec: { listeners: [{ portMapping: { port: grpcPort, protocol: "grpc" } }], serviceDiscovery: { dns: { hostname: "localhost" } } } }));
    const ownPort = await ownGateway("authz-grpc-gw", "authz-grpc-app");
    await putPolicy("authz-grpc", arn("/virtualGateway/authz-grpc-gw"), { externalAuthorization: { protocol: "GRPC", backendRef: { virtualNode: { virtualNodeName: "authz-grpc" } }, timeout: { value: 2, unit: "s" } } });
    expect(await waitFor(async () => (await request(ownPort, "GET", "/x")).status === 401, 30_000)).toBe(true);
    const denied = await request(ownPort, "GET", "/x");
    expect([denied.status, denied.body, denied.headers["x-denied-by"]]).toEqual([401, "no ticket", "grpc"]);
    const allowed = await request(ownPort, "GET", "/paid", { "x-ticket": "valid" });
    expect(allowed.status).toBe(200);
    expect((JSON.parse(allowed.body) as { headers: Record<string, string> }).headers["x-checked"]).toBe("/paid");
  });
});
