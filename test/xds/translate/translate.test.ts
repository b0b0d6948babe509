// Behaviour of the translation beyond the golden scenarios: sharing, ordering, conflicts, missing references.
import { describe, expect, it } from "vitest";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { createMeshTranslator, translateApiListener, translateNode, type NodeResources } from "../../../functions/xds/translate/index.js";
import { validateNodeResources } from "../../../functions/xds/translate/validate-envoy.js";
import { HttpConnectionManagerSchema } from "../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { TcpProxySchema } from "../../../proto/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js";
import { UpstreamTlsContextSchema } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js";
import { SubjectAltNameMatcher_SanType } from "../../../proto/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js";
import type { RouteConfiguration } from "../../../functions/envoy/index.js";
import {
  MakeDnsNode,
  MakeMesh,
  MakeRoute,
  MakeSnapshot,
  MakeVirtualNode,
  MakeVirtualRouter,
  MakeVirtualService,
  MESH,
} from "./fixtures.js";

const vn = (name: string) => ({ meshName: MESH, kind: "virtualNode" as const, name });
const backend = (virtualServiceName: string) => ({ virtualService: { virtualServiceName } });
const nodeService = (name: string, node: string) => MakeVirtualService(name, { provider: { virtualNode: { virtualNodeName: node } } });
const routerService = (name: string, router: string) => MakeVirtualService(name, { provider: { virtualRouter: { virtualRouterName: router } } });
const routeConfig = (resources: NodeResources, name: string): RouteConfiguration => {
  const found = resources.routes.find((r) => r.name === name);
  if (!found) throw new Error(`no route config ${name}: have ${resources.routes.map((r) => r.name).join(", ")}`);
  return found;
};

describe("createMeshTranslator", () => {
  const snapshot = MakeSnapshot({
    virtualNodes: [
      ...["c1", "c2", "c3"].map((name) => MakeDnsNode(name, 8080, "http", { backends: [backend("b.app.local")] })),
      MakeDnsNode("b", 80, "http"),
    ],
    virtualServices: [nodeService("b.app.local", "b")],
  });

  it("builds a service's virtual host and a target's egress cluster once for all its clients", () => {
    const translator = createMeshTranslator(snapshot);
    const results = ["c1", "c2", "c3"].map((name) => translator.translateNode(vn(name)));
    expect(translator.builds).toEqual({ servicePorts: 1, virtualHosts: 1, egressClusters: 1 });
    const clusters = results.map((r) => r.clusters.find((c) => c.name === "cds_egress_app_b_http_80"));
    expect(clusters[0]).toBeDefined();
    expect(clusters[1]).toBe(clusters[0]);
    expect(clusters[2]).toBe(clusters[0]);
    const hosts = results.map((r) => routeConfig(r, "rds_egress_http_80").virtualHosts[0]);
    expect(hosts[1]).toBe(hosts[0]);
  });

  it("gives a client with a different client policy its own egress cluster", () => {
    const withPolicy = MakeSnapshot({
      ...snapshot,
      virtualNodes: [
        ...snapshot.virtualNodes,
        MakeDnsNode("tls-client", 8080, "http", {
          backends: [backend("b.app.local")],
          backendDefaults: { clientPolicy: { tls: { validation: { trust: { file: { certificateChain: "/ca.pem" } } } } } },
        }),
      ],
    });
    const translator = createMeshTranslator(withPolicy);
    const plain = translator.translateNode(vn("c1")).clusters.find((c) => c.name === "cds_egress_app_b_http_80");
    const secured = translator.translateNode(vn("tls-client")).clusters.find((c) => c.name === "cds_egress_app_b_http_80");
    expect(plain?.transportSocket).toBeUndefined();
    expect(secured?.transportSocket?.name).toBe("envoy.transport_sockets.tls");
    expect(translator.builds.egressClusters).toBe(2);
  });

  it("returns nothing for a node that does not exist, and says so", () => {
    const translator = createMeshTranslator(snapshot);
    expect(translator.nodeExists(vn("ghost"))).toBe(false);
    expect(translator.nodeExists({ meshName: "other", kind: "virtualNode", name: "c1" })).toBe(false);
    expect(translator.translateNode(vn("ghost"))).toEqual({ listeners: [], clusters: [], routes: [], endpoints: [], secrets: [], warnings: [] });
  });

  it("skips deleted resources", () => {
    const deleted = MakeSnapshot({ ...snapshot, virtualServices: [{ ...nodeService("b.app.local", "b"), status: { status: "DELETED" } }] });
    expect(translateNode(deleted, vn("c1")).routes.map((r) => r.name)).toEqual(["rds_ingress_http_8080"]);
  });
});

