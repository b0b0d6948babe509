// `meshplane import` as a user runs it: a real child process (`npx meshplane import …` for the walkthrough
// templates) against a real meshplane process (what `npm start` runs), with what it created checked through the
// AWS SDK. The expected resources and fields below were written by reading each template.
import {
  DescribeGatewayRouteCommand,
  DescribeMeshCommand,
  DescribeRouteCommand,
  DescribeVirtualGatewayCommand,
  DescribeVirtualNodeCommand,
  DescribeVirtualRouterCommand,
  DescribeVirtualServiceCommand,
  ListGatewayRoutesCommand,
  ListRoutesCommand,
  ListVirtualNodesCommand,
  type AppMeshClient,
} from "@aws-sdk/client-app-mesh";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMeshClient } from "../support/control-plane.js";
import { startDroppingProxy } from "../support/dropping-proxy.js";
import { runMeshplane } from "../support/meshplane-cli.js";
import { startMeshplaneProcess, type MeshplaneProcess } from "../support/process.js";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/aws-app-mesh-examples");
const cfn = (name: string) => path.join(fixtures, "cfn", name);
const k8s = (name: string) => path.join(fixtures, "k8s", name);
const healthCheck = (unhealthyThreshold: number) => ({ protocol: "http", path: "/ping", healthyThreshold: 2, unhealthyThreshold, timeoutMillis: 2000, intervalMillis: 5000 });

