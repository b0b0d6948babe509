// The AWS stand-ins on each store, driven by boto3: every operation of issue 18 on `npm start`'s control plane;
// Cloud Map, ACM and Private CA records written by one control plane read back by a new one on the same SQLite file
// or PostgreSQL database, the Private CA's key, sealed with MESHPLANE_AUTH_SECRET_KEY, still signing after the
// restart; and each write's audit entry committed in the batch of its change (a store refusing the entry refuses
// the change too).
import { createClient } from "@libsql/client";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsEnvironment, python } from "../support/aws-cli.js";
import { expectBoto3DrivesEveryStandInOperation } from "../support/boto3-stand-ins.js";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.js";
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

/** Makes the store refuse audit entries of CreateHttpNamespace (a trigger on audit_log), and takes that back. */
interface AuditRefusal {
  install(): Promise<void>;
  remove(): Promise<void>;
}

const refusedAction = "servicediscovery:CreateHttpNamespace";

const createHttpNamespace = (plane: TestControlPlane, name: string) =>
  plane.request("POST", "/", {
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Route53AutoNaming_v20170314.CreateHttpNamespace" },
    body: JSON.stringify({ Name: name }),
  });

async function expectAuditCommittedWithChange(plane: TestControlPlane, refusal: AuditRefusal): Promise<void> {
  const store = plane.running.store;
  const namespace = (name: string) => store.findAwsResourceByName({ service: "servicediscovery", kind: "namespace", parentId: "", name });
  // Only this case's entries: other cases on the same control plane create namespaces too.
  const before = (await store.listAudit({ afterSeq: 0, limit: 10_000, action: refusedAction })).at(-1)?.seq ?? 0;
  const audited = async () => (await store.listAudit({ afterSeq: before, limit: 1000, action: refusedAction })).map((entry) => [entry.outcome, entry.errorCode]);

  await refusal.install();
  try {
    const failed = await createHttpNamespace(plane, "audit-refused.local");
    expect(failed.status).toBeGreaterThanOrEqual(500);
  } finally {
    await refusal.remove();
  }
  // The batch carrying the entry failed: neither the namespace nor any entry of the call is stored.
  expect(await namespace("audit-refused.local")).toBeNull();
  expect(await audited()).toEqual([]);

  const created = await createHttpNamespace(plane, "audit-refused.local");
  expect(created.status, await created.clone().text()).toBe(200);
  expect(await namespace("audit-refused.local")).not.toBeNull();
  expect(await audited()).toEqual([["allowed", ""]]);
  // A refusal changes nothing and is audited once, with the exception it answered.
  expect((await createHttpNamespace(plane, "audit-refused.local")).status).toBe(400);
  expect(await audited()).toEqual([
    ["allowed", ""],
    ["NamespaceAlreadyExists", "NamespaceAlreadyExists"],
  ]);
}

describe("AWS stand-ins on npm start's control plane (SQLite), through boto3", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-aws-plane-"));
  const file = path.join(dir, "meshplane.db");
  let plane: TestControlPlane;
  beforeAll(async () => {
    plane = await startTestControlPlane({ env: { ...sealingKey, MESHPLANE_DB: file } });
  });
  afterAll(async () => {
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("drives every Cloud Map, ACM and Private CA operation, errors carrying the models' exception names", async () => {
    await expectBoto3DrivesEveryStandInOperation(plane.url);
  });

  it("commits a write's audit entry with its change: a batch whose entry the store refuses stores neither", async () => {
    const client = createClient({ url: `file:${file}` });
    try {
      await expectAuditCommittedWithChange(plane, {
        install: async () => {
          await client.execute(`create trigger refuse_audit before insert on audit_log when new.action = '${refusedAction}' begin select raise(abort, 'audit refused by the test'); end`);
        },
        remove: async () => {
          await client.execute("drop trigger refuse_audit");
        },
      });
    } finally {
      client.close();
    }
  });
});

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

  it("commits a write's audit entry with its change: a batch whose entry the store refuses stores neither", async () => {
    const databaseUrl = await server.createDatabase("aws_audit");
    const plane = await startTestControlPlane({ databaseUrl, env: sealingKey });
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
    try {
      await sql.unsafe("create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit refused by the test'; end $$");
      await expectAuditCommittedWithChange(plane, {
        install: async () => {
          await sql.unsafe(`create trigger refuse_audit before insert on audit_log for each row when (new.action = '${refusedAction}') execute function refuse_audit()`);
        },
        remove: async () => {
          await sql.unsafe("drop trigger refuse_audit on audit_log");
        },
      });
    } finally {
      await sql.end();
      await plane.stop();
    }
  });
});
