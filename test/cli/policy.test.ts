// `meshplane policy apply|get|delete` and policies in export → import, run as real child processes against real
// meshplanes (SQLite): applying creates, re-applying changes nothing, a refusal names file, line and field, and a
// meshplane export carries the policies into an empty meshplane, which exports them back identically.
import { CreateMeshCommand, CreateVirtualGatewayCommand, CreateVirtualNodeCommand } from "@aws-sdk/client-app-mesh";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestControlPlane, testAccountId, type TestControlPlane } from "../support/control-plane.js";
import { MakeVirtualNodeSpec } from "../support/fixtures.js";
import { startDroppingProxy } from "../support/dropping-proxy.js";
import { runMeshplane } from "../support/meshplane-cli.js";

const mesh = "cli-policies";
const arn = (rest: string) => `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/${mesh}${rest}`;

const policiesYaml = `meshName: ${mesh}
policyName: no-server
targetRef:
  arn: ${arn("/virtualGateway/gw")}
spec:
  headers:
    response:
      remove: [server]
---
meshName: ${mesh}
policyName: limit
targetRef:
  arn: ${arn("/virtualNode/app")}
spec:
  rateLimit:
    requests: 10
    interval: { value: 1, unit: s }
tags:
  - { key: team, value: blue }
`;

const invalidYaml = `meshName: ${mesh}
policyName: broken
targetRef:
  arn: ${arn("/virtualNode/app")}
spec:
  faultInjection:
    abort:
      httpStatus: 503
      percentage: 250
`;

