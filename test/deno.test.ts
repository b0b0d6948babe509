// `deno task start`'s entry (functions/deno.ts) as a real process on the pinned Deno: the same control plane as
// `npm start`, its REST API on Deno.serve; data that outlives a restart and a clean exit on SIGTERM.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateMeshCommand, CreateVirtualNodeCommand, DescribeVirtualNodeCommand, UpdateVirtualNodeCommand } from "@aws-sdk/client-app-mesh";
import { afterAll, describe, expect, it } from "vitest";
import { createAppMeshClient } from "./support/control-plane.js";
import { announcedXdsPort, startMeshplaneProcess } from "./support/process.js";
import { MakeVirtualNodeSpec } from "./support/fixtures.js";

describe("functions/deno.ts (deno task start)", () => {
  const workdir = mkdtempSync(path.join(os.tmpdir(), "meshplane-deno-"));
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));
  const env = { MESHPLANE_DB: path.join(workdir, "meshplane.db") };

  it("serves the App Mesh API and ADS, exits 0 on SIGTERM and keeps every resource in its SQLite file across a restart", async () => {
    const first = await startMeshplaneProcess(env, { runtime: "deno" });
    expect(await announcedXdsPort(first)).toBeGreaterThan(0);
    const client = createAppMeshClient(first.url);
    await client.send(new CreateMeshCommand({ meshName: "durable" }));
    const created = await client.send(new CreateVirtualNodeCommand({ meshName: "durable", virtualNodeName: "node", spec: MakeVirtualNodeSpec("node.local") }));
    await client.send(new UpdateVirtualNodeCommand({ meshName: "durable", virtualNodeName: "node", spec: MakeVirtualNodeSpec("node2.local") }));
    client.destroy();
    expect(await first.stop()).toBe(0);

    const second = await startMeshplaneProcess(env, { runtime: "deno" });
    const again = createAppMeshClient(second.url);
    const described = await again.send(new DescribeVirtualNodeCommand({ meshName: "durable", virtualNodeName: "node" }));
    expect(described.virtualNode?.metadata?.uid).toBe(created.virtualNode?.metadata?.uid);
    expect(described.virtualNode?.metadata?.version).toBe(2);
    expect(described.virtualNode?.spec?.serviceDiscovery?.dns?.hostname).toBe("node2.local");
    again.destroy();
    expect(await second.stop()).toBe(0);
  });

  it("answers a malformed body with an App Mesh BadRequestException (400), not a 500", async () => {
    const running = await startMeshplaneProcess({ MESHPLANE_DB: path.join(workdir, "errors.db") }, { runtime: "deno" });
    try {
      const answer = await fetch(`${running.url}/v20190125/meshes`, { method: "PUT", headers: { "content-type": "application/json" }, body: "{not json" });
      expect(answer.status).toBe(400);
      expect(answer.headers.get("x-amzn-errortype")).toMatch(/^BadRequestException/);
    } finally {
      await running.stop();
    }
  });

  it("refuses to start with an invalid configuration and says why", async () => {
    await expect(startMeshplaneProcess({ ...env, MESHPLANE_ACCOUNT_ID: "abc" }, { runtime: "deno" })).rejects.toThrow(/MESHPLANE_ACCOUNT_ID must be 12 digits/);
  });
});
