// Proxyless gRPC: @grpc/grpc-js-xds resolves `xds:///svc.local` through meshplane's ADS server (LDS → RDS → CDS →
// EDS) and real calls land on the grpc-js backends that meshplane's weighted route picks, following weight changes
// made through the AWS SDK.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as xds from "@grpc/grpc-js-xds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoMesh, setWeights } from "./fixtures.js";
import { startMeshplane, type Meshplane } from "./support.js";

const METHOD = "/meshplane.test.Who/Am";
const passthrough = (buffer: Buffer) => buffer;

async function startBackend(name: string): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(
    { Am: { path: METHOD, requestStream: false, responseStream: false, requestSerialize: passthrough, requestDeserialize: passthrough, responseSerialize: passthrough, responseDeserialize: passthrough } },
    { Am: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(name)) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { port, server };
}

function call(client: grpc.Client): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(METHOD, passthrough, passthrough, Buffer.alloc(0), { deadline: Date.now() + 20_000 }, (error, response) =>
      error ? reject(error) : resolve(response!.toString()),
    );
  });
}

async function calls(client: grpc.Client, count: number): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < count; i++) answers.push(await call(client));
  return answers;
}

describe("proxyless gRPC (@grpc/grpc-js-xds) against meshplane's ADS", () => {
  let meshplane: Meshplane;
  const backends: Array<{ port: number; server: grpc.Server }> = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-proxyless-"));
  const mesh = "proxyless";

  beforeAll(async () => {
    meshplane = await startMeshplane();
    const [blue, green, other] = [await startBackend("blue"), await startBackend("green"), await startBackend("other")];
    backends.push(blue!, green!, other!);
    await createDemoMesh(meshplane.appMesh, meshplane.url, {
      meshName: mesh,
      protocol: "http2",
      ports: { blue: blue!.port, green: green!.port, other: other!.port },
      weights: { blue: 100, green: 0 },
    });
    const bootstrap = {
      xds_servers: [{ server_uri: meshplane.xdsAddress, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
      node: { id: `mesh/${mesh}/virtualNode/front`, cluster: `mesh/${mesh}/virtualNode/front`, locality: { zone: "z1" } },
    };
    const file = path.join(dir, "bootstrap.json");
    writeFileSync(file, JSON.stringify(bootstrap));
    process.env.GRPC_XDS_BOOTSTRAP = file;
    xds.register();
  });

  afterAll(async () => {
    for (const backend of backends) backend.server.forceShutdown();
    await meshplane?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("routes calls to the backends the weighted route chooses, and follows weight changes", async () => {
    const client = new grpc.Client(`xds:///svc.local`, grpc.credentials.createInsecure());
    try {
      expect(new Set(await calls(client, 10))).toEqual(new Set(["blue"]));

      await setWeights(meshplane.appMesh, mesh, { blue: 0, green: 100 }, "http2");
      // The client applies the pushed RouteConfiguration asynchronously: wait (bounded) for the first call to land
      // on green, after which every call must.
      let switched = false;
      for (let attempt = 0; attempt < 400 && !switched; attempt++) {
        switched = (await call(client)) === "green";
        if (!switched) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(switched).toBe(true);
      expect(new Set(await calls(client, 10))).toEqual(new Set(["green"]));

      const proxies = (await (await fetch(`${meshplane.url}/v1/xds/proxies`)).json()) as { proxies: Array<{ nodeId: string; userAgent: string }> };
      expect(proxies.proxies.some((proxy) => proxy.nodeId === `mesh/${mesh}/virtualNode/front` && proxy.userAgent.startsWith("gRPC Node"))).toBe(true);
    } finally {
      client.close();
    }
  });
});
