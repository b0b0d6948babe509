// `meshplane export` round trips: a mesh using every model feature, created through the SDK on one meshplane,
// exported in each format, imported into an empty meshplane, and exported again: the two exports are identical.
import type { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMeshClient } from "../support/control-plane.js";
import { createFullMesh, deleteMeshThroughApi, fullMesh } from "../support/full-mesh.js";
import { runMeshplane } from "../support/meshplane-cli.js";
import { startMeshplaneProcess, type MeshplaneProcess } from "../support/process.js";

describe("meshplane export", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-cli-export-"));
  let source: MeshplaneProcess;
  let target: MeshplaneProcess;
  let sourceClient: AppMeshClient;
  let targetClient: AppMeshClient;

  beforeAll(async () => {
    [source, target] = await Promise.all([
      startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "source.db") }),
      startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "target.db") }),
    ]);
    sourceClient = createAppMeshClient(source.url);
    targetClient = createAppMeshClient(target.url);
    await createFullMesh(sourceClient);
  });
  afterAll(async () => {
    sourceClient?.destroy();
    targetClient?.destroy();
    await Promise.all([source?.stop(), target?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [format, fileName] of [
    ["meshplane", "full.json"],
    ["cloudformation", "full.yaml"],
    ["kubernetes", "full-k8s.yaml"],
  ] as const) {
    it(`round-trips every feature through the ${format} format: export, import into an empty meshplane, export again`, async () => {
      const exported = path.join(dir, fileName);
      const first = await runMeshplane(["export", "--mesh", "full", "--format", format, "-o", exported], { endpoint: source.url });
      expect(first.stderr).toBe("");
      expect(first.code).toBe(0);
      const imported = await runMeshplane(["import", exported], { endpoint: target.url });
      expect(imported.code).toBe(0);
      expect(imported.stdout).toContain(`Plan: ${fullMesh.length} to create, 0 to update, 0 to delete, 0 unchanged.`);
      const second = await runMeshplane(["export", "--mesh", "full", "--format", format], { endpoint: target.url });
      expect(second.code).toBe(0);
      expect(second.stdout).toBe(readFileSync(exported, "utf8"));
      await deleteMeshThroughApi(targetClient, fullMesh);
    });
  }

  it("writes JSON for .json files and YAML otherwise, and exports every mesh without --mesh", async () => {
    const json = path.join(dir, "template.json");
    expect((await runMeshplane(["export", "--format", "cloudformation", "-o", json], { endpoint: source.url })).code).toBe(0);
    expect(JSON.parse(readFileSync(json, "utf8")).Resources.MeshFull.Type).toBe("AWS::AppMesh::Mesh");
    const yaml = await runMeshplane(["export", "--format", "kubernetes"], { endpoint: source.url });
    expect(yaml.stdout.startsWith("---\napiVersion: v1\nkind: Namespace\n")).toBe(true);
  });

  it("fails for a mesh that does not exist", async () => {
    const result = await runMeshplane(["export", "--mesh", "nope"], { endpoint: source.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("meshplane: no such mesh: nope\n");
  });
});
