// `meshplane diff` exit statuses, as CI jobs that guard against drift read them: 0 nothing differs, 3 something
// does, 1 failure, 2 usage error.
import { DeleteVirtualNodeCommand, type AppMeshClient } from "@aws-sdk/client-app-mesh";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMeshClient, testAccountId } from "../support/control-plane.js";
import { runMeshplane } from "../support/meshplane-cli.js";
import { startMeshplaneProcess, type MeshplaneProcess } from "../support/process.js";

const template = (hostname: string) => `Resources:
  Mesh:
    Type: AWS::AppMesh::Mesh
    Properties: { MeshName: drift }
  A:
    Type: AWS::AppMesh::VirtualNode
    Properties:
      MeshName: drift
      VirtualNodeName: a
      Spec:
        Listeners: [{ PortMapping: { Port: 80, Protocol: http } }]
        ServiceDiscovery: { DNS: { Hostname: ${hostname} } }
`;

describe("meshplane diff", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-cli-diff-"));
  let server: MeshplaneProcess;
  let client: AppMeshClient;
  const input = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  beforeAll(async () => {
    server = await startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "meshplane.db") });
    client = createAppMeshClient(server.url);
    const imported = await runMeshplane(["import", input("base.yaml", template("a.local"))], { endpoint: server.url });
    if (imported.code !== 0) throw new Error(imported.stderr);
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 0 when the meshes match the input", async () => {
    const result = await runMeshplane(["diff", path.join(dir, "base.yaml")], { endpoint: server.url });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("mesh drift: up to date (2 unchanged)\nPlan: 0 to create, 0 to update, 0 to delete, 2 unchanged.\n");
  });

  it("exits 3 when a field differs, showing it, and changes nothing", async () => {
    const result = await runMeshplane(["diff", input("changed.yaml", template("a.example.com"))], { endpoint: server.url });
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('      ~ spec.serviceDiscovery.dns.hostname: "a.local" → "a.example.com"\n');
    expect((await runMeshplane(["diff", path.join(dir, "base.yaml")], { endpoint: server.url })).code).toBe(0);
  });

  it("exits 3 with --prune when the meshes hold resources the input does not, and 0 without", async () => {
    const onlyMesh = input("only-mesh.yaml", "Resources:\n  Mesh:\n    Type: AWS::AppMesh::Mesh\n    Properties: { MeshName: drift }\n");
    expect((await runMeshplane(["diff", onlyMesh], { endpoint: server.url })).code).toBe(0);
    const pruned = await runMeshplane(["diff", onlyMesh, "--prune", "--output", "json"], { endpoint: server.url });
    expect(pruned.code).toBe(3);
    expect(JSON.parse(pruned.stdout).changes.map((change: { action: string; name: string }) => `${change.action} ${change.name}`)).toEqual(["unchanged drift", "delete a"]);
  });

  it("exits 3 when a resource was deleted behind the input's back", async () => {
    await client.send(new DeleteVirtualNodeCommand({ meshName: "drift", virtualNodeName: "a" }));
    const result = await runMeshplane(["diff", path.join(dir, "base.yaml")], { endpoint: server.url });
    expect(result.code).toBe(3);
    expect(result.stdout).toContain("  + create virtual node drift/a\n");
    expect((await runMeshplane(["import", path.join(dir, "base.yaml")], { endpoint: server.url })).code).toBe(0);
  });

  it("exits 3 when a policy the input carries differs from meshplane's, naming it, and 0 once it matches", async () => {
    const arn = `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/drift/virtualNode/a`;
    const policy = (requests: number) => `meshName: drift\npolicyName: limit\ntargetRef: { arn: "${arn}" }\nspec: { rateLimit: { requests: ${requests}, interval: { value: 1, unit: s } } }\n`;
    const applied = await runMeshplane(["policy", "apply", "-f", input("limit.yaml", policy(10))], { endpoint: server.url });
    expect(applied.code, applied.stderr).toBe(0);
    const exported = path.join(dir, "export.json");
    expect((await runMeshplane(["export", "--mesh", "drift", "-o", exported], { endpoint: server.url })).code).toBe(0);
    const same = await runMeshplane(["diff", exported], { endpoint: server.url });
    expect([same.code, same.stdout]).toEqual([0, expect.stringContaining("= unchanged policy drift/limit\n")]);
    // Someone changes the policy behind the export's back.
    expect((await runMeshplane(["policy", "apply", "-f", input("limit-20.yaml", policy(20))], { endpoint: server.url })).code).toBe(0);
    const drifted = await runMeshplane(["diff", exported], { endpoint: server.url });
    expect([drifted.code, drifted.stdout]).toEqual([3, expect.stringContaining("~ update policy drift/limit\n")]);
    const json = await runMeshplane(["diff", exported, "--output", "json"], { endpoint: server.url });
    expect(json.code).toBe(3);
    expect((JSON.parse(json.stdout) as { policies: unknown[] }).policies).toEqual([expect.objectContaining({ action: "update", meshName: "drift", policyName: "limit" })]);
    // diff changed nothing: the policy is still the one applied last.
    const shown = await runMeshplane(["policy", "get", "--mesh", "drift", "limit", "-o", "json"], { endpoint: server.url });
    expect((JSON.parse(shown.stdout) as { spec: { rateLimit: { requests: number } } }).spec.rateLimit.requests).toBe(20);
  });

  it("exits 1 for an input it cannot read and 2 for a usage error", async () => {
    const missing = await runMeshplane(["diff", path.join(dir, "nope.yaml")], { endpoint: server.url });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^meshplane: cannot read .*nope\.yaml: no such file or directory\n$/);
    const usage = await runMeshplane(["diff", "--parameter", "novalue", path.join(dir, "base.yaml")], { endpoint: server.url });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("expected Key=Value");
    expect((await runMeshplane(["diff"], { endpoint: server.url })).code).toBe(2);
  });
});
