// The real AWS CLI against meshplane with authentication on: it signs with SigV4 as it does for AWS, and refused
// calls come back as the exception names and exit status (255 from awscli v1, 254 from v2) that scripts already handle.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestControlPlane } from "../support/control-plane.js";
import { testAccountId } from "../support/control-plane.js";
import { startAuthPlane, testKeys, type TestKey } from "./support.js";

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe("AWS CLI with authentication on", () => {
  let plane: TestControlPlane;
  const home = mkdtempSync(path.join(os.tmpdir(), "meshplane-awscli-auth-"));

  const aws = (key: TestKey, ...args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        "aws",
        ["appmesh", ...args, "--endpoint-url", plane.url, "--output", "json", "--region", "us-east-1"],
        {
          env: {
            PATH: process.env.PATH,
            HOME: home,
            AWS_ACCESS_KEY_ID: key.accessKeyId,
            AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
            AWS_CONFIG_FILE: path.join(home, "config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(home, "credentials"),
            AWS_PAGER: "",
            AWS_MAX_ATTEMPTS: "1",
          },
        },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    plane = await startAuthPlane();
  });
  afterAll(async () => plane?.stop());

  it("succeeds with a valid key", async () => {
    const result = await aws(testKeys.cli, "create-mesh", "--mesh-name", "cli");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).mesh.metadata.arn).toBe(`arn:aws:appmesh:us-east-1:${testAccountId}:mesh/cli`);
  });

  it("fails with InvalidSignatureException and exit status 255 for a wrong secret", async () => {
    const result = await aws({ ...testKeys.cli, secretAccessKey: "wrong" }, "list-meshes");
    expect([254, 255]).toContain(result.code); // awscli v1 exits 255, v2 254
    expect(result.stderr).toMatch(/An error occurred \(InvalidSignatureException\) when calling the ListMeshes operation: /);
  });

  it("fails with UnrecognizedClientException for an unknown key", async () => {
    const result = await aws({ accessKeyId: "AKIDNOSUCHKEY", secretAccessKey: "x" }, "list-meshes");
    expect([254, 255]).toContain(result.code); // awscli v1 exits 255, v2 254
    expect(result.stderr).toMatch(/\(UnrecognizedClientException\) when calling the ListMeshes operation/);
  });

  it("lets a read-only key describe but not create", async () => {
    const described = await aws(testKeys.reader, "describe-mesh", "--mesh-name", "cli");
    expect(described.code).toBe(0);
    const created = await aws(testKeys.reader, "create-mesh", "--mesh-name", "by-reader");
    expect([254, 255]).toContain(created.code); // awscli v1 exits 255, v2 254
    expect(created.stderr).toMatch(
      /An error occurred \(ForbiddenException\) when calling the CreateMesh operation: User: reader is not authorized to perform: appmesh:CreateMesh on resource: arn:aws:appmesh:us-east-1:\d{12}:mesh\/by-reader/,
    );
  });

  it("keeps a key scoped to mesh/app1/* out of mesh app2", async () => {
    expect((await aws(testKeys.app1, "create-mesh", "--mesh-name", "app1")).code).toBe(0);
    expect((await aws(testKeys.cli, "create-mesh", "--mesh-name", "app2")).code).toBe(0);
    const spec = JSON.stringify({ listeners: [{ portMapping: { port: 80, protocol: "http" } }] });
    expect((await aws(testKeys.app1, "create-virtual-router", "--mesh-name", "app1", "--virtual-router-name", "r", "--spec", spec)).code).toBe(0);
    const refused = await aws(testKeys.app1, "create-virtual-router", "--mesh-name", "app2", "--virtual-router-name", "r", "--spec", spec);
    expect([254, 255]).toContain(refused.code); // awscli v1 exits 255, v2 254
    expect(refused.stderr).toMatch(/\(ForbiddenException\) when calling the CreateVirtualRouter operation: .*mesh\/app2\/virtualRouter\/r/);
    const deleted = await aws(testKeys.app1, "delete-mesh", "--mesh-name", "app2");
    expect([254, 255]).toContain(deleted.code); // awscli v1 exits 255, v2 254
    expect(deleted.stderr).toMatch(/ForbiddenException/);
  });

  it("fails with an explicit deny for a key whose policy denies the action", async () => {
    expect((await aws(testKeys.noDeleteMesh, "create-mesh", "--mesh-name", "undeletable")).code).toBe(0);
    const result = await aws(testKeys.noDeleteMesh, "delete-mesh", "--mesh-name", "undeletable");
    expect([254, 255]).toContain(result.code); // awscli v1 exits 255, v2 254
    expect(result.stderr).toMatch(/\(ForbiddenException\) when calling the DeleteMesh operation: .*explicit deny/);
  });
});