describe("route order", () => {
  const target = (node: string) => ({ weightedTargets: [{ virtualNode: node, weight: 1 }] });
  const snapshot = MakeSnapshot({
    virtualNodes: [MakeDnsNode("client", 8080, "http", { backends: [backend("svc.app.local")] }), MakeDnsNode("a", 80, "http")],
    virtualServices: [routerService("svc.app.local", "r")],
    virtualRouters: [MakeVirtualRouter("r", { listeners: [{ portMapping: { port: 80, protocol: "http" } }] })],
    routes: [
      MakeRoute("r", "z-root", { httpRoute: { match: { prefix: "/" }, action: target("a") } }),
      MakeRoute("r", "b-long", { httpRoute: { match: { prefix: "/api/v1" }, action: target("a") } }),
      MakeRoute("r", "a-long", { httpRoute: { match: { prefix: "/api/v2" }, action: target("a") } }),
      MakeRoute("r", "regex", { httpRoute: { match: { path: { regex: "/x.*" } }, action: target("a") } }),
      MakeRoute("r", "exact", { httpRoute: { match: { path: { exact: "/x" } }, action: target("a") } }),
      MakeRoute("r", "low", { priority: 1000, httpRoute: { match: { prefix: "/" }, action: target("a") } }),
      MakeRoute("r", "high", { priority: 0, httpRoute: { match: { prefix: "/" }, action: target("a") } }),
      MakeRoute("r", "missing-target", { priority: 0, httpRoute: { match: { prefix: "/m" }, action: target("nope") } }),
    ],
  });

  it("orders by priority, then exact, regex, longest prefix, then route name; unprioritised after prioritised", () => {
    const routes = routeConfig(translateNode(snapshot, vn("client")), "rds_egress_http_80").virtualHosts[0]!.routes;
    expect(routes.map((r) => r.name)).toEqual(["high", "low", "exact", "regex", "a-long", "b-long", "z-root"]);
  });

  it("drops a route whose targets cannot be resolved", () => {
    const routes = routeConfig(translateNode(snapshot, vn("client")), "rds_egress_http_80").virtualHosts[0]!.routes;
    expect(routes.some((r) => r.name === "missing-target")).toBe(false);
  });

  it("leaves the retry policy off when App Mesh's default retry policy is disabled", () => {
    const routes = routeConfig(translateNode(snapshot, vn("client"), { defaultRetryPolicy: false }), "rds_egress_http_80").virtualHosts[0]!.routes;
    expect(routes.every((r) => r.action.case === "route" && r.action.value.retryPolicy === undefined)).toBe(true);
  });
});

