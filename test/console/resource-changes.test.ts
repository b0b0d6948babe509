// The console's change flows beyond the getting-started path, in Chromium against a real `npm start` (open mode):
// editing a mesh, creating a virtual gateway and a gateway route through the forms, deleting through the
// confirmation dialog, and the config dump and audit log showing a change the console just made. Every `it` works
// in its own mesh and checks what it did through the AWS SDK as well as the page.
import {
  CreateGatewayRouteCommand,
  CreateMeshCommand,
  CreateVirtualGatewayCommand,
  CreateVirtualServiceCommand,
  DescribeGatewayRouteCommand,
  DescribeMeshCommand,
  DescribeRouteCommand,
  DescribeVirtualGatewayCommand,
  DescribeVirtualRouterCommand,
  NotFoundException,
} from "@aws-sdk/client-app-mesh";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createGuideMesh } from "../support/guide-mesh.js";
import { useOpenModeConsole } from "./support.js";

describe("console (open mode): edits, gateways, deletes, config dump and audit log", () => {
  const suite = useOpenModeConsole();
  let page: Page;
  const open = async (consolePath: string) => (page = await suite.open(consolePath));
  const group = (name: string) => page.getByRole("group", { name, exact: true });
  const heading = (name: string) => page.getByRole("heading", { name, level: 1, exact: true });

  /** A mesh with virtual service web.apps.local and gateway `ingress` listening for HTTP on 8080. */
  const createGatewayMesh = async (meshName: string) => {
    await suite.client.send(new CreateMeshCommand({ meshName }));
    await suite.client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "web.apps.local", spec: {} }));
    await suite.client.send(new CreateVirtualGatewayCommand({ meshName, virtualGatewayName: "ingress", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } }));
  };

  it("edits a mesh to egress filter ALLOW_ALL and IPv6 preferred, as the AWS SDK then describes it", async () => {
    await suite.client.send(new CreateMeshCommand({ meshName: "edited", spec: { egressFilter: { type: "DROP_ALL" } } }));
    const before = await suite.client.send(new DescribeMeshCommand({ meshName: "edited" }));
    await open("/meshes/edited");
    await heading("edited").waitFor();
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await heading("Edit mesh edited").waitFor();
    const egressType = group("Egress filter").getByLabel("Egress filter type");
    expect(await egressType.inputValue()).toBe("DROP_ALL");
    await egressType.selectOption("ALLOW_ALL");
    await page.getByRole("button", { name: "Add service discovery" }).click();
    await group("Service discovery").getByLabel("IP version preference").selectOption("IPv6_PREFERRED");
    await page.getByRole("button", { name: "Save" }).click();
    await heading("edited").waitFor();

    const after = await suite.client.send(new DescribeMeshCommand({ meshName: "edited" }));
    expect(after.mesh?.spec).toEqual({ egressFilter: { type: "ALLOW_ALL" }, serviceDiscovery: { ipPreference: "IPv6_PREFERRED" } });
    expect(after.mesh?.metadata?.version).toBe((before.mesh?.metadata?.version ?? 0) + 1);
    const spec = page.getByRole("region", { name: "Spec" });
    await spec.getByText("ALLOW_ALL", { exact: true }).waitFor();
    await spec.getByText("IPv6_PREFERRED", { exact: true }).waitFor();

    // The edit form reads the saved spec back.
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    expect(await group("Egress filter").getByLabel("Egress filter type").inputValue()).toBe("ALLOW_ALL");
    expect(await group("Service discovery").getByLabel("IP version preference").inputValue()).toBe("IPv6_PREFERRED");
  });

  it("creates a virtual gateway with an HTTP listener and a gateway route under it through the forms, as the AWS SDK describes them", async () => {
    const meshName = "gateways";
    await suite.client.send(new CreateMeshCommand({ meshName }));
    await suite.client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "web.apps.local", spec: {} }));
    await open(`/meshes/${meshName}`);
    await page.getByRole("navigation", { name: `Mesh ${meshName}` }).getByRole("link", { name: "Virtual gateways" }).click();
    await page.getByRole("link", { name: "Create virtual gateway" }).click();
    await page.getByLabel("Virtual gateway name").fill("ingress");
    await page.getByRole("button", { name: "Add listener" }).click();
    await group("Listener 1").getByRole("group", { name: "Port mapping" }).getByLabel("Port").fill("8080");
    await group("Listener 1").getByRole("group", { name: "Port mapping" }).getByLabel("Protocol").selectOption("http");
    await page.getByRole("button", { name: "Create virtual gateway" }).click();
    await heading("ingress").waitFor();

    const routes = page.getByRole("region", { name: "Gateway routes", exact: true });
    await routes.getByRole("link", { name: "Create gateway route" }).click();
    await heading("Create gateway route").waitFor();
    await page.getByLabel("Gateway route name").fill("web");
    await page.getByLabel("Route type").selectOption("httpRoute");
    const route = group("HTTP route");
    await route.getByLabel("Prefix").fill("/shop/");
    await expect.poll(() => route.getByLabel("Virtual service name").locator("option").allTextContents()).toContain("web.apps.local");
    await route.getByLabel("Virtual service name").selectOption("web.apps.local");
    await page.getByRole("button", { name: "Create gateway route" }).click();
    await heading("web").waitFor();

    expect((await suite.client.send(new DescribeVirtualGatewayCommand({ meshName, virtualGatewayName: "ingress" }))).virtualGateway?.spec).toEqual({ listeners: [{ portMapping: { port: 8080, protocol: "http" } }] });
    const described = await suite.client.send(new DescribeGatewayRouteCommand({ meshName, virtualGatewayName: "ingress", gatewayRouteName: "web" }));
    expect(described.gatewayRoute?.spec).toEqual({ httpRoute: { match: { prefix: "/shop/" }, action: { target: { virtualService: { virtualServiceName: "web.apps.local" } } } } });
    expect(described.gatewayRoute?.status?.status).toBe("ACTIVE");

    // The gateway lists its new route.
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "ingress" }).click();
    await page.getByRole("table", { name: "Gateway routes of ingress" }).getByRole("link", { name: "web", exact: true }).waitFor();
  });

  it("deletes a route through the confirmation dialog (Cancel keeps it, Delete removes it) and shows App Mesh's refusal for a router still in use", async () => {
    const meshName = "deleting";
    await createGuideMesh(suite.client, meshName, "http");
    suite.expectedFailures = [{ status: 409, path: /^\/v20190125\/meshes\/deleting\/virtualRouters\/serviceB$/ }];

    await open(`/meshes/${meshName}/virtual-routers/serviceB`);
    await heading("serviceB").waitFor();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const routerDialog = page.getByRole("dialog", { name: "Delete virtual router serviceB?" });
    await routerDialog.getByRole("button", { name: "Delete virtual router" }).click();
    await routerDialog.getByRole("alert").getByText("Virtual router serviceB in mesh deleting still has 1 routes; delete them first.").waitFor();
    expect(await routerDialog.getByRole("button", { name: "Delete virtual router" }).isEnabled()).toBe(true);
    await routerDialog.getByRole("button", { name: "Cancel" }).click();
    await routerDialog.waitFor({ state: "hidden" });
    expect((await suite.client.send(new DescribeVirtualRouterCommand({ meshName, virtualRouterName: "serviceB" }))).virtualRouter?.status?.status).toBe("ACTIVE");

    await page.getByRole("table", { name: "Routes of serviceB" }).getByRole("link", { name: "serviceB", exact: true }).click();
    await heading("serviceB").waitFor();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const routeDialog = page.getByRole("dialog", { name: "Delete route serviceB?" });
    await routeDialog.getByRole("button", { name: "Cancel" }).click();
    await routeDialog.waitFor({ state: "hidden" });
    expect((await suite.client.send(new DescribeRouteCommand({ meshName, virtualRouterName: "serviceB", routeName: "serviceB" }))).route?.status?.status).toBe("ACTIVE");

    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await routeDialog.getByRole("button", { name: "Delete route" }).click();
    // Back on the router, whose table no longer lists the route.
    await page.getByRole("table", { name: "Routes of serviceB" }).getByText("No routes yet.").waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/meshes/${meshName}/virtual-routers/serviceB`);
    await expect(suite.client.send(new DescribeRouteCommand({ meshName, virtualRouterName: "serviceB", routeName: "serviceB" }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it("shows a gateway route edited in the console in the gateway's config dump, and the audit log's filters find that change and its refused attempt", async () => {
    const meshName = "dumped";
    await createGatewayMesh(meshName);
    await suite.client.send(
      new CreateGatewayRouteCommand({ meshName, virtualGatewayName: "ingress", gatewayRouteName: "web", spec: { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "web.apps.local" } } } } } }),
    );
    const routeArn = (await suite.client.send(new DescribeGatewayRouteCommand({ meshName, virtualGatewayName: "ingress", gatewayRouteName: "web" }))).gatewayRoute!.metadata!.arn!;
    suite.expectedFailures = [{ status: 400, path: /^\/v20190125\/meshes\/dumped\/virtualGateway\/ingress\/gatewayRoutes\/web$/ }];

    const ingressRoutes = "Route configurations rds_ingress_http_8080 as JSON";
    const routesVersion = () => page.getByRole("region", { name: /^Route configurations/ }).getByText(/^version /).first().textContent();
    await open(`/meshes/${meshName}/virtual-gateways/ingress`);
    await page.getByRole("link", { name: "Config dump" }).click();
    await heading("Config dump of ingress").waitFor();
    expect(await page.getByLabel(ingressRoutes).textContent()).toContain('"prefix": "/"');
    const versionBefore = await routesVersion();

    // One refused save (a priority above the model's 1000), then the change.
    await page.goto(`${suite.server.url}/console/meshes/${meshName}/virtual-gateways/ingress/gateway-routes/web/edit`);
    const priority = page.getByLabel("Priority – optional");
    await priority.fill("1001");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("alert").filter({ hasText: "Member must have value less than or equal to 1000" }).first().waitFor();
    await priority.fill("");
    await group("HTTP route").getByLabel("Prefix").fill("/shop/");
    await page.getByRole("button", { name: "Save" }).click();
    await heading("web").waitFor();
    expect((await suite.client.send(new DescribeGatewayRouteCommand({ meshName, virtualGatewayName: "ingress", gatewayRouteName: "web" }))).gatewayRoute?.spec?.httpRoute?.match?.prefix).toBe("/shop/");

    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "ingress" }).click();
    await page.getByRole("link", { name: "Config dump" }).click();
    await heading("Config dump of ingress").waitFor();
    const dumped = page.getByLabel(ingressRoutes);
    await dumped.waitFor({ state: "attached" });
    expect(await dumped.textContent()).toContain('"prefix": "/shop/"');
    expect(await routesVersion()).not.toBe(versionBefore);

    // The mesh's audit log, narrowed by each filter in turn.
    await page.getByRole("navigation", { name: `Mesh ${meshName}` }).getByRole("link", { name: "Audit log" }).click();
    await heading("Audit log").waitFor();
    const rows = page.getByRole("table", { name: "Audit log entries" }).getByRole("rowgroup").nth(1).getByRole("row");
    // "action outcome" of each row, read in one pass: the table re-renders while filters apply.
    const actions = () => rows.evaluateAll((found) => found.map((row) => [...row.querySelectorAll("td")].filter((_, index) => index === 1 || index === 3).map((cell) => cell.textContent).join(" ")));
    await expect.poll(actions).toContain("appmesh:CreateMesh allowed");

    await page.getByLabel("Action").fill("appmesh:UpdateGatewayRoute");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(actions).toEqual(["appmesh:UpdateGatewayRoute BadRequestException", "appmesh:UpdateGatewayRoute allowed"]);
    expect(await rows.nth(1).getByRole("cell").nth(2).textContent()).toBe(routeArn);

    await page.getByLabel("Outcome").fill("BadRequestException");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(actions).toEqual(["appmesh:UpdateGatewayRoute BadRequestException"]);

    await page.getByRole("button", { name: "Clear" }).click();
    await page.getByLabel("Resource (ARN, or a prefix ending in *)").fill(routeArn);
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(actions).toEqual(["appmesh:CreateGatewayRoute allowed", "appmesh:UpdateGatewayRoute BadRequestException", "appmesh:UpdateGatewayRoute allowed"]);

    await page.getByLabel("Principal").fill("someone-else");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByRole("table", { name: "Audit log entries" }).getByText("No entries match.").waitFor();
  });
});
