// The user guide's scenarios as snapshots: each names the nodes whose resources are the golden output.
import type { MeshSnapshot } from "../../../../functions/appmesh/snapshot.js";
import type { NodeIdentity } from "../../../../functions/envoy/index.js";
import type { TranslateOptions } from "../../../../functions/xds/translate/index.js";
import {
  MakeDnsNode,
  MakeEndpoint,
  MakeGatewayRoute,
  MakeMesh,
  MakeRoute,
  MakeSnapshot,
  MakeVirtualGateway,
  MakeVirtualNode,
  MakeVirtualRouter,
  MakeVirtualService,
  MESH,
} from "../fixtures.js";

export interface Scenario {
  name: string;
  snapshot: MeshSnapshot;
  nodes: NodeIdentity[];
  options?: TranslateOptions;
  apiListeners?: string[];
}

const vn = (name: string): NodeIdentity => ({ meshName: MESH, kind: "virtualNode", name });
const vg = (name: string): NodeIdentity => ({ meshName: MESH, kind: "virtualGateway", name });
const backend = (virtualServiceName: string) => ({ virtualService: { virtualServiceName } });
const routerService = (name: string, router: string) => MakeVirtualService(name, { provider: { virtualRouter: { virtualRouterName: router } } });
const nodeService = (name: string, node: string) => MakeVirtualService(name, { provider: { virtualNode: { virtualNodeName: node } } });
const httpRouter = (name: string, port = 80, protocol: "http" | "http2" | "grpc" | "tcp" = "http") =>
  MakeVirtualRouter(name, { listeners: [{ portMapping: { port, protocol } }] });

/** serviceA → serviceB, 75 % serviceB / 25 % serviceBv2 (the guide's canary walkthrough). */
const weightedTargets: Scenario = {
  name: "weighted-targets",
  nodes: [vn("serviceA")],
  snapshot: MakeSnapshot({
    virtualNodes: [
      MakeDnsNode("serviceA", 80, "http", { backends: [backend("serviceb.app.local")] }),
      MakeDnsNode("serviceB", 80, "http"),
      MakeDnsNode("serviceBv2", 80, "http"),
    ],
    virtualServices: [routerService("serviceb.app.local", "serviceB")],
    virtualRouters: [httpRouter("serviceB")],
    routes: [
      MakeRoute("serviceB", "serviceB-route", {
        httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "serviceB", weight: 75 }, { virtualNode: "serviceBv2", weight: 25 }] } },
      }),
    ],
  }),
};

/** Header-based canary with priorities: the header route (priority 1) wins over the catch-all (priority 10). */
const headerPriority: Scenario = {
  name: "header-priority",
  nodes: [vn("client")],
  snapshot: MakeSnapshot({
    virtualNodes: [MakeDnsNode("client", 8080, "http", { backends: [backend("color.app.local")] }), MakeDnsNode("blue", 80, "http"), MakeDnsNode("red", 80, "http")],
    virtualServices: [routerService("color.app.local", "color")],
    virtualRouters: [httpRouter("color")],
    routes: [
      MakeRoute("color", "default", { priority: 10, httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "blue", weight: 1 }] } } }),
      MakeRoute("color", "canary-header", {
        priority: 1,
        httpRoute: {
          match: {
            prefix: "/",
            headers: [
              { name: "color_header", match: { exact: "red" } },
              { name: "x-user-id", match: { range: { start: 100, end: 150 } } },
              { name: "x-debug", invert: true },
            ],
            method: "POST",
            queryParameters: [{ name: "canary", match: { exact: "1" } }, { name: "trace" }],
          },
          action: { weightedTargets: [{ virtualNode: "red", weight: 1 }] },
        },
      }),
      MakeRoute("color", "paths", { httpRoute: { match: { path: { regex: "/v[0-9]+/paint" } }, action: { weightedTargets: [{ virtualNode: "red", weight: 1 }] } } }),
      MakeRoute("color", "exact", { httpRoute: { match: { path: { exact: "/health" } }, action: { weightedTargets: [{ virtualNode: "blue", weight: 1 }] } } }),
    ],
  }),
};