describe("meshplane import", () => {
  let server: MeshplaneProcess;
  let client: AppMeshClient;
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-cli-import-"));
  const file = (name: string, text: string) => {
    const full = path.join(dir, name);
    writeFileSync(full, text);
    return full;
  };
  const meshplane = (args: string[], options: { npx?: boolean; tty?: boolean; endpoint?: string; stdin?: string } = {}) => runMeshplane(args, { endpoint: server.url, ...options });
  const node = async (meshName: string, virtualNodeName: string) => (await client.send(new DescribeVirtualNodeCommand({ meshName, virtualNodeName }))).virtualNode!;
  const route = async (meshName: string, virtualRouterName: string, routeName: string) => (await client.send(new DescribeRouteCommand({ meshName, virtualRouterName, routeName }))).route!;
  const meshExists = (meshName: string) =>
    client.send(new DescribeMeshCommand({ meshName })).then(
      () => true,
      (error: Error) => (error.name === "NotFoundException" ? false : Promise.reject(error)),
    );

  beforeAll(async () => {
    server = await startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "meshplane.db") });
    client = createAppMeshClient(server.url);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates all seven kinds of the Cloud Map walkthrough, named with --stack-name, and a second run changes nothing", async () => {
    const result = await meshplane(["import", cfn("cloudmap-stackname.yaml"), "--stack-name", "colorapp"], { npx: true });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Plan: 8 to create, 0 to update, 0 to delete, 0 unchanged.");
    const listener = { portMapping: { port: 9080, protocol: "http" }, healthCheck: healthCheck(2) };
    for (const color of ["blue", "green"]) {
      const created = await node("colorapp", `colorteller-${color}-node`);
      expect(created.spec).toEqual({
        serviceDiscovery: { awsCloudMap: { serviceName: "colorteller", namespaceName: "colorapp.local", attributes: [{ key: "ECS_TASK_DEFINITION_FAMILY", value: color }] } },
        listeners: [listener],
      });
      expect(created.metadata!.version).toBe(1);
    }
    expect((await client.send(new DescribeVirtualGatewayCommand({ meshName: "colorapp", virtualGatewayName: "colorgateway" }))).virtualGateway!.spec).toEqual({ listeners: [listener] });
    expect((await client.send(new DescribeGatewayRouteCommand({ meshName: "colorapp", virtualGatewayName: "colorgateway", gatewayRouteName: "gatewayroute" }))).gatewayRoute!.spec).toEqual({
      httpRoute: { action: { target: { virtualService: { virtualServiceName: "colorteller.colorapp.local" } } }, match: { prefix: "/" } },
    });
    expect((await client.send(new DescribeVirtualServiceCommand({ meshName: "colorapp", virtualServiceName: "colorteller.colorapp.local" }))).virtualService!.spec).toEqual({
      provider: { virtualRouter: { virtualRouterName: "colorteller-virtual-router" } },
    });
    expect((await client.send(new DescribeVirtualRouterCommand({ meshName: "colorapp", virtualRouterName: "colorteller-virtual-router" }))).virtualRouter!.spec).toEqual({
      listeners: [{ portMapping: { port: 9080, protocol: "http" } }],
    });
    expect((await route("colorapp", "colorteller-virtual-router", "colorteller-route")).spec).toEqual({
      httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "colorteller-blue-node", weight: 50 }, { virtualNode: "colorteller-green-node", weight: 50 }] } },
    });

    const again = await meshplane(["import", cfn("cloudmap-stackname.yaml"), "--stack-name", "colorapp"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("mesh colorapp: up to date (8 unchanged)\nPlan: 0 to create, 0 to update, 0 to delete, 8 unchanged.\n");
    expect((await node("colorapp", "colorteller-blue-node")).metadata!.version).toBe(1);
  });

  it("evaluates Parameters, Conditions and Fn::If with AWS::NoValue of the TLS walkthrough", async () => {
    const parameters = ["-p", "ServicesDomain=tls.local", "-p", "EnableClientValidationFlag=true"];
    const withTrust = await meshplane(["import", cfn("tls-file-conditions.yaml"), "-p", "MeshName=tlsfile", ...parameters, "-p", "ColorGatewayTlsValidationPath=/certs/ca.pem"], { npx: true });
    expect(withTrust.code).toBe(0);
    const gateway = async (meshName: string) => (await client.send(new DescribeVirtualGatewayCommand({ meshName, virtualGatewayName: "ColorGateway" }))).virtualGateway!.spec!;
    expect((await gateway("tlsfile")).backendDefaults).toEqual({ clientPolicy: { tls: { enforce: true, validation: { trust: { file: { certificateChain: "/certs/ca.pem" } } } } } });
    expect((await node("tlsfile", "ColorTellerWhite")).spec).toEqual({
      listeners: [
        {
          portMapping: { port: 80, protocol: "http" },
          healthCheck: healthCheck(3),
          tls: { mode: "STRICT", certificate: { file: { certificateChain: "/keys/colorteller_white_cert_chain.pem", privateKey: "/keys/colorteller_white_key.pem" } } },
        },
      ],
      serviceDiscovery: { dns: { hostname: "colorteller.tls.local" } },
    });
    expect((await node("tlsfile", "ColorTellerGreen")).spec!.serviceDiscovery).toEqual({ dns: { hostname: "colorteller-green.tls.local" } });
    expect((await route("tlsfile", "ColorTellerVirtualRouter", "ColorTellerRoute")).spec!.httpRoute!.action!.weightedTargets).toEqual([
      { virtualNode: "ColorTellerWhite", weight: 1 },
      { virtualNode: "ColorTellerGreen", weight: 0 },
    ]);
    expect((await client.send(new DescribeGatewayRouteCommand({ meshName: "tlsfile", virtualGatewayName: "ColorGateway", gatewayRouteName: "gateway-gr" }))).gatewayRoute!.spec!.httpRoute!.action!.target).toEqual({
      virtualService: { virtualServiceName: "colorteller.tls.local" },
    });

    const withoutTrust = await meshplane(["import", cfn("tls-file-conditions.yaml"), "-p", "MeshName=tlsplain", ...parameters]);
    expect(withoutTrust.code).toBe(0);
    expect((await gateway("tlsplain")).backendDefaults).toEqual({ clientPolicy: {} });
  });

  it("imports the App Mesh part of a large ECS template, with one notice per skipped resource", async () => {
    const result = await meshplane(["import", cfn("http-headers-ecs.yaml"), "-p", "ProjectName=headers"], { npx: true });
    expect(result.code).toBe(0);
    const skipped = result.stderr.split("\n").filter((line) => line.includes(": skipped "));
    expect(skipped).toHaveLength(29);
    expect(skipped[0]).toMatch(/^notice: .*http-headers-ecs\.yaml, document 1, line \d+: skipped Cluster \(AWS::ECS::Cluster\): not an App Mesh resource$/);
    expect((await client.send(new ListVirtualNodesCommand({ meshName: "headers" }))).virtualNodes).toHaveLength(8);
    expect((await client.send(new ListRoutesCommand({ meshName: "headers", virtualRouterName: "color-router" }))).routes).toHaveLength(7);
    const match = async (name: string) => {
      const spec = (await route("headers", "color-router", `color-route-${name}`)).spec!;
      return { priority: spec.priority, match: spec.httpRoute!.match, targets: spec.httpRoute!.action!.weightedTargets };
    };
    expect(await match("blue")).toEqual({ priority: 900, match: { prefix: "/", headers: [{ name: "color_header", match: { range: { start: 100, end: 150 } } }] }, targets: [{ virtualNode: "blue-node", weight: 100 }] });
    expect((await match("green")).match).toEqual({ prefix: "/", headers: [{ name: "color_header", match: { regex: "redor.*" } }] });
    expect((await match("red")).match).toEqual({ prefix: "/", headers: [{ name: "color_header", match: { prefix: "redorgreen" } }] });
    expect((await match("yellow")).match).toEqual({ prefix: "/", headers: [{ name: "color_header" }] });
    expect((await match("purple")).match).toEqual({ prefix: "/", headers: [{ name: "color_header", invert: true }] });
    expect(await match("white")).toMatchObject({ priority: 995, match: { prefix: "/", method: "GET" } });
    expect(await match("black")).toEqual({ priority: 300, match: { prefix: "/" }, targets: [{ virtualNode: "black-node", weight: 100 }] });
    expect((await node("headers", "front-node")).spec).toMatchObject({
      backends: [{ virtualService: { virtualServiceName: "color.headers.local" } }],
      serviceDiscovery: { awsCloudMap: { namespaceName: "headers.local", serviceName: "front" } },
    });
  });

  it("imports the ingress gateway walkthrough's manifests by the App Mesh controller's naming rules", async () => {
    const result = await meshplane(["import", k8s("ingress-gateway.yaml")], { npx: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("VirtualNode howto-k8s-ingress-gateway/white: dropped podSelector (Kubernetes-only, no App Mesh counterpart)");
    const mesh = "howto-k8s-ingress-gateway";
    expect((await client.send(new DescribeVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: `ingress-gw_${mesh}` }))).virtualGateway!.spec).toEqual({
      listeners: [{ portMapping: { port: 8088, protocol: "http" } }],
    });
    const gatewayRoutes = (await client.send(new ListGatewayRoutesCommand({ meshName: mesh, virtualGatewayName: `ingress-gw_${mesh}` }))).gatewayRoutes!.map((r) => r.gatewayRouteName).sort();
    expect(gatewayRoutes).toEqual([`gateway-route-headers_${mesh}`, `gateway-route-paths_${mesh}`]);
    expect((await client.send(new DescribeGatewayRouteCommand({ meshName: mesh, virtualGatewayName: `ingress-gw_${mesh}`, gatewayRouteName: `gateway-route-paths_${mesh}` }))).gatewayRoute!.spec).toEqual({
      httpRoute: { match: { prefix: "/paths" }, action: { target: { virtualService: { virtualServiceName: `color-paths.${mesh}.svc.cluster.local` } } } },
    });
    expect((await node(mesh, `white_${mesh}`)).spec).toEqual({
      listeners: [{ portMapping: { port: 8080, protocol: "http" }, healthCheck: healthCheck(2) }],
      serviceDiscovery: { dns: { hostname: `color-white.${mesh}.svc.cluster.local` } },
    });
    expect((await route(mesh, `color-headers_${mesh}`, "color-route-yellow")).spec).toEqual({
      priority: 40,
      httpRoute: { match: { prefix: "/", headers: [{ name: "color_header" }] }, action: { weightedTargets: [{ virtualNode: `yellow_${mesh}`, weight: 1 }] } },
    });
    expect((await route(mesh, `color-paths_${mesh}`, "color-route-white")).spec).toEqual({
      httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: `white_${mesh}`, weight: 1 }] } },
    });
    expect((await client.send(new DescribeVirtualServiceCommand({ meshName: mesh, virtualServiceName: `color-headers.${mesh}.svc.cluster.local` }))).virtualService!.spec).toEqual({
      provider: { virtualRouter: { virtualRouterName: `color-headers_${mesh}` } },
    });
  });

  it("imports the multiple-listeners walkthrough: port matches and target ports", async () => {
    const result = await meshplane(["import", k8s("multiple-listeners.yaml")], { npx: true });
    expect(result.code).toBe(0);
    expect((await client.send(new DescribeVirtualGatewayCommand({ meshName: "colors", virtualGatewayName: "colors-gw_colors" }))).virtualGateway!.spec!.listeners).toEqual([
      { portMapping: { port: 8080, protocol: "http" } },
      { portMapping: { port: 8090, protocol: "http" } },
    ]);
    expect((await client.send(new DescribeGatewayRouteCommand({ meshName: "colors", virtualGatewayName: "colors-gw_colors", gatewayRouteName: "gateway-route-main_colors" }))).gatewayRoute!.spec).toEqual({
      httpRoute: { match: { prefix: "/", port: 8090 }, action: { target: { virtualService: { virtualServiceName: "color-headers.colors.svc.cluster.local" }, port: 8090 } } },
    });
    expect((await node("colors", "multi-colors_colors")).spec!.listeners!.map((listener) => listener.portMapping!.port)).toEqual([8080, 8090]);
    expect((await route("colors", "color-headers_colors", "color-route-black")).spec).toEqual({
      httpRoute: { match: { prefix: "/", port: 8090 }, action: { weightedTargets: [{ virtualNode: "multi-colors_colors", weight: 1, port: 8090 }] } },
    });
  });

  const twoNodes = (meshName: string, nodes: string[]) =>
    `Resources:\n  Mesh:\n    Type: AWS::AppMesh::Mesh\n    Properties: { MeshName: ${meshName} }\n` +
    nodes
      .map((name) => `  ${name}:\n    Type: AWS::AppMesh::VirtualNode\n    Properties:\n      MeshName: !GetAtt Mesh.MeshName\n      Spec:\n        Listeners: [{ PortMapping: { Port: 80, Protocol: http } }]\n        ServiceDiscovery: { DNS: { Hostname: ${name}.local } }\n`)
      .join("");

  it("stops after the plan with --dry-run, and prints the plan as JSON with --output json", async () => {
    const input = file("dry.yaml", twoNodes("dry", ["A", "B"]));
    const result = await meshplane(["import", input, "--dry-run", "--output", "json"]);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.summary).toEqual({ create: 3, update: 0, unchanged: 0, delete: 0 });
    expect(plan.changes[1]).toMatchObject({ action: "create", kind: "virtualNode", meshName: "dry", name: "A", spec: { serviceDiscovery: { dns: { hostname: "A.local" } } }, source: { line: 5 } });
    expect(await meshExists("dry")).toBe(false);
  });

  it("deletes what the input no longer defines only with --prune", async () => {
    await meshplane(["import", file("prune-1.yaml", twoNodes("prune", ["A", "B"]))]);
    const smaller = file("prune-2.yaml", twoNodes("prune", ["A"]));
    const kept = await meshplane(["import", smaller]);
    expect(kept.stdout).toContain("mesh prune: up to date (2 unchanged)");
    expect((await node("prune", "B")).metadata!.version).toBe(1);
    const pruned = await meshplane(["import", smaller, "--prune"]);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain("  - delete virtual node prune/B\n");
    expect(pruned.stdout).toContain("deleted virtual node prune/B\n");
    expect((await client.send(new ListVirtualNodesCommand({ meshName: "prune" }))).virtualNodes!.map((n) => n.virtualNodeName)).toEqual(["A"]);
  });

  it("updates only what differs, showing the fields, without touching the rest", async () => {
    await meshplane(["import", file("update-1.yaml", twoNodes("update", ["A", "B"]))]);
    const result = await meshplane(["import", file("update-2.yaml", twoNodes("update", ["A", "B"]).replace("Hostname: B.local", "Hostname: b.example.com"))]);
    expect(result.stdout).toContain('  ~ update virtual node update/B\n      ~ spec.serviceDiscovery.dns.hostname: "B.local" → "b.example.com"\n');
    expect((await node("update", "B")).metadata!.version).toBe(2);
    expect((await node("update", "A")).metadata!.version).toBe(1);
  });

  const refusals: Array<[string, string, RegExp]> = [
    ["broken YAML", "Resources:\n  Mesh:\n    Type: AWS::AppMesh::Mesh\n    Properties: { MeshName: bad1\n", /bad-input\.yaml, document 1, line \d+: not valid YAML/],
    ["an unknown intrinsic", "Resources:\n  Mesh:\n    Type: AWS::AppMesh::Mesh\n    Properties:\n      MeshName: { 'Fn::Upper': bad2 }\n", /bad-input\.yaml, document 1, line 5, field Resources\.Mesh\.Properties\.MeshName\.Fn::Upper: unknown intrinsic function Fn::Upper/],
    [
      "a reference cycle",
      "Resources:\n  Mesh:\n    Type: AWS::AppMesh::Mesh\n    Properties: { MeshName: bad3 }\n  A:\n    Type: AWS::AppMesh::VirtualRouter\n    DependsOn: B\n    Properties: { MeshName: bad3, Spec: { Listeners: [] } }\n  B:\n    Type: AWS::AppMesh::VirtualRouter\n    Properties: { MeshName: !GetAtt A.MeshName, Spec: { Listeners: [] } }\n",
      /bad-input\.yaml, document 1, line 5, field Resources\.A: circular dependency between resources: A → B → A/,
    ],
    ["a missing parameter", "Parameters:\n  Name: { Type: String }\nResources:\n  Mesh:\n    Type: AWS::AppMesh::Mesh\n    Properties: { MeshName: !Ref Name }\n", /bad-input\.yaml, document 1, line 2, field Parameters\.Name: parameter without a value: Name; pass --parameter Name=VALUE/],
    ["an unknown kind", "apiVersion: appmesh.k8s.aws/v1beta2\nkind: Mesh\nmetadata: { name: bad5 }\n---\napiVersion: appmesh.k8s.aws/v1beta2\nkind: VirtualMesh\nmetadata: { name: x }\n", /bad-input\.yaml, document 2, line 5: unknown kind VirtualMesh/],
    [
      "a spec the model refuses",
      "Resources:\n  Mesh:\n    Type: AWS::AppMesh::Mesh\n    Properties: { MeshName: bad6 }\n  Node:\n    Type: AWS::AppMesh::VirtualNode\n    Properties:\n      MeshName: bad6\n      Spec:\n        Listeners:\n          - PortMapping: { Port: 70000, Protocol: http }\n",
      /bad-input\.yaml, document 1, line 11, field Resources\.Node\.Properties\.Spec\.Listeners\[0\]\.PortMapping\.Port: the App Mesh model refuses it: 1 validation error detected: Value 70000/,
    ],
  ];
  for (const [what, text, message] of refusals) {
    it(`refuses ${what} with file, document, line and field, and applies nothing`, async () => {
      const meshName = /bad\d/.exec(text)?.[0] ?? "bad5";
      const result = await meshplane(["import", file("bad-input.yaml", text)]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(message);
      expect(await meshExists(meshName)).toBe(false);
    });
  }

  it("stops at an API refusal naming the resource, says what was applied, and continues on the next run", async () => {
    const db = (pool: string) =>
      `  Db:\n    Type: AWS::AppMesh::VirtualNode\n    Properties:\n      MeshName: resume\n      VirtualNodeName: db\n      Spec:\n        Listeners: [{ PortMapping: { Port: 5432, Protocol: tcp }, ConnectionPool: { ${pool}: { MaxConnections: 10 } } }]\n        ServiceDiscovery: { DNS: { Hostname: db.local } }\n` +
      `  DbService:\n    Type: AWS::AppMesh::VirtualService\n    Properties:\n      MeshName: resume\n      VirtualServiceName: db.resume.local\n      Spec: { Provider: { VirtualNode: { VirtualNodeName: db } } }\n`;
    const base = twoNodes("resume", ["A"]);
    const first = await meshplane(["import", file("resume.yaml", base + db("HTTP"))]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(
      "meshplane: failed to create virtual node resume/db: BadRequestException: 'spec.listeners[0].connectionPool.http' does not match the listener protocol tcp.\napplied 2 of 4 changes; 2 not applied. Run the same import again to continue once the cause is fixed.",
    );
    expect(first.stdout).toContain("created mesh resume\n");
    expect(await node("resume", "A")).toBeDefined();

    const second = await meshplane(["import", file("resume.yaml", base + db("TCP"))]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("mesh resume: 2 changes (2 unchanged)\n  + create virtual node resume/db\n  + create virtual service resume/db.resume.local\n");
    expect((await node("resume", "db")).spec!.listeners![0]!.connectionPool).toEqual({ tcp: { maxConnections: 10 } });
  });

  it("does not create twice when the connection drops after the server did a create (the retry carries the same clientToken)", async () => {
    const proxy = await startDroppingProxy(server.url, /^PUT \/v20190125\/meshes\/flaky\/virtualNodes HTTP/m);
    try {
      const result = await meshplane(["import", file("flaky.yaml", twoNodes("flaky", ["A"]))], { endpoint: proxy.url });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(proxy.matched()).toBe(2);
      expect((await node("flaky", "A")).metadata!.version).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it("resolves Fn::GetAtt of a resource this run creates (its Uid) before applying what needs it", async () => {
    const text = twoNodes("uid", []) + `  Node:\n    Type: AWS::AppMesh::VirtualNode\n    Properties:\n      MeshName: uid\n      VirtualNodeName: n\n      Spec:\n        ServiceDiscovery: { DNS: { Hostname: !Sub "\${Mesh.Uid}.mesh.local" } }\n`;
    const plan = await meshplane(["import", file("uid.yaml", text), "--dry-run", "--output", "json"]);
    expect(JSON.parse(plan.stdout).changes[1].spec.serviceDiscovery.dns.hostname).toBe('(known after apply: Mesh.Uid in "${Mesh.Uid}.mesh.local")');
    expect((await meshplane(["import", file("uid.yaml", text)])).code).toBe(0);
    const uid = (await client.send(new DescribeMeshCommand({ meshName: "uid" }))).mesh!.metadata!.uid!;
    expect((await node("uid", "n")).spec!.serviceDiscovery).toEqual({ dns: { hostname: `${uid}.mesh.local` } });
    expect((await meshplane(["import", file("uid.yaml", text)])).stdout).toContain("mesh uid: up to date (2 unchanged)");
  });

  it("shows a progress bar on a terminal instead of one line per change", async () => {
    const result = await meshplane(["import", file("tty.yaml", twoNodes("tty", ["A", "B"]))], { tty: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/applying \[█+\] 3\/3 created virtual node tty\/[AB]/);
    expect(result.stdout).not.toContain("created mesh tty\r\n");
  });

  it("reads templates from stdin and from directories, taking only the templates of a CDK cloud assembly", async () => {
    const fromStdin = await meshplane(["import", "-", "--dry-run"], { stdin: twoNodes("stdin", ["A"]) });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toContain("  + create virtual node stdin/A\n");
    const assembly = mkdtempSync(path.join(dir, "cdk.out-"));
    writeFileSync(path.join(assembly, "manifest.json"), JSON.stringify({ version: "36.0.0", artifacts: {} }));
    writeFileSync(path.join(assembly, "tree.json"), JSON.stringify({ version: "tree-0.1", tree: {} }));
    writeFileSync(path.join(assembly, "MeshStack.template.json"), JSON.stringify({ Resources: { Mesh: { Type: "AWS::AppMesh::Mesh", Properties: { MeshName: "cdk" } } } }));
    const fromCdk = await meshplane(["import", assembly]);
    expect(fromCdk.code).toBe(0);
    expect(fromCdk.stdout).toContain("created mesh cdk\n");
  });
});
