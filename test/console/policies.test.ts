// meshplane's policies in the console, in Chromium against a real `npm start` (open mode): created, edited, refused
// and deleted from a virtual gateway's page, checked through the policy API itself (fetch against the control
// plane), listed on the mesh's Policies page, and marked in the topology. Every `it` works in its own mesh.
import { CreateGatewayRouteCommand, CreateMeshCommand, CreateVirtualGatewayCommand, CreateVirtualServiceCommand, DescribeVirtualGatewayCommand } from "@aws-sdk/client-app-mesh";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useOpenModeConsole } from "./support.js";

describe("console (open mode): policies", () => {
  const suite = useOpenModeConsole();
  let page: Page;
  const open = async (consolePath: string) => (page = await suite.open(consolePath));
  const heading = (name: string) => page.getByRole("heading", { name, level: 1, exact: true });

  /** A mesh with virtual service web.apps.local, gateway `ingress` (HTTP on 8080) and its gateway route `web`; the gateway's ARN. */
  const createGatewayMesh = async (meshName: string): Promise<string> => {
    await suite.client.send(new CreateMeshCommand({ meshName }));
    await suite.client.send(new CreateVirtualServiceCommand({ meshName, virtualServiceName: "web.apps.local", spec: {} }));
    await suite.client.send(new CreateVirtualGatewayCommand({ meshName, virtualGatewayName: "ingress", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } }));
    await suite.client.send(
      new CreateGatewayRouteCommand({ meshName, virtualGatewayName: "ingress", gatewayRouteName: "web", spec: { httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "web.apps.local" } } } } } }),
    );
    return (await suite.client.send(new DescribeVirtualGatewayCommand({ meshName, virtualGatewayName: "ingress" }))).virtualGateway!.metadata!.arn!;
  };

  /** The policy API as any client calls it. */
  const policyApi = async (method: string, meshName: string, policyName = "", body?: unknown) => {
    const response = await fetch(`${suite.server.url}/v1/meshes/${meshName}/policies${policyName ? `/${policyName}` : ""}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const rateLimit = (requests: number) => ({ rateLimit: { requests, interval: { value: 1, unit: "s" }, response: { statusCode: 429, body: "slow down" } } });

  it("creates, edits, refuses with the API's message at the JSON editor, and deletes a rate limit policy from a virtual gateway's page", async () => {
    const meshName = "policy-edits";
    const gatewayArn = await createGatewayMesh(meshName);
    await open(`/meshes/${meshName}/virtual-gateways/ingress`);
    await heading("ingress").waitFor();
    const section = page.getByRole("region", { name: "Policies", exact: true });
    await section.getByRole("table", { name: "Policies of virtual gateway ingress" }).getByText("No policies yet.").waitFor();

    // Create: the document starts with the gateway's ARN as its target.
    await section.getByRole("link", { name: "Create policy" }).click();
    await heading("Create policy").waitFor();
    const editor = page.getByLabel("Policy document (JSON: targetRef, spec, tags)");
    expect(JSON.parse(await editor.inputValue())).toEqual({ targetRef: { arn: gatewayArn }, spec: {} });
    await page.getByLabel("Policy name").fill("edge-limit");
    await editor.fill(JSON.stringify({ targetRef: { arn: gatewayArn }, spec: rateLimit(100) }));
    await page.getByRole("button", { name: "Create policy" }).click();
    await heading("ingress").waitFor();

    const created = await policyApi("GET", meshName, "edge-limit");
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ policyName: "edge-limit", type: "rateLimit", targetRef: { arn: gatewayArn }, spec: rateLimit(100), metadata: { version: 1 } });
    const row = section.getByRole("table", { name: "Policies of virtual gateway ingress" }).getByRole("row", { name: /edge-limit/ });
    await row.getByRole("cell", { name: "rateLimit", exact: true }).waitFor();
    await row.getByRole("cell", { name: "1", exact: true }).waitFor();

    // The mesh's Policies page lists it with its target.
    await page.getByRole("navigation", { name: `Mesh ${meshName}` }).getByRole("link", { name: "Policies", exact: true }).click();
    await heading("Policies").waitFor();
    const meshRow = page.getByRole("table", { name: `Policies of mesh ${meshName}` }).getByRole("row", { name: /edge-limit/ });
    await meshRow.getByRole("link", { name: "Virtual gateway ingress" }).waitFor();

    // Edit from there: the stored document is read back, the change saved as version 2.
    await meshRow.getByRole("link", { name: "Edit policy edge-limit" }).click();
    await heading("Edit policy edge-limit").waitFor();
    expect(JSON.parse(await editor.inputValue())).toEqual({ targetRef: { arn: gatewayArn }, spec: rateLimit(100) });
    expect(await page.getByLabel("Policy name").getAttribute("readonly")).not.toBeNull();
    await editor.fill(JSON.stringify({ targetRef: { arn: gatewayArn }, spec: rateLimit(250) }));
    await page.getByRole("button", { name: "Save policy" }).click();
    await heading("ingress").waitFor();
    expect((await policyApi("GET", meshName, "edge-limit")).body).toMatchObject({ spec: rateLimit(250), metadata: { version: 2 } });

    // A bad spec: the API's 400 shown at the JSON editor, nothing stored.
    suite.expectedFailures = [{ status: 400, path: new RegExp(`^/v1/meshes/${meshName}/policies/edge-limit$`) }];
    await page.getByRole("link", { name: "Edit policy edge-limit" }).click();
    await heading("Edit policy edge-limit").waitFor();
    await editor.fill(JSON.stringify({ targetRef: { arn: gatewayArn }, spec: { rateLimit: { requests: 0, interval: { value: 1, unit: "s" } } } }));
    await page.getByRole("button", { name: "Save policy" }).click();
    const fieldError = page.locator("#policy-json-error");
    await fieldError.waitFor();
    const message = (await fieldError.textContent()) ?? "";
    expect(message).toMatch(/'spec\.rateLimit\.requests'/);
    expect(await editor.getAttribute("aria-invalid")).toBe("true");
    expect(await editor.getAttribute("aria-describedby")).toBe("policy-json-error");
    await page.getByRole("alert").filter({ hasText: "BadRequestException: the change was not made" }).waitFor();
    expect(await page.evaluate<string | undefined>("document.activeElement?.id")).toBe("policy-json");
    expect((await policyApi("GET", meshName, "edge-limit")).body).toMatchObject({ spec: rateLimit(250), metadata: { version: 2 } });

    // Delete from the gateway's page, through the confirmation dialog.
    await page.getByRole("button", { name: "Cancel" }).click();
    await heading("ingress").waitFor();
    await section.getByRole("button", { name: "Delete policy edge-limit" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete policy edge-limit?" });
    await dialog.getByRole("button", { name: "Delete policy" }).click();
    await dialog.waitFor({ state: "hidden" });
    await section.getByRole("table", { name: "Policies of virtual gateway ingress" }).getByText("No policies yet.").waitFor();
    expect((await policyApi("GET", meshName, "edge-limit")).status).toBe(404);
    expect((await policyApi("GET", meshName)).body.policies).toEqual([]);
  });

  it("shows the API's refusal of a policy name at the name field, storing nothing", async () => {
    const meshName = "policy-names";
    const gatewayArn = await createGatewayMesh(meshName);
    suite.expectedFailures = [{ status: 400, path: new RegExp(`^/v1/meshes/${meshName}/policies/`) }];
    await open(`/meshes/${meshName}/policies/new?${new URLSearchParams({ target: gatewayArn })}`);
    await heading("Create policy").waitFor();
    await page.getByLabel("Policy name").fill("-starts-with-a-dash");
    await page.getByLabel("Policy document (JSON: targetRef, spec, tags)").fill(JSON.stringify({ targetRef: { arn: gatewayArn }, spec: { headers: { response: { remove: ["server"] } } } }));
    await page.getByRole("button", { name: "Create policy" }).click();
    await page.locator("#policy-name-error").getByText(/policyName/).waitFor();
    expect(await page.evaluate<string | undefined>("document.activeElement?.id")).toBe("policy-name");
    expect((await policyApi("GET", meshName)).body.policies).toEqual([]);
  });

  it("marks resources with policies in the topology with their types, the marker linking to those policies", async () => {
    const meshName = "policy-topology";
    const gatewayArn = await createGatewayMesh(meshName);
    const routeArn = `${gatewayArn}/gatewayRoute/web`;
    expect((await policyApi("PUT", meshName, "no-server", { targetRef: { arn: gatewayArn }, spec: { headers: { response: { remove: ["server"] } } } })).status).toBe(200);
    expect((await policyApi("PUT", meshName, "gateway-limit", { targetRef: { arn: gatewayArn }, spec: rateLimit(10) })).status).toBe(200);
    expect((await policyApi("PUT", meshName, "web-cors", { targetRef: { arn: routeArn }, spec: { cors: { allowOrigins: [{ exact: "https://example.com" }] } } })).status).toBe(200);

    await open(`/meshes/${meshName}/topology`);
    const graph = page.getByRole("group", { name: `Topology of mesh ${meshName}` });
    const gatewayMarker = graph.getByRole("link", { name: "Policies of virtual gateway ingress: headers, rateLimit", exact: true });
    await gatewayMarker.waitFor();
    expect(await gatewayMarker.textContent()).toBe("headers · rateLimit");
    await graph.getByRole("link", { name: "Policies of gateway route web: cors", exact: true }).waitFor();
    // Resources without policies carry no marker.
    expect(await graph.locator("[data-policies-of]").count()).toBe(2);
    expect(await graph.locator('[data-policies-of="virtualService:web.apps.local"]').count()).toBe(0);

    await gatewayMarker.click();
    await heading("Policies of Virtual gateway ingress").waitFor();
    const table = page.getByRole("table", { name: "Policies of Virtual gateway ingress" });
    await table.getByRole("link", { name: "no-server", exact: true }).waitFor();
    await table.getByRole("link", { name: "gateway-limit", exact: true }).waitFor();
    expect(await table.getByRole("link", { name: "web-cors" }).count()).toBe(0);
  });
});