describe("egress", () => {
  it("puts HTTP-family services sharing a port into one route configuration and lets the first service by name decide against TCP", () => {
    const snapshot = MakeSnapshot({
      virtualNodes: [
        MakeDnsNode("client", 8080, "http", { backends: [backend("b.app.local"), backend("a.app.local"), backend("c.app.local")] }),
        MakeDnsNode("a", 9000, "http"),
        MakeDnsNode("b", 9000, "grpc"),
        MakeDnsNode("c", 9000, "tcp"),
      ],
      virtualServices: [nodeService("a.app.local", "a"), nodeService("b.app.local", "b"), nodeService("c.app.local", "c")],
    });
    const resources = translateNode(snapshot, vn("client"));
    expect(routeConfig(resources, "rds_egress_http_9000").virtualHosts.map((h) => h.name)).toEqual(["a.app.local", "b.app.local"]);
    expect(resources.clusters.map((c) => c.name)).not.toContain("cds_egress_app_c_tcp_9000");
    expect(validateNodeResources(resources)).toEqual([]);
  });

  it("omits a backend whose virtual service does not exist or has no provider", () => {
    const snapshot = MakeSnapshot({
      virtualNodes: [MakeDnsNode("client", 8080, "http", { backends: [backend("ghost.app.local"), backend("orphan.app.local")] })],
      virtualServices: [MakeVirtualService("orphan.app.local", {})],
    });
    const resources = translateNode(snapshot, vn("client"));
    expect(resources.routes.map((r) => r.name)).toEqual(["rds_ingress_http_8080"]);
    const egress = resources.listeners.find((l) => l.name === "lds_egress_0.0.0.0_15001")!;
    expect(egress.filterChains.map((c) => c.name)).toEqual(["egress_amazonaws"]);
  });

  it("passes unmatched traffic through only under ALLOW_ALL", () => {
    const base = { virtualNodes: [MakeDnsNode("client", 8080, "http")] };
    const allow = translateNode(MakeSnapshot({ ...base, mesh: MakeMesh({ egressFilter: { type: "ALLOW_ALL" } }) }), vn("client"));
    const drop = translateNode(MakeSnapshot({ ...base, mesh: MakeMesh({ egressFilter: { type: "DROP_ALL" } }) }), vn("client"));
    const egress = (r: NodeResources) => r.listeners.find((l) => l.name === "lds_egress_0.0.0.0_15001")!;
    const tcpCluster = (chain: NonNullable<ReturnType<typeof egress>["defaultFilterChain"]>) => {
      const any = chain.filters[0]!.configType;
      const proxy = any.case === "typedConfig" ? anyUnpack(any.value, TcpProxySchema) : undefined;
      return proxy?.clusterSpecifier.case === "cluster" ? proxy.clusterSpecifier.value : undefined;
    };
    expect(tcpCluster(egress(allow).defaultFilterChain!)).toBe("cds_egress_app_mesh-allow-all");
    expect(allow.clusters.map((c) => c.name)).toContain("cds_egress_app_mesh-allow-all");
    expect(egress(drop).defaultFilterChain).toBeUndefined();
    expect(drop.clusters.map((c) => c.name)).not.toContain("cds_egress_app_mesh-allow-all");
    // Both keep the AWS SNI chain.
    expect(egress(drop).filterChains.map((c) => c.filterChainMatch?.serverNames)).toContainEqual(["*.amazonaws.com"]);
  });

  it("binds both listeners to :: (accepting IPv4) once an IP preference is set, and the local app on ::1 for IPv6 preferences", () => {
    const snapshot = MakeSnapshot({
      mesh: MakeMesh({ serviceDiscovery: { ipPreference: "IPv6_ONLY" } }),
      virtualNodes: [MakeDnsNode("client", 8080, "http")],
    });
    const resources = translateNode(snapshot, vn("client"));
    for (const listener of resources.listeners) {
      const address = listener.address?.address;
      expect(address?.case === "socketAddress" && address.value.address).toBe("::");
      expect(address?.case === "socketAddress" && address.value.ipv4Compat).toBe(true);
    }
    const local = resources.clusters.find((c) => c.name === "cds_ingress_app_client_http_8080")!;
    const endpoint = local.loadAssignment!.endpoints[0]!.lbEndpoints[0]!.hostIdentifier;
    const socket = endpoint.case === "endpoint" ? endpoint.value.address?.address : undefined;
    expect(socket?.case === "socketAddress" && socket.value.address).toBe("::1");
  });

  it("names per-listener stat prefixes when a node has several listeners", () => {
    const snapshot = MakeSnapshot({
      virtualNodes: [
        MakeVirtualNode("multi", {
          listeners: [{ portMapping: { port: 8080, protocol: "http" } }, { portMapping: { port: 9090, protocol: "grpc" } }],
          serviceDiscovery: { dns: { hostname: "multi.local" } },
        }),
      ],
    });
    const ingress = translateNode(snapshot, vn("multi")).listeners.find((l) => l.name === "lds_ingress_0.0.0.0_15000")!;
    const prefixes = ingress.filterChains.map((chain) => {
      const config = chain.filters[0]!.configType;
      return config.case === "typedConfig" ? anyUnpack(config.value, HttpConnectionManagerSchema)?.statPrefix : undefined;
    });
    expect(prefixes).toEqual(["ingress.http.8080", "ingress.grpc.9090"]);
  });
});

