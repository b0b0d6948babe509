// The SQLite store when it cannot write: a disk that fills up, and a file another process keeps locked. The disk (db/store-errors.ts classifies SQLITE_FULL as unavailable): a real tmpfs
// of a few MB, mounted by the test (it runs as root here, as in CI), under a running control plane. Writes answer
// App Mesh's ServiceUnavailableException (503, Retry-After) instead of a 500, no acknowledged write is lost and no
// refused one is half there, the file passes SQLite's integrity check, and writes work again once space returns.
import { CreateMeshCommand, CreateVirtualNodeCommand, DescribeVirtualNodeCommand, ListVirtualNodesCommand } from "@aws-sdk/client-app-mesh";
import { createClient } from "@libsql/client";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmdirSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.js";

const mesh = "full";
/** A spec of a few KB, so that the file needs new pages quickly. */
const bulkySpec = (i: number) => ({
  listeners: [{ portMapping: { port: 8080, protocol: "http" as const } }],
  serviceDiscovery: { dns: { hostname: `node-${i}.${"x".repeat(200)}.local`.slice(0, 250) } },
  backends: Array.from({ length: 40 }, (_, b) => ({ virtualService: { virtualServiceName: `backend-${b}-of-node-${i}.${mesh}.svc.cluster.local` } })),
});

/** Fills the filesystem with one file until the kernel says ENOSPC; bounded by the tmpfs size. */
function fillDisk(file: string): void {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (let i = 0; i < 10_000; i++) writeSync(fd, chunk);
    throw new Error("the tmpfs never filled up");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
}

describe("SQLite store on a full disk", () => {
  let mountPoint: string;
  let controlPlane: TestControlPlane | undefined;
  beforeAll(async () => {
    mountPoint = mkdtempSync(path.join(os.tmpdir(), "meshplane-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]);
    controlPlane = await startTestControlPlane({ env: { MESHPLANE_DB: path.join(mountPoint, "meshplane.db") } });
  });
  afterAll(async () => {
    await controlPlane?.stop();
    // Lazy: the SQLite handles' last close may land just after stop() resolves; the mount goes once it has.
    execFileSync("umount", ["--lazy", mountPoint]);
    rmdirSync(mountPoint);
  });

  it("answers writes with ServiceUnavailableException while the disk is full, loses and half-writes nothing, and accepts writes again once space returns", async () => {
    const { client } = controlPlane!;
    await client.send(new CreateMeshCommand({ meshName: mesh }));
    const acknowledged: string[] = [];
    for (let i = 0; i < 5; i++) {
      await client.send(new CreateVirtualNodeCommand({ meshName: mesh, virtualNodeName: `before-${i}`, spec: bulkySpec(i) }));
      acknowledged.push(`before-${i}`);
    }
    const filler = path.join(mountPoint, "filler");
    fillDisk(filler);

    const refused: Array<{ name: string; error: string; status: number | undefined; retryAfter: string | undefined }> = [];
    for (let i = 0; i < 200 && refused.length < 3; i++) {
      const name = `during-${i}`;
      try {
        await client.send(new CreateVirtualNodeCommand({ meshName: mesh, virtualNodeName: name, spec: bulkySpec(100 + i) }));
        acknowledged.push(name);
      } catch (error) {
        const failure = error as Error & { $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
        refused.push({ name, error: failure.name, status: failure.$metadata?.httpStatusCode, retryAfter: failure.$response?.headers?.["retry-after"] });
      }
    }
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const failure of refused) expect(failure).toMatchObject({ error: "ServiceUnavailableException", status: 503, retryAfter: expect.stringMatching(/^\d+$/) });

    // Reads still work on a full disk: every acknowledged node is there, no refused one is.
    for (const failure of refused) {
      await expect(client.send(new DescribeVirtualNodeCommand({ meshName: mesh, virtualNodeName: failure.name }))).rejects.toMatchObject({ name: "NotFoundException" });
    }
    const listed = await client.send(new ListVirtualNodesCommand({ meshName: mesh, limit: 100 }));
    expect(listed.virtualNodes!.map((node) => node.virtualNodeName).sort()).toEqual([...acknowledged].sort());

    rmSync(filler);
    await client.send(new CreateVirtualNodeCommand({ meshName: mesh, virtualNodeName: "after", spec: bulkySpec(999) }));
    expect((await client.send(new DescribeVirtualNodeCommand({ meshName: mesh, virtualNodeName: "after" }))).virtualNode!.status!.status).toBe("ACTIVE");

    await controlPlane!.stop();
    controlPlane = undefined;
    const check = createClient({ url: `file:${path.join(mountPoint, "meshplane.db")}` });
    try {
      expect((await check.execute("PRAGMA integrity_check")).rows.map((row) => row[0])).toEqual(["ok"]);
      const rows = await check.execute({ sql: "select count(*) from resources where kind = 'virtualNode' and mesh_name = ?", args: [mesh] });
      expect(Number(rows.rows[0]![0])).toBe(acknowledged.length + 1);
    } finally {
      check.close();
    }
  });
});

/** Takes SQLite's write lock on the file argv[1], says so on stdout, and commits when stdin says so. */
const LOCK_HOLDER = `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
`;

describe("SQLite store whose file another process keeps locked", () => {
  let controlPlane: TestControlPlane;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-locked-"));
    controlPlane = await startTestControlPlane({ env: { MESHPLANE_DB: path.join(dir, "meshplane.db") } });
  });
  afterAll(async () => {
    await controlPlane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers a write with ServiceUnavailableException once the lock outlasts busy_timeout, keeps serving reads, and writes again when the lock is gone", async () => {
    const { client } = controlPlane;
    await client.send(new CreateMeshCommand({ meshName: "locked" }));
    // Another process's writer (a maintenance script, a second meshplane on the same file) holding the write lock:
    // Python's sqlite3 module, BEGIN IMMEDIATE, released when told on stdin.
    const holder = spawn("python3", ["-c", LOCK_HOLDER, path.join(dir, "meshplane.db")], { stdio: ["pipe", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.once("data", () => resolve());
        holder.once("exit", (code) => reject(new Error(`the lock holder exited with ${code}`)));
      });
      const refused = await client.send(new CreateVirtualNodeCommand({ meshName: "locked", virtualNodeName: "while-locked", spec: {} })).then(
        () => undefined,
        (error: Error & { $metadata?: { httpStatusCode?: number } }) => ({ name: error.name, status: error.$metadata?.httpStatusCode }),
      );
      expect(refused).toEqual({ name: "ServiceUnavailableException", status: 503 });
      expect((await client.send(new ListVirtualNodesCommand({ meshName: "locked" }))).virtualNodes).toEqual([]);
      const released = new Promise((resolve) => holder.once("exit", resolve));
      holder.stdin!.end("commit\n");
      await released;
    } finally {
      if (holder.exitCode === null) holder.kill("SIGKILL");
    }
    await client.send(new CreateVirtualNodeCommand({ meshName: "locked", virtualNodeName: "after-lock", spec: {} }));
    expect((await client.send(new ListVirtualNodesCommand({ meshName: "locked" }))).virtualNodes!.map((node) => node.virtualNodeName)).toEqual(["after-lock"]);
  });
});
