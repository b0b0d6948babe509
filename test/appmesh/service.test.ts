// The App Mesh service on a real SQLite file, with the clock injected: what only time can show.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLibsqlStore } from "../../db/sqlite/libsql.js";
import type { Store } from "../../db/store.js";
import { createAppMeshService, defaultQuotas, type AppMeshService } from "../../functions/appmesh/index.js";

describe("createAppMeshService", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-service-"));
  let store: Store;
  let service: AppMeshService;
  let clock = 1_800_000_000_000;
  const hour = 60 * 60 * 1000;

  beforeAll(async () => {
    store = await openLibsqlStore(path.join(dir, "service.db"));
    service = createAppMeshService(store, {
      region: "eu-west-1",
      accountId: "123456789012",
      quotas: { ...defaultQuotas },
      checkRegex: () => ({ ok: true }),
      now: () => clock,
      idempotencyRetentionMs: 24 * hour,
    });
    await service.execute("CreateMesh", { meshName: "m" });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("replays a clientToken within retention and treats it as new once expired, purging old records", async () => {
    const update = { meshName: "m", spec: { egressFilter: { type: "ALLOW_ALL" } }, clientToken: "tok" };
    const first = (await service.execute("UpdateMesh", update)) as { metadata: { version: number } };
    clock += 23 * hour;
    const replayed = (await service.execute("UpdateMesh", update)) as { metadata: { version: number } };
    expect(replayed.metadata.version).toBe(first.metadata.version);
    clock += 2 * hour;
    const again = (await service.execute("UpdateMesh", update)) as { metadata: { version: number } };
    expect(again.metadata.version).toBe(first.metadata.version + 1);
    const record = await store.getIdempotencyRecord("123456789012:tok");
    expect(record?.createdAt).toBe(clock);

    await service.execute("UpdateMesh", { meshName: "m", spec: {}, clientToken: "other" });
    clock += 25 * hour;
    await service.execute("UpdateMesh", { meshName: "m", spec: {}, clientToken: "later" });
    expect(await store.getIdempotencyRecord("123456789012:other")).toBeNull();
    expect(await store.getIdempotencyRecord("123456789012:later")).not.toBeNull();
  });

  it("stamps times from the injected clock as epoch seconds with milliseconds", async () => {
    clock = 1_800_000_123_456;
    const created = (await service.execute("CreateVirtualNode", { meshName: "m", virtualNodeName: "n", spec: {} })) as {
      metadata: { createdAt: number; lastUpdatedAt: number; arn: string; version: number };
    };
    expect(created.metadata.createdAt).toBe(1_800_000_123.456);
    expect(created.metadata.arn).toBe("arn:aws:appmesh:eu-west-1:123456789012:mesh/m/virtualNode/n");
    clock += 1500;
    const updated = (await service.execute("UpdateVirtualNode", { meshName: "m", virtualNodeName: "n", spec: {} })) as typeof created;
    expect(updated.metadata.createdAt).toBe(1_800_000_123.456);
    expect(updated.metadata.lastUpdatedAt).toBe(1_800_000_124.956);
    expect(updated.metadata.version).toBe(2);
    const deleted = (await service.execute("DeleteVirtualNode", { meshName: "m", virtualNodeName: "n" })) as typeof created & { status: { status: string } };
    expect(deleted.metadata.version).toBe(2);
    expect(deleted.status.status).toBe("DELETED");
  });
});