describe("App Mesh's own output (issue 17)", () => {
  const snapshot = (egress: "ALLOW_ALL" | "DROP_ALL") =>
    MakeSnapshot({
      mesh: MakeMesh({ egressFilter: { type: egress } }),
      virtualNodes: [
        MakeDnsNode("client", 3306, "tcp", {
          backends: [backend("b.app.local")],
          backendDefaults: { clientPolicy: { tls: { validation: { trust: { file: { certificateChain: "/ca.pem" } }, subjectAlternativeNames: { match: { exact: ["spiffe://app/b"] } } } } } },
        }),
        MakeDnsNode("b", 80, "http", { listeners: [{ portMapping: { port: 80, protocol: "http" }, tls: { mode: "PERMISSIVE", certificate: { file: { certificateChain: "/b.pem", privateKey: "/b.key" } } } }] }),
      ],
      virtualServices: [nodeService("b.app.local", "b")],
    });
  const listenerFilters = (resources: NodeResources, name: string) => resources.listeners.find((l) => l.name === name)!.listenerFilters.map((f) => f.name);

  it("ends every egress route configuration with the mesh_allow_all virtual host under ALLOW_ALL, and only then", () => {
    const hosts = (resources: NodeResources) => routeConfig(resources, "rds_egress_http_80").virtualHosts;
    const allow = hosts(translateNode(snapshot("ALLOW_ALL"), vn("client")));
    expect(allow.map((h) => h.name)).toEqual(["b.app.local", "mesh_allow_all"]);
    expect(allow[1]!.domains).toEqual(["*"]);
    const action = allow[1]!.routes[0]!.action;
    expect(action.case === "route" && action.value.clusterSpecifier).toEqual({ case: "cluster", value: "cds_egress_app_mesh-allow-all" });
    expect(hosts(translateNode(snapshot("DROP_ALL"), vn("client"))).map((h) => h.name)).toEqual(["b.app.local"]);
  });

  it("puts tls_inspector only on listeners with a chain that needs it: not a plaintext ingress, yes for PERMISSIVE and the SNI egress", () => {
    const client = translateNode(snapshot("DROP_ALL"), vn("client"));
    expect(listenerFilters(client, "lds_ingress_0.0.0.0_15000")).toEqual(["envoy.filters.listener.original_dst"]);
    expect(listenerFilters(client, "lds_egress_0.0.0.0_15001")).toEqual(["envoy.filters.listener.original_dst", "envoy.filters.listener.tls_inspector"]);
    const server = translateNode(snapshot("DROP_ALL"), vn("b"));
    expect(listenerFilters(server, "lds_ingress_0.0.0.0_15000")).toEqual(["envoy.filters.listener.original_dst", "envoy.filters.listener.tls_inspector"]);
  });

  it("originates TLS without SNI and matches each SAN whatever its type in the certificate", () => {
    const cluster = translateNode(snapshot("DROP_ALL"), vn("client")).clusters.find((c) => c.name === "cds_egress_app_b_http_80")!;
    const socket = cluster.transportSocket!.configType;
    const context = socket.case === "typedConfig" ? anyUnpack(socket.value, UpstreamTlsContextSchema)! : undefined;
    expect(context?.sni).toBe("");
    const validation = context?.commonTlsContext?.validationContextType;
    const matchers = validation?.case === "validationContext" ? validation.value.matchTypedSubjectAltNames : [];
    expect(matchers.map((m) => [SubjectAltNameMatcher_SanType[m.sanType], m.matcher?.matchPattern.value])).toEqual([
      ["DNS", "spiffe://app/b"],
      ["URI", "spiffe://app/b"],
      ["EMAIL", "spiffe://app/b"],
      ["IP_ADDRESS", "spiffe://app/b"],
    ]);
  });

  it("tags listeners, egress clusters and egress routes for the metrics extension exactly as App Mesh did, and nothing else", () => {
    const resources = translateNode(snapshot("ALLOW_ALL"), vn("client"));
    const config = (metadata: { filterMetadata: Record<string, { config?: unknown }> } | undefined) => metadata?.filterMetadata["aws.appmesh.aggregate_stats"]?.config;
    for (const listener of resources.listeners) expect(config(listener.metadata), listener.name).toBe('{"tags":[]}');
    expect(config(resources.clusters.find((c) => c.name === "cds_egress_app_b_http_80")!.metadata)).toBe('{"tags":[{"key":"TargetVirtualNode","value":"b"}]}');
    for (const name of ["cds_ingress_app_client_tcp_3306", "cds_egress_app_amazonaws", "cds_egress_app_mesh-allow-all"]) {
      expect(resources.clusters.find((c) => c.name === name)!.metadata, name).toBeUndefined();
    }
    const [service, allowAll] = routeConfig(resources, "rds_egress_http_80").virtualHosts;
    expect(config(service!.routes[0]!.metadata)).toBe('{"tags":[{"key":"TargetVirtualService","value":"b.app.local"}]}');
    expect(allowAll!.routes[0]!.metadata).toBeUndefined();
  });
});

