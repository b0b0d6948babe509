// The AWS stand-ins on each store, driven by boto3: Cloud Map, ACM and Private CA records written by one control plane
// are read back by a new one on the same SQLite file or PostgreSQL database, and the Private CA's key, sealed with
// MESHPLANE_AUTH_SECRET_KEY, still signs after the restart.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsEnvironment, python } from "../support/aws-cli.js";
import { startTestControlPlane } from "../support/control-plane.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";

const clients = `
import json, os, sys, boto3
from botocore.config import Config
url = os.environ["MESHPLANE_URL"]
# DiscoverInstances carries the host prefix "data-"; at a custom endpoint it must not be injected.
config = Config(inject_host_prefix=False, retries={"max_attempts": 1})
sd = boto3.client("servicediscovery", endpoint_url=url, config=config)
acm = boto3.client("acm", endpoint_url=url, config=config)
pca = boto3.client("acm-pca", endpoint_url=url, config=config)
`;

const write = `${clients}
op = sd.create_http_namespace(Name="persist.local", Tags=[{"Key": "team", "Value": "mesh"}])
namespace_id = sd.get_operation(OperationId=op["OperationId"])["Operation"]["Targets"]["NAMESPACE"]
service = sd.create_service(Name="api", NamespaceId=namespace_id, HealthCheckCustomConfig={"FailureThreshold": 1})["Service"]
sd.register_instance(ServiceId=service["Id"], InstanceId="i-1", Attributes={"AWS_INSTANCE_IPV4": "10.9.0.1", "AWS_INSTANCE_PORT": "80", "zone": "a"})
sd.update_instance_custom_health_status(ServiceId=service["Id"], InstanceId="i-1", Status="UNHEALTHY")
ca = pca.create_certificate_authority(CertificateAuthorityType="ROOT", CertificateAuthorityConfiguration={"KeyAlgorithm": "EC_prime256v1", "SigningAlgorithm": "SHA256WITHECDSA", "Subject": {"CommonName": "Persisted Root"}})["CertificateAuthorityArn"]
cert = acm.request_certificate(DomainName="api.persist.local", CertificateAuthorityArn=ca)["CertificateArn"]
print(json.dumps({"namespace": namespace_id, "service": service["Id"], "operation": op["OperationId"], "ca": ca, "certificate": cert,
  "caPem": pca.get_certificate_authority_certificate(CertificateAuthorityArn=ca)["Certificate"]}))
`;

const read = `${clients}
given = json.loads(os.environ["GIVEN"])
out = {}
out["namespace"] = sd.get_namespace(Id=given["namespace"])["Namespace"]["Name"]
out["tags"] = sd.list_tags_for_resource(ResourceARN=sd.get_namespace(Id=given["namespace"])["Namespace"]["Arn"])["Tags"]
out["operation"] = sd.get_operation(OperationId=given["operation"])["Operation"]["Status"]
out["instance"] = sd.get_instance(ServiceId=given["service"], InstanceId="i-1")["Instance"]["Attributes"]
out["health"] = sd.get_instances_health_status(ServiceId=given["service"])["Status"]
out["discovered"] = [i["InstanceId"] for i in sd.discover_instances(NamespaceName="persist.local", ServiceName="api", HealthStatus="ALL")["Instances"]]
out["caStatus"] = pca.describe_certificate_authority(CertificateAuthorityArn=given["ca"])["CertificateAuthority"]["Status"]
out["caPem"] = pca.get_certificate_authority_certificate(CertificateAuthorityArn=given["ca"])["Certificate"]
out["certificate"] = acm.describe_certificate(CertificateArn=given["certificate"])["Certificate"]["Status"]
# The CA key, sealed at rest, signs a new certificate after the restart.
fresh = acm.request_certificate(DomainName="after-restart.persist.local", CertificateAuthorityArn=given["ca"])["CertificateArn"]
out["fresh"] = acm.describe_certificate(CertificateArn=fresh)["Certificate"]["Issuer"]
print(json.dumps(out))
`;

const sealingKey = { MESHPLANE_AUTH_SECRET_KEY: "persistence-test-sealing-key" };

async function run(program: string, url: string, given?: unknown) {
  const result = await python(program, awsEnvironment({ MESHPLANE_URL: url, ...(given ? { GIVEN: JSON.stringify(given) } : {}) }));
  expect(result.code, result.stderr).toBe(0);
  return result.json;
}

async function writeRestartRead(start: () => ReturnType<typeof startTestControlPlane>) {
  const first = await start();
  const written = await run(write, first.url).finally(() => first.stop());
  const second = await start();
  try {
    const read_ = await run(read, second.url, written);
    expect(read_).toMatchObject({
      namespace: "persist.local",
      tags: [{ Key: "team", Value: "mesh" }],
      operation: "SUCCESS",
      instance: { AWS_INSTANCE_IPV4: "10.9.0.1", AWS_INSTANCE_PORT: "80", zone: "a" },
      health: { "i-1": "UNHEALTHY" },
      discovered: ["i-1"],
      caStatus: "ACTIVE",
      certificate: "ISSUED",
      fresh: "CN=Persisted Root",
    });
    expect(read_.caPem).toBe(written.caPem);
  } finally {
    await second.stop();
  }
}

describe("AWS stand-ins on SQLite, through boto3", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-aws-sqlite-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps Cloud Map, ACM and Private CA records and the sealed CA key across a restart", async () => {
    await writeRestartRead(() => startTestControlPlane({ env: { ...sealingKey, MESHPLANE_DB: path.join(dir, "meshplane.db") } }));
  });
});

describe("AWS stand-ins on PostgreSQL, through boto3", { timeout: 180_000 }, () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => server?.stop());

  it("keeps Cloud Map, ACM and Private CA records and the sealed CA key across a restart", async () => {
    const databaseUrl = await server.createDatabase("aws_stand_ins");
    await writeRestartRead(() => startTestControlPlane({ databaseUrl, env: sealingKey }));
  });
});
