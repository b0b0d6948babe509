// The console in Chromium against a real `npm start` in open mode (loopback): the getting-started wizard and forms,
// the topology, live proxy status with an ADS client's NACK, route explain, model errors at the field, JSON
// editing and keyboard use. Every `it` works in its own mesh; none leaves the page logging errors.
import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  DescribeMeshCommand,
  DescribeRouteCommand,
  DescribeVirtualNodeCommand,
  DescribeVirtualRouterCommand,
  DescribeVirtualServiceCommand,
  ListVirtualNodesCommand,
  UpdateRouteCommand,
} from "@aws-sdk/client-app-mesh";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { RouteConfigurationSchema, TypeUrl } from "../../functions/envoy/index.js";
import { addExplainRoutes, createGuideMesh } from "../support/guide-mesh.js";
import { repoRoot } from "../support/process.js";
import { adsClient, decode, rdsNames, SotwClient, type WireResponse } from "../xds/server/support.js";
import { useOpenModeConsole } from "./support.js";

const screenshots = path.join(repoRoot, "docs/images");

describe("console (open mode)", () => {
  const suite = useOpenModeConsole();
  let page: Page;
  const open = async (consolePath: string) => (page = await suite.open(consolePath));
  const group = (name: string) => page.getByRole("group", { name, exact: true });

  it("creates the guide's getting-started mesh through the wizard and forms alone, as the AWS SDK then describes it", async () => {
    page = await suite.browser.newPage();
    await page.goto(`${suite.server.url}/`);
    expect(new URL(page.url()).pathname).toBe("/console/");
    await page.getByRole("link", { name: "Get started" }).first().click();

    await page.getByLabel("Mesh name").fill("apps");
    await page.getByLabel("Virtual service name").fill("serviceb.apps.local");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("Virtual node name").fill("serviceB");
    await page.getByLabel("Service discovery method").selectOption("dns");
    await page.getByLabel("DNS hostname").fill("serviceb.apps.local");
    await group("Listener configuration").getByLabel("Protocol").selectOption("http2");
    await group("Listener configuration").getByLabel("Port").fill("80");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("Virtual router name").fill("serviceB");
    await group("Listener configuration").getByLabel("Protocol").selectOption("http2");
    await page.getByLabel("Route name").fill("serviceB");
    await page.getByLabel("Route type").selectOption("http2Route");
    await page.getByLabel("Prefix").fill("/");
    await expect.poll(() => group("Target 1").getByLabel("Virtual node name").inputValue()).toBe("serviceB");
    await group("Target 1").getByLabel("Weight").fill("100");
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Virtual router and route" }).count()).toBe(1);
    await page.getByRole("button", { name: "Create mesh" }).click();
    await page.getByRole("button", { name: "View mesh" }).click();
    await page.getByRole("heading", { name: "apps", level: 1, exact: true }).waitFor();

    // Step 5 of the guide, with the console's forms.
    const mesh = page.getByRole("navigation", { name: "Mesh apps" });
    for (const [name, hostname, backend] of [["serviceBv2", "servicebv2.apps.local", undefined], ["serviceA", "servicea.apps.local", "serviceb.apps.local"]] as const) {
      await mesh.getByRole("link", { name: "Virtual nodes" }).click();
      await page.getByRole("link", { name: "Create virtual node" }).click();
      await page.getByLabel("Virtual node name").fill(name);
      await page.getByLabel("Service discovery method").selectOption("dns");
      await page.getByLabel("DNS hostname").fill(hostname);
      if (backend) {
        await page.getByRole("button", { name: "Add backend", exact: true }).click();
        await group("Backend 1").getByLabel("Virtual service name").fill(backend);
      }
      await page.getByRole("button", { name: "Add listener" }).click();
      await group("Port mapping").getByLabel("Protocol").selectOption("http2");
      await group("Port mapping").getByLabel("Port").fill("80");
      await page.getByRole("button", { name: "Create virtual node" }).click();
      await page.getByRole("heading", { name, level: 1, exact: true }).waitFor();
    }
    await mesh.getByRole("link", { name: "Virtual routers" }).click();
    await page.getByRole("link", { name: "serviceB", exact: true }).click();
    await page.getByRole("region", { name: "Routes of serviceB" }).getByRole("link", { name: "serviceB" }).click();
    await page.getByRole("link", { name: "Edit" }).click();
    await group("Weighted target 1").getByLabel("Weight").fill("75");
    await page.getByRole("button", { name: "Add weighted target" }).click();
    await group("Weighted target 2").getByLabel("Virtual node name").selectOption("serviceBv2");
    await group("Weighted target 2").getByLabel("Weight").fill("25");
    await expect.poll(() => page.getByText("Total weight: 100 of 100.").count()).toBe(1);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "serviceB", level: 1, exact: true }).waitFor();
    await mesh.getByRole("link", { name: "Virtual services" }).click();
    await page.getByRole("link", { name: "Create virtual service" }).click();
    await page.getByLabel("Virtual service name").fill("servicea.apps.local");
    await page.getByLabel("Provider").selectOption("virtualNode");
    // The field becomes a select of the mesh's nodes once their names have loaded.
    await expect.poll(() => page.getByLabel("Virtual node name").locator("option").allTextContents()).toContain("serviceA");
    await page.getByLabel("Virtual node name").selectOption("serviceA");
    await page.getByRole("button", { name: "Create virtual service" }).click();
    await page.getByRole("heading", { name: "servicea.apps.local", level: 1, exact: true }).waitFor();

    const meshName = "apps";
    const http2 = [{ portMapping: { port: 80, protocol: "http2" } }];
    expect((await suite.client.send(new DescribeMeshCommand({ meshName }))).mesh?.status?.status).toBe("ACTIVE");
    expect((await suite.client.send(new DescribeVirtualServiceCommand({ meshName, virtualServiceName: "serviceb.apps.local" }))).virtualService?.spec).toEqual({ provider: { virtualRouter: { virtualRouterName: "serviceB" } } });
    expect((await suite.client.send(new DescribeVirtualServiceCommand({ meshName, virtualServiceName: "servicea.apps.local" }))).virtualService?.spec).toEqual({ provider: { virtualNode: { virtualNodeName: "serviceA" } } });
    expect((await suite.client.send(new DescribeVirtualNodeCommand({ meshName, virtualNodeName: "serviceB" }))).virtualNode?.spec).toEqual({ listeners: http2, serviceDiscovery: { dns: { hostname: "serviceb.apps.local" } } });
    expect((await suite.client.send(new DescribeVirtualNodeCommand({ meshName, virtualNodeName: "serviceBv2" }))).virtualNode?.spec).toEqual({ listeners: http2, serviceDiscovery: { dns: { hostname: "servicebv2.apps.local" } } });
    expect((await suite.client.send(new DescribeVirtualNodeCommand({ meshName, virtualNodeName: "serviceA" }))).virtualNode?.spec).toEqual({
      listeners: http2,
      serviceDiscovery: { dns: { hostname: "servicea.apps.local" } },
      backends: [{ virtualService: { virtualServiceName: "serviceb.apps.local" } }],
    });
    expect((await suite.client.send(new DescribeVirtualRouterCommand({ meshName, virtualRouterName: "serviceB" }))).virtualRouter?.spec).toEqual({ listeners: http2 });
    expect((await suite.client.send(new DescribeRouteCommand({ meshName, virtualRouterName: "serviceB", routeName: "serviceB" }))).route?.spec).toEqual({
      http2Route: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "serviceB", weight: 75 }, { virtualNode: "serviceBv2", weight: 25 }] } },
    });
  });

  it("lays out serviceA → serviceb.apps.local → serviceB 75 / serviceBv2 25, each box opening its resource", async () => {
    await createGuideMesh(suite.client, "guide");
    await open("/meshes/guide");
    await page.getByRole("navigation", { name: "Mesh guide" }).getByRole("link", { name: "Topology" }).click();
    const graph = page.getByRole("group", { name: "Topology of mesh guide" });
    await graph.waitFor();
    const edge = (from: string, to: string) => graph.locator(`[data-from="${from}"][data-to="${to}"]`);
    await expect.poll(() => edge("virtualNode:serviceA", "virtualService:serviceb.apps.local").count()).toBe(1);
    expect(await edge("virtualService:serviceb.apps.local", "virtualRouter:serviceB").count()).toBe(1);
    expect(await edge("virtualRouter:serviceB", "route:serviceB/serviceB").count()).toBe(1);
    expect(await edge("route:serviceB/serviceB", "virtualNode:serviceB").textContent()).toBe("75%");
    expect(await edge("route:serviceB/serviceB", "virtualNode:serviceBv2").textContent()).toBe("25%");
    await page.locator("details.connections > summary").click();
    const connections = page.getByRole("region", { name: "Connections" });
    await expect.poll(() => connections.getByRole("row").filter({ hasText: "Virtual node serviceBv2" }).filter({ hasText: "Route serviceB" }).textContent()).toContain("25 (25%)");

    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: path.join(screenshots, "console-topology.png") });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(screenshots, "console-topology-phone.png") });
    await page.setViewportSize({ width: 1280, height: 800 });

    // Keyboard: focus a box and open it with Enter.
    await graph.getByRole("link", { name: "Virtual node serviceBv2" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "serviceBv2", level: 1, exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/console/meshes/guide/virtual-nodes/serviceBv2");
  });

  it("pushes a weight changed in the form to a connected grpc-js ADS client, and shows its NACK in the proxies view", async () => {
    await createGuideMesh(suite.client, "live", "http");
    const ads = adsClient(suite.server.xdsAddress);
    const stream = new SotwClient(ads, { id: "mesh/live/virtualNode/serviceA", userAgentName: "grpc-js-console-test" });
    try {
      stream.send({ typeUrl: TypeUrl.listener });
      const lds = await stream.next();
      stream.ack(lds);
      const routeNames = rdsNames(lds);
      stream.send({ typeUrl: TypeUrl.route, resourceNames: routeNames });
      const first = await stream.next();
      stream.ack(first, routeNames);

      await open("/meshes/live/virtual-routers/serviceB/routes/serviceB/edit");
      await group("Weighted target 1").getByLabel("Weight").fill("60");
      await group("Weighted target 2").getByLabel("Weight").fill("40");
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("heading", { name: "serviceB", level: 1, exact: true }).waitFor();

      let pushed: WireResponse = await stream.next();
      for (let skipped = 0; pushed.typeUrl !== TypeUrl.route && skipped < 5; skipped++) {
        stream.ack(pushed);
        pushed = await stream.next();
      }
      expect(pushed.typeUrl).toBe(TypeUrl.route);
      const weights = decode(RouteConfigurationSchema, pushed.resources[0]!).virtualHosts.flatMap((host) =>
        host.routes.flatMap((route) => (route.action.case === "route" && route.action.value.clusterSpecifier.case === "weightedClusters" ? route.action.value.clusterSpecifier.value.clusters.map((c) => [c.name, c.weight]) : [])),
      );
      expect(weights).toEqual([
        ["cds_egress_live_serviceB_http_80", 60],
        ["cds_egress_live_serviceBv2_http_80", 40],
      ]);

      await page.getByRole("navigation", { name: "Mesh live" }).getByRole("link", { name: "Proxies" }).click();
      const card = page.getByRole("region", { name: /serviceA/ });
      await card.getByText("In sync").or(card.getByText("Applying")).waitFor();
      stream.nack(pushed, first.versionInfo, "route weights rejected by the console test: 60/40 is not allowed here", routeNames);
      await card.getByText("Rejected a change").waitFor();
      const row = card.getByRole("row", { name: /Routes \(RDS\)/ });
      expect(await row.textContent()).toContain("route weights rejected by the console test: 60/40 is not allowed here");
      expect(await row.textContent()).toContain(`Version ${pushed.versionInfo}`);
      expect(await row.getByRole("cell").nth(1).textContent()).toBe(first.versionInfo);
    } finally {
      stream.end();
      ads.close();
    }
  });

  it("lists the specs no proxy can serve, with the field and why, and links each to its resource", async () => {
    // The guide's CLI walkthrough: an httpRoute on the http2 router, which App Mesh accepted and no Envoy serves.
    const meshName = "unserved";
    await suite.client.send(new CreateMeshCommand({ meshName }));
    await suite.client.send(new CreateVirtualNodeCommand({ meshName, virtualNodeName: "serviceB", spec: { listeners: [{ portMapping: { port: 80, protocol: "http2" } }], serviceDiscovery: { dns: { hostname: "serviceb.unserved.local" } } } }));
    await suite.client.send(new CreateVirtualRouterCommand({ meshName, virtualRouterName: "serviceB", spec: { listeners: [{ portMapping: { port: 80, protocol: "http2" } }] } }));
    await suite.client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "serviceb.unserved.local", spec: { provider: { virtualRouter: { virtualRouterName: "serviceB" } } } }));
    await suite.client.send(new CreateRouteCommand({ meshName, virtualRouterName: "serviceB", routeName: "serviceB", spec: { httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "serviceB", weight: 100 }] } } } }));

    await open(`/meshes/${meshName}`);
    await page.getByRole("navigation", { name: `Mesh ${meshName}` }).getByRole("link", { name: "Unserved specs" }).click();
    const row = page.getByRole("region", { name: "Unserved specs" }).getByRole("row", { name: /serviceB \/ serviceB/ });
    await row.waitFor();
    expect(await row.getByRole("cell").nth(0).textContent()).toBe("spec.httpRoute");
    expect(await row.getByRole("cell").nth(1).textContent()).toBe("Route protocol mismatch");
    expect(await row.getByRole("cell").nth(2).textContent()).toMatch(/http2/);
    await row.getByRole("link", { name: "serviceB / serviceB" }).click();
    await page.getByRole("heading", { name: "serviceB", level: 1, exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/meshes/${meshName}/virtual-routers/serviceB/routes/serviceB`);

    // Fixed as the guide fixes it (update-route to an http2Route), the list is empty.
    await suite.client.send(new UpdateRouteCommand({ meshName, virtualRouterName: "serviceB", routeName: "serviceB", spec: { http2Route: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "serviceB", weight: 100 }] } } } }));
    await page.goBack();
    await page.getByText(`Every spec of mesh ${meshName} is served`).waitFor();
  });

  it("explains a header-matched route and a request no route matches, in the browser", async () => {
    await createGuideMesh(suite.client, "explained", "http");
    await addExplainRoutes(suite.client, "explained");
    await open("/meshes/explained/virtual-nodes/serviceA");
    await page.getByRole("link", { name: "Explain a request" }).click();
    await expect.poll(() => page.getByLabel("Proxy").inputValue()).toBe("virtualNode/serviceA");
    await page.getByLabel("Authority").fill("serviceb.apps.local");
    await page.getByLabel("Path").fill("/orders");
    await page.getByRole("button", { name: "Add header" }).click();
    await page.getByLabel("Header 1 name").fill("X-Canary");
    await page.getByLabel("Header 1 value").fill("1");
    await page.getByRole("button", { name: "Explain", exact: true }).click();
    const answer = page.getByRole("region", { name: "Answer" });
    await answer.getByText("Routed", { exact: true }).waitFor();
    expect(await answer.getByRole("status").textContent()).toContain("Route canary of virtual host serviceb.apps.local sends GET /orders to cds_egress_explained_serviceBv2_http_80.");
    const tried = answer.getByRole("region", { name: "Routes tried, in order" });
    expect(await tried.getByRole("row", { name: /api/ }).textContent()).toContain('path: prefix "/api/" does not match "/orders"');
    expect(await tried.getByRole("row", { name: /canary/ }).textContent()).toContain("Matched");

    await page.getByRole("button", { name: "Remove header 1" }).click();
    await page.getByLabel("Authority").fill("serviceb.apps.local");
    await page.getByRole("button", { name: "Explain", exact: true }).click();
    await answer.getByText("weight 75 · 75%").waitFor();
    expect(await tried.getByRole("row", { name: /canary/ }).textContent()).toContain('header "x-canary": expected exact "1", got absent');

    await page.getByLabel("Authority").fill("nobody.apps.local");
    await page.getByRole("button", { name: "Explain", exact: true }).click();
    await answer.getByText("No virtual host (404)").waitFor();
    expect(await answer.getByRole("status").textContent()).toContain("No virtual host of rds_egress_http_80 serves the authority nobody.apps.local");
  });

  it("shows App Mesh's message at the field for a weight of 150 and a too-long name, and writes nothing", async () => {
    await createGuideMesh(suite.client, "errors", "http");
    suite.expectedFailures = [
      { status: 400, path: /^\/v20190125\/meshes\/errors\/virtualRouter\/serviceB\/routes\/serviceB$/ },
      { status: 400, path: /^\/v20190125\/meshes\/errors\/virtualNodes$/ },
    ];
    const before = await suite.client.send(new DescribeRouteCommand({ meshName: "errors", virtualRouterName: "serviceB", routeName: "serviceB" }));
    await open("/meshes/errors/virtual-routers/serviceB/routes/serviceB/edit");
    const weight = group("Weighted target 1").getByLabel("Weight");
    await weight.fill("150");
    await page.getByRole("button", { name: "Save" }).click();
    const message = "1 validation error detected: Value 150 at 'spec.httpRoute.action.weightedTargets[0].weight' failed to satisfy constraint: Member must have value less than or equal to 100";
    await group("Weighted target 1").getByRole("alert").getByText(message).waitFor();
    expect(await weight.getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate<string | undefined>(`document.activeElement?.closest("fieldset")?.querySelector("legend")?.textContent`)).toBe("Weighted target 1");
    const after = await suite.client.send(new DescribeRouteCommand({ meshName: "errors", virtualRouterName: "serviceB", routeName: "serviceB" }));
    expect(after.route?.metadata?.version).toBe(before.route?.metadata?.version);
    expect(after.route?.spec).toEqual(before.route?.spec);

    await page.goto(`${suite.server.url}/console/meshes/errors/virtual-nodes/new`);
    const name = page.getByLabel("Virtual node name");
    await name.fill("n".repeat(256));
    await page.getByRole("button", { name: "Create virtual node" }).click();
    await page.getByRole("alert").filter({ hasText: "at 'virtualNodeName' failed to satisfy constraint: Member must have length less than or equal to 255" }).first().waitFor();
    expect(await name.getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate<string | undefined>("document.activeElement?.id")).toBe(await name.getAttribute("id"));
    const nodes = await suite.client.send(new ListVirtualNodesCommand({ meshName: "errors" }));
    expect(nodes.virtualNodes?.map((node) => node.virtualNodeName).sort()).toEqual(["serviceA", "serviceB", "serviceBv2"]);
  });

  it("edits a spec as JSON and shows it back in both views", async () => {
    await createGuideMesh(suite.client, "json", "http");
    await open("/meshes/json/virtual-nodes/serviceB/edit");
    await page.getByRole("button", { name: "JSON" }).click();
    const editor = page.getByLabel("JSON (spec)");
    const body = JSON.parse(await editor.inputValue()) as { spec: { logging?: unknown } };
    body.spec.logging = { accessLog: { file: { path: "/dev/stdout" } } };
    await editor.fill(JSON.stringify(body, null, 2));
    await page.getByRole("button", { name: "Form" }).click();
    expect(await page.getByLabel("Access log path").inputValue()).toBe("/dev/stdout");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "serviceB", level: 1, exact: true }).waitFor();
    await page.getByText("Access log path").waitFor();
    const described = await suite.client.send(new DescribeVirtualNodeCommand({ meshName: "json", virtualNodeName: "serviceB" }));
    expect(described.virtualNode?.spec?.logging).toEqual({ accessLog: { file: { path: "/dev/stdout" } } });
    await page.getByRole("group", { name: "Show spec as" }).getByRole("button", { name: "JSON" }).click();
    expect(await page.getByLabel("Virtual node serviceB as JSON").textContent()).toContain('"path": "/dev/stdout"');
  });

  it("works by keyboard: skip link, navigation and a create form submitted with Enter", async () => {
    await open("/");
    await page.getByRole("heading", { name: "Meshes", level: 1, exact: true }).waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate<string | undefined>("document.activeElement?.textContent")).toBe("Skip to content");
    await page.getByRole("link", { name: "Create mesh" }).focus();
    await page.keyboard.press("Enter");
    await page.getByLabel("Mesh name").focus();
    await page.keyboard.type("keyboard");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "keyboard", level: 1, exact: true }).waitFor();
    expect((await suite.client.send(new DescribeMeshCommand({ meshName: "keyboard" }))).mesh?.meshName).toBe("keyboard");
  });

  it("fits a phone's width: the navigation opens from the Menu button", async () => {
    await open("/");
    await page.setViewportSize({ width: 390, height: 844 });
    const menu = page.getByRole("button", { name: "Menu" });
    expect(await page.getByRole("navigation", { name: "Console" }).isVisible()).toBe(false);
    await menu.click();
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Endpoint registry" }).click();
    await page.getByRole("heading", { name: "Endpoint registry", level: 1, exact: true }).waitFor();
    expect(await page.evaluate<boolean>("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
  });
});
