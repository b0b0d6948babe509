// The same console from the Worker, as `npm run dev` serves it (wrangler's local workerd, D1, open mode, offline):
// Chromium loads the mesh list there.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateMeshCommand } from "@aws-sdk/client-app-mesh";
import { unstable_startWorker } from "wrangler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMeshClient } from "../support/control-plane.js";
import { launchBrowser, type ConsoleBrowser } from "./support.js";

const offline = { WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", DO_NOT_TRACK: "1", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
Object.assign(process.env, offline);

describe("console on the Worker", () => {
  const persist = mkdtempSync(path.join(os.tmpdir(), "meshplane-console-d1-"));
  let worker: Awaited<ReturnType<typeof unstable_startWorker>>;
  let url: string;
  let browser: ConsoleBrowser;

  beforeAll(async () => {
    execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { env: { ...process.env, ...offline, CI: "true" }, stdio: "pipe" });
    // What `npm run dev` passes (scripts/wrangler-dev.mjs).
    worker = await unstable_startWorker({
      config: "wrangler.toml",
      bindings: { MESHPLANE_AUTH_MODE: { type: "plain_text", value: "open" } },
      dev: { persist, remote: false, watch: false, inspector: false, logLevel: "warn", server: { hostname: "127.0.0.1", port: 0 } },
    });
    url = (await worker.url).toString().replace(/\/$/, "");
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.dispose();
    rmSync(persist, { recursive: true, force: true });
  });

  it("loads the mesh list in Chromium, with its owners, from the Worker's console", async () => {
    const client = createAppMeshClient(url);
    await client.send(new CreateMeshCommand({ meshName: "on-the-edge", spec: { egressFilter: { type: "DROP_ALL" } } }));
    client.destroy();
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    expect(new URL(page.url()).pathname).toBe("/console/");
    const table = page.getByRole("region", { name: "Meshes" });
    const row = table.getByRole("row", { name: /on-the-edge/ });
    await row.waitFor();
    expect(await row.textContent()).toContain("111122223333");
    await row.getByRole("link", { name: "on-the-edge" }).click();
    await page.getByRole("heading", { name: "on-the-edge", level: 1, exact: true }).waitFor();
    await page.getByText("DROP_ALL").waitFor();
    await page.close();
    expect(browser.takeUnexpectedErrors(), "the page logged errors").toEqual([]);
  });
});