describe("meshplane policy", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-cli-policy-"));
  let source: TestControlPlane;
  let target: TestControlPlane;

  beforeAll(async () => {
    [source, target] = await Promise.all([startTestControlPlane(), startTestControlPlane()]);
    await source.client.send(new CreateMeshCommand({ meshName: mesh }));
    await source.client.send(new CreateVirtualNodeCommand({ meshName: mesh, virtualNodeName: "app", spec: MakeVirtualNodeSpec("app.local") }));
    await source.client.send(new CreateVirtualGatewayCommand({ meshName: mesh, virtualGatewayName: "gw", spec: { listeners: [{ portMapping: { port: 8080, protocol: "http" } }] } }));
    writeFileSync(path.join(dir, "policies.yaml"), policiesYaml);
    writeFileSync(path.join(dir, "invalid.yaml"), invalidYaml);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies the policies of a file, leaves them alone when applied again, shows and deletes them", async () => {
    const file = path.join(dir, "policies.yaml");
    const first = await runMeshplane(["policy", "apply", "-f", file], { endpoint: source.url });
    expect([first.code, first.stderr]).toEqual([0, ""]);
    expect(first.stdout).toBe(`+ created policy ${mesh}/no-server (version 1)\n+ created policy ${mesh}/limit (version 1)\n`);
    const again = await runMeshplane(["policy", "apply", "-f", file], { endpoint: source.url });
    expect(again.stdout).toBe(`= unchanged policy ${mesh}/no-server\n= unchanged policy ${mesh}/limit\n`);
    const listed = await runMeshplane(["policy", "get", "--mesh", mesh], { endpoint: source.url });
    expect(listed.stdout).toBe(`no-server\theaders\tv1\t${arn("/virtualGateway/gw")}\nlimit\trateLimit\tv1\t${arn("/virtualNode/app")}\n`);
    const one = await runMeshplane(["policy", "get", "--mesh", mesh, "limit", "-o", "json"], { endpoint: source.url });
    expect(JSON.parse(one.stdout)).toEqual({ meshName: mesh, policyName: "limit", targetRef: { arn: arn("/virtualNode/app") }, spec: { rateLimit: { requests: 10, interval: { value: 1, unit: "s" } } }, tags: [{ key: "team", value: "blue" }] });
    // What get writes, apply reads back unchanged.
    const yaml = await runMeshplane(["policy", "get", "--mesh", mesh, "-o", "yaml"], { endpoint: source.url });
    const roundTrip = await runMeshplane(["policy", "apply", "-f", "-"], { endpoint: source.url, stdin: yaml.stdout });
    expect(roundTrip.stdout).toBe(`= unchanged policy ${mesh}/no-server\n= unchanged policy ${mesh}/limit\n`);
    const scratch = await runMeshplane(["policy", "apply", "-f", "-"], { endpoint: source.url, stdin: policiesYaml.split("---")[0]!.replace("no-server", "scratch").replace("/virtualGateway/gw", "") });
    expect(scratch.stdout).toBe(`+ created policy ${mesh}/scratch (version 1)\n`);
    const deleted = await runMeshplane(["policy", "delete", "--mesh", mesh, "scratch"], { endpoint: source.url });
    expect([deleted.code, deleted.stdout]).toEqual([0, `- deleted policy ${mesh}/scratch\n`]);
    const gone = await runMeshplane(["policy", "get", "--mesh", mesh, "scratch"], { endpoint: source.url });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("NotFoundException: Policy scratch not found");
  });

  it("takes a delete whose answer was lost (the retry finds the policy gone) as done, and reports a policy that never existed", async () => {
    const scratch = await runMeshplane(["policy", "apply", "-f", "-"], { endpoint: source.url, stdin: policiesYaml.split("---")[0]!.replace("no-server", "lost-answer").replace("/virtualGateway/gw", "") });
    expect(scratch.code).toBe(0);
    const proxy = await startDroppingProxy(source.url, new RegExp(`^DELETE /v1/meshes/${mesh}/policies/lost-answer HTTP`, "m"));
    try {
      const deleted = await runMeshplane(["policy", "delete", "--mesh", mesh, "lost-answer"], { endpoint: proxy.url });
      expect([deleted.code, deleted.stderr, deleted.stdout]).toEqual([0, "", `- deleted policy ${mesh}/lost-answer\n`]);
      expect(proxy.matched()).toBe(2);
    } finally {
      await proxy.close();
    }
    expect((await runMeshplane(["policy", "get", "--mesh", mesh, "lost-answer"], { endpoint: source.url })).code).toBe(1);
    const never = await runMeshplane(["policy", "delete", "--mesh", mesh, "never-was"], { endpoint: source.url });
    expect(never.code).toBe(1);
    expect(never.stderr).toContain(`NotFoundException: Policy never-was not found in mesh ${mesh}.`);
  });

  it("reports a refused policy at its file, line and field, and stores nothing", async () => {
    const refused = await runMeshplane(["policy", "apply", "-f", path.join(dir, "invalid.yaml")], { endpoint: source.url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`invalid\\.yaml, document 1, line 9, field spec\\.faultInjection\\.abort\\.percentage: policy ${mesh}/broken: BadRequestException: `));
    const missing = await runMeshplane(["policy", "get", "--mesh", mesh, "broken"], { endpoint: source.url });
    expect(missing.code).toBe(1);
  });

  it("carries the policies through export → import into an empty meshplane, which exports them back identically", async () => {
    await runMeshplane(["policy", "apply", "-f", path.join(dir, "policies.yaml")], { endpoint: source.url });
    const exported = path.join(dir, "export.json");
    const first = await runMeshplane(["export", "--mesh", mesh, "-o", exported], { endpoint: source.url });
    expect([first.code, first.stderr]).toEqual([0, ""]);
    const document = JSON.parse(readFileSync(exported, "utf8")) as { policies: { policyName: string }[] };
    expect(document.policies.map((policy) => policy.policyName).sort()).toEqual(["limit", "no-server"]);
    const imported = await runMeshplane(["import", exported], { endpoint: target.url });
    expect([imported.code, imported.stderr]).toEqual([0, ""]);
    expect(imported.stdout).toContain(`+ created policy ${mesh}/limit (version 1)`);
    const second = await runMeshplane(["export", "--mesh", mesh], { endpoint: target.url });
    expect(JSON.parse(second.stdout)).toEqual(JSON.parse(readFileSync(exported, "utf8")));
    const cloudFormation = await runMeshplane(["export", "--mesh", mesh, "--format", "cloudformation"], { endpoint: target.url });
    expect(cloudFormation.stderr).toBe("notice: 2 meshplane policies are not in the cloudformation output (only --format meshplane carries policies)\n");
  });
});
