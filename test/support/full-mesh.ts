// A mesh that uses every feature of the App Mesh model at least once (TLS with file, SDS and ACM; health
// checks; outlier detection; connection pools and timeouts of every protocol; retries; header, query, method,
// scheme and port matching; gateway route hostname, prefix and path rewrites; Cloud Map and DNS discovery;
// access log formats; tags), as API inputs, in apply order; and a way to create it through the AWS SDK.
import type { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { nameMembers, sendResourceCommand } from "./sdk-resource-commands.js";
import type { WantedResource } from "../../functions/migrate/index.js";

const mesh = "full";
const resource = (kind: WantedResource["kind"], name: string, spec: Record<string, unknown>, extra: Partial<WantedResource> = {}): WantedResource => ({
  kind,
  meshName: mesh,
  parentName: "",
  name,
  spec,
  tags: [],
  ...extra,
});
const seconds = (value: number) => ({ unit: "s", value });
const caArn = "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/ca-1";
const httpHealth = { protocol: "http", path: "/health", healthyThreshold: 2, unhealthyThreshold: 3, timeoutMillis: 2000, intervalMillis: 5000, port: 8080 };

export const fullMesh: WantedResource[] = [
  resource("mesh", mesh, { egressFilter: { type: "ALLOW_ALL" }, serviceDiscovery: { ipPreference: "IPv4_PREFERRED" } }, { tags: [{ key: "team", value: "platform" }, { key: "env", value: "test" }] }),
  resource("virtualNode", "backend-v1", {
    listeners: [
      {
        portMapping: { port: 8080, protocol: "http" },
        healthCheck: httpHealth,
        outlierDetection: { maxServerErrors: 5, interval: seconds(10), baseEjectionDuration: seconds(30), maxEjectionPercent: 50 },
        connectionPool: { http: { maxConnections: 100, maxPendingRequests: 10 } },
        timeout: { http: { idle: seconds(60), perRequest: { unit: "ms", value: 15000 } } },
        tls: {
          mode: "STRICT",
          certificate: { file: { certificateChain: "/certs/backend.pem", privateKey: "/certs/backend.key" } },
          validation: { trust: { sds: { secretName: "spiffe://full/ca" } }, subjectAlternativeNames: { match: { exact: ["spiffe://full/front"] } } },
        },
      },
    ],
    serviceDiscovery: { awsCloudMap: { namespaceName: "full.local", serviceName: "backend", attributes: [{ key: "version", value: "v1" }], ipPreference: "IPv6_PREFERRED" } },
    logging: { accessLog: { file: { path: "/dev/stdout", format: { json: [{ key: "start", value: "%START_TIME%" }, { key: "code", value: "%RESPONSE_CODE%" }] } } } },
  }, { tags: [{ key: "version", value: "v1" }] }),
  resource("virtualNode", "backend-canary", {
    listeners: [{ portMapping: { port: 8080, protocol: "http" }, healthCheck: httpHealth }],
    serviceDiscovery: { dns: { hostname: "canary.full.svc", responseType: "LOADBALANCER" } },
  }),
  resource("virtualNode", "backend-grpc", {
    listeners: [
      {
        portMapping: { port: 9090, protocol: "grpc" },
        healthCheck: { protocol: "grpc", healthyThreshold: 2, unhealthyThreshold: 2, timeoutMillis: 2000, intervalMillis: 5000 },
        connectionPool: { grpc: { maxRequests: 200 } },
        timeout: { grpc: { idle: seconds(300), perRequest: seconds(5) } },
        tls: { mode: "PERMISSIVE", certificate: { acm: { certificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/backend-grpc" } } },
      },
    ],
    serviceDiscovery: { dns: { hostname: "grpc.full.svc", responseType: "ENDPOINTS", ipPreference: "IPv4_ONLY" } },
    logging: { accessLog: { file: { path: "/var/log/envoy.log", format: { text: "[%START_TIME%] %REQ(:METHOD)% %RESPONSE_CODE%\n" } } } },
  }),
  resource("virtualNode", "db", {
    listeners: [{ portMapping: { port: 5432, protocol: "tcp" }, connectionPool: { tcp: { maxConnections: 50 } }, timeout: { tcp: { idle: seconds(600) } } }],
    serviceDiscovery: { dns: { hostname: "db.full.svc" } },
  }),
  resource("virtualNode", "front", {
    listeners: [{ portMapping: { port: 80, protocol: "http2" }, connectionPool: { http2: { maxRequests: 100 } }, timeout: { http2: { perRequest: seconds(20) } } }],
    serviceDiscovery: { dns: { hostname: "front.full.svc" } },
    backends: [
      {
        virtualService: {
          virtualServiceName: "backend.full.local",
          clientPolicy: {
            tls: {
              enforce: true,
              ports: [8080],
              certificate: { sds: { secretName: "spiffe://full/front" } },
              validation: { trust: { acm: { certificateAuthorityArns: [caArn] } }, subjectAlternativeNames: { match: { exact: ["backend.full.local"] } } },
            },
          },
        },
      },
      { virtualService: { virtualServiceName: "external.example.com" } },
    ],
    backendDefaults: { clientPolicy: { tls: { validation: { trust: { file: { certificateChain: "/certs/ca.pem" } } } } } },
  }),
  resource("virtualRouter", "backend-router", { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] }),
  resource("virtualRouter", "grpc-router", { listeners: [{ portMapping: { port: 9090, protocol: "grpc" } }] }),
  resource("virtualRouter", "tcp-router", { listeners: [{ portMapping: { port: 5432, protocol: "tcp" } }] }),
  resource("virtualGateway", "edge", {
    listeners: [
      {
        portMapping: { port: 443, protocol: "http" },
        healthCheck: { protocol: "http", path: "/ping", healthyThreshold: 2, unhealthyThreshold: 2, timeoutMillis: 2000, intervalMillis: 5000 },
        connectionPool: { http: { maxConnections: 1000, maxPendingRequests: 100 } },
        tls: {
          mode: "STRICT",
          certificate: { sds: { secretName: "edge-cert" } },
          validation: { trust: { file: { certificateChain: "/certs/clients.pem" } }, subjectAlternativeNames: { match: { exact: ["client.example.com"] } } },
        },
      },
    ],
    backendDefaults: {
      clientPolicy: {
        tls: {
          enforce: true,
          ports: [8080, 9090],
          certificate: { file: { certificateChain: "/certs/edge.pem", privateKey: "/certs/edge.key" } },
          validation: { trust: { acm: { certificateAuthorityArns: [caArn] } } },
        },
      },
    },
    logging: { accessLog: { file: { path: "/dev/stdout" } } },
  }, { tags: [{ key: "exposure", value: "public" }] }),
  resource("virtualGateway", "grpc-edge", { listeners: [{ portMapping: { port: 50051, protocol: "grpc" }, connectionPool: { grpc: { maxRequests: 100 } } }] }),
  resource("virtualService", "backend.full.local", { provider: { virtualRouter: { virtualRouterName: "backend-router" } } }),
  resource("virtualService", "grpc.full.local", { provider: { virtualRouter: { virtualRouterName: "grpc-router" } } }),
  resource("virtualService", "db.full.local", { provider: { virtualRouter: { virtualRouterName: "tcp-router" } } }),
  resource("virtualService", "front.full.local", { provider: { virtualNode: { virtualNodeName: "front" } } }, { tags: [{ key: "tier", value: "web" }] }),
  resource("route", "by-header", {
    priority: 10,
    httpRoute: {
      match: {
        prefix: "/",
        method: "POST",
        scheme: "https",
        port: 8080,
        headers: [
          { name: "x-canary", match: { exact: "yes" } },
          { name: "x-range", match: { range: { start: 1, end: 100 } } },
          { name: "x-skip", invert: true, match: { prefix: "no" } },
          { name: "x-suffix", match: { suffix: "-beta" } },
        ],
        queryParameters: [{ name: "debug", match: { exact: "1" } }],
      },
      action: { weightedTargets: [{ virtualNode: "backend-v1", weight: 90, port: 8080 }, { virtualNode: "backend-canary", weight: 10 }] },
      retryPolicy: { maxRetries: 3, perRetryTimeout: { unit: "ms", value: 2000 }, httpRetryEvents: ["server-error", "gateway-error"], tcpRetryEvents: ["connection-error"] },
      timeout: { idle: seconds(30), perRequest: seconds(10) },
    },
  }, { parentName: "backend-router", tags: [{ key: "purpose", value: "canary" }] }),
  resource("route", "by-path", { priority: 20, httpRoute: { match: { path: { regex: "^/api/v[0-9]+/.*$" } }, action: { weightedTargets: [{ virtualNode: "backend-v1", weight: 1 }] } } }, { parentName: "backend-router" }),
  resource("route", "exact-path", { httpRoute: { match: { path: { exact: "/healthz" } }, action: { weightedTargets: [{ virtualNode: "backend-canary", weight: 1 }] } } }, { parentName: "backend-router" }),
  resource("route", "grpc", {
    priority: 5,
    grpcRoute: {
      match: {
        serviceName: "pkg.Backend",
        methodName: "Get",
        port: 9090,
        metadata: [
          { name: "tenant", match: { suffix: "-prod" } },
          { name: "version", match: { range: { start: 1, end: 3 } } },
          { name: "region", invert: true, match: { regex: "^eu-.*" } },
        ],
      },
      action: { weightedTargets: [{ virtualNode: "backend-grpc", weight: 1 }] },
      retryPolicy: { maxRetries: 2, perRetryTimeout: seconds(1), grpcRetryEvents: ["unavailable", "cancelled"] },
      timeout: { perRequest: seconds(3) },
    },
  }, { parentName: "grpc-router" }),
  resource("route", "tcp", { tcpRoute: { match: { port: 5432 }, action: { weightedTargets: [{ virtualNode: "db", weight: 1 }] }, timeout: { idle: seconds(900) } } }, { parentName: "tcp-router" }),
  resource("gatewayRoute", "api", {
    priority: 1,
    httpRoute: {
      match: {
        prefix: "/api/",
        method: "GET",
        port: 443,
        hostname: { suffix: ".example.com" },
        headers: [{ name: "x-tenant", match: { exact: "a" } }],
        queryParameters: [{ name: "v", match: { exact: "2" } }],
      },
      action: { target: { virtualService: { virtualServiceName: "backend.full.local" }, port: 8080 }, rewrite: { prefix: { value: "/v2/" }, hostname: { defaultTargetHostname: "DISABLED" } } },
    },
  }, { parentName: "edge", tags: [{ key: "owner", value: "api-team" }] }),
  resource("gatewayRoute", "login", {
    httpRoute: { match: { path: { exact: "/login" } }, action: { target: { virtualService: { virtualServiceName: "front.full.local" } }, rewrite: { path: { exact: "/auth/login" } } } },
  }, { parentName: "edge" }),
  resource("gatewayRoute", "www", {
    httpRoute: { match: { hostname: { exact: "www.example.com" } }, action: { target: { virtualService: { virtualServiceName: "front.full.local" } }, rewrite: { hostname: { defaultTargetHostname: "ENABLED" } } } },
  }, { parentName: "edge" }),
  resource("gatewayRoute", "grpc", {
    grpcRoute: {
      match: { serviceName: "pkg.Backend", hostname: { exact: "grpc.example.com" }, metadata: [{ name: "x-env", match: { exact: "prod" } }] },
      action: { target: { virtualService: { virtualServiceName: "grpc.full.local" } }, rewrite: { hostname: { defaultTargetHostname: "ENABLED" } } },
    },
  }, { parentName: "grpc-edge" }),
];

/** Creates the full mesh through the SDK, one call per resource, in apply order. */
export async function createFullMesh(client: AppMeshClient): Promise<void> {
  for (const wanted of fullMesh) {
    const tags = wanted.tags ?? [];
    await sendResourceCommand(client, "create", wanted.kind, { ...nameMembers(wanted), spec: wanted.spec, ...(tags.length > 0 ? { tags } : {}) });
  }
}

/** Deletes every resource of a mesh and the mesh, through the SDK (routes first, mesh last). */
export async function deleteMeshThroughApi(client: AppMeshClient, resources: readonly WantedResource[]): Promise<void> {
  const order = ["gatewayRoute", "route", "virtualService", "virtualGateway", "virtualRouter", "virtualNode", "mesh"] as const;
  for (const kind of order) {
    for (const wanted of resources.filter((item) => item.kind === kind)) await sendResourceCommand(client, "delete", kind, nameMembers(wanted));
  }
}
