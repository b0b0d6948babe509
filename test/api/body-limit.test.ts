// limitBody over real sockets (@hono/node-server, where bodies are read straight from Node's stream) and through
// app.request (the web Request's stream, as on Workers and Deno): the same bytes, refusals and cut connections.
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiApp, maxBodyBytes } from "../../functions/api/app.js";
import { limitBody } from "../../functions/api/body-limit.js";
import { createAppMeshService, defaultQuotas } from "../../functions/appmesh/index.js";
import { openTemporaryStore, type TemporaryStore } from "../support/sqlite-store.js";

const maxBytes = 64;
const drainLimit = 256;

/** Echoes the body it was handed, counting its calls and failures; refuses with 400 "too large". */
function echoApp() {
  const calls = { handler: 0, failed: [] as string[] };
  const app = new Hono();
  app.use("*", limitBody({ maxBytes, drainLimit, refuse: async (c) => c.text("too large", 400) }));
  app.on(["PUT", "POST", "GET"], "/echo", async (c) => {
    calls.handler++;
    return c.text(`${c.req.method} ${new TextDecoder().decode(await c.req.arrayBuffer())}`);
  });
  app.onError((error, c) => {
    calls.failed.push(error instanceof Error ? error.message : String(error));
    return c.text("failed", 500);
  });
  return { app, calls };
}

function listen(app: Hono): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) => resolve({ server, port: info.port }));
  });
}

/** One request over a fresh connection, its body written in `parts` (chunked when there are several); "cut" when no response came. */
function send(port: number, method: string, path: string, parts: string[], headers: Record<string, string> = {}): Promise<{ status: number; body: string } | "cut"> {
  return new Promise((resolve) => {
    const length = parts.length === 1 ? { "content-length": String(Buffer.byteLength(parts[0]!)) } : {};
    const request = http.request({ host: "127.0.0.1", port, method, path, agent: false, headers: { ...length, ...headers } }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, body }));
      response.on("error", () => resolve("cut"));
    });
    request.on("error", () => resolve("cut"));
    void (async () => {
      for (const part of parts) {
        if (request.destroyed) return;
        request.write(part);
        await new Promise((r) => setTimeout(r, 5));
      }
      request.end();
    })();
  });
}

describe("limitBody on @hono/node-server", () => {
  const { app, calls } = echoApp();
  let server: ServerType;
  let port: number;
  beforeAll(async () => ({ server, port } = await listen(app)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("hands the handler exactly the bytes sent, with Content-Length or chunked in several writes", async () => {
    expect(await send(port, "PUT", "/echo", ['{"a":"é"}'])).toEqual({ status: 200, body: 'PUT {"a":"é"}' });
    expect(await send(port, "POST", "/echo", ["ab", "cd", "ef"])).toEqual({ status: 200, body: "POST abcdef" });
    expect(await send(port, "PUT", "/echo", ["x".repeat(maxBytes)])).toEqual({ status: 200, body: `PUT ${"x".repeat(maxBytes)}` });
    expect(await send(port, "GET", "/echo", [""])).toEqual({ status: 200, body: "GET " });
  });

  it("refuses a body over the limit once it has arrived, chunked or not, without calling the handler", async () => {
    const before = calls.handler;
    expect(await send(port, "PUT", "/echo", ["x".repeat(maxBytes + 1)])).toEqual({ status: 400, body: "too large" });
    expect(await send(port, "PUT", "/echo", ["x".repeat(40), "x".repeat(40), "x".repeat(40)])).toEqual({ status: 400, body: "too large" });
    expect(calls.handler).toBe(before);
  });

  it("cuts the connection of a body past the drain limit instead of reading it", async () => {
    const before = calls.handler;
    expect(await send(port, "PUT", "/echo", Array.from({ length: 40 }, () => "x".repeat(64)))).toBe("cut");
    expect(calls.handler).toBe(before);
    // The server goes on serving.
    expect(await send(port, "PUT", "/echo", ["ok"])).toEqual({ status: 200, body: "PUT ok" });
  });

  it("lets a client that goes away mid-body end the request without a response and without the handler", async () => {
    const before = calls.handler;
    calls.failed.length = 0;
    await new Promise<void>((resolve) => {
      const request = http.request({ host: "127.0.0.1", port, method: "PUT", path: "/echo", agent: false, headers: { "content-length": "50" } });
      request.on("error", () => resolve());
      request.write("x".repeat(10), () => setTimeout(() => (request.destroy(), resolve()), 20));
    });
    expect(await send(port, "PUT", "/echo", ["after"])).toEqual({ status: 200, body: "PUT after" });
    expect(calls.handler).toBe(before + 1);
    await vi.waitFor(() => expect(calls.failed).toHaveLength(1));
  });
});

describe("limitBody on the web Request (app.request)", () => {
  const { app } = echoApp();
  const streamOf = (parts: string[]) => {
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const part = parts.shift();
        if (part === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(part));
      },
      cancel() {
        cancelled = true;
      },
    });
    let cancelled = false;
    return { stream, cancelled: () => cancelled };
  };

  it("reads a streamed body, refuses one over the limit and cancels one past the drain limit", async () => {
    const request = (body: ReadableStream<Uint8Array>) => app.request("/echo", { method: "PUT", body, duplex: "half" } as RequestInit);
    expect(await (await request(streamOf(["ab", "cd"]).stream)).text()).toBe("PUT abcd");
    expect((await request(streamOf(["x".repeat(maxBytes + 1)]).stream)).status).toBe(400);
    const long = streamOf(Array.from({ length: 40 }, () => "x".repeat(64)));
    expect((await request(long.stream)).status).toBe(400);
    expect(long.cancelled()).toBe(true);
  });
});

describe("createApiApp bodies on @hono/node-server", () => {
  let temporary: TemporaryStore;
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    temporary = await openTemporaryStore("api-body-limit");
    const service = createAppMeshService(temporary.store, { region: "us-east-1", accountId: "111122223333", quotas: { ...defaultQuotas }, checkRegex: () => ({ ok: true }) });
    ({ server, port } = await listen(createApiApp({ service })));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await temporary?.remove();
  });
  const json = { "content-type": "application/json" };
  const errorOf = (response: { status: number; body: string } | "cut") => (response === "cut" ? response : { status: response.status, type: (JSON.parse(response.body) as { __type: string }).__type });

  it("creates from a chunked upload", async () => {
    const body = JSON.stringify({ meshName: "chunked", spec: {} });
    const response = await send(port, "PUT", "/v20190125/meshes", [body.slice(0, 7), body.slice(7, 20), body.slice(20)], json);
    expect(response !== "cut" && response.status).toBe(200);
    expect(response !== "cut" && (JSON.parse(response.body) as { meshName: string }).meshName).toBe("chunked");
  });

  it("answers BadRequestException for malformed JSON and for a body over the API's limit", async () => {
    expect(errorOf(await send(port, "PUT", "/v20190125/meshes", ["{not json"], json))).toEqual({ status: 400, type: "BadRequestException" });
    const big = JSON.stringify({ meshName: "big", pad: "x".repeat(maxBodyBytes) });
    expect(errorOf(await send(port, "PUT", "/v20190125/meshes", [big.slice(0, maxBodyBytes / 2), big.slice(maxBodyBytes / 2)], json))).toEqual({ status: 400, type: "BadRequestException" });
    expect(errorOf(await send(port, "GET", "/v20190125/meshes/big", [""]))).toEqual({ status: 404, type: "NotFoundException" });
  });
});