/** Explicit retry policy and timeouts on a route. */
const retryPolicy: Scenario = {
  name: "retry-policy",
  nodes: [vn("client")],
  snapshot: MakeSnapshot({
    virtualNodes: [MakeDnsNode("client", 8080, "http", { backends: [backend("b.app.local")] }), MakeDnsNode("b", 80, "http")],
    virtualServices: [routerService("b.app.local", "b")],
    virtualRouters: [httpRouter("b")],
    routes: [
      MakeRoute("b", "retrying", {
        httpRoute: {
          match: { prefix: "/" },
          action: { weightedTargets: [{ virtualNode: "b", weight: 1 }] },
          retryPolicy: {
            maxRetries: 4,
            perRetryTimeout: { value: 2, unit: "s" },
            httpRetryEvents: ["gateway-error", "client-error", "stream-error"],
            tcpRetryEvents: ["connection-error"],
          },
          timeout: { perRequest: { value: 30, unit: "s" }, idle: { value: 60000, unit: "ms" } },
        },
      }),
    ],
  }),
};

/** gRPC route by service and method, with metadata; gRPC upstreams speak HTTP/2. */
const grpcRoute: Scenario = {
  name: "grpc-route",
  nodes: [vn("client")],
  snapshot: MakeSnapshot({
    virtualNodes: [MakeDnsNode("client", 8080, "grpc", { backends: [backend("colors.app.local")] }), MakeDnsNode("color-server", 8080, "grpc")],
    virtualServices: [routerService("colors.app.local", "colors")],
    virtualRouters: [httpRouter("colors", 8080, "grpc")],
    routes: [
      MakeRoute("colors", "get-color", {
        grpcRoute: {
          match: { serviceName: "color.ColorService", methodName: "GetColor", metadata: [{ name: "tenant", match: { prefix: "blue" } }] },
          action: { weightedTargets: [{ virtualNode: "color-server", weight: 100 }] },
          retryPolicy: { maxRetries: 3, perRetryTimeout: { value: 500, unit: "ms" }, grpcRetryEvents: ["unavailable", "deadline-exceeded"], httpRetryEvents: ["server-error"] },
        },
      }),
      MakeRoute("colors", "color-service", {
        grpcRoute: { match: { serviceName: "color.ColorService" }, action: { weightedTargets: [{ virtualNode: "color-server", weight: 100 }] } },
      }),
    ],
  }),
};

/** TCP route splitting connections between two nodes; a TCP listener on the client too. */
const tcpRoute: Scenario = {
  name: "tcp-route",
  nodes: [vn("client"), vn("redis")],
  snapshot: MakeSnapshot({
    virtualNodes: [
      MakeDnsNode("client", 8080, "http", { backends: [backend("redis.app.local")] }),
      MakeDnsNode("redis", 6379, "tcp", { listeners: [{ portMapping: { port: 6379, protocol: "tcp" }, timeout: { tcp: { idle: { value: 600, unit: "s" } } }, connectionPool: { tcp: { maxConnections: 50 } } }] }),
      MakeDnsNode("redis-replica", 6379, "tcp"),
    ],
    virtualServices: [routerService("redis.app.local", "redis")],
    virtualRouters: [httpRouter("redis", 6379, "tcp")],
    routes: [
      MakeRoute("redis", "split", {
        tcpRoute: { action: { weightedTargets: [{ virtualNode: "redis", weight: 90 }, { virtualNode: "redis-replica", weight: 10 }, { virtualNode: "redis", weight: 0 }] }, timeout: { idle: { value: 120, unit: "s" } } },
      }),
    ],
  }),
};

const gatewayBase = {
  virtualNodes: [MakeDnsNode("bookinfo", 9080, "http"), MakeDnsNode("hot", 80, "http"), MakeDnsNode("ratings", 8080, "grpc")],
  virtualServices: [nodeService("bookinfo.app.local", "bookinfo"), routerService("hot.app.local", "hot"), nodeService("ratings.app.local", "ratings")],
  virtualRouters: [httpRouter("hot")],
  routes: [
    MakeRoute("hot", "hot-route", {
      httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "hot", weight: 1 }] }, timeout: { perRequest: { value: 45, unit: "s" } } },
    }),
  ],
};

