// The console's server routes on a real control plane: the redirect browsers get from /, the page at every
// /console/ path, its assets (gzip, validators, CSP), the JavaScript budget, and the session API in open mode.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.js";

/** A GET with the bytes exactly as sent (fetch would decompress them). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      })
      .on("error", reject);
  });
}

const BUDGET_BYTES = 300 * 1024;

describe("createConsoleApp", () => {
  let plane: TestControlPlane;
  beforeAll(async () => {
    plane = await startTestControlPlane();
  });
  afterAll(async () => plane?.stop());

  it("redirects a browser asking for / to /console/, and leaves API clients' answer alone", async () => {
    const browser = await fetch(`${plane.url}/`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" }, redirect: "manual" });
    expect([browser.status, browser.headers.get("location")]).toEqual([302, "/console/"]);
    const cli = await fetch(`${plane.url}/`, { headers: { accept: "*/*" }, redirect: "manual" });
    expect([cli.status, cli.headers.get("x-amzn-errortype")]).toEqual([404, "NotFoundException"]);
    const sdk = await fetch(`${plane.url}/`, { headers: { accept: "application/json" }, redirect: "manual" });
    expect(sdk.status).toBe(404);
    expect((await fetch(`${plane.url}/console`, { redirect: "manual" })).headers.get("location")).toBe("/console/");
  });

  it("serves the page at every console path with a strict content security policy, gzipped when asked", async () => {
    for (const path of ["/console/", "/console/meshes/apps/virtual-routers/serviceB/routes/serviceB", "/console/get-started"]) {
      const page = await rawGet(`${plane.url}${path}`, { "accept-encoding": "gzip, br" });
      expect(page.status).toBe(200);
      expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(page.headers["content-encoding"]).toBe("gzip");
      expect(page.headers["cache-control"]).toBe("no-cache");
      expect(page.headers["content-security-policy"]).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(page.headers["x-frame-options"]).toBe("DENY");
    }
    const plain = await rawGet(`${plane.url}/console/`);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toContain('<div id="app"></div>');
  });

  it("serves hashed assets as immutable, answers 304 to their validator and 404 to unknown ones", async () => {
    const html = await (await fetch(`${plane.url}/console/`)).text();
    const script = /src="(\/console\/assets\/console-[^"]+\.js)"/.exec(html)![1]!;
    const first = await fetch(`${plane.url}${script}`);
    expect(first.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(first.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const again = await fetch(`${plane.url}${script}`, { headers: { "if-none-match": first.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${plane.url}/console/assets/console-missing.js`)).status).toBe(404);
    const icon = await fetch(`${plane.url}/favicon.ico`);
    expect([icon.status, icon.headers.get("content-type")]).toEqual([200, "image/svg+xml"]);
  });

  it("keeps all the JavaScript /console/ can load under 300 KB compressed", async () => {
    const html = await (await fetch(`${plane.url}/console/`)).text();
    const pending = [/src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1]!];
    const seen = new Map<string, number>();
    while (pending.length > 0 && seen.size < 100) {
      const path = pending.pop()!;
      if (seen.has(path)) continue;
      const compressed = await rawGet(`${plane.url}${path}`, { "accept-encoding": "gzip" });
      expect([path, compressed.status, compressed.headers["content-encoding"]]).toEqual([path, 200, "gzip"]);
      seen.set(path, compressed.body.length);
      const source = await (await fetch(`${plane.url}${path}`)).text();
      for (const match of source.matchAll(/["'](?:\.\/|\/console\/assets\/)([\w-]+\.js)["']/g)) pending.push(`/console/assets/${match[1]}`);
    }
    // The entry, the shared chunks and the pages loaded on demand (topology with its layout engine, explain).
    expect(seen.size).toBeGreaterThanOrEqual(3);
    const total = [...seen.values()].reduce((sum, bytes) => sum + bytes, 0);
    expect(total).toBeLessThan(BUDGET_BYTES);
  });

  it("tells the page it runs in open mode and refuses sign-in there", async () => {
    const session = await fetch(`${plane.url}/console/session`);
    expect(session.headers.get("cache-control")).toBe("no-store");
    expect(await session.json()).toEqual({ mode: "open" });
    const signIn = await fetch(`${plane.url}/console/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ accessKeyId: "AKID", secretAccessKey: "x" }) });
    expect([signIn.status, signIn.headers.get("x-amzn-errortype")]).toEqual([400, "BadRequestException"]);
  });
});
