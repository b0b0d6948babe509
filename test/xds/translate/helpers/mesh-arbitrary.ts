// Random valid App Mesh meshes for property tests: specs generated within the App Mesh model's constraints, then
// passed through the domain's own validation exactly as the API would store them (invalid ones are dropped, and
// counted, so a test can check that the generator mostly produces valid specs).
import fc from "fast-check";
import type {
  Duration,
  GatewayRouteSpec,
  HttpRoute,
  Listener,
  RouteSpec,
  VirtualGatewayListener,
  VirtualGatewaySpec,
  VirtualNodeSpec,
  VirtualRouterSpec,
  VirtualServiceSpec,
  MeshSpec,
} from "../../../../functions/appmesh/model/types.generated.js";
import { validateShape } from "../../../../functions/appmesh/validation.js";
import { checkSpecRules } from "../../../../functions/appmesh/spec-rules.js";
import { defaultQuotas } from "../../../../functions/appmesh/quotas.js";
import type { ResourceKind } from "../../../../functions/appmesh/kinds.js";
import type { MeshSnapshot } from "../../../../functions/appmesh/snapshot.js";
import {
  MakeEndpoint,
  MakeGatewayRoute,
  MakeMesh,
  MakeRoute,
  MakeSnapshot,
  MakeVirtualGateway,
  MakeVirtualNode,
  MakeVirtualRouter,
  MakeVirtualService,
} from "../fixtures.js";

export const NODES = ["n0", "n1", "n2", "n3", "n4"];
export const SERVICES = ["s0.app.local", "s1.app.local", "s2.app.local", "s3.app.local"];
const ROUTERS = ["r0", "r1"];
const PORTS = [80, 443, 8080, 9090, 6379];
const PROTOCOLS = ["http", "http2", "grpc", "tcp"] as const;
const GATEWAY_PROTOCOLS = ["http", "http2", "grpc"] as const;

const duration: fc.Arbitrary<Duration> = fc.oneof(
  fc.record({ value: fc.integer({ min: 0, max: 120 }), unit: fc.constant("s" as const) }),
  fc.record({ value: fc.integer({ min: 1, max: 120_000 }), unit: fc.constant("ms" as const) }),
);
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const pathSegment = fc.stringMatching(/^[a-z0-9-]{1,8}$/);
const prefix = fc.oneof(fc.constant("/"), pathSegment.map((s) => `/${s}`), pathSegment.map((s) => `/${s}/`));
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/).filter((n) => !n.startsWith("x-app-mesh"));
const headerMatch = fc.oneof(
  fc.record({ exact: pathSegment }),
  fc.record({ prefix: pathSegment }),
  fc.record({ suffix: pathSegment }),
  fc.record({ regex: fc.constantFrom("[a-z]+", "v[0-9]+", "^ab.*$") }),
  fc.integer({ min: 0, max: 100 }).map((start) => ({ range: { start, end: start + 10 } })),
);
const headers = fc.array(fc.record({ name: headerName, invert: opt(fc.boolean()), match: opt(headerMatch) }), { minLength: 1, maxLength: 3 });

