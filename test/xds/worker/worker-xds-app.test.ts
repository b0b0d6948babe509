// REST xDS on the control-plane Worker under wrangler's local runtime (workerd, D1), offline: a client that sends
// what Envoy's REST subscription sends (a JSON DiscoveryRequest with the node, version_info and sorted resource
// names, per Envoy's HttpSubscriptionImpl) polls the App Mesh user guide's mesh, written through the Worker with the
// AWS SDK; responses are decoded with the protobuf-es schemas generated from Envoy's protos. A listener's ACM
// certificate, issued by a Private CA through the Worker's ACM API, is polled as an SDS Secret.
import { create, fromJson, toJson, type DescMessage, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import {
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  UpdateRouteCommand,
  type AppMeshClient,
} from "@aws-sdk/client-app-mesh";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterLoadAssignmentSchema, ClusterSchema, envoyRegistry, ListenerSchema, RouteConfigurationSchema, SecretSchema, TypeUrl, type ResourceType } from "../../../functions/envoy/index.js";
import { DiscoveryRequestSchema, DiscoveryResponseSchema, type DiscoveryResponse } from "../../../proto/gen/envoy/service/discovery/v3/discovery_pb.js";
import { Cluster_DiscoveryType } from "../../../proto/gen/envoy/config/cluster/v3/cluster_pb.js";
import type { DataSource } from "../../../proto/gen/envoy/config/core/v3/base_pb.js";
import { envoyBearerToken, signedFetch, testAuthFile, testKeys, clientFor } from "../../auth/support.js";
import { createAppMeshClient } from "../../support/control-plane.js";
import { startControlPlaneWorker, type RunningWorker } from "../../support/wrangler.js";
import { followRestSubscription } from "../rest-subscription.js";

const paths: Record<ResourceType, string> = { cluster: "clusters", endpoint: "endpoints", listener: "listeners", route: "routes", secret: "secrets" };

/** What Envoy 1.29's REST subscription posts: its node (with the build version), the type, the version it holds and the sorted names. */
function envoyRequest(nodeId: string, type: ResourceType, versionInfo = "", resourceNames: string[] = []): string {
  const request = create(DiscoveryRequestSchema, {
    node: {
      id: nodeId,
      cluster: nodeId.split("/").at(-1)!,
      userAgentName: "envoy",
      userAgentVersionType: { case: "userAgentBuildVersion", value: { version: { majorNumber: 1, minorNumber: 29, patch: 4 } } },
    },
    typeUrl: TypeUrl[type],
    versionInfo,
    resourceNames: [...resourceNames].sort(),
  });
  return JSON.stringify(toJson(DiscoveryRequestSchema, request, { registry: envoyRegistry }));
}

interface Poll {
  status: number;
  response: DiscoveryResponse | null;
  body: string;
}

async function readPoll(answer: Response): Promise<Poll> {
  const body = await answer.text();
  const response = answer.status === 200 ? fromJson(DiscoveryResponseSchema, JSON.parse(body) as JsonValue, { registry: envoyRegistry }) : null;
  return { status: answer.status, response, body };
}