/** A gateway with the guide's `/chapter` prefix (default rewrite to `/`), a DISABLED rewrite, a value rewrite and an exact-path rewrite. */
const gatewayPrefixRewrite: Scenario = {
  name: "gateway-prefix-rewrite",
  nodes: [vg("ingress-gw")],
  snapshot: MakeSnapshot({
    ...gatewayBase,
    virtualGateways: [MakeVirtualGateway("ingress-gw", { listeners: [{ portMapping: { port: 8080, protocol: "http" }, connectionPool: { http: { maxConnections: 100, maxPendingRequests: 10 } } }] })],
    gatewayRoutes: [
      MakeGatewayRoute("ingress-gw", "chapter", { httpRoute: { match: { prefix: "/chapter" }, action: { target: { virtualService: { virtualServiceName: "bookinfo.app.local" } } } } }),
      MakeGatewayRoute("ingress-gw", "hot", {
        httpRoute: { match: { prefix: "/hot/" }, action: { target: { virtualService: { virtualServiceName: "hot.app.local" } }, rewrite: { prefix: { defaultPrefix: "DISABLED" } } } },
      }),
      MakeGatewayRoute("ingress-gw", "v2", {
        priority: 5,
        httpRoute: { match: { prefix: "/v2" }, action: { target: { virtualService: { virtualServiceName: "hot.app.local" } }, rewrite: { prefix: { value: "/api" } } } },
      }),
      MakeGatewayRoute("ingress-gw", "status", {
        httpRoute: { match: { path: { exact: "/status" } }, action: { target: { virtualService: { virtualServiceName: "bookinfo.app.local" } }, rewrite: { path: { exact: "/health" } } } },
      }),
    ],
  }),
};

/** Hostname rewrite disabled (the target travels in a header to `default_backend`), and a gRPC gateway route matched by hostname. */
const gatewayHostnameDisabled: Scenario = {
  name: "gateway-hostname-rewrite-disabled",
  nodes: [vg("edge")],
  snapshot: MakeSnapshot({
    ...gatewayBase,
    virtualGateways: [
      MakeVirtualGateway("edge", {
        listeners: [{ portMapping: { port: 8080, protocol: "http" } }, { portMapping: { port: 9090, protocol: "grpc" } }],
        logging: { accessLog: { file: { path: "/dev/stdout" } } },
      }),
    ],
    gatewayRoutes: [
      MakeGatewayRoute("edge", "hot-keep-host", {
        httpRoute: {
          match: { prefix: "/", port: 8080, hostname: { suffix: ".example.com" } },
          action: { target: { virtualService: { virtualServiceName: "hot.app.local" } }, rewrite: { hostname: { defaultTargetHostname: "DISABLED" } } },
        },
      }),
      MakeGatewayRoute("edge", "ratings", {
        grpcRoute: {
          match: { serviceName: "ratings.Ratings", port: 9090, hostname: { exact: "ratings.example.com" }, metadata: [{ name: "x-tenant", match: { exact: "a" } }] },
          action: { target: { virtualService: { virtualServiceName: "ratings.app.local" } } },
        },
      }),
    ],
  }),
};

const tlsServerNode = (name: string, tls: NonNullable<NonNullable<Parameters<typeof MakeVirtualNode>[1]["listeners"]>[number]["tls"]>) =>
  MakeVirtualNode(name, { listeners: [{ portMapping: { port: 443, protocol: "http" }, tls }], serviceDiscovery: { dns: { hostname: `${name}.app.local` } } });

/** TLS with file certificates: STRICT server; client validates with a file CA and explicit SANs. */
const tlsFile: Scenario = {
  name: "tls-file",
  nodes: [vn("server"), vn("client")],
  snapshot: MakeSnapshot({
    virtualNodes: [
      tlsServerNode("server", { mode: "STRICT", certificate: { file: { certificateChain: "/certs/server_cert_chain.pem", privateKey: "/certs/server_key.pem" } } }),
      MakeDnsNode("client", 8080, "http", {
        backends: [backend("server.app.local")],
        backendDefaults: {
          clientPolicy: { tls: { validation: { trust: { file: { certificateChain: "/certs/ca_cert.pem" } }, subjectAlternativeNames: { match: { exact: ["server.app.local"] } } } } },
        },
      }),
    ],
    virtualServices: [nodeService("server.app.local", "server")],
  }),
};