function listenerArb(protocol: (typeof PROTOCOLS)[number], port: number): fc.Arbitrary<Listener> {
  const http = protocol !== "tcp";
  return fc.record({
    portMapping: fc.constant({ port, protocol }),
    tls: opt(
      fc.record({
        mode: fc.constantFrom("STRICT" as const, "PERMISSIVE" as const, "DISABLED" as const),
        certificate: fc.oneof(
          fc.constant({ file: { certificateChain: "/certs/chain.pem", privateKey: "/certs/key.pem" } }),
          fc.constant({ sds: { secretName: "spiffe://app/cert" } }),
        ),
        validation: opt(fc.record({ trust: fc.oneof(fc.constant({ file: { certificateChain: "/certs/ca.pem" } }), fc.constant({ sds: { secretName: "ca" } })), subjectAlternativeNames: opt(fc.constant({ match: { exact: ["spiffe://app/client"] } })) })),
      }),
    ),
    healthCheck: opt(
      fc.record({
        protocol: fc.constant(protocol),
        path: http && protocol !== "grpc" ? fc.constant("/health") : fc.constant(undefined),
        intervalMillis: fc.integer({ min: 5000, max: 300_000 }),
        timeoutMillis: fc.integer({ min: 2000, max: 60_000 }),
        healthyThreshold: fc.integer({ min: 2, max: 10 }),
        unhealthyThreshold: fc.integer({ min: 2, max: 10 }),
        port: opt(fc.integer({ min: 1, max: 65535 })),
      }),
    ),
    outlierDetection: opt(
      fc.record({
        maxServerErrors: fc.integer({ min: 1, max: 100 }),
        interval: fc.record({ value: fc.integer({ min: 1, max: 60 }), unit: fc.constant("s" as const) }),
        baseEjectionDuration: fc.record({ value: fc.integer({ min: 1, max: 60 }), unit: fc.constant("s" as const) }),
        maxEjectionPercent: fc.integer({ min: 0, max: 100 }),
      }),
    ),
    connectionPool: opt<unknown>(
      protocol === "tcp"
        ? fc.record({ tcp: fc.record({ maxConnections: fc.integer({ min: 1, max: 1000 }) }) })
        : protocol === "http"
          ? fc.record({ http: fc.record({ maxConnections: fc.integer({ min: 1, max: 1000 }), maxPendingRequests: opt(fc.integer({ min: 1, max: 1000 })) }) })
          : protocol === "http2"
            ? fc.record({ http2: fc.record({ maxRequests: fc.integer({ min: 1, max: 1000 }) }) })
            : fc.record({ grpc: fc.record({ maxRequests: fc.integer({ min: 1, max: 1000 }) }) }) as fc.Arbitrary<unknown>,
    ),
    timeout: opt(protocol === "tcp" ? fc.record({ tcp: fc.record({ idle: opt(duration) }) }) : fc.record({ [protocol]: fc.record({ perRequest: opt(duration), idle: opt(duration) }) })),
  }) as fc.Arbitrary<Listener>;
}

const listenersArb = (min: number) =>
  fc
    .uniqueArray(fc.constantFrom(...PORTS), { minLength: min, maxLength: 3 })
    .chain((ports) => fc.tuple(...ports.map((port) => fc.constantFrom(...PROTOCOLS).chain((protocol) => listenerArb(protocol, port)))));

const clientPolicy = fc.record({
  tls: fc.record({
    enforce: opt(fc.boolean()),
    ports: opt(fc.uniqueArray(fc.constantFrom(...PORTS), { maxLength: 2 })),
    certificate: opt(fc.constant({ file: { certificateChain: "/certs/client.pem", privateKey: "/certs/client-key.pem" } })),
    validation: fc.record({
      trust: fc.oneof(fc.constant({ file: { certificateChain: "/certs/ca.pem" } }), fc.constant({ sds: { secretName: "ca" } })),
      subjectAlternativeNames: opt(fc.constant({ match: { exact: ["s0.app.local"] } })),
    }),
  }),
});

const virtualNodeSpec: fc.Arbitrary<VirtualNodeSpec> = fc.record({
  listeners: listenersArb(0).map((l) => [...l]),
  serviceDiscovery: fc.oneof(
    fc.record({ dns: fc.record({ hostname: fc.constantFrom("a.app.local", "b.svc.cluster.local"), responseType: opt(fc.constantFrom("LOADBALANCER" as const, "ENDPOINTS" as const)), ipPreference: opt(fc.constantFrom("IPv6_PREFERRED" as const, "IPv4_PREFERRED" as const, "IPv4_ONLY" as const, "IPv6_ONLY" as const)) }) }),
    fc.record({ awsCloudMap: fc.record({ namespaceName: fc.constant("ns"), serviceName: fc.constantFrom("svc-a", "svc-b"), attributes: opt(fc.constant([{ key: "stage", value: "prod" }])) }) }),
  ),
  backends: fc.uniqueArray(fc.constantFrom(...SERVICES), { maxLength: 3 }).chain((names) =>
    fc.tuple(...names.map((name) => fc.record({ virtualService: fc.record({ virtualServiceName: fc.constant(name), clientPolicy: opt(clientPolicy) }) }))),
  ).map((b) => [...b]),
  backendDefaults: opt(fc.record({ clientPolicy })),
  logging: opt(fc.record({ accessLog: fc.record({ file: fc.record({ path: fc.constant("/dev/stdout"), format: opt(fc.oneof(fc.record({ text: fc.constant("%START_TIME% %RESPONSE_CODE%") }), fc.record({ json: fc.constant([{ key: "code", value: "%RESPONSE_CODE%" }]) }))) }) }) })),
}) as fc.Arbitrary<VirtualNodeSpec>;

