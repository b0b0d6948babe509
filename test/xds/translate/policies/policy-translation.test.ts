// Every policy type reaches Envoy: a real meshplane (SQLite, in this process) with one policy of each type on a
// virtual gateway, its gateway route and the node behind it; a @grpc/grpc-js ADS client subscribing as the gateway's
// Envoy receives the filters, route and cluster fields each type translates to, the whole set passes the project's
// Envoy validation (field rules from Envoy's descriptors and the cross-resource rules), and a policy change is
// pushed on the open stream like any App Mesh change.
import { CreateGatewayRouteCommand, CreateMeshCommand, CreateVirtualGatewayCommand, CreateVirtualNodeCommand, CreateVirtualServiceCommand } from "@aws-sdk/client-app-mesh";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterLoadAssignmentSchema, ClusterSchema, envoyRegistry, ListenerSchema, RouteConfigurationSchema, TypeUrl } from "../../../../functions/envoy/index.js";
import { validateNodeResources } from "../../../../functions/xds/translate/validate-envoy.js";
import { Cluster_LbPolicy, type Cluster } from "../../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import type { Listener } from "../../../../proto/gen/envoy/config/listener/v3/listener_pb.js";
import type { RouteConfiguration } from "../../../../proto/gen/envoy/config/route/v3/route_pb.js";
import {
  HttpConnectionManager_ServerHeaderTransformation,
  type HttpConnectionManager,
} from "../../../../proto/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { adsClient, decode, rdsNames, registerEndpoint, SotwClient, startMeshplane, type Meshplane, type WireResponse } from "../../server/support.js";

const mesh = "policy-ads";
const arn = (rest: string) => `arn:aws:appmesh:us-east-1:111122223333:mesh/${mesh}${rest}`;
const jwks = JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "rT44NH9wFz3z5eraDMIbpIWI7X9lOEQ30IvNPo_dthc", y: "FJzhGtfhbp7dvOR6iz9owAP31__UAFEnbBdE1zgC29U", kid: "k1", alg: "ES256" }] });

const policies: Record<string, { target: string; spec: unknown }> = {
  fault: { target: "/virtualGateway/gw/gatewayRoute/app", spec: { faultInjection: { abort: { httpStatus: 503, percentage: 12.5 }, delay: { fixed: { value: 2, unit: "s" }, percentage: 1 } } } },
  mirror: { target: "/virtualGateway/gw/gatewayRoute/app", spec: { mirror: { backendRef: { virtualNode: { virtualNodeName: "shadow" } }, percentage: 25 } } },
  limit: { target: "/virtualGateway/gw", spec: { rateLimit: { requests: 100, interval: { value: 1, unit: "s" }, burst: 200, response: { statusCode: 429, body: "slow down" } } } },
  headers: { target: "/virtualGateway/gw/gatewayRoute/app", spec: { headers: { request: { set: [{ name: "x-policy", value: "on" }] }, response: { remove: ["server"] } } } },
  cors: { target: "/virtualGateway/gw", spec: { cors: { allowOrigins: [{ prefix: "https://" }], allowMethods: ["GET"], maxAge: { value: 60, unit: "s" } } } },
  jwt: { target: "/virtualGateway/gw/gatewayRoute/app", spec: { jwt: { providers: [{ name: "idp", issuer: "https://issuer.example", audiences: ["app"], jwks: { inline: jwks } }] } } },
  authz: { target: "/virtualGateway/gw", spec: { externalAuthorization: { protocol: "GRPC", backendRef: { virtualNode: { virtualNodeName: "authz" } }, failureMode: "ALLOW" } } },
  balance: { target: "/virtualNode/app", spec: { loadBalancing: { algorithm: "RING_HASH", hashKeys: [{ header: { name: "x-user" } }], ringHash: { minimumRingSize: 256 }, locality: { zoneWeights: [{ zone: "us-east-1a", weight: 3 }, { zone: "us-east-1b", weight: 1 }] } } } },
  patch: { target: "/virtualGateway/gw", spec: { envoyPatch: { patches: [{ resource: "cluster", name: "cds_egress_policy-ads_app_http_8080", merge: { per_connection_buffer_limit_bytes: 32768 } }] } } },
};

interface Received {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  lds: WireResponse;
  rds: WireResponse;
  stream: SotwClient;
}

