// `meshplane explain` as a real child process against a real `npm start` with authentication on, over the user
// guide's mesh created through the AWS SDK: the answer in text and JSON, exit 0 when a route serves the request and
// 3 when none does, App Mesh's exceptions for unknown nodes and refused principals, and the endpoint found where the
// App Mesh client finds it.
import { CreateRouteCommand, CreateVirtualRouterCommand, CreateVirtualServiceCommand, DescribeVirtualNodeCommand, UpdateVirtualNodeCommand, type AppMeshClient } from "@aws-sdk/client-app-mesh";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectHeader, parseTarget } from "../../functions/cli/explain.js";
import { signedFetch, testKeys, writeAuthFile, type TestKey } from "../auth/support.js";
import { createAppMeshClient, testAccountId } from "../support/control-plane.js";
import { addExplainRoutes, createGuideMesh } from "../support/guide-mesh.js";
import { runMeshplane, type CliRunOptions } from "../support/meshplane-cli.js";
import { startMeshplaneProcess, type MeshplaneProcess } from "../support/process.js";

const credentials = (key: TestKey) => ({ AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey });
/** Versions and revisions change with every write; the rest of the text is what it must be. */
const withoutVersions = (text: string) => text.replace(/version [0-9a-f]+/g, "version V").replace(/mesh revision \d+/g, "mesh revision N");

const node = "mesh/apps/virtualNode/serviceA";

/** servicec.apps.local, served only by POST /orders: a virtual host in which a GET finds no route. */
async function addOrdersService(client: AppMeshClient): Promise<void> {
  const meshName = "apps";
  await client.send(new CreateVirtualRouterCommand({ meshName, virtualRouterName: "serviceC", spec: { listeners: [{ portMapping: { port: 80, protocol: "http" } }] } }));
  await client.send(
    new CreateRouteCommand({
      meshName,
      virtualRouterName: "serviceC",
      routeName: "orders",
      spec: { httpRoute: { match: { prefix: "/orders", method: "POST" }, action: { weightedTargets: [{ virtualNode: "serviceBv2", weight: 1 }] } } },
    }),
  );
  await client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "servicec.apps.local", spec: { provider: { virtualRouter: { virtualRouterName: "serviceC" } } } }));
  const serviceA = (await client.send(new DescribeVirtualNodeCommand({ meshName, virtualNodeName: "serviceA" }))).virtualNode!;
  const backends = [...(serviceA.spec!.backends ?? []), { virtualService: { virtualServiceName: "servicec.apps.local" } }];
  await client.send(new UpdateVirtualNodeCommand({ meshName, virtualNodeName: "serviceA", spec: { ...serviceA.spec, backends } }));
}