const weightedTargets = fc.array(fc.record({ virtualNode: fc.constantFrom(...NODES), weight: fc.integer({ min: 0, max: 100 }), port: opt(fc.constantFrom(...PORTS)) }), { minLength: 1, maxLength: 3 });
const retryPolicy = fc.record({
  maxRetries: fc.integer({ min: 0, max: 10 }),
  perRetryTimeout: fc.record({ value: fc.integer({ min: 1, max: 10 }), unit: fc.constant("s" as const) }),
  httpRetryEvents: fc.uniqueArray(fc.constantFrom("server-error", "gateway-error", "client-error", "stream-error"), { minLength: 1, maxLength: 4 }),
  tcpRetryEvents: opt(fc.constant(["connection-error" as const])),
});
const httpRouteArb = (port: number | undefined): fc.Arbitrary<HttpRoute> =>
  fc.record({
    match: fc.oneof(
      fc.record({ prefix, headers: opt(headers), method: opt(fc.constantFrom("GET" as const, "POST" as const)), port: fc.constant(port), queryParameters: opt(fc.array(fc.record({ name: headerName, match: opt(fc.record({ exact: pathSegment })) }), { minLength: 1, maxLength: 2 })) }),
      fc.record({ path: fc.oneof(pathSegment.map((s) => ({ exact: `/${s}` })), fc.constant({ regex: "/v[0-9]+/.*" })), port: fc.constant(port) }),
    ),
    action: fc.record({ weightedTargets }),
    retryPolicy: opt(retryPolicy),
    timeout: opt(fc.record({ perRequest: opt(duration), idle: opt(duration) })),
  }) as fc.Arbitrary<HttpRoute>;

function routeSpecArb(protocol: (typeof PROTOCOLS)[number], port: number | undefined): fc.Arbitrary<RouteSpec> {
  const priority = opt(fc.integer({ min: 0, max: 1000 }));
  if (protocol === "tcp") return fc.record({ priority, tcpRoute: fc.record({ match: fc.constant(port === undefined ? undefined : { port }), action: fc.record({ weightedTargets }), timeout: opt(fc.record({ idle: opt(duration) })) }) }) as fc.Arbitrary<RouteSpec>;
  if (protocol === "grpc")
    return fc.record({
      priority,
      grpcRoute: fc.record({
        match: fc.oneof(
          fc.record({ serviceName: fc.constantFrom("pkg.Svc", "other.Api"), methodName: opt(fc.constantFrom("Get", "List")), port: fc.constant(port), metadata: opt(fc.array(fc.record({ name: headerName, invert: opt(fc.boolean()), match: opt(headerMatch) }), { minLength: 1, maxLength: 2 })) }),
          fc.record({ port: fc.constant(port) }),
        ),
        action: fc.record({ weightedTargets }),
        retryPolicy: opt(fc.record({ maxRetries: fc.integer({ min: 0, max: 5 }), perRetryTimeout: fc.constant({ value: 1, unit: "s" as const }), grpcRetryEvents: fc.constant(["unavailable" as const, "cancelled" as const]) })),
      }),
    }) as fc.Arbitrary<RouteSpec>;
  return httpRouteArb(port).map((route) => ({ [protocol === "http" ? "httpRoute" : "http2Route"]: route })).chain((spec) => priority.map((p) => ({ ...spec, priority: p }))) as fc.Arbitrary<RouteSpec>;
}

const routerArb = fc
  .uniqueArray(fc.constantFrom(...PORTS), { minLength: 1, maxLength: 2 })
  .chain((ports) => fc.tuple(...ports.map((port) => fc.constantFrom(...PROTOCOLS).map((protocol) => ({ portMapping: { port, protocol } })))))
  .chain((listeners) => {
    const spec: VirtualRouterSpec = { listeners: [...listeners] };
    const routeArbs = listeners.map((l) => fc.array(routeSpecArb(l.portMapping.protocol, listeners.length > 1 ? l.portMapping.port : undefined), { maxLength: 3 }));
    return fc.tuple(fc.constant(spec), fc.tuple(...routeArbs).map((lists) => lists.flat()));
  });

