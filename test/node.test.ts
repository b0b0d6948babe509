// `npm start`'s entry as a real process: the embedded SQLite default, and data that outlives a restart.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateMeshCommand, CreateVirtualNodeCommand, DescribeVirtualNodeCommand, ListMeshesCommand, UpdateVirtualNodeCommand } from "@aws-sdk/client-app-mesh";
import { afterAll, describe, expect, it } from "vitest";
import { createAppMeshClient } from "./support/control-plane.js";
import { startMeshplaneProcess } from "./support/process.js";
import { MakeVirtualNodeSpec } from "./support/fixtures.js";

describe("functions/node.ts (npm start)", () => {
  const workdir = mkdtempSync(path.join(os.tmpdir(), "meshplane-start-"));
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it("creates ./data/meshplane.db on first start and keeps every resource across a restart", async () => {
    const first = await startMeshplaneProcess({}, { cwd: workdir });
    expect(existsSync(path.join(workdir, "data/meshplane.db"))).toBe(true);
    const client = createAppMeshClient(first.url);
    await client.send(new CreateMeshCommand({ meshName: "durable", tags: [{ key: "k", value: "v" }] }));
    const created = await client.send(new CreateVirtualNodeCommand({ meshName: "durable", virtualNodeName: "node", spec: MakeVirtualNodeSpec("node.local") }));
    await client.send(new UpdateVirtualNodeCommand({ meshName: "durable", virtualNodeName: "node", spec: MakeVirtualNodeSpec("node2.local") }));
    client.destroy();
    expect(await first.stop()).toBe(0);

    const second = await startMeshplaneProcess({}, { cwd: workdir });
    const again = createAppMeshClient(second.url);
    const described = await again.send(new DescribeVirtualNodeCommand({ meshName: "durable", virtualNodeName: "node" }));
    expect(described.virtualNode?.metadata?.uid).toBe(created.virtualNode?.metadata?.uid);
    expect(described.virtualNode?.metadata?.version).toBe(2);
    expect(described.virtualNode?.spec?.serviceDiscovery?.dns?.hostname).toBe("node2.local");
    expect((await again.send(new ListMeshesCommand({}))).meshes?.map((mesh) => mesh.meshName)).toEqual(["durable"]);
    again.destroy();
    expect(await second.stop()).toBe(0);
  });

  it("refuses to start with an invalid configuration and says why", async () => {
    await expect(startMeshplaneProcess({ MESHPLANE_ACCOUNT_ID: "abc" }, { cwd: workdir })).rejects.toThrow(/MESHPLANE_ACCOUNT_ID must be 12 digits/);
  });
});
