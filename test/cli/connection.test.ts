// How the CLI reaches meshplane: endpoint from --endpoint, AWS_ENDPOINT_URL_APP_MESH, AWS_ENDPOINT_URL or the
// AWS config file's services section; SigV4 with the standard credential chain against a meshplane that
// requires signatures; and the AWS CLI honouring the same endpoint variable and config section, as the README
// tells Terraform and AWS CLI users.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKeys, writeAuthFile, type TestKey } from "../auth/support.js";
import { testAccountId } from "../support/control-plane.js";
import { runMeshplane } from "../support/meshplane-cli.js";
import { repoRoot, startMeshplaneProcess, type MeshplaneProcess } from "../support/process.js";

const credentials = (key: TestKey) => ({ AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey });
const meshTemplate = (name: string) => `Resources:\n  Mesh:\n    Type: AWS::AppMesh::Mesh\n    Properties: { MeshName: ${name} }\n`;

describe("meshplane CLI connection", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-cli-connection-"));
  let server: MeshplaneProcess;
  const template = (name: string) => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, meshTemplate(name));
    return file;
  };
  const servicesConfig = () => {
    const file = path.join(dir, "aws-config");
    writeFileSync(file, `[default]\nservices = meshplane\n\n[services meshplane]\napp_mesh =\n  endpoint_url = ${server.url}\n`);
    return file;
  };

  beforeAll(async () => {
    server = await startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "meshplane.db"), MESHPLANE_AUTH_FILE: writeAuthFile(), MESHPLANE_RATE_LIMIT: "off" });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("signs with the credentials in the environment", async () => {
    const result = await runMeshplane(["import", template("signed")], { endpoint: server.url, env: credentials(testKeys.full) });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("created mesh signed\n");
  });

  it("reports App Mesh's refusal for a principal without the policy, and applies nothing", async () => {
    const result = await runMeshplane(["import", template("refused")], { endpoint: server.url, env: credentials(testKeys.reader) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("  + create mesh refused\n");
    expect(result.stderr).toContain(
      `meshplane: failed to create mesh refused: ForbiddenException: User: reader is not authorized to perform: appmesh:CreateMesh on resource: arn:aws:appmesh:us-east-1:${testAccountId}:mesh/refused because no policy allows it.\n`,
    );
    const listed = await runMeshplane(["export", "--mesh", "refused"], { endpoint: server.url, env: credentials(testKeys.reader) });
    expect(listed.stderr).toBe("meshplane: no such mesh: refused\n");
  });

  it("reports a wrong secret as the API's signature error", async () => {
    const result = await runMeshplane(["export"], { endpoint: server.url, env: credentials({ ...testKeys.full, secretAccessKey: "wrong" }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^meshplane: InvalidSignatureException: /);
  });

  it("takes --endpoint over AWS_ENDPOINT_URL_APP_MESH, that over AWS_ENDPOINT_URL, and reads the config file's services section", async () => {
    const dead = "http://127.0.0.1:9";
    const env = credentials(testKeys.full);
    expect((await runMeshplane(["import", template("precedence")], { endpoint: server.url, env })).code).toBe(0);
    const flag = await runMeshplane(["--endpoint", server.url, "export", "--mesh", "precedence"], { endpoint: dead, env });
    expect(flag.code).toBe(0);
    const specific = await runMeshplane(["export", "--mesh", "precedence"], { env: { ...env, AWS_ENDPOINT_URL_APP_MESH: server.url, AWS_ENDPOINT_URL: dead } });
    expect(specific.code).toBe(0);
    const general = await runMeshplane(["export", "--mesh", "precedence"], { env: { ...env, AWS_ENDPOINT_URL: server.url } });
    expect(general.code).toBe(0);
    expect(JSON.parse(general.stdout).resources[0]).toMatchObject({ kind: "mesh", meshName: "precedence" });
    const config = await runMeshplane(["export", "--mesh", "precedence"], { env: { ...env, AWS_CONFIG_FILE: servicesConfig() } });
    expect(config.code).toBe(0);
  });

  it("refuses to send anything when no endpoint is configured (App Mesh itself is gone)", async () => {
    const result = await runMeshplane(["export"], { env: credentials(testKeys.full) });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "meshplane: no meshplane endpoint is configured (the request would go to appmesh.us-east-1.amazonaws.com): pass --endpoint URL or set AWS_ENDPOINT_URL_APP_MESH\n",
    );
  });

  it("names the address and where the endpoint came from when nothing listens there", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const result = await runMeshplane(["export"], { endpoint: `http://127.0.0.1:${closedPort}`, env: { ...credentials(testKeys.full), AWS_MAX_ATTEMPTS: "1" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `meshplane: cannot reach meshplane at 127.0.0.1:${closedPort}: connection refused (the endpoint comes from --endpoint, else AWS_ENDPOINT_URL_APP_MESH, else AWS_ENDPOINT_URL)\n`,
    );
  });

  it("ends quietly when the reader of its output closes the pipe early", async () => {
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile("sh", ["-c", "node bin/meshplane.js explain --help | head -n 1"], { cwd: repoRoot }, (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stdout, stderr }),
      );
    });
    expect(result.stdout).toBe("Usage: meshplane explain [options] <url>\n");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("AWS CLI endpoint configuration (README)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-awscli-endpoint-"));
  let server: MeshplaneProcess;

  const aws = (env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        "aws",
        ["appmesh", ...args, "--output", "json", "--region", "us-east-1"],
        {
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            AWS_CONFIG_FILE: path.join(dir, "none"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "none"),
            AWS_PAGER: "",
            AWS_MAX_ATTEMPTS: "1",
            ...credentials(testKeys.full),
            ...env,
          },
        },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    server = await startMeshplaneProcess({ MESHPLANE_DB: path.join(dir, "meshplane.db"), MESHPLANE_AUTH_FILE: writeAuthFile(), MESHPLANE_RATE_LIMIT: "off" });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("honours AWS_ENDPOINT_URL_APP_MESH without --endpoint-url", async () => {
    const created = await aws({ AWS_ENDPOINT_URL_APP_MESH: server.url }, "create-mesh", "--mesh-name", "from-env");
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const listed = await aws({ AWS_ENDPOINT_URL_APP_MESH: server.url }, "list-meshes");
    expect(JSON.parse(listed.stdout).meshes.map((mesh: { meshName: string }) => mesh.meshName)).toContain("from-env");
  });

  it("honours the config file's services section", async () => {
    const config = path.join(dir, "config");
    writeFileSync(config, `[default]\nservices = meshplane\n\n[services meshplane]\napp_mesh =\n  endpoint_url = ${server.url}\n`);
    const listed = await aws({ AWS_CONFIG_FILE: config }, "describe-mesh", "--mesh-name", "from-env");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).mesh.meshName).toBe("from-env");
  });
});