describe("meshplane explain", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-cli-explain-"));
  let server: MeshplaneProcess;
  let client: AppMeshClient;
  const explain = (args: string[], options: CliRunOptions = {}) => runMeshplane(["explain", "--node", node, ...args], { endpoint: server.url, ...options });

  beforeAll(async () => {
    server = await startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "meshplane.db"), MESHPLANE_ACCOUNT_ID: testAccountId, MESHPLANE_AUTH_FILE: writeAuthFile(), MESHPLANE_RATE_LIMIT: "off" });
    client = createAppMeshClient(server.url);
    await createGuideMesh(client, "apps", "http");
    await addExplainRoutes(client, "apps");
    await addOrdersService(client);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("explains a header-matched route as text (listener, chain, route configuration, virtual host, routes tried, cluster) and exits 0", async () => {
    const result = await explain(["http://serviceb.apps.local/orders", "-H", "X-Canary: 1"], { npx: true });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(withoutVersions(result.stdout)).toBe(
      [
        "Routed: Route canary of virtual host serviceb.apps.local sends GET /orders to cds_egress_apps_serviceBv2_http_80.",
        "",
        "  node                 mesh/apps/virtualNode/serviceA (mesh revision N)",
        "  listener             lds_egress_0.0.0.0_15001 (outbound, port 15001, version V)",
        "  filter chain         egress_http_80 (destination port 80)",
        "  route configuration  rds_egress_http_80 (version V)",
        "  path                 /orders",
        "  virtual host         serviceb.apps.local (domains serviceb.apps.local, serviceb.apps.local:80)",
        "  route                canary (timeout 15s; 2 retries on unavailable,reset,connect-failure,refused-stream,retriable-status-codes)",
        "",
        "Routes tried, in order:",
        '  1  api     did not match: path: prefix "/api/" does not match "/orders"',
        "  2  canary  matched",
        "",
        "Clusters:",
        "  cds_egress_apps_serviceBv2_http_80  weight 100  100%",
        "",
      ].join("\n"),
    );
  });

  it("prints the API's own answer with -o json: without the header, the guide's 75/25 split", async () => {
    const result = await explain(["serviceb.apps.local/orders?id=7", "-o", "json"]);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout);
    expect(answer.routes).toEqual([
      { index: 0, name: "api", matched: false, reason: 'path: prefix "/api/" does not match "/orders?id=7"' },
      { index: 1, name: "canary", matched: false, reason: 'header "x-canary": expected exact "1", got absent' },
      { index: 2, name: "serviceB", matched: true },
    ]);
    expect(answer.clusters).toEqual([
      { name: "cds_egress_apps_serviceB_http_80", weight: 75, percent: 75 },
      { name: "cds_egress_apps_serviceBv2_http_80", weight: 25, percent: 25 },
    ]);
    const body = JSON.stringify({ node, request: { method: "GET", authority: "serviceb.apps.local", path: "/orders?id=7" } });
    const direct = await signedFetch(server.url, testKeys.full, "POST", "/v1/xds/explain", { body, headers: { "content-type": "application/json" } });
    expect(answer).toEqual(await direct.json());
  });

  it("exits 3 when no route of the virtual host matches, saying why each did not", async () => {
    const result = await explain(["http://servicec.apps.local/orders"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^No route matched \(404\): No route of virtual host servicec\.apps\.local matches GET \/orders; Envoy answers 404 \(NR\)\.\n/);
    expect(result.stdout).toContain('\nRoutes tried, in order:\n  1  orders  did not match: header ":method": expected exact "POST", got "GET"\n');
    expect(result.stdout).not.toContain("Clusters:");
    const posted = await explain(["http://servicec.apps.local/orders", "-X", "POST", "-o", "json"]);
    expect(posted.code).toBe(0);
    expect(JSON.parse(posted.stdout)).toMatchObject({ outcome: "routed", route: { name: "orders" }, clusters: [{ name: "cds_egress_apps_serviceBv2_http_80", percent: 100 }] });
  });

  it("exits 3 for an authority no virtual host serves, in JSON too, and takes a Host header as the authority", async () => {
    const result = await explain(["http://serviceb.apps.local/", "-H", "Host: nobody.apps.local", "-o", "json"]);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ outcome: "no_virtual_host", virtualHost: null, route: null, clusters: [] });
  });

  it("names App Mesh's NotFoundException for an unknown node or mesh and exits 1", async () => {
    const node = await runMeshplane(["explain", "--node", "mesh/apps/virtualNode/nobody", "serviceb.apps.local"], { endpoint: server.url });
    expect(node.code).toBe(1);
    expect(node.stdout).toBe("");
    expect(node.stderr).toBe('meshplane: NotFoundException: node "mesh/apps/virtualNode/nobody" does not exist in mesh "apps"\n');
    const mesh = await runMeshplane(["explain", "--node", "mesh/gone/virtualNode/serviceA", "serviceb.apps.local"], { endpoint: server.url });
    expect([mesh.code, mesh.stderr]).toEqual([1, 'meshplane: NotFoundException: mesh "gone" does not exist\n']);
  });

  it("signs with the environment's credentials: a principal without appmesh:StreamAggregatedResources on the node gets App Mesh's ForbiddenException", async () => {
    // Every other call here signs with the default key of the environment (AWSAppMeshFullAccess) and is served.
    const refused = await explain(["serviceb.apps.local"], { env: credentials(testKeys.reader) });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      `meshplane: ForbiddenException: User: reader is not authorized to perform: appmesh:StreamAggregatedResources on resource: arn:aws:appmesh:us-east-1:${testAccountId}:${node} because no policy allows it.\n`,
    );
  });

  it("finds meshplane where the App Mesh client would (the config file's services section) and never calls AWS", async () => {
    const config = path.join(dir, "aws-config");
    writeFileSync(config, `[default]\nservices = meshplane\n\n[services meshplane]\napp_mesh =\n  endpoint_url = ${server.url}\n`);
    const configured = await runMeshplane(["explain", "--node", node, "serviceb.apps.local"], { env: { AWS_CONFIG_FILE: config } });
    expect(configured.stderr).toBe("");
    expect(configured.code).toBe(0);
    const unconfigured = await runMeshplane(["explain", "--node", node, "serviceb.apps.local"]);
    expect([unconfigured.code, unconfigured.stderr]).toEqual([
      1,
      "meshplane: no meshplane endpoint is configured (the request would go to appmesh.us-east-1.amazonaws.com): pass --endpoint URL or set AWS_ENDPOINT_URL_APP_MESH\n",
    ]);
  });

  it("exits 2 for an https:// URL and says what to write instead", async () => {
    const tls = await explain(["https://serviceb.apps.local/"]);
    expect(tls.code).toBe(2);
    expect(tls.stdout).toBe("");
    expect(tls.stderr).toContain("write http:// or leave the scheme out, not https://");
  });
});

describe("parseTarget", () => {
  it("keeps the authority as written, port included, and the path with its query", () => {
    expect(parseTarget("http://serviceb.apps.local:8080/orders?id=1#top")).toEqual({ authority: "serviceb.apps.local:8080", path: "/orders?id=1" });
    expect(parseTarget("HTTP://serviceb.apps.local")).toEqual({ authority: "serviceb.apps.local", path: "/" });
    expect(parseTarget("serviceb.apps.local?x=1")).toEqual({ authority: "serviceb.apps.local", path: "/?x=1" });
    expect(parseTarget("[::1]:80/a")).toEqual({ authority: "[::1]:80", path: "/a" });
  });

  it("refuses other schemes, a missing host, user info and white space", () => {
    expect(() => parseTarget("grpc://serviceb.apps.local/")).toThrow("not grpc://");
    expect(() => parseTarget("http:///orders")).toThrow("names no host[:port]");
    expect(() => parseTarget("http://user@serviceb.apps.local/")).toThrow("names no host[:port]");
    expect(() => parseTarget("serviceb.apps.local/a b")).toThrow("white space");
  });
});

describe("collectHeader", () => {
  it("reads curl's 'name: value' and name=value, lower-cases names and keeps repeats", () => {
    const headers = ["X-Canary: 1", "x-user=a=b", "X-User:c:d", "x-empty:"].reduce<Array<[string, string]>>((all, value) => collectHeader(value, all), []);
    expect(headers).toEqual([
      ["x-canary", "1"],
      ["x-user", "a=b"],
      ["x-user", "c:d"],
      ["x-empty", ""],
    ]);
  });

  it("refuses a header without a separator or with a name that is not a token", () => {
    expect(() => collectHeader("x-canary")).toThrow('expected "name: value"');
    expect(() => collectHeader("x canary: 1")).toThrow('expected "name: value"');
    expect(() => collectHeader(": 1")).toThrow('expected "name: value"');
  });
});