const poll = async (url: string, nodeId: string, type: ResourceType, versionInfo = "", names: string[] = [], headers: Record<string, string> = {}) =>
  readPoll(await fetch(`${url}/v3/discovery:${paths[type]}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: envoyRequest(nodeId, type, versionInfo, names) }));

const unpack = <Desc extends DescMessage>(schema: Desc, response: DiscoveryResponse): Array<MessageShape<Desc>> =>
  response.resources.map((any) => {
    expect(any.typeUrl).toBe(`type.googleapis.com/${schema.typeName}`);
    return anyUnpack(any, envoyRegistry) as MessageShape<Desc>;
  });

function weightsOf(routes: Array<MessageShape<typeof RouteConfigurationSchema>>): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const config of routes)
    for (const host of config.virtualHosts)
      for (const route of host.routes) {
        if (route.action.case !== "route" || route.action.value.clusterSpecifier.case !== "weightedClusters") continue;
        for (const cluster of route.action.value.clusterSpecifier.value.clusters) weights[cluster.name] = cluster.weight ?? 0;
      }
  return weights;
}

/** One call of an AWS JSON 1.1 stand-in (Cloud Map, ACM, Private CA) on the Worker, which runs open here. */
async function awsJson(url: string, target: string, input: object): Promise<any> {
  const answer = await fetch(`${url}/`, { method: "POST", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target }, body: JSON.stringify(input) });
  const body = await answer.text();
  expect(answer.status, `${target}: ${body}`).toBe(200);
  return JSON.parse(body);
}

const split = (b: number, v2: number) => ({
  httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "serviceB", weight: b }, { virtualNode: "serviceBv2", weight: v2 }] } },
});

/**
 * The user guide's mesh: serviceA calls serviceb.apps.local, a router splitting 75/25 between serviceB and
 * serviceBv2, which are discovered through the endpoint registry (Cloud Map's stand-in), so EDS has something to say.
 */
async function createGuideMesh(client: AppMeshClient, url: string, meshName: string, register: (path: string, body: string) => Promise<Response>): Promise<void> {
  const listeners = [{ portMapping: { port: 80, protocol: "http" as const } }];
  await client.send(new CreateMeshCommand({ meshName }));
  for (const [name, port] of [["serviceB", 9101], ["serviceBv2", 9102]] as const) {
    await client.send(new CreateVirtualNodeCommand({ meshName, virtualNodeName: name, spec: { listeners, serviceDiscovery: { awsCloudMap: { namespaceName: "apps.local", serviceName: name } } } }));
    const registered = await register(`/v1/endpoints/apps.local/${name}/${name}-1`, JSON.stringify({ address: "127.0.0.1", port }));
    expect(registered.status, `${url}: registering ${name}`).toBe(200);
  }
  await client.send(new CreateVirtualRouterCommand({ meshName, virtualRouterName: "serviceB", spec: { listeners } }));
  await client.send(new CreateRouteCommand({ meshName, virtualRouterName: "serviceB", routeName: "serviceB", spec: split(75, 25) }));
  await client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "serviceb.apps.local", spec: { provider: { virtualRouter: { virtualRouterName: "serviceB" } } } }));
  await client.send(
    new CreateVirtualNodeCommand({
      meshName,
      virtualNodeName: "serviceA",
      spec: { listeners, serviceDiscovery: { dns: { hostname: "servicea.apps.local" } }, backends: [{ virtualService: { virtualServiceName: "serviceb.apps.local" } }] },
    }),
  );
}

describe("REST xDS on the control-plane Worker", () => {
  const serviceA = "mesh/apps/virtualNode/serviceA";
  let plane: RunningWorker;
  let client: AppMeshClient;

  beforeAll(async () => {
    plane = await startControlPlaneWorker();
    client = createAppMeshClient(plane.url);
    await createGuideMesh(client, plane.url, "apps", (path, body) => fetch(`${plane.url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body }));
  });
  afterAll(async () => {
    client?.destroy();
    await plane?.dispose();
  });

  it("serves CDS, EDS, LDS and RDS for the guide's mesh the way Envoy subscribes, with content versions", async () => {
    const cds = await poll(plane.url, serviceA, "cluster");
    expect(cds.status, cds.body).toBe(200);
    const clusters = unpack(ClusterSchema, cds.response!);
    const edsNames = clusters
      .filter((cluster) => cluster.clusterDiscoveryType.case === "type" && cluster.clusterDiscoveryType.value === Cluster_DiscoveryType.EDS)
      .map((cluster) => cluster.edsClusterConfig?.serviceName || cluster.name);
    expect(edsNames.length).toBe(2);
    const eds = await poll(plane.url, serviceA, "endpoint", "", edsNames);
    const assignments = unpack(ClusterLoadAssignmentSchema, eds.response!);
    expect(assignments.map((assignment) => assignment.clusterName).sort()).toEqual([...edsNames].sort());
    // One registered instance each, at its address and (as Envoy reaches a Cloud Map instance) the node's listener port.
    const hosts = assignments.flatMap((a) => a.endpoints.flatMap((l) => l.lbEndpoints.map((e) => (e.hostIdentifier.case === "endpoint" ? e.hostIdentifier.value.address?.address : undefined))));
    expect(hosts.map((host) => (host?.case === "socketAddress" ? `${host.value.address}:${host.value.portSpecifier.value}` : "none"))).toEqual(["127.0.0.1:80", "127.0.0.1:80"]);
    const lds = await poll(plane.url, serviceA, "listener");
    const listeners = unpack(ListenerSchema, lds.response!);
    expect(listeners.length).toBeGreaterThan(0);
    const routeNames = ["rds_egress_http_80"];
    const rds = await poll(plane.url, serviceA, "route", "", routeNames);
    const routes = unpack(RouteConfigurationSchema, rds.response!);
    expect(routes.map((route) => route.name)).toEqual(routeNames);
    expect(Object.values(weightsOf(routes)).sort((a, b) => a - b)).toEqual([25, 75]);
    for (const answer of [cds, eds, lds, rds]) expect(answer.response!.versionInfo).toMatch(/^[0-9a-f]{16}$/);
  });

  it("feeds an Envoy bootstrapped with npm run bootstrap -- --rest: CDS and LDS point RDS and EDS at its REST cluster, which serve every name", async () => {
    const followed = await followRestSubscription(plane.url, serviceA);
    expect(followed).toEqual({ routeNames: ["rds_egress_http_80", "rds_ingress_http_80"], edsNames: ["cds_egress_apps_serviceB_http_80", "cds_egress_apps_serviceBv2_http_80"] });
  });

  it("answers 304 Not Modified with no body when the version the poll holds is current", async () => {
    const cds = await poll(plane.url, serviceA, "cluster");
    const unchanged = await poll(plane.url, serviceA, "cluster", cds.response!.versionInfo);
    expect([unchanged.status, unchanged.body]).toEqual([304, ""]);
    const stale = await poll(plane.url, serviceA, "cluster", "0000000000000000");
    expect(stale.status).toBe(200);
    expect(stale.response!.versionInfo).toBe(cds.response!.versionInfo);
  });

  it("serves a weight change made with the AWS SDK on the next poll, and only the route type moves", async () => {
    const routeNames = ["rds_egress_http_80"];
    const before = { cluster: (await poll(plane.url, serviceA, "cluster")).response!, route: (await poll(plane.url, serviceA, "route", "", routeNames)).response! };
    await client.send(new UpdateRouteCommand({ meshName: "apps", virtualRouterName: "serviceB", routeName: "serviceB", spec: split(10, 90) }));
    const after = await poll(plane.url, serviceA, "route", before.route.versionInfo, routeNames);
    expect(after.status).toBe(200);
    expect(Object.values(weightsOf(unpack(RouteConfigurationSchema, after.response!))).sort((a, b) => a - b)).toEqual([10, 90]);
    expect((await poll(plane.url, serviceA, "cluster", before.cluster.versionInfo)).status).toBe(304);
  });

  it("shows what a node is served in /v1/xds/config_dump and its last poll in /v1/xds/proxies", async () => {
    const lds = await poll(plane.url, serviceA, "listener");
    await poll(plane.url, serviceA, "listener", lds.response!.versionInfo);
    const dump = (await (await fetch(`${plane.url}/v1/xds/config_dump?node=${encodeURIComponent(serviceA)}`)).json()) as { node: string; configs: Array<{ "@type": string; version_info: string }> };
    expect(dump.node).toBe(serviceA);
    expect(dump.configs.find((config) => config["@type"].endsWith("ListenersConfigDump"))!.version_info).toBe(lds.response!.versionInfo);
    // Polls are recorded after the response (waitUntil): wait for the record of the last one.
    type Proxy = { nodeId: string; userAgent: string; lastPollAt: string; types: Record<string, { ackedVersion: string | null; sentVersion: string | null }> };
    let proxy: Proxy | undefined;
    for (let attempt = 0; attempt < 100 && proxy?.types[TypeUrl.listener]?.ackedVersion !== lds.response!.versionInfo; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const listed = (await (await fetch(`${plane.url}/v1/xds/proxies?nodeId=${encodeURIComponent(serviceA)}`)).json()) as { proxies: Proxy[] };
      proxy = listed.proxies.find((entry) => entry.nodeId === serviceA);
    }
    expect(proxy).toMatchObject({ nodeId: serviceA, userAgent: "envoy", types: { [TypeUrl.listener]: { ackedVersion: lds.response!.versionInfo, sentVersion: lds.response!.versionInfo } } });
    expect(Date.parse(proxy!.lastPollAt)).not.toBeNaN();
  });

  it("explains a request for a node with POST /v1/xds/explain and follows a weight change, as on Node", async () => {
    const explain = async (body: object) => {
      const answer = await fetch(`${plane.url}/v1/xds/explain`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: answer.status, errorType: answer.headers.get("x-amzn-errortype"), json: (await answer.json()) as Record<string, any> };
    };
    const request = { node: serviceA, request: { method: "GET", authority: "serviceb.apps.local:80", path: "/" } };
    await client.send(new UpdateRouteCommand({ meshName: "apps", virtualRouterName: "serviceB", routeName: "serviceB", spec: split(60, 40) }));
    const first = await explain(request);
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    expect(first.json).toMatchObject({ node: serviceA, outcome: "routed", route: { name: "serviceB" } });
    expect(first.json.clusters.map((cluster: { weight: number }) => cluster.weight)).toEqual([60, 40]);
    await client.send(new UpdateRouteCommand({ meshName: "apps", virtualRouterName: "serviceB", routeName: "serviceB", spec: split(30, 70) }));
    const second = await explain(request);
    expect(second.json.clusters.map((cluster: { weight: number }) => cluster.weight)).toEqual([30, 70]);
    expect(second.json.meshRevision).toBeGreaterThan(first.json.meshRevision);
    const unknown = await explain({ node: "mesh/nowhere/virtualNode/serviceA", request: request.request });
    expect([unknown.status, unknown.errorType]).toEqual([404, "NotFoundException"]);
  });

  it("lists the specs no proxy can serve with GET /v1/xds/lint, at the mesh's current revision", async () => {
    const meshName = "linted";
    const listeners = [{ portMapping: { port: 80, protocol: "http" as const } }];
    await client.send(new CreateMeshCommand({ meshName }));
    await client.send(new CreateVirtualNodeCommand({ meshName, virtualNodeName: "backend", spec: { listeners, serviceDiscovery: { dns: { hostname: "backend.local" } } } }));
    await client.send(new CreateVirtualRouterCommand({ meshName, virtualRouterName: "router", spec: { listeners } }));
    await client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "backend.local", spec: { provider: { virtualRouter: { virtualRouterName: "router" } } } }));
    const lint = async () => (await fetch(`${plane.url}/v1/xds/lint?mesh=${meshName}`)).json() as Promise<{ mesh: string; meshRevision: number; warnings: Array<{ code: string; resource: { kind: string; name: string } }> }>;
    const clean = await lint();
    expect(clean.warnings).toEqual([]);
    const zero = { httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "backend", weight: 0 }] } } };
    await client.send(new CreateRouteCommand({ meshName, virtualRouterName: "router", routeName: "route", spec: zero }));
    const linted = await lint();
    expect(linted.meshRevision).toBeGreaterThan(clean.meshRevision);
    expect(linted.warnings).toMatchObject([{ code: "RouteWeightsZero", resource: { kind: "route", name: "route" } }]);
    const missing = await fetch(`${plane.url}/v1/xds/lint?mesh=absent`);
    expect(missing.status).toBe(404);
  });

  it("serves a listener's ACM certificate from the Worker's Private CA as an SDS Secret, and the renewed one on the next poll", async () => {
    const configuration = { KeyAlgorithm: "EC_prime256v1", SigningAlgorithm: "SHA256WITHECDSA", Subject: { CommonName: "Worker Mesh Root" } };
    const authorityArn = (await awsJson(plane.url, "ACMPrivateCA.CreateCertificateAuthority", { CertificateAuthorityType: "ROOT", CertificateAuthorityConfiguration: configuration })).CertificateAuthorityArn as string;
    const caPem = (await awsJson(plane.url, "ACMPrivateCA.GetCertificateAuthorityCertificate", { CertificateAuthorityArn: authorityArn })).Certificate as string;
    const certificateArn = (await awsJson(plane.url, "CertificateManager.RequestCertificate", { DomainName: "front.tls.local", CertificateAuthorityArn: authorityArn })).CertificateArn as string;
    await client.send(new CreateMeshCommand({ meshName: "acm-tls" }));
    const listener = { portMapping: { port: 443, protocol: "http" as const }, tls: { mode: "STRICT" as const, certificate: { acm: { certificateArn } } } };
    await client.send(new CreateVirtualNodeCommand({ meshName: "acm-tls", virtualNodeName: "front", spec: { listeners: [listener], serviceDiscovery: { dns: { hostname: "front.tls.local" } } } }));
    const node = "mesh/acm-tls/virtualNode/front";

    /** The Secret a poll answers: its certificate (checked against its key and the CA) and the poll's version. */
    const servedCertificate = async (versionInfo = "") => {
      const answer = await poll(plane.url, node, "secret", versionInfo, [certificateArn]);
      expect(answer.status, answer.body).toBe(200);
      const secrets = unpack(SecretSchema, answer.response!);
      expect(secrets.map((secret) => secret.name)).toEqual([certificateArn]);
      const served = secrets[0]!.type;
      if (served.case !== "tlsCertificate") throw new Error(`expected a tlsCertificate Secret, got ${served.case}`);
      const inline = (source: DataSource | undefined) => (source?.specifier.case === "inlineString" ? source.specifier.value : "");
      const certificate = new X509Certificate(inline(served.value.certificateChain));
      expect(certificate.checkPrivateKey(createPrivateKey(inline(served.value.privateKey)))).toBe(true);
      expect(certificate.verify(new X509Certificate(caPem).publicKey)).toBe(true);
      expect(certificate.subjectAltName).toBe("DNS:front.tls.local");
      return { serial: certificate.serialNumber, version: answer.response!.versionInfo };
    };
    const acmSerial = async () => new X509Certificate((await awsJson(plane.url, "CertificateManager.GetCertificate", { CertificateArn: certificateArn })).Certificate).serialNumber;

    const first = await servedCertificate();
    expect(first.serial).toBe(await acmSerial());
    expect((await poll(plane.url, node, "secret", first.version, [certificateArn])).status).toBe(304);
    await awsJson(plane.url, "CertificateManager.RenewCertificate", { CertificateArn: certificateArn });
    const renewed = await servedCertificate(first.version);
    expect(renewed.serial).not.toBe(first.serial);
    expect(renewed.serial).toBe(await acmSerial());
    expect(renewed.version).not.toBe(first.version);
  });

  it("refuses unknown meshes and malformed node ids with status 3 (HTTP 400)", async () => {
    for (const id of ["mesh/nowhere/virtualNode/serviceA", "serviceA"]) {
      const answer = await poll(plane.url, id, "cluster");
      expect([answer.status, JSON.parse(answer.body).code]).toEqual([400, 3]);
    }
  });
});

