// The Worker entry on D1 under wrangler's local runtime (workerd), offline: migrations applied the way
// `npm run dev` applies them, then the AWS SDK creates, describes and lists through the Worker.
import { AppMeshClient, CreateMeshCommand, CreateVirtualNodeCommand, DescribeMeshCommand, ListMeshesCommand, ListVirtualNodesCommand, ConflictException } from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsEnvironment, python } from "./support/aws-cli.js";
import { createAppMeshClient } from "./support/control-plane.js";
import { createMigratedD1, startControlPlaneWorker, type RunningWorker } from "./support/wrangler.js";

describe("Worker entry on D1", () => {
  let worker: RunningWorker;
  let url: string;

  beforeAll(async () => {
    worker = await startControlPlaneWorker();
    url = worker.url;
  });
  afterAll(async () => worker?.dispose());

  it("creates, describes and lists a mesh through the Worker with the AWS SDK", async () => {
    const client = createAppMeshClient(url);
    const created = await client.send(new CreateMeshCommand({ meshName: "edge", spec: { egressFilter: { type: "ALLOW_ALL" } } }));
    expect(created.mesh?.metadata?.arn).toBe("arn:aws:appmesh:us-east-1:111122223333:mesh/edge");
    const described = await client.send(new DescribeMeshCommand({ meshName: "edge" }));
    expect(described.mesh?.metadata?.uid).toBe(created.mesh?.metadata?.uid);
    expect(described.mesh?.spec?.egressFilter?.type).toBe("ALLOW_ALL");
    const listed = await client.send(new ListMeshesCommand({}));
    expect(listed.meshes?.map((mesh) => mesh.meshName)).toEqual(["edge"]);
    await expect(client.send(new CreateMeshCommand({ meshName: "edge" }))).rejects.toBeInstanceOf(ConflictException);
    client.destroy();
  });

  it("keeps concurrent creates in one mesh consistent on D1's batch writes", async () => {
    const client = createAppMeshClient(url);
    await client.send(new CreateMeshCommand({ meshName: "busy" }));
    const names = Array.from({ length: 12 }, (_, i) => `node-${i}`);
    await Promise.all(names.map((virtualNodeName) => client.send(new CreateVirtualNodeCommand({ meshName: "busy", virtualNodeName, spec: {} }))));
    const listed = await client.send(new ListVirtualNodesCommand({ meshName: "busy" }));
    expect(listed.virtualNodes?.map((node) => node.virtualNodeName).sort()).toEqual([...names].sort());
    client.destroy();
  });

  it("checks route regexes with core-wasm inside the Worker", async () => {
    const put = (path: string, body: unknown) => fetch(`${url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await put("/v20190125/meshes", { meshName: "rx" })).status).toBe(200);
    expect((await put("/v20190125/meshes/rx/virtualNodes", { virtualNodeName: "n", spec: {} })).status).toBe(200);
    expect((await put("/v20190125/meshes/rx/virtualRouters", { virtualRouterName: "r", spec: { listeners: [{ portMapping: { port: 80, protocol: "http" } }] } })).status).toBe(200);
    const route = (regex: string) =>
      put("/v20190125/meshes/rx/virtualRouter/r/routes", {
        routeName: `r${regex.length}`,
        spec: { httpRoute: { match: { path: { regex } }, action: { weightedTargets: [{ virtualNode: "n", weight: 1 }] } } },
      });
    const refused = await route("/a(?!b)");
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/look-around/);
    expect((await route("/api/v[0-9]+/.*")).status).toBe(200);
  });

  it("serves Cloud Map, ACM and ACM Private CA to boto3 through the Worker on D1, with the models' exception names", async () => {
    const program = `
import json, os, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
url = os.environ["MESHPLANE_URL"]
config = Config(inject_host_prefix=False, retries={"max_attempts": 1})
sd = boto3.client("servicediscovery", endpoint_url=url, config=config)
acm = boto3.client("acm", endpoint_url=url, config=config)
pca = boto3.client("acm-pca", endpoint_url=url, config=config)
out = {}
op = sd.create_http_namespace(Name="worker.local")
ns = sd.get_operation(OperationId=op["OperationId"])["Operation"]["Targets"]["NAMESPACE"]
service = sd.create_service(Name="api", NamespaceId=ns, HealthCheckCustomConfig={"FailureThreshold": 1})["Service"]["Id"]
sd.register_instance(ServiceId=service, InstanceId="i-1", Attributes={"AWS_INSTANCE_IPV4": "10.0.0.1", "AWS_INSTANCE_PORT": "80"})
sd.update_instance_custom_health_status(ServiceId=service, InstanceId="i-1", Status="UNHEALTHY")
out["discovered"] = sd.discover_instances(NamespaceName="worker.local", ServiceName="api", HealthStatus="ALL")["Instances"][0]["HealthStatus"]
try:
    sd.create_http_namespace(Name="worker.local")
except ClientError as error:
    out["duplicate"] = error.response["Error"]["Code"]
ca = pca.create_certificate_authority(CertificateAuthorityType="ROOT", CertificateAuthorityConfiguration={"KeyAlgorithm": "EC_prime256v1", "SigningAlgorithm": "SHA256WITHECDSA", "Subject": {"CommonName": "Worker Root"}})["CertificateAuthorityArn"]
cert = acm.request_certificate(DomainName="api.worker.local", CertificateAuthorityArn=ca)["CertificateArn"]
detail = acm.describe_certificate(CertificateArn=cert)["Certificate"]
out["certificate"] = [detail["Status"], detail["Issuer"]]
try:
    acm.describe_certificate(CertificateArn=cert[:-4] + "0000")
except ClientError as error:
    out["missing"] = error.response["Error"]["Code"]
print(json.dumps(out))
`;
    const result = await python(program, awsEnvironment({ MESHPLANE_URL: url }));
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toEqual({ discovered: "UNHEALTHY", duplicate: "NamespaceAlreadyExists", certificate: ["ISSUED", "CN=Worker Root"], missing: "ResourceNotFoundException" });
  });

  it("answers /healthz", async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});

describe("Worker entry with authentication (the default once deployed)", () => {
  const signer = { accessKeyId: "AKIDMESHPLANETEST", secretAccessKey: "meshplane-test-secret" };
  const authFile = { principals: { ops: { policies: ["AWSAppMeshFullAccess"], accessKeys: [signer] }, reader: { policies: ["AWSAppMeshReadOnly"], accessKeys: [{ accessKeyId: "AKIDREADERTEST", secretAccessKey: "reader-secret-0123456789" }] } } };
  const workers: RunningWorker[] = [];
  let database: ReturnType<typeof createMigratedD1>;

  const start = async (variables: Record<string, string>) => {
    const worker = await startControlPlaneWorker(variables, { persist: database.persist, logLevel: "none" });
    workers.push(worker);
    return worker.url;
  };

  beforeAll(() => {
    database = createMigratedD1();
  });
  afterAll(async () => {
    for (const worker of workers) await worker.dispose();
    database?.remove();
  });

  it("serves signed requests of allowed principals and refuses unsigned or forbidden ones", async () => {
    const url = await start({ MESHPLANE_AUTH: JSON.stringify(authFile) });
    const client = createAppMeshClient(url);
    expect((await client.send(new CreateMeshCommand({ meshName: "signed" }))).mesh?.meshName).toBe("signed");
    const reader = new AppMeshClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "AKIDREADERTEST", secretAccessKey: "reader-secret-0123456789" }, maxAttempts: 1 });
    expect((await reader.send(new ListMeshesCommand({}))).meshes?.map((mesh) => mesh.meshName)).toEqual(["signed"]);
    await expect(reader.send(new CreateMeshCommand({ meshName: "nope" }))).rejects.toMatchObject({ name: "ForbiddenException" });
    const unsigned = await fetch(`${url}/v20190125/meshes`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    client.destroy();
    reader.destroy();
  });

  it("refuses to run open when no auth is configured", async () => {
    const url = await start({});
    const response = await fetch(`${url}/v20190125/meshes`);
    expect(response.status).toBe(503);
    expect(response.headers.get("x-amzn-errortype")).toBe("ServiceUnavailableException");
  });
});

