// The console with authentication on, in Chromium against a real `npm start`: sign-in with an access key opens an
// HttpOnly SameSite=Strict session; calls are authorised and audited under the key's principal as signed calls
// are; a principal without permission sees the API's ForbiddenException; a cross-origin form post without the
// CSRF token is refused; sign-out ends the session for good.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeMeshCommand, ListMeshesCommand } from "@aws-sdk/client-app-mesh";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clientFor, signedFetch, testKeys, writeAuthFile } from "../auth/support.js";
import { launchBrowser, startConsoleServer, type ConsoleBrowser, type ConsoleServer, type ExpectedFailure } from "./support.js";

describe("console sessions (authentication on)", () => {
  let server: ConsoleServer;
  let browser: ConsoleBrowser;
  let page: Page;
  let expectedFailures: ExpectedFailure[] = [];

  beforeAll(async () => {
    server = await startConsoleServer({ MESHPLANE_AUTH_FILE: writeAuthFile(), MESHPLANE_AUTH_SECRET_KEY: "console-test-sealing-key", MESHPLANE_RATE_LIMIT: "off" });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  afterEach(async () => {
    await page?.close();
    await browser.context.clearCookies();
    const unexpected = browser.takeUnexpectedErrors(expectedFailures);
    expectedFailures = [];
    expect(unexpected, "the page logged errors").toEqual([]);
  });

  async function signIn(key: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
    page = await browser.newPage();
    await page.goto(`${server.url}/console/`);
    await page.getByLabel("Access key ID").fill(key.accessKeyId);
    await page.getByLabel("Secret access key").fill(key.secretAccessKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Meshes", level: 1, exact: true }).waitFor();
  }

  const audit = async (query: string) =>
    ((await (await signedFetch(server.url, testKeys.admin, "GET", `/v1/audit?${query}`)).json()) as { entries: Array<{ principal: string; credential: string; action: string; resource: string; outcome: string }> }).entries;

  it("signs in with an access key into an HttpOnly, SameSite=Strict session, and audits a change under that principal", async () => {
    expectedFailures = [{ status: 403, path: /^\/console\/session$/ }];
    page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel("Access key ID").fill(testKeys.admin.accessKeyId);
    await page.getByLabel("Secret access key").fill("not the secret");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText("UnrecognizedClientException: The access key id or secret access key is not valid.").waitFor();
    await page.getByLabel("Secret access key").fill(testKeys.admin.secretAccessKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Signed in as admin").waitFor();

    const [cookie] = await browser.context.cookies(server.url);
    expect(cookie).toMatchObject({ name: "meshplane-session", httpOnly: true, sameSite: "Strict", secure: false, path: "/" });
    expect(await page.evaluate<string>("document.cookie")).toBe("");
    expect(await page.evaluate<number>("localStorage.length + sessionStorage.length")).toBe(0);

    await page.getByRole("link", { name: "Create mesh" }).click();
    await page.getByLabel("Mesh name").fill("signed-in");
    await page.getByRole("button", { name: "Create mesh" }).click();
    await page.getByRole("heading", { name: "signed-in", level: 1, exact: true }).waitFor();
    // AWSAppMeshFullAccess grants appmesh:* only: the mesh's Policies section says the principal may not list them.
    expectedFailures.push({ status: 403, path: /^\/v1\/meshes\/signed-in\/policies$/ });
    await page
      .getByRole("region", { name: "Policies", exact: true })
      .getByRole("status")
      .getByText("ForbiddenException: User: admin is not authorized to perform: meshplane:ListPolicies", { exact: false })
      .waitFor();
    const sdk = clientFor(server.url, testKeys.admin);
    expect((await sdk.send(new DescribeMeshCommand({ meshName: "signed-in" }))).mesh?.meshName).toBe("signed-in");
    sdk.destroy();
    const entries = await audit("action=appmesh:CreateMesh&resource=arn:aws:appmesh:us-east-1:111122223333:mesh/signed-in");
    expect(entries).toEqual([expect.objectContaining({ principal: "admin", credential: testKeys.admin.accessKeyId, outcome: "allowed" })]);
    expect((await audit("action=meshplane:ConsoleSignIn&principal=admin")).length).toBeGreaterThan(0);
  });

  it("shows a principal without permission the API's ForbiddenException for a change, and writes nothing", async () => {
    expectedFailures = [{ status: 403, path: /^\/v20190125\/meshes$/ }];
    await signIn(testKeys.reader);
    // The audit log is for admin principals: a reader is not offered it.
    expect(await page.getByRole("link", { name: "Audit log" }).count()).toBe(0);
    await page.getByRole("link", { name: "Create mesh" }).click();
    await page.getByLabel("Mesh name").fill("not-allowed");
    await page.getByRole("button", { name: "Create mesh" }).click();
    await page.getByRole("alert").getByText("ForbiddenException: the change was not made").waitFor();
    expect(await page.getByRole("alert").first().textContent()).toContain("User: reader is not authorized to perform: appmesh:CreateMesh on resource: arn:aws:appmesh:us-east-1:111122223333:mesh/not-allowed");
    const sdk = clientFor(server.url, testKeys.admin);
    expect((await sdk.send(new ListMeshesCommand({}))).meshes?.map((mesh) => mesh.meshName)).not.toContain("not-allowed");
    sdk.destroy();
    expect(await audit("action=appmesh:CreateMesh&principal=reader&outcome=denied")).toEqual([expect.objectContaining({ credential: testKeys.reader.accessKeyId })]);
  });

  it("refuses a form posted from another origin without the CSRF token, and a same-origin change without it", async () => {
    expectedFailures = [
      { status: 403, path: /^\/v1\/auth\/keys$/ },
      { status: 403, path: /^\/v20190125\/meshes$/ },
    ];
    await signIn(testKeys.admin);
    // Another origin on the same host (another port): same-site, so SameSite=Strict still sends the cookie; only
    // the CSRF check stands between this page and a new admin key.
    const body = `<form method="POST" enctype="text/plain" action="${server.url}/v1/auth/keys"><input name='{"principal":"admin","policies":["AWSAppMeshFullAccess"],"admin":true,"pad":"' value='"}'></form><script>document.forms[0].submit()</script>`;
    const attacker = http.createServer((_request, response) => response.writeHead(200, { "content-type": "text/html" }).end(body));
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    try {
      const posted = page.waitForResponse((response) => response.url() === `${server.url}/v1/auth/keys`);
      await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      const response = await posted;
      expect(response.status()).toBe(403);
      expect(response.headers()["x-amzn-errortype"]).toBe("InvalidCsrfTokenException");
    } finally {
      attacker.close();
    }
    const keys = (await (await signedFetch(server.url, testKeys.admin, "GET", "/v1/auth/keys")).json()) as { accessKeys: unknown[] };
    expect(keys.accessKeys).toEqual([]);

    await page.goto(`${server.url}/console/`);
    const refused = await page.evaluate<{ status: number; type: string | null }>(
      `fetch("/v20190125/meshes", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ meshName: "no-token" }) }).then((r) => ({ status: r.status, type: r.headers.get("x-amzn-errortype") }))`,
    );
    expect(refused).toEqual({ status: 403, type: "InvalidCsrfTokenException" });
    const sdk = clientFor(server.url, testKeys.admin);
    expect((await sdk.send(new ListMeshesCommand({}))).meshes?.map((mesh) => mesh.meshName)).not.toContain("no-token");
    sdk.destroy();
  });

  it("signs out: the page asks for sign-in again and the old cookie no longer authorises anything", async () => {
    await signIn(testKeys.admin);
    const [cookie] = await browser.context.cookies(server.url);
    const withCookie = () => fetch(`${server.url}/v20190125/meshes`, { headers: { cookie: `${cookie!.name}=${cookie!.value}` } });
    expect((await withCookie()).status).toBe(200);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await browser.context.cookies(server.url)).toEqual([]);
    const replayed = await withCookie();
    expect([replayed.status, replayed.headers.get("x-amzn-errortype")]).toEqual([403, "ExpiredTokenException"]);
    expect(await audit("action=meshplane:ConsoleSignOut&principal=admin")).not.toEqual([]);
  });
});
