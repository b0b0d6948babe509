// The seed scenario through the real AWS CLI (Debian's awscli on CI) with --endpoint-url: exit codes and JSON.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, awsEnvironment } from "../support/aws-cli.js";
import { startTestControlPlane, testAccountId, type TestControlPlane } from "../support/control-plane.js";

describe("AWS CLI against meshplane", () => {
  let plane: TestControlPlane;
  const env = awsEnvironment();
  const aws = (...args: string[]) => awsCli(plane.url, env, "appmesh", ...args);

  const ok = async (...args: string[]) => {
    const result = await aws(...args);
    expect(result.stderr, `aws appmesh ${args.join(" ")}`).toBe("");
    expect(result.code, `aws appmesh ${args.join(" ")}`).toBe(0);
    return result.json;
  };

  beforeAll(async () => {
    plane = await startTestControlPlane();
  });
  afterAll(async () => plane?.stop());

  it("creates, describes, updates, lists, tags and deletes the example mesh", async () => {
    const mesh = await ok("create-mesh", "--mesh-name", "apps");
    expect(mesh.mesh.metadata.arn).toBe(`arn:aws:appmesh:us-east-1:${testAccountId}:mesh/apps`);
    expect(mesh.mesh.status.status).toBe("ACTIVE");

    const node = (name: string, hostname: string, backends: string[]) =>
      JSON.stringify({
        listeners: [{ portMapping: { port: 80, protocol: "http" } }],
        serviceDiscovery: { dns: { hostname } },
        backends: backends.map((virtualServiceName) => ({ virtualService: { virtualServiceName } })),
      });
    await ok("create-virtual-node", "--mesh-name", "apps", "--virtual-node-name", "serviceA", "--spec", node("serviceA", "servicea.apps.local", ["serviceb.apps.local"]));
    await ok("create-virtual-node", "--mesh-name", "apps", "--virtual-node-name", "serviceB", "--spec", node("serviceB", "serviceb.apps.local", []));
    await ok("create-virtual-node", "--mesh-name", "apps", "--virtual-node-name", "serviceBv2", "--spec", node("serviceBv2", "servicebv2.apps.local", []));
    await ok("create-virtual-router", "--mesh-name", "apps", "--virtual-router-name", "serviceB", "--spec", JSON.stringify({ listeners: [{ portMapping: { port: 80, protocol: "http" } }] }));
    const weights = (b: number, v2: number) =>
      JSON.stringify({ httpRoute: { match: { prefix: "/" }, action: { weightedTargets: [{ virtualNode: "serviceB", weight: b }, { virtualNode: "serviceBv2", weight: v2 }] } } });
    const route = await ok("create-route", "--mesh-name", "apps", "--virtual-router-name", "serviceB", "--route-name", "serviceB", "--spec", weights(75, 25));
    expect(route.route.spec.httpRoute.action.weightedTargets.map((t: { weight: number }) => t.weight)).toEqual([75, 25]);
    await ok("create-virtual-service", "--mesh-name", "apps", "--virtual-service-name", "servicea.apps.local", "--spec", JSON.stringify({ provider: { virtualNode: { virtualNodeName: "serviceA" } } }));
    await ok("create-virtual-service", "--mesh-name", "apps", "--virtual-service-name", "serviceb.apps.local", "--spec", JSON.stringify({ provider: { virtualRouter: { virtualRouterName: "serviceB" } } }));
    await ok("create-virtual-gateway", "--mesh-name", "apps", "--virtual-gateway-name", "gateway", "--spec", JSON.stringify({ listeners: [{ portMapping: { port: 8080, protocol: "http" } }] }));
    await ok(
      "create-gateway-route",
      "--mesh-name",
      "apps",
      "--virtual-gateway-name",
      "gateway",
      "--gateway-route-name",
      "to-b",
      "--spec",
      JSON.stringify({ httpRoute: { match: { prefix: "/" }, action: { target: { virtualService: { virtualServiceName: "serviceb.apps.local" } } } } }),
    );

    const described = await ok("describe-virtual-node", "--mesh-name", "apps", "--virtual-node-name", "serviceA");
    expect(described.virtualNode.spec.backends[0].virtualService.virtualServiceName).toBe("serviceb.apps.local");

    const updated = await ok("update-route", "--mesh-name", "apps", "--virtual-router-name", "serviceB", "--route-name", "serviceB", "--spec", weights(0, 100));
    expect(updated.route.metadata.version).toBe(2);
    expect(updated.route.spec.httpRoute.action.weightedTargets.map((t: { weight: number }) => t.weight)).toEqual([0, 100]);

    const nodes = await ok("list-virtual-nodes", "--mesh-name", "apps");
    expect(nodes.virtualNodes.map((n: { virtualNodeName: string }) => n.virtualNodeName)).toEqual(["serviceA", "serviceB", "serviceBv2"]);
    // The CLI's own paginator follows nextToken across pages of one.
    const paged = await ok("list-virtual-nodes", "--mesh-name", "apps", "--page-size", "1");
    expect(paged.virtualNodes).toHaveLength(3);

    const arn = route.route.metadata.arn;
    await ok("tag-resource", "--resource-arn", arn, "--tags", "key=stage,value=canary", "key=team,value=b");
    expect((await ok("list-tags-for-resource", "--resource-arn", arn)).tags).toEqual([
      { key: "stage", value: "canary" },
      { key: "team", value: "b" },
    ]);
    await ok("untag-resource", "--resource-arn", arn, "--tag-keys", "stage");
    expect((await ok("list-tags-for-resource", "--resource-arn", arn)).tags).toEqual([{ key: "team", value: "b" }]);

    const inUse = await aws("delete-virtual-node", "--mesh-name", "apps", "--virtual-node-name", "serviceB");
    expect(inUse.code).toBeGreaterThan(0);
    expect(inUse.stderr).toMatch(/\(ResourceInUseException\) when calling the DeleteVirtualNode operation/);

    await ok("delete-gateway-route", "--mesh-name", "apps", "--virtual-gateway-name", "gateway", "--gateway-route-name", "to-b");
    await ok("delete-virtual-gateway", "--mesh-name", "apps", "--virtual-gateway-name", "gateway");
    await ok("delete-virtual-service", "--mesh-name", "apps", "--virtual-service-name", "serviceb.apps.local");
    await ok("delete-virtual-service", "--mesh-name", "apps", "--virtual-service-name", "servicea.apps.local");
    await ok("delete-route", "--mesh-name", "apps", "--virtual-router-name", "serviceB", "--route-name", "serviceB");
    await ok("delete-virtual-router", "--mesh-name", "apps", "--virtual-router-name", "serviceB");
    for (const name of ["serviceA", "serviceB", "serviceBv2"]) await ok("delete-virtual-node", "--mesh-name", "apps", "--virtual-node-name", name);
    const deleted = await ok("delete-mesh", "--mesh-name", "apps");
    expect(deleted.mesh.status.status).toBe("DELETED");

    const missing = await aws("describe-mesh", "--mesh-name", "apps");
    expect([254, 255]).toContain(missing.code);
    expect(missing.stderr).toMatch(/An error occurred \(NotFoundException\) when calling the DescribeMesh operation( \(reached max retries: 0\))?: Mesh apps not found/);
  }, 240_000); // ~30 invocations of the Python CLI, each a fresh interpreter: slow on a busy 2-core machine

  it("prints the validation error for a bad spec with a non-zero exit code", async () => {
    await ok("create-mesh", "--mesh-name", "bad");
    const result = await aws("create-virtual-router", "--mesh-name", "bad", "--virtual-router-name", "r", "--spec", JSON.stringify({ listeners: [{ portMapping: { port: 70000, protocol: "http" } }] }));
    expect([254, 255]).toContain(result.code);
    expect(result.stderr).toMatch(/\(BadRequestException\).*spec\.listeners\[0\]\.portMapping\.port/);
  });
});
