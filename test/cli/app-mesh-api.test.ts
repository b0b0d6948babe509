// The CLI's App Mesh calls (model bindings over its signed HTTP path) against a real meshplane that requires
// SigV4 signatures: what they create is what the AWS SDK reads back, paging signs its query, refusals carry App
// Mesh's exception and message, and a repeated create with one clientToken is answered from the first.
import { AppMeshClient, DescribeVirtualNodeCommand, ListTagsForResourceCommand } from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMeshApi, listNames, sendResourceCommand, type AppMeshApi } from "../../functions/cli/app-mesh-api.js";
import { AppMeshApiError, describeFailure } from "../../functions/cli/cli-error.js";
import { startAuthPlane, testKeys, type TestKey } from "../auth/support.js";
import type { TestControlPlane } from "../support/control-plane.js";

describe("createAppMeshApi", () => {
  let plane: TestControlPlane;
  let api: AppMeshApi;
  const apiWith = (credentials: TestKey) => createAppMeshApi(new AppMeshClient({ endpoint: plane.url, region: "us-east-1", credentials, maxAttempts: 1 }));
  const node = (name: string) => ({ meshName: "wire", virtualNodeName: name, spec: { serviceDiscovery: { dns: { hostname: `${name}.wire.local` } } } });

  beforeAll(async () => {
    plane = await startAuthPlane();
    api = apiWith(testKeys.full);
    await api.call("CreateMesh", { meshName: "wire", spec: {} });
  });
  afterAll(async () => {
    await api?.close();
    await plane?.stop();
  });

  it("creates with the body, URI and query members of the model, as the AWS SDK reads them back", async () => {
    const created = await sendResourceCommand(api, "create", "virtualNode", { ...node("a"), tags: [{ key: "team", value: "blue" }] });
    expect(created.metadata).toMatchObject({ version: 1, arn: "arn:aws:appmesh:us-east-1:111122223333:mesh/wire/virtualNode/a" });
    const described = await plane.client.send(new DescribeVirtualNodeCommand({ meshName: "wire", virtualNodeName: "a" }));
    expect(described.virtualNode!.spec).toEqual({ serviceDiscovery: { dns: { hostname: "a.wire.local" } } });
    await api.call("TagResource", { resourceArn: created.metadata.arn, tags: [{ key: "tier", value: "web" }] });
    await api.call("UntagResource", { resourceArn: created.metadata.arn, tagKeys: ["team"] });
    expect((await plane.client.send(new ListTagsForResourceCommand({ resourceArn: created.metadata.arn }))).tags).toEqual([{ key: "tier", value: "web" }]);
  });

  it("pages a listing through nextToken, each page's query signed", async () => {
    for (const name of ["p1", "p2", "p3"]) await sendResourceCommand(api, "create", "virtualNode", node(name));
    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await api.call("ListVirtualNodes", { meshName: "wire", limit: 1, ...(nextToken ? { nextToken } : {}) });
      pages.push(page.virtualNodes.map((ref) => ref.virtualNodeName));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages.every((page) => page.length === 1)).toBe(true);
    expect(pages.flat()).toEqual(expect.arrayContaining(["p1", "p2", "p3"]));
    expect(await listNames(api, "virtualNode", { meshName: "wire" })).toEqual(pages.flat());
  });

  it("answers a repeated create with the same clientToken from the first, without a second version", async () => {
    const input = { ...node("once"), clientToken: "8d0c2f4e-5d0e-4b8f-9a51-0c5e3b3c9f10" };
    const first = await sendResourceCommand(api, "create", "virtualNode", input);
    const again = await sendResourceCommand(api, "create", "virtualNode", input);
    expect(again.metadata).toEqual(first.metadata);
  });

  it("throws App Mesh's exception by name with its message and status", async () => {
    const missing = await sendResourceCommand(api, "describe", "virtualNode", { meshName: "wire", virtualNodeName: "absent" }).catch((error: unknown) => error);
    expect(AppMeshApiError.is(missing) && [missing.name, missing.status]).toEqual(["NotFoundException", 404]);
    expect(describeFailure(missing)).toMatch(/^NotFoundException: .*absent/);
    const conflict = await sendResourceCommand(api, "create", "virtualNode", node("a")).catch((error: unknown) => error);
    expect(AppMeshApiError.is(conflict) && conflict.name).toBe("ConflictException");
  });

  it("reports a principal without the policy and a wrong secret as App Mesh's refusals", async () => {
    const reader = apiWith(testKeys.reader);
    const wrong = apiWith({ ...testKeys.full, secretAccessKey: "wrong" });
    try {
      const refused = await reader.call("CreateMesh", { meshName: "refused", spec: {} }).catch((error: unknown) => error);
      expect(describeFailure(refused)).toMatch(/^ForbiddenException: User: reader is not authorized to perform: appmesh:CreateMesh on resource: /);
      const unsigned = await wrong.call("ListMeshes", {}).catch((error: unknown) => error);
      expect(describeFailure(unsigned)).toMatch(/^InvalidSignatureException: /);
    } finally {
      await reader.close();
      await wrong.close();
    }
  });
});
