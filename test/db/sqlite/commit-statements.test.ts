// What one CreateVirtualNode costs the embedded SQLite file, counted on a real file through the App Mesh service: the
// statements it runs (reads, then one batch) and the pages its commit appends to the WAL, one per B-tree it updates.
// Every index on a written table is a page more in each commit (bench/RESULTS.md, api-profile).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "libsql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLibsqlStore, type SqliteFileStore } from "../../../db/sqlite/libsql.js";
import type { AuditEntry } from "../../../db/store.js";
import { createAppMeshService, defaultQuotas, type AppMeshService } from "../../../functions/appmesh/index.js";

/** A WAL file: a 32-byte header, then frames of a 24-byte header and one page (https://sqlite.org/fileformat2.html#walformat). */
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

describe("commitStatements", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-commit-statements-"));
  const file = path.join(dir, "create.db");
  let store: SqliteFileStore;
  let service: AppMeshService;
  let raw: InstanceType<typeof Database>;
  let pageSize: number;
  let n = 0;

  const auditEntry = (): AuditEntry => ({ at: Date.now(), requestId: `r${n}`, principal: "", credential: "", sourceAddress: "127.0.0.1", action: "appmesh:CreateVirtualNode", resource: "arn", outcome: "allowed", errorCode: "" });
  /** A Create as the API runs it: unique name, the audit entry of the call committed with it. */
  const createNode = () =>
    service.respond(
      "CreateVirtualNode",
      { meshName: "m", virtualNodeName: `node-${++n}`, spec: { listeners: [{ portMapping: { port: 80, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "node.local" } } } },
      { audit: { entry: auditEntry(), committed: false } },
    );
  /** Pages in the WAL since it was last emptied. */
  const walPages = () => (statSync(`${file}-wal`).size - WAL_HEADER) / (FRAME_HEADER + pageSize);

  beforeAll(async () => {
    // The writer checkpoints itself here: a background checkpoint at the same time would make the TRUNCATE below busy.
    store = await openLibsqlStore(file, { checkpointDelayMs: false });
    service = createAppMeshService(store, { region: "eu-west-1", accountId: "123456789012", quotas: { ...defaultQuotas }, checkRegex: () => ({ ok: true }), listPageCacheBytes: 0 });
    await service.execute("CreateMesh", { meshName: "m" });
    raw = new Database(file);
    pageSize = Number((raw.prepare("PRAGMA page_size").raw(true).all() as number[][])[0]![0]);
  });
  afterAll(async () => {
    raw.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs a Create as 4 reads and one batch of 5 statements, 11 calls into the driver", async () => {
    await createNode(); // prepares what the next ones reuse
    const before = { ...store.statistics };
    await createNode();
    // Reads: the mesh's revision, the mesh, the key, the collection's size. Batch: the guarded revision bump
    // (returning the new one), the row, the collection's size, the change-log entry, the audit entry.
    expect(store.statistics.runs - before.runs).toBe(9);
    // One call per point read and per batch statement, and BEGIN and COMMIT.
    expect(store.statistics.calls - before.calls).toBe(4 + 1 + 5 + 1);
  });

  it("appends one page to the WAL per B-tree a Create updates: 12", async () => {
    await createNode();
    for (let i = 0; i < 3; i++) {
      // Empties the WAL (every page back in the database file), so what follows is one commit's pages.
      const [busy] = (raw.prepare("PRAGMA wal_checkpoint(TRUNCATE)").raw(true).all() as number[][])[0]!;
      expect(busy).toBe(0);
      await createNode();
      // resources and 4 indexes (key, uid, arn, list), collection_sizes, revisions, change_log and change_log_scope,
      // audit_log and audit_log_principal, sqlite_sequence (the AUTOINCREMENT counters).
      expect(walPages()).toBe(12);
    }
    const names = (raw.prepare("select count(*) from resources where kind = 'virtualNode'").raw(true).all() as number[][])[0]![0];
    expect(names).toBe(n);
  });
});
