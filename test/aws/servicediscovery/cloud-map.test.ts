// Cloud Map (servicediscovery) through the unmodified AWS CLI against `npm start`'s control plane: every operation of
// issue 18's list, with --endpoint-url and with AWS_ENDPOINT_URL_SERVICEDISCOVERY, and the model's exception names.
// Each case makes its own namespace, so no case depends on another.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, awsEnvironment, startAwsCliSession, type AwsCliSession, type CliResult } from "../../support/aws-cli.js";
import { startTestControlPlane, testAccountId, type TestControlPlane } from "../../support/control-plane.js";

// The calls run in one interpreter with the CLI's own driver (test/support/aws-cli-session.py); the two cases that
// need another environment start the `aws` command itself, about a second each.
describe("Cloud Map through the AWS CLI", { timeout: 180_000 }, () => {
  let plane: TestControlPlane;
  let cli: AwsCliSession;
  // DiscoverInstances has the host prefix `data-`; the CLI would dial data-127.0.0.1 without this setting.
  const env = awsEnvironment({ AWS_DISABLE_HOST_PREFIX_INJECTION: "true" });
  const sd = (...args: string[]) => cli.run(plane.url, "servicediscovery", args);
  const ok = async (...args: string[]) => {
    const result = await sd(...args);
    expect(result.stderr, `aws servicediscovery ${args.join(" ")}`).toBe("");
    expect(result.code).toBe(0);
    return result.json;
  };
  const failure = (result: CliResult) => /An error occurred \((\w+)\)/.exec(result.stderr)?.[1];

  /** A fresh HTTP namespace and a service with a custom health check in it. */
  async function namespaceWithService(name: string) {
    const operation = await ok("create-http-namespace", "--name", name, "--description", "test namespace");
    const { Operation } = await ok("get-operation", "--operation-id", operation.OperationId);
    expect(Operation.Status).toBe("SUCCESS");
    const namespaceId = Operation.Targets.NAMESPACE as string;
    const { Service } = await ok("create-service", "--name", "serviceb", "--namespace-id", namespaceId, "--health-check-custom-config", "FailureThreshold=1");
    return { namespaceId, serviceId: Service.Id as string, serviceArn: Service.Arn as string };
  }

  beforeAll(async () => {
    plane = await startTestControlPlane();
    cli = startAwsCliSession(env);
  });
  afterAll(async () => {
    await cli?.close();
    await plane?.stop();
  });

  it("creates, gets, lists, updates and deletes namespaces of the three types", async () => {
    const http = await ok("create-http-namespace", "--name", "ns-crud.local");
    const privateDns = await ok("create-private-dns-namespace", "--name", "private.example", "--vpc", "vpc-0123456789abcdef0");
    const publicDns = await ok("create-public-dns-namespace", "--name", "public.example.com");
    const ids = await Promise.all(
      [http, privateDns, publicDns].map(async (created) => (await ok("get-operation", "--operation-id", created.OperationId)).Operation.Targets.NAMESPACE as string),
    );
    const { Namespace } = await ok("get-namespace", "--id", ids[0]!);
    expect(Namespace).toMatchObject({ Name: "ns-crud.local", Type: "HTTP", Arn: `arn:aws:servicediscovery:us-east-1:${testAccountId}:namespace/${ids[0]}` });
    const types = (await ok("list-namespaces", "--filters", "Name=NAME,Values=private.example,Condition=EQ")).Namespaces.map((n: { Type: string }) => n.Type);
    expect(types).toEqual(["DNS_PRIVATE"]);
    await ok("update-http-namespace", "--id", ids[0]!, "--namespace", "Description=renamed");
    expect((await ok("get-namespace", "--id", ids[0]!)).Namespace.Description).toBe("renamed");
    for (const id of ids) await ok("delete-namespace", "--id", id);
    expect(failure(await sd("get-namespace", "--id", ids[0]!))).toBe("NamespaceNotFound");
  });

  it("pages list-namespaces with --max-items and the CLI's starting token", async () => {
    for (const name of ["page-a.local", "page-b.local", "page-c.local"]) await ok("create-http-namespace", "--name", name);
    const first = await ok("list-namespaces", "--filters", "Name=NAME,Values=page-,Condition=BEGINS_WITH", "--max-items", "2");
    expect(first.Namespaces).toHaveLength(2);
    const rest = await ok("list-namespaces", "--filters", "Name=NAME,Values=page-,Condition=BEGINS_WITH", "--starting-token", first.NextToken);
    expect([...first.Namespaces, ...rest.Namespaces].map((n: { Name: string }) => n.Name).sort()).toEqual(["page-a.local", "page-b.local", "page-c.local"]);
  });

  it("creates, gets, lists, updates and deletes services, refusing to delete a namespace that has one", async () => {
    const { namespaceId, serviceId } = await namespaceWithService("services.local");
    expect((await ok("get-service", "--id", serviceId)).Service).toMatchObject({ Name: "serviceb", NamespaceId: namespaceId, HealthCheckCustomConfig: { FailureThreshold: 1 } });
    const listed = await ok("list-services", "--filters", `Name=NAMESPACE_ID,Values=${namespaceId},Condition=EQ`);
    expect(listed.Services.map((s: { Id: string }) => s.Id)).toEqual([serviceId]);
    const updated = await ok("update-service", "--id", serviceId, "--service", "Description=backend B");
    expect((await ok("get-operation", "--operation-id", updated.OperationId)).Operation.Type).toBe("UPDATE_SERVICE");
    expect((await ok("get-service", "--id", serviceId)).Service.Description).toBe("backend B");
    expect(failure(await sd("delete-namespace", "--id", namespaceId))).toBe("ResourceInUse");
    await ok("delete-service", "--id", serviceId);
    expect(failure(await sd("get-service", "--id", serviceId))).toBe("ServiceNotFound");
    await ok("delete-namespace", "--id", namespaceId);
  });

  it("registers, gets, lists, discovers, health-filters and deregisters instances", async () => {
    const { serviceId } = await namespaceWithService("instances.local");
    const register = (id: string, ip: string, version: string) =>
      ok("register-instance", "--service-id", serviceId, "--instance-id", id, "--attributes", `AWS_INSTANCE_IPV4=${ip},AWS_INSTANCE_PORT=8080,version=${version}`);
    const registered = await register("i-1", "10.0.0.1", "v1");
    expect((await ok("get-operation", "--operation-id", registered.OperationId)).Operation).toMatchObject({ Type: "REGISTER_INSTANCE", Status: "SUCCESS" });
    await register("i-2", "10.0.0.2", "v2");
    expect((await ok("get-instance", "--service-id", serviceId, "--instance-id", "i-1")).Instance.Attributes.AWS_INSTANCE_IPV4).toBe("10.0.0.1");
    expect((await ok("list-instances", "--service-id", serviceId)).Instances.map((i: { Id: string }) => i.Id).sort()).toEqual(["i-1", "i-2"]);

    const discovered = await ok("discover-instances", "--namespace-name", "instances.local", "--service-name", "serviceb", "--query-parameters", "version=v2");
    expect(discovered.Instances.map((i: { InstanceId: string }) => i.InstanceId)).toEqual(["i-2"]);
    const before = (await ok("discover-instances-revision", "--namespace-name", "instances.local", "--service-name", "serviceb")).InstancesRevision as number;

    await ok("update-instance-custom-health-status", "--service-id", serviceId, "--instance-id", "i-1", "--status", "UNHEALTHY");
    expect((await ok("get-instances-health-status", "--service-id", serviceId)).Status).toEqual({ "i-1": "UNHEALTHY", "i-2": "HEALTHY" });
    const healthy = await ok("discover-instances", "--namespace-name", "instances.local", "--service-name", "serviceb", "--health-status", "HEALTHY");
    expect(healthy.Instances.map((i: { InstanceId: string }) => i.InstanceId)).toEqual(["i-2"]);
    expect((await ok("discover-instances-revision", "--namespace-name", "instances.local", "--service-name", "serviceb")).InstancesRevision).toBeGreaterThan(before);

    const deregistered = await ok("deregister-instance", "--service-id", serviceId, "--instance-id", "i-2");
    expect((await ok("get-operation", "--operation-id", deregistered.OperationId)).Operation.Type).toBe("DEREGISTER_INSTANCE");
    expect(failure(await sd("get-instance", "--service-id", serviceId, "--instance-id", "i-2"))).toBe("InstanceNotFound");
    const operations = await ok("list-operations", "--filters", "Name=TYPE,Values=DEREGISTER_INSTANCE,Condition=EQ");
    expect(operations.Operations.map((o: { Id: string }) => o.Id)).toContain(deregistered.OperationId);
  });

  it("tags, lists tags of and untags namespaces and services", async () => {
    const { serviceArn } = await namespaceWithService("tags.local");
    await ok("tag-resource", "--resource-arn", serviceArn, "--tags", "Key=team,Value=payments", "Key=tier,Value=gold");
    expect((await ok("list-tags-for-resource", "--resource-arn", serviceArn)).Tags).toEqual([
      { Key: "team", Value: "payments" },
      { Key: "tier", Value: "gold" },
    ]);
    await ok("untag-resource", "--resource-arn", serviceArn, "--tag-keys", "tier");
    expect((await ok("list-tags-for-resource", "--resource-arn", serviceArn)).Tags).toEqual([{ Key: "team", Value: "payments" }]);
    expect(failure(await sd("list-tags-for-resource", "--resource-arn", `arn:aws:servicediscovery:us-east-1:${testAccountId}:service/srv-nothere000000000`))).toBe("ResourceNotFoundException");
  });

  it("answers the model's exceptions for bad input, and a duplicate name", async () => {
    await ok("create-http-namespace", "--name", "dup.local");
    expect(failure(await sd("create-http-namespace", "--name", "dup.local"))).toBe("NamespaceAlreadyExists");
    expect(failure(await sd("get-operation", "--operation-id", "nothing-here"))).toBe("OperationNotFound");
    const { serviceId } = await namespaceWithService("bad.local");
    const badPort = await sd("register-instance", "--service-id", serviceId, "--instance-id", "i-9", "--attributes", "AWS_INSTANCE_IPV4=10.0.0.9,AWS_INSTANCE_PORT=99999");
    expect(failure(badPort)).toBe("InvalidInput");
    expect((await ok("list-instances", "--service-id", serviceId)).Instances).toEqual([]);
  });

  it("reaches meshplane through AWS_ENDPOINT_URL_SERVICEDISCOVERY without --endpoint-url", async () => {
    const viaEnv = { ...env, AWS_ENDPOINT_URL_SERVICEDISCOVERY: plane.url };
    const created = await awsCli(undefined, viaEnv, "servicediscovery", "create-http-namespace", "--name", "env.local");
    expect(created.code, created.stderr).toBe(0);
    const listed = await awsCli(undefined, viaEnv, "servicediscovery", "list-namespaces", "--filters", "Name=NAME,Values=env.local");
    expect(listed.json.Namespaces.map((n: { Name: string }) => n.Name)).toEqual(["env.local"]);
  });

  it("needs the host-prefix setting for discover-instances at a custom endpoint (the CLI dials data-<host> otherwise)", async () => {
    await namespaceWithService("prefix.local");
    const withPrefix = await awsCli(plane.url, awsEnvironment(), "servicediscovery", "discover-instances", "--namespace-name", "prefix.local", "--service-name", "serviceb");
    expect(withPrefix.code).not.toBe(0);
    expect(withPrefix.stderr).toContain("data-127.0.0.1");
    expect((await ok("discover-instances", "--namespace-name", "prefix.local", "--service-name", "serviceb")).Instances).toEqual([]);
  });
});