/** SDS certificates and mutual TLS; a PERMISSIVE ACM listener whose certificate is served over ADS. */
const tlsSdsMtls: Scenario = {
  name: "tls-sds-mtls",
  nodes: [vn("server"), vn("client"), vn("legacy")],
  options: {
    acm: {
      certificates: { "arn:aws:acm:us-east-1:111122223333:certificate/legacy": { certificateChain: "-----BEGIN CERTIFICATE-----\nLEGACY\n-----END CERTIFICATE-----\n", privateKey: "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n" } },
      certificateAuthorities: { "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/root": "-----BEGIN CERTIFICATE-----\nROOT\n-----END CERTIFICATE-----\n" },
    },
  },
  snapshot: MakeSnapshot({
    virtualNodes: [
      tlsServerNode("server", {
        mode: "STRICT",
        certificate: { sds: { secretName: "spiffe://app.local/server" } },
        validation: { trust: { sds: { secretName: "spiffe://app.local" } }, subjectAlternativeNames: { match: { exact: ["spiffe://app.local/client"] } } },
      }),
      tlsServerNode("legacy", { mode: "PERMISSIVE", certificate: { acm: { certificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/legacy" } } }),
      MakeDnsNode("client", 8080, "http", {
        backends: [
          backend("server.app.local"),
          {
            virtualService: {
              virtualServiceName: "legacy.app.local",
              clientPolicy: { tls: { validation: { trust: { acm: { certificateAuthorityArns: ["arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/root"] } } } } },
            },
          },
        ],
        backendDefaults: {
          clientPolicy: {
            tls: {
              ports: [443],
              certificate: { sds: { secretName: "spiffe://app.local/client" } },
              validation: { trust: { sds: { secretName: "spiffe://app.local" } }, subjectAlternativeNames: { match: { exact: ["spiffe://app.local/server"] } } },
            },
          },
        },
      }),
    ],
    virtualServices: [nodeService("server.app.local", "server"), nodeService("legacy.app.local", "legacy")],
  }),
};

const egressFilter = (type: "ALLOW_ALL" | "DROP_ALL"): Scenario => ({
  name: `egress-${type === "ALLOW_ALL" ? "allow-all" : "drop-all"}`,
  nodes: [vn("client")],
  snapshot: MakeSnapshot({
    mesh: MakeMesh({ egressFilter: { type } }),
    virtualNodes: [MakeDnsNode("client", 8080, "http", { backends: [backend("b.app.local")] }), MakeDnsNode("b", 80, "http")],
    virtualServices: [nodeService("b.app.local", "b")],
  }),
});

/** A node with HTTP, gRPC and TCP listeners, each with its pool, timeouts, health check and outlier detection; access logs in JSON. */
const multipleListeners: Scenario = {
  name: "multiple-listeners",
  nodes: [vn("multi"), vn("client")],
  snapshot: MakeSnapshot({
    virtualNodes: [
      MakeVirtualNode("multi", {
        serviceDiscovery: { dns: { hostname: "multi.app.local", responseType: "ENDPOINTS" } },
        logging: { accessLog: { file: { path: "/dev/stdout", format: { json: [{ key: "status", value: "%RESPONSE_CODE%" }, { key: "path", value: "%REQ(:PATH)%" }] } } } },
        listeners: [
          {
            portMapping: { port: 8080, protocol: "http" },
            connectionPool: { http: { maxConnections: 100, maxPendingRequests: 50 } },
            timeout: { http: { perRequest: { value: 0, unit: "s" }, idle: { value: 600, unit: "s" } } },
            healthCheck: { protocol: "http", path: "/ping", intervalMillis: 5000, timeoutMillis: 2000, healthyThreshold: 2, unhealthyThreshold: 3 },
            outlierDetection: { maxServerErrors: 5, interval: { value: 10, unit: "s" }, baseEjectionDuration: { value: 30, unit: "s" }, maxEjectionPercent: 50 },
          },
          {
            portMapping: { port: 9090, protocol: "grpc" },
            connectionPool: { grpc: { maxRequests: 200 } },
            healthCheck: { protocol: "grpc", intervalMillis: 10000, timeoutMillis: 5000, healthyThreshold: 2, unhealthyThreshold: 2, port: 9091 },
          },
          { portMapping: { port: 6379, protocol: "tcp" }, healthCheck: { protocol: "tcp", intervalMillis: 30000, timeoutMillis: 5000, healthyThreshold: 3, unhealthyThreshold: 3 } },
        ],
      }),
      MakeDnsNode("client", 8080, "http", {
        backends: [backend("multi.app.local")],
        logging: { accessLog: { file: { path: "/var/log/envoy.log", format: { text: "[%START_TIME%] %REQ(:METHOD)% %RESPONSE_CODE%" } } } },
      }),
    ],
    virtualServices: [nodeService("multi.app.local", "multi")],
  }),
};

/** Mesh-wide IPv6_PREFERRED; the target node overrides with IPv4_ONLY. */
const ipv6Preference: Scenario = {
  name: "ipv6-preference",
  nodes: [vn("client")],
  snapshot: MakeSnapshot({
    mesh: MakeMesh({ egressFilter: { type: "DROP_ALL" }, serviceDiscovery: { ipPreference: "IPv6_PREFERRED" } }),
    virtualNodes: [
      MakeDnsNode("client", 8080, "http", { backends: [backend("v6.app.local"), backend("v4.app.local")] }),
      MakeDnsNode("v6", 80, "http"),
      MakeVirtualNode("v4", { listeners: [{ portMapping: { port: 81, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "v4.app.local", ipPreference: "IPv4_ONLY" } } }),
    ],
    virtualServices: [nodeService("v6.app.local", "v6"), nodeService("v4.app.local", "v4")],
  }),
};

/** Registry-backed (Cloud Map-style) discovery: EDS cluster whose assignment holds the instances matching the attribute filters. */
const endpointRegistry: Scenario = {
  name: "endpoint-registry",
  nodes: [vn("client")],
  snapshot: MakeSnapshot({
    virtualNodes: [
      MakeDnsNode("client", 8080, "http", { backends: [backend("payments.app.local")] }),
      MakeVirtualNode("payments-v1", {
        listeners: [{ portMapping: { port: 8443, protocol: "http2" } }],
        serviceDiscovery: { awsCloudMap: { namespaceName: "prod.local", serviceName: "payments", attributes: [{ key: "version", value: "v1" }] } },
      }),
    ],
    virtualServices: [nodeService("payments.app.local", "payments-v1")],
    endpoints: [
      MakeEndpoint("prod.local", "payments", "i-3", "10.0.0.3", 9000, { version: "v1" }, "UNHEALTHY"),
      MakeEndpoint("prod.local", "payments", "i-1", "10.0.0.1", 9000, { version: "v1", az: "a" }),
      MakeEndpoint("prod.local", "payments", "i-2", "10.0.0.2", 9000, { version: "v2" }),
      MakeEndpoint("prod.local", "payments", "i-4", "fd00::4", 9000, { version: "v1" }),
      MakeEndpoint("prod.local", "other", "i-9", "10.0.0.9", 9000, { version: "v1" }),
    ],
  }),
};

/** A proxyless gRPC client asking for `xds:///colors.app.local`. */
const proxylessGrpc: Scenario = {
  ...grpcRoute,
  name: "proxyless-grpc",
  apiListeners: ["colors.app.local"],
  snapshot: {
    ...grpcRoute.snapshot,
    virtualNodes: grpcRoute.snapshot.virtualNodes.map((n) =>
      n.virtualNodeName === "color-server"
        ? MakeVirtualNode("color-server", { listeners: [{ portMapping: { port: 8080, protocol: "grpc" } }], serviceDiscovery: { awsCloudMap: { namespaceName: "app", serviceName: "color" } } })
        : n,
    ),
    endpoints: [MakeEndpoint("app", "color", "c-1", "127.0.0.1", 50051)],
  },
};

export const scenarios: Scenario[] = [
  weightedTargets,
  headerPriority,
  retryPolicy,
  grpcRoute,
  tcpRoute,
  gatewayPrefixRewrite,
  gatewayHostnameDisabled,
  tlsFile,
  tlsSdsMtls,
  egressFilter("ALLOW_ALL"),
  egressFilter("DROP_ALL"),
  multipleListeners,
  ipv6Preference,
  endpointRegistry,
  proxylessGrpc,
];
