// The gateway's Worker build under wrangler's local runtime (workerd): routes polled from meshplane's REST xDS,
// matched in the same core-wasm module, proxied with fetch to a real backend on loopback.
import {
  CreateGatewayRouteCommand,
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualGatewayCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  UpdateRouteCommand,
} from "@aws-sdk/client-app-mesh";
import { unstable_startWorker } from "wrangler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.js";
import { startBackend, waitFor, type Backend, createLocalhostNodes } from "./support.js";

const offline = { WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", DO_NOT_TRACK: "1", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
Object.assign(process.env, offline);

const mesh = "worker-gw";
const route = (one: number, two: number) => ({
  httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "one", weight: one }, { virtualNode: "two", weight: two }] } },
});

describe("gateway Worker build", () => {
  let controlPlane: TestControlPlane;
  let one: Backend;
  let two: Backend;
  let worker: Awaited<ReturnType<typeof unstable_startWorker>>;
  let url: string;

  beforeAll(async () => {
    [controlPlane, one, two] = await Promise.all([startTestControlPlane(), startBackend("one"), startBackend("two")]);
    const { client } = controlPlane;
    await client.send(new CreateMeshCommand({ meshName: mesh }));
    await createLocalhostNodes(client, mesh, [["one", one], ["two", two]] as const);
    await client.send(new CreateVirtualRouterCommand({ meshName: mesh, virtualRouterName: "router", spec: { listeners: [{ portMapping: { port: 80, protocol: "http" } }] } }));
    await client.send(new CreateRouteCommand({ meshName: mesh, virtualRouterName: "router", routeName: "r", spec: route(100, 0) }));
    await client.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: "svc.local", spec: { provider: { virtualRouter: { virtualRouterName: "router" } } } }));
    await client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } }));
    await client.send(
      new CreateGatewayRouteCommand({
        meshName: mesh,
        virtualGatewayName: "gw",
        gatewayRouteName: "chapter",
        spec: { httpRoute: { match: { prefix: "/chapter" }, action: { target: { virtualService: { virtualServiceName: "svc.local" } } } } },
      }),
    );
    worker = await unstable_startWorker({
      config: "wrangler.gateway.toml",
      bindings: {
        MESHPLANE_URL: { type: "plain_text", value: controlPlane.url },
        MESHPLANE_NODE_ID: { type: "plain_text", value: `mesh/${mesh}/virtualGateway/gw` },
        XDS_POLL_MS: { type: "plain_text", value: "200" },
      },
      dev: { remote: false, watch: false, inspector: false, logLevel: "warn", server: { hostname: "127.0.0.1", port: 0 } },
    });
    url = (await worker.url).toString().replace(/\/$/, "");
  });

  afterAll(async () => {
    await worker?.dispose();
    await controlPlane?.stop();
    await Promise.all([one?.close(), two?.close()]);
  });

  it("routes through both gateway hops with the route's rewrite", async () => {
    const response = await fetch(`${url}/chapter/7?q=1`);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toMatchObject({ backend: "one", path: "/7?q=1" });
  });

  it("forwards request bodies (small ones kept for retries, large ones streamed)", async () => {
    for (const size of [10, 200_000]) {
      const body = "x".repeat(size);
      const response = await fetch(`${url}/chapter/echo`, { method: "POST", body });
      expect(response.status).toBe(200);
      expect((await response.text()).length).toBe(size);
    }
  });

  it("answers 404 NR where no gateway route matches", async () => {
    const response = await fetch(`${url}/elsewhere`);
    expect(response.status).toBe(404);
    expect(response.headers.get("x-meshplane-flags")).toBe("NR");
  });

  it("picks up a route change on a later poll", async () => {
    await controlPlane.client.send(new UpdateRouteCommand({ meshName: mesh, virtualRouterName: "router", routeName: "r", spec: route(0, 100) }));
    const moved = await waitFor(async () => {
      const response = await fetch(`${url}/chapter/1`);
      return ((await response.json()) as { backend?: string }).backend === "two";
    }, 10_000);
    expect(moved).toBe(true);
  });
});
