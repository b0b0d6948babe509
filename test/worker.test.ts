// The Worker entry on D1 under wrangler's local runtime (workerd), offline: migrations applied the way
// `npm run dev` applies them, then the AWS SDK creates, describes and lists through the Worker, and boto3 and the
// AWS CLI drive every operation of the Cloud Map, ACM and ACM Private CA stand-ins.
import { AppMeshClient, CreateMeshCommand, CreateVirtualNodeCommand, DescribeMeshCommand, ListMeshesCommand, ListVirtualNodesCommand, ConflictException } from "@aws-sdk/client-app-mesh";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsEnvironment, startAwsCliSession, type AwsCliSession, type CliResult } from "./support/aws-cli.js";
import { expectBoto3DrivesEveryStandInOperation } from "./support/boto3-stand-ins.js";
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

  it("checks envoyPatch policies against Envoy's descriptors inside the Worker and applies them to what a REST xDS poll gets", async () => {
    const put = (path: string, body: unknown) => fetch(`${url}${path}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await put("/v20190125/meshes", { meshName: "patched" })).status).toBe(200);
    const spec = { listeners: [{ portMapping: { port: 8080, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "app.local" } } };
    expect((await put("/v20190125/meshes/patched/virtualNodes", { virtualNodeName: "app", spec })).status).toBe(200);
    const arn = "arn:aws:appmesh:us-east-1:111122223333:mesh/patched/virtualNode/app";
    const patch = (merge: object) => put("/v1/meshes/patched/policies/buffers", { targetRef: { arn }, spec: { envoyPatch: { patches: [{ resource: "cluster", merge }] } } });
    const refused = await patch({ per_connection_buffer_limit_bytes: "lots" });
    expect([refused.status, refused.headers.get("x-amzn-errortype")]).toEqual([400, "BadRequestException"]);
    const accepted = await patch({ per_connection_buffer_limit_bytes: 32768 });
    expect(accepted.status, await accepted.clone().text()).toBe(200);
    const poll = await fetch(`${url}/v3/discovery:clusters`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ node: { id: "mesh/patched/virtualNode/app", cluster: "app" }, typeUrl: "type.googleapis.com/envoy.config.cluster.v3.Cluster" }),
    });
    expect(poll.status).toBe(200);
    const clusters = ((await poll.json()) as { resources: Array<{ name: string; perConnectionBufferLimitBytes?: number }> }).resources;
    expect(clusters.length).toBeGreaterThan(0);
    expect(clusters.every((cluster) => cluster.perConnectionBufferLimitBytes === 32768)).toBe(true);
  });

  it("serves every Cloud Map, ACM and ACM Private CA operation to boto3 through the Worker on D1, with the models' exception names", async () => {
    await expectBoto3DrivesEveryStandInOperation(url);
  }, 120_000);

  it("audits each stand-in write on D1 once, a change with its entry and a refusal with its exception", async () => {
    const call = (target: string, input: object) =>
      fetch(`${url}/`, { method: "POST", headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `Route53AutoNaming_v20170314.${target}` }, body: JSON.stringify(input) });
    const created = (await (await call("CreateHttpNamespace", { Name: "audited.local" })).json()) as { OperationId: string };
    const { Operation } = (await (await call("GetOperation", { OperationId: created.OperationId })).json()) as { Operation: { Targets: { NAMESPACE: string } } };
    expect((await call("CreateService", { Name: "api", NamespaceId: Operation.Targets.NAMESPACE })).status).toBe(200);
    expect((await call("CreateService", { Name: "api", NamespaceId: Operation.Targets.NAMESPACE })).status).toBe(400);
    // CreateService is authorised (and audited) on the namespace's ARN, which names this case's entries only.
    const resource = `arn:aws:servicediscovery:us-east-1:111122223333:namespace/${Operation.Targets.NAMESPACE}`;
    const audit = (await (await fetch(`${url}/v1/audit?action=servicediscovery:CreateService&resource=${encodeURIComponent(resource)}`)).json()) as { entries: Array<{ outcome: string }> };
    expect(audit.entries.map((entry) => entry.outcome)).toEqual(["allowed", "ServiceAlreadyExists"]);
  });

  describe("the AWS stand-ins through the AWS CLI", () => {
    // One interpreter runs the CLI's driver for every call (test/support/aws-cli-session.py). DiscoverInstances has
    // the host prefix `data-`; the CLI would dial data-127.0.0.1 without AWS_DISABLE_HOST_PREFIX_INJECTION.
    let cli: AwsCliSession;
    const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-worker-cli-"));
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const failure = (result: CliResult) => /An error occurred \((\w+)\)/.exec(result.stderr)?.[1];
    const call = (service: string) => async (...args: string[]) => {
      const result = await cli.run(url, service, args);
      expect(result.stderr, `aws ${service} ${args.join(" ")}`).toBe("");
      expect(result.code).toBe(0);
      return result.json;
    };
    const sd = call("servicediscovery");
    const acm = call("acm");
    const pca = call("acm-pca");
    const refused = async (service: string, ...args: string[]) => failure(await cli.run(url, service, args));

    beforeAll(() => {
      cli = startAwsCliSession(awsEnvironment({ AWS_DISABLE_HOST_PREFIX_INJECTION: "true" }));
    });
    afterAll(async () => {
      await cli?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("drives every Cloud Map operation, with --endpoint-url and with AWS_ENDPOINT_URL_SERVICEDISCOVERY", async () => {
      const namespaceOf = async (created: { OperationId: string }) => (await sd("get-operation", "--operation-id", created.OperationId)).Operation.Targets.NAMESPACE as string;
      const namespaceId = await namespaceOf(await sd("create-http-namespace", "--name", "cli.local", "--tags", "Key=team,Value=mesh"));
      const others = [await namespaceOf(await sd("create-private-dns-namespace", "--name", "cli.private", "--vpc", "vpc-0123456789abcdef0")), await namespaceOf(await sd("create-public-dns-namespace", "--name", "cli.example.com"))];
      expect((await sd("get-namespace", "--id", namespaceId)).Namespace).toMatchObject({ Name: "cli.local", Type: "HTTP" });
      expect((await sd("list-namespaces", "--filters", "Name=NAME,Values=cli.,Condition=BEGINS_WITH")).Namespaces.map((n: { Type: string }) => n.Type).sort()).toEqual(["DNS_PRIVATE", "DNS_PUBLIC", "HTTP"]);
      await sd("update-http-namespace", "--id", namespaceId, "--namespace", "Description=renamed");
      expect(await refused("servicediscovery", "create-http-namespace", "--name", "cli.local")).toBe("NamespaceAlreadyExists");

      const { Service } = await sd("create-service", "--name", "api", "--namespace-id", namespaceId, "--health-check-custom-config", "FailureThreshold=1");
      expect((await sd("get-service", "--id", Service.Id)).Service.NamespaceId).toBe(namespaceId);
      expect((await sd("list-services", "--filters", `Name=NAMESPACE_ID,Values=${namespaceId},Condition=EQ`)).Services.map((s: { Id: string }) => s.Id)).toEqual([Service.Id]);
      await sd("update-service", "--id", Service.Id, "--service", "Description=the API");

      for (const [id, version] of [["i-1", "v1"], ["i-2", "v2"]]) await sd("register-instance", "--service-id", Service.Id, "--instance-id", id!, "--attributes", `AWS_INSTANCE_IPV4=10.0.0.1,AWS_INSTANCE_PORT=8080,version=${version}`);
      expect((await sd("get-instance", "--service-id", Service.Id, "--instance-id", "i-1")).Instance.Attributes.version).toBe("v1");
      expect((await sd("list-instances", "--service-id", Service.Id)).Instances.map((i: { Id: string }) => i.Id).sort()).toEqual(["i-1", "i-2"]);
      const discover = async (...args: string[]) => (await sd("discover-instances", "--namespace-name", "cli.local", "--service-name", "api", ...args)).Instances.map((i: { InstanceId: string }) => i.InstanceId);
      expect(await discover("--query-parameters", "version=v2")).toEqual(["i-2"]);
      const revision = (await sd("discover-instances-revision", "--namespace-name", "cli.local", "--service-name", "api")).InstancesRevision as number;
      await sd("update-instance-custom-health-status", "--service-id", Service.Id, "--instance-id", "i-1", "--status", "UNHEALTHY");
      expect((await sd("get-instances-health-status", "--service-id", Service.Id)).Status).toEqual({ "i-1": "UNHEALTHY", "i-2": "HEALTHY" });
      expect(await discover("--health-status", "HEALTHY")).toEqual(["i-2"]);
      expect((await sd("discover-instances-revision", "--namespace-name", "cli.local", "--service-name", "api")).InstancesRevision).toBeGreaterThan(revision);
      const { OperationId } = await sd("deregister-instance", "--service-id", Service.Id, "--instance-id", "i-2");
      expect((await sd("list-operations", "--filters", "Name=TYPE,Values=DEREGISTER_INSTANCE,Condition=EQ")).Operations.map((o: { Id: string }) => o.Id)).toContain(OperationId);
      expect(await refused("servicediscovery", "get-instance", "--service-id", Service.Id, "--instance-id", "i-2")).toBe("InstanceNotFound");

      await sd("tag-resource", "--resource-arn", Service.Arn, "--tags", "Key=tier,Value=gold", "Key=team,Value=api");
      await sd("untag-resource", "--resource-arn", Service.Arn, "--tag-keys", "tier");
      expect((await sd("list-tags-for-resource", "--resource-arn", Service.Arn)).Tags).toEqual([{ Key: "team", Value: "api" }]);

      await sd("deregister-instance", "--service-id", Service.Id, "--instance-id", "i-1");
      await sd("delete-service", "--id", Service.Id);
      for (const id of [namespaceId, ...others]) await sd("delete-namespace", "--id", id);
      expect(await refused("servicediscovery", "get-namespace", "--id", namespaceId)).toBe("NamespaceNotFound");

      const viaEnv = await cli.run(undefined, "servicediscovery", ["create-http-namespace", "--name", "cli-env.local"], { AWS_ENDPOINT_URL_SERVICEDISCOVERY: url });
      expect(viaEnv.code, viaEnv.stderr).toBe(0);
      const listed = await cli.run(undefined, "servicediscovery", ["list-namespaces", "--filters", "Name=NAME,Values=cli-env.local"], { AWS_ENDPOINT_URL_SERVICEDISCOVERY: url });
      expect(listed.json.Namespaces.map((n: { Name: string }) => n.Name)).toEqual(["cli-env.local"]);
    }, 120_000);

    it("drives every ACM and ACM Private CA operation, with --endpoint-url and with AWS_ENDPOINT_URL_ACM / _ACM_PCA", async () => {
      const configuration = "KeyAlgorithm=EC_prime256v1,SigningAlgorithm=SHA256WITHECDSA,Subject={CommonName=Worker CLI Root}";
      const { CertificateAuthorityArn: ca } = await pca("create-certificate-authority", "--certificate-authority-type", "ROOT", "--certificate-authority-configuration", configuration);
      expect((await pca("describe-certificate-authority", "--certificate-authority-arn", ca)).CertificateAuthority).toMatchObject({ Type: "ROOT", Status: "ACTIVE" });
      const caPem = (await pca("get-certificate-authority-certificate", "--certificate-authority-arn", ca)).Certificate as string;
      expect(caPem).toContain("BEGIN CERTIFICATE");
      openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=leaf.cli.local");
      const issued = await pca("issue-certificate", "--certificate-authority-arn", ca, "--csr", `fileb://${path.join(dir, "leaf.csr")}`, "--signing-algorithm", "SHA256WITHECDSA", "--validity", "Value=30,Type=DAYS");
      const leaf = await pca("get-certificate", "--certificate-authority-arn", ca, "--certificate-arn", issued.CertificateArn);
      expect(leaf.CertificateChain.trim()).toBe(caPem.trim());
      expect((await pca("list-certificate-authorities")).CertificateAuthorities.map((a: { Arn: string }) => a.Arn)).toContain(ca);
      expect(await refused("acm-pca", "delete-certificate-authority", "--certificate-authority-arn", ca)).toBe("InvalidStateException");

      const { CertificateArn: requested } = await acm("request-certificate", "--domain-name", "api.cli.local", "--certificate-authority-arn", ca);
      expect((await acm("describe-certificate", "--certificate-arn", requested)).Certificate).toMatchObject({ Type: "PRIVATE", Status: "ISSUED", Issuer: "CN=Worker CLI Root" });
      expect((await acm("get-certificate", "--certificate-arn", requested)).Certificate).toContain("BEGIN CERTIFICATE");
      openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "imported.key", "-out", "imported.pem", "-days", "10", "-subj", "/CN=import.cli.local");
      const { CertificateArn: imported } = await acm("import-certificate", "--certificate", `fileb://${path.join(dir, "imported.pem")}`, "--private-key", `fileb://${path.join(dir, "imported.key")}`, "--tags", "Key=team,Value=edge");
      expect((await acm("list-certificates", "--includes", "keyTypes=RSA_2048")).CertificateSummaryList.map((c: { CertificateArn: string }) => c.CertificateArn)).toEqual(expect.arrayContaining([imported, requested]));
      await acm("add-tags-to-certificate", "--certificate-arn", imported, "--tags", "Key=tier,Value=gold");
      await acm("remove-tags-from-certificate", "--certificate-arn", imported, "--tags", "Key=team");
      expect((await acm("list-tags-for-certificate", "--certificate-arn", imported)).Tags).toEqual([{ Key: "tier", Value: "gold" }]);
      for (const arn of [imported, requested]) await acm("delete-certificate", "--certificate-arn", arn);
      expect(await refused("acm", "describe-certificate", "--certificate-arn", imported)).toBe("ResourceNotFoundException");

      await pca("update-certificate-authority", "--certificate-authority-arn", ca, "--status", "DISABLED");
      await pca("delete-certificate-authority", "--certificate-authority-arn", ca, "--permanent-deletion-time-in-days", "7");
      expect((await pca("describe-certificate-authority", "--certificate-authority-arn", ca)).CertificateAuthority.Status).toBe("DELETED");

      const viaEnv = { AWS_ENDPOINT_URL_ACM: url, AWS_ENDPOINT_URL_ACM_PCA: url };
      const authorities = await cli.run(undefined, "acm-pca", ["list-certificate-authorities"], viaEnv);
      expect(authorities.code, authorities.stderr).toBe(0);
      const certificates = await cli.run(undefined, "acm", ["list-certificates"], viaEnv);
      expect(certificates.code, certificates.stderr).toBe(0);
      expect(Array.isArray(certificates.json.CertificateSummaryList)).toBe(true);
    }, 120_000);
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