function managers(listeners: readonly Listener[]): HttpConnectionManager[] {
  return listeners.flatMap((listener) =>
    listener.filterChains.flatMap((chain) => chain.filters.flatMap((filter) => (filter.configType.case === "typedConfig" ? [anyUnpack(filter.configType.value, envoyRegistry) as HttpConnectionManager] : []))),
  );
}

describe("policy translation over ADS", () => {
  let meshplane: Meshplane;
  let received: Received;
  const put = async (name: string, target: string, spec: unknown) => {
    const response = await fetch(`${meshplane.url}/v1/meshes/${mesh}/policies/${name}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ targetRef: { arn: arn(target) }, spec }) });
    expect(response.status, await response.clone().text()).toBe(200);
  };

  beforeAll(async () => {
    meshplane = await startMeshplane({ MESHPLANE_ACCOUNT_ID: "111122223333" });
    const { appMesh } = meshplane;
    await appMesh.send(new CreateMeshCommand({ meshName: mesh }));
    for (const [name, protocol] of [["app", "http"], ["shadow", "http"], ["authz", "grpc"]] as const) {
      await appMesh.send(new CreateVirtualNodeCommand({ meshName: mesh, virtualNodeName: name, spec: { listeners: [{ portMapping: { port: 8080, protocol } }], serviceDiscovery: { awsCloudMap: { namespaceName: mesh, serviceName: name } } } }));
      await registerEndpoint(meshplane.url, mesh, name, `${name}-1`, "10.0.0.1", 8080);
    }
    await appMesh.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: "app.local", spec: { provider: { virtualNode: { virtualNodeName: "app" } } } }));
    await appMesh.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } }));
    await appMesh.send(new CreateGatewayRouteCommand({ meshName: mesh, virtualGatewayName: "gw", gatewayRouteName: "app", spec: { httpRoute: { match: { prefix: "/app" }, action: { target: { virtualService: { virtualServiceName: "app.local" } } } } } }));
    for (const [name, { target, spec }] of Object.entries(policies)) await put(name, target, spec);

    const stream = new SotwClient(adsClient(meshplane.xdsAddress), { id: `mesh/${mesh}/virtualGateway/gw` });
    stream.send({ typeUrl: TypeUrl.cluster });
    const cds = await stream.next();
    stream.ack(cds);
    const clusters = cds.resources.map((any) => decode(ClusterSchema, any));
    const edsNames = clusters.filter((cluster) => cluster.edsClusterConfig).map((cluster) => cluster.edsClusterConfig?.serviceName || cluster.name).sort();
    stream.send({ typeUrl: TypeUrl.endpoint, resourceNames: edsNames });
    const eds = await stream.next();
    stream.ack(eds, edsNames);
    stream.send({ typeUrl: TypeUrl.listener });
    const lds = await stream.next();
    stream.ack(lds);
    const routeNames = rdsNames(lds);
    stream.send({ typeUrl: TypeUrl.route, resourceNames: routeNames });
    const rds = await stream.next();
    stream.ack(rds, routeNames);
    const listeners = lds.resources.map((any) => decode(ListenerSchema, any));
    const routes = rds.resources.map((any) => decode(RouteConfigurationSchema, any));
    const endpoints = eds.resources.map((any) => decode(ClusterLoadAssignmentSchema, any));
    expect(validateNodeResources({ listeners, clusters, routes, endpoints, secrets: [], warnings: [] })).toEqual([]);
    received = { listeners, routes, clusters, lds, rds, stream };
  }, 60_000);

  afterAll(async () => {
    received?.stream.end();
    await meshplane?.close();
  });

  it("puts the filters of the gateway's policies before the router, in meshplane's order, and lets the upstream's server header through", () => {
    const ingress = managers(received.listeners).find((manager) => manager.statPrefix === "ingress")!;
    expect(ingress.httpFilters.map((filter) => filter.name)).toEqual([
      "envoy.filters.http.cors",
      "envoy.filters.http.jwt_authn",
      "envoy.filters.http.ext_authz",
      "envoy.filters.http.local_ratelimit",
      "envoy.filters.http.fault",
      "envoy.filters.http.router",
    ]);
    const byName = new Map(ingress.httpFilters.map((filter) => [filter.name, filter.configType.case === "typedConfig" ? (anyUnpack(filter.configType.value, envoyRegistry) as Record<string, unknown>) : undefined]));
    expect(byName.get("envoy.filters.http.ext_authz")).toMatchObject({ failureModeAllow: true, services: { case: "grpcService" } });
    expect(byName.get("envoy.filters.http.local_ratelimit")).toMatchObject({ tokenBucket: { maxTokens: 200, tokensPerFill: 100 } });
    expect(JSON.stringify(Object.keys((byName.get("envoy.filters.http.jwt_authn") as { providers: object }).providers))).toContain("idp");
    expect(ingress.serverHeaderTransformation).toBe(HttpConnectionManager_ServerHeaderTransformation.PASS_THROUGH);
    expect(ingress.localReplyConfig?.mappers.map((mapper) => mapper.body?.specifier.value)).toEqual(["slow down"]);
  });

  it("gives the gateway route its fault, mirror, header and CORS fields", () => {
    const routes = received.routes.flatMap((config) => config.virtualHosts.flatMap((host) => host.routes.map((route) => ({ route, host }))));
    const app = routes.find(({ route }) => route.match?.pathSpecifier.case === "prefix" && route.match.pathSpecifier.value.startsWith("/app"))!;
    expect(Object.keys(app.route.typedPerFilterConfig)).toContain("envoy.filters.http.fault");
    const action = app.route.action.case === "route" ? app.route.action.value : undefined;
    expect(action?.requestMirrorPolicies.map((mirror) => [mirror.cluster, mirror.runtimeFraction?.defaultValue?.numerator])).toEqual([["cds_egress_policy-ads_shadow_http_8080", 250_000]]);
    expect(app.route.responseHeadersToRemove).toContain("server");
    expect(app.route.requestHeadersToAdd.map((option) => option.header?.key)).toContain("x-policy");
    expect(action?.cors?.allowOriginStringMatch.map((match) => match.matchPattern.value)).toEqual(["https://"]);
  });

  it("shapes the clusters that reach the balanced node, hashes its routes on the header and applies the raw patch", () => {
    const app = received.clusters.find((cluster) => cluster.name === "cds_egress_policy-ads_app_http_8080")!;
    expect(app.lbPolicy).toBe(Cluster_LbPolicy.RING_HASH);
    expect(app.lbConfig.case === "ringHashLbConfig" ? app.lbConfig.value.minimumRingSize : undefined).toBe(256n);
    expect(app.commonLbConfig?.localityConfigSpecifier.case).toBe("localityWeightedLbConfig");
    expect(app.perConnectionBufferLimitBytes).toBe(32768);
    const hashed = received.routes.flatMap((config) => config.virtualHosts.flatMap((host) => host.routes)).filter((route) => route.action.case === "route" && route.action.value.hashPolicy.length > 0);
    expect(hashed.length).toBeGreaterThan(0);
    for (const route of hashed) expect(route.action.case === "route" && route.action.value.hashPolicy[0]!.policySpecifier).toMatchObject({ case: "header", value: { headerName: "x-user" } });
    expect(received.clusters.map((cluster) => cluster.name)).toEqual(expect.arrayContaining(["cds_egress_policy-ads_shadow_http_8080", "cds_egress_policy-ads_authz_grpc_8080"]));
  });

  it("pushes a changed policy on the open stream as a new listener version", async () => {
    await put("limit", "/virtualGateway/gw", { rateLimit: { requests: 5, interval: { value: 1, unit: "s" } } });
    let lds: WireResponse;
    do lds = await received.stream.next();
    while (lds.typeUrl !== TypeUrl.listener);
    expect(lds.versionInfo).not.toBe(received.lds.versionInfo);
    const ingress = managers(lds.resources.map((any) => decode(ListenerSchema, any))).find((manager) => manager.statPrefix === "ingress")!;
    const limit = ingress.httpFilters.find((filter) => filter.name === "envoy.filters.http.local_ratelimit")!;
    expect(limit.configType.case === "typedConfig" && (anyUnpack(limit.configType.value, envoyRegistry) as { tokenBucket?: { maxTokens: number } }).tokenBucket?.maxTokens).toBe(5);
    received.stream.ack(lds);
  });
});