const gatewayArb = fc
  .uniqueArray(fc.constantFrom(8000, 8001, 9443), { minLength: 1, maxLength: 2 })
  .chain((ports) =>
    fc.tuple(
      ...ports.map((port) =>
        fc.record({
          portMapping: fc.record({ port: fc.constant(port), protocol: fc.constantFrom(...GATEWAY_PROTOCOLS) }),
          connectionPool: fc.constant(undefined),
          tls: opt(fc.record({ mode: fc.constantFrom("STRICT" as const, "PERMISSIVE" as const), certificate: fc.constant({ file: { certificateChain: "/c.pem", privateKey: "/k.pem" } }) })),
        }) as fc.Arbitrary<VirtualGatewayListener>,
      ),
    ),
  )
  .chain((listeners) => {
    const spec: VirtualGatewaySpec = { listeners: [...listeners], logging: { accessLog: { file: { path: "/dev/stdout" } } } };
    const routes = listeners.map((l) => {
      const port = listeners.length > 1 ? l.portMapping.port : undefined;
      const target = fc.record({ virtualService: fc.record({ virtualServiceName: fc.constantFrom(...SERVICES) }), port: opt(fc.constantFrom(...PORTS)) });
      const hostname = opt(fc.oneof(fc.record({ exact: fc.constant("www.example.com") }), fc.record({ suffix: fc.constant(".example.com") })));
      const hostRewrite = opt(fc.record({ hostname: fc.record({ defaultTargetHostname: fc.constantFrom("ENABLED" as const, "DISABLED" as const) }) }));
      const priority = opt(fc.integer({ min: 0, max: 1000 }));
      if (l.portMapping.protocol === "grpc")
        return fc.array(fc.record({ priority, grpcRoute: fc.record({ match: fc.record({ serviceName: opt(fc.constantFrom("pkg.Svc", "other.Api")), port: fc.constant(port), hostname }), action: fc.record({ target, rewrite: hostRewrite }) }) }), { maxLength: 3 });
      const key = l.portMapping.protocol === "http" ? "httpRoute" : "http2Route";
      const httpRoute = fc.oneof(
        fc.record({
          match: fc.record({ prefix, port: fc.constant(port), hostname, headers: opt(headers) }),
          action: fc.record({ target, rewrite: opt(fc.record({ prefix: opt(fc.oneof(fc.constant({ defaultPrefix: "DISABLED" as const }), pathSegment.map((s) => ({ value: `/${s}/` })))), hostname: opt(fc.record({ defaultTargetHostname: fc.constantFrom("ENABLED" as const, "DISABLED" as const) })) })) }),
        }),
        fc.record({ match: fc.record({ path: fc.oneof(pathSegment.map((s) => ({ exact: `/${s}` })), fc.constant({ regex: "/x/.*" })), port: fc.constant(port) }), action: fc.record({ target, rewrite: fc.constant(undefined) }) }),
        fc.record({ match: fc.record({ path: pathSegment.map((s) => ({ exact: `/${s}` })), port: fc.constant(port) }), action: fc.record({ target, rewrite: fc.constant({ path: { exact: "/rewritten" } }) }) }),
      );
      return fc.array(fc.record({ priority, [key]: httpRoute }), { maxLength: 3 });
    });
    return fc.tuple(fc.constant(spec), fc.tuple(...routes).map((lists) => lists.flat() as GatewayRouteSpec[]));
  });