describe("REST xDS on the control-plane Worker with authentication", () => {
  const node = "mesh/apps/virtualNode/serviceBv1";
  let plane: RunningWorker;

  beforeAll(async () => {
    plane = await startControlPlaneWorker({ MESHPLANE_AUTH: JSON.stringify(testAuthFile), MESHPLANE_RATE_LIMIT: "off" }, { logLevel: "none" });
    const client = clientFor(plane.url, testKeys.full);
    await client.send(new CreateMeshCommand({ meshName: "apps" }));
    await client.send(new CreateVirtualNodeCommand({ meshName: "apps", virtualNodeName: "serviceBv1", spec: { listeners: [{ portMapping: { port: 80, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "b1.apps.local" } } } }));
    await client.send(new CreateVirtualNodeCommand({ meshName: "apps", virtualNodeName: "serviceC", spec: { listeners: [{ portMapping: { port: 80, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "c.apps.local" } } } }));
    client.destroy();
  });
  afterAll(async () => plane?.dispose());

  it("refuses an unsigned poll with MissingAuthenticationTokenException", async () => {
    const answer = await fetch(`${plane.url}/v3/discovery:clusters`, { method: "POST", headers: { "content-type": "application/json" }, body: envoyRequest(node, "cluster") });
    expect([answer.status, answer.headers.get("x-amzn-errortype")]).toEqual([403, "MissingAuthenticationTokenException"]);
  });

  it("serves a poll SigV4-signed by a principal allowed appmesh:StreamAggregatedResources on the node's ARN, and refuses it for another node", async () => {
    const signed = await readPoll(await signedFetch(plane.url, testKeys.envoyB1, "POST", "/v3/discovery:clusters", { body: envoyRequest(node, "cluster"), headers: { "content-type": "application/json" } }));
    expect(signed.status, signed.body).toBe(200);
    expect(signed.response!.typeUrl).toBe(TypeUrl.cluster);
    const other = await signedFetch(plane.url, testKeys.envoyB1, "POST", "/v3/discovery:clusters", { body: envoyRequest("mesh/apps/virtualNode/serviceC", "cluster"), headers: { "content-type": "application/json" } });
    expect([other.status, other.headers.get("x-amzn-errortype")]).toEqual([403, "ForbiddenException"]);
  });

  it("serves a poll carrying the principal's bearer token", async () => {
    const answer = await poll(plane.url, node, "listener", "", [], { authorization: `Bearer ${envoyBearerToken}` });
    expect(answer.status, answer.body).toBe(200);
    expect(answer.response!.typeUrl).toBe(TypeUrl.listener);
  });
});