describe("translateApiListener", () => {
  const snapshot = MakeSnapshot({
    virtualNodes: [MakeDnsNode("client", 8080, "grpc", { backends: [backend("colors.app.local")] }), MakeDnsNode("server", 50051, "grpc")],
    virtualServices: [nodeService("colors.app.local", "server"), nodeService("other.app.local", "server")],
  });

  it("serves an API listener named after a backend virtual service, pointing at its own route configuration", () => {
    const resources = translateApiListener(snapshot, vn("client"), "colors.app.local")!;
    expect(resources.listeners.map((l) => l.name)).toEqual(["colors.app.local"]);
    const hcm = anyUnpack(resources.listeners[0]!.apiListener!.apiListener!, HttpConnectionManagerSchema)!;
    expect(hcm.routeSpecifier.case === "rds" && hcm.routeSpecifier.value.routeConfigName).toBe("rds_api_colors.app.local");
    expect(resources.routes[0]!.virtualHosts[0]!.domains).toEqual(["colors.app.local", "colors.app.local:50051"]);
    expect(resources.clusters[0]!.healthChecks).toEqual([]);
    expect(validateNodeResources(resources)).toEqual([]);
  });

  it("accepts the name with a port and refuses services that are not backends of the node", () => {
    expect(translateApiListener(snapshot, vn("client"), "colors.app.local:50051")?.listeners[0]?.name).toBe("colors.app.local:50051");
    expect(translateApiListener(snapshot, vn("client"), "colors.app.local:1")).toBeUndefined();
    expect(translateApiListener(snapshot, vn("client"), "other.app.local")).toBeUndefined();
  });
});