export const meshArb = fc.record({
  meshSpec: fc.record({ egressFilter: fc.record({ type: fc.constantFrom("ALLOW_ALL" as const, "DROP_ALL" as const) }), serviceDiscovery: opt(fc.record({ ipPreference: fc.constantFrom("IPv6_PREFERRED" as const, "IPv4_ONLY" as const) })) }),
  nodes: fc.tuple(...NODES.map(() => virtualNodeSpec)),
  services: fc.tuple(...SERVICES.map(() => fc.oneof(fc.record({ provider: fc.record({ virtualNode: fc.record({ virtualNodeName: fc.constantFrom(...NODES) }) }) }), fc.record({ provider: fc.record({ virtualRouter: fc.record({ virtualRouterName: fc.constantFrom(...ROUTERS) }) }) }), fc.constant({})))),
  routers: fc.tuple(...ROUTERS.map(() => routerArb)),
  gateway: opt(gatewayArb),
  endpoints: fc.array(fc.record({ service: fc.constantFrom("svc-a", "svc-b"), address: fc.oneof(fc.ipV4(), fc.constantFrom("fd00::1", "2001:db8::2")), stage: fc.constantFrom("prod", "dev"), health: fc.constantFrom("HEALTHY" as const, "UNHEALTHY" as const, "UNKNOWN" as const) }), { maxLength: 4 }),
});

const quotas = { ...defaultQuotas };
/** What the domain's validation made of the generated specs so far. */
export const validationStats = { accepted: 0, rejected: 0, reasons: {} as Record<string, number> };

/** The domain's validation, as the API applies it before storing: model shape, then prose rules. Invalid → dropped. */
function throughDomainValidation<T>(kind: ResourceKind, shape: string, spec: T): T | undefined {
  try {
    const stored = validateShape(shape, spec, "spec") as T;
    checkSpecRules(kind, stored, { quotas, checkRegex: () => ({ ok: true }) });
    validationStats.accepted++;
    return stored;
  } catch (error) {
    validationStats.rejected++;
    const reason = `${kind}: ${String((error as Error).message).replace(/[0-9]+/g, "N").slice(0, 80)}`;
    validationStats.reasons[reason] = (validationStats.reasons[reason] ?? 0) + 1;
    return undefined;
  }
}

export type MeshSample = typeof meshArb extends fc.Arbitrary<infer T> ? T : never;

export function buildSnapshot(sample: MeshSample): MeshSnapshot {
  const meshSpec = throughDomainValidation<MeshSpec>("mesh", "MeshSpec", sample.meshSpec) ?? {};
  const virtualNodes = sample.nodes.flatMap((spec, i) => {
    const stored = throughDomainValidation("virtualNode", "VirtualNodeSpec", spec);
    return stored ? [MakeVirtualNode(NODES[i]!, stored)] : [];
  });
  const virtualServices = sample.services.flatMap((spec, i) => {
    const stored = throughDomainValidation<VirtualServiceSpec>("virtualService", "VirtualServiceSpec", spec as VirtualServiceSpec);
    return stored ? [MakeVirtualService(SERVICES[i]!, stored)] : [];
  });
  const virtualRouters = [];
  const routes = [];
  for (const [i, [spec, routeSpecs]] of sample.routers.entries()) {
    const stored = throughDomainValidation("virtualRouter", "VirtualRouterSpec", spec);
    if (!stored) continue;
    virtualRouters.push(MakeVirtualRouter(ROUTERS[i]!, stored));
    for (const [j, routeSpec] of routeSpecs.entries()) {
      const storedRoute = throughDomainValidation("route", "RouteSpec", routeSpec);
      if (storedRoute) routes.push(MakeRoute(ROUTERS[i]!, `route-${j}`, storedRoute));
    }
  }
  const virtualGateways = [];
  const gatewayRoutes = [];
  if (sample.gateway) {
    const [spec, routeSpecs] = sample.gateway;
    const stored = throughDomainValidation("virtualGateway", "VirtualGatewaySpec", spec);
    if (stored) {
      virtualGateways.push(MakeVirtualGateway("gw", stored));
      for (const [j, routeSpec] of routeSpecs.entries()) {
        const storedRoute = throughDomainValidation("gatewayRoute", "GatewayRouteSpec", routeSpec);
        if (storedRoute) gatewayRoutes.push(MakeGatewayRoute("gw", `gr-${j}`, storedRoute));
      }
    }
  }
  const endpoints = sample.endpoints.map((e, i) => MakeEndpoint("ns", e.service, `i-${i}`, e.address, 8080, { stage: e.stage }, e.health));
  return MakeSnapshot({ mesh: MakeMesh(meshSpec), virtualNodes, virtualServices, virtualRouters, routes, virtualGateways, gatewayRoutes, endpoints });
}

