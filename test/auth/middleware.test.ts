// The REST API with authentication on, driven by @aws-sdk/client-app-mesh and by raw requests signed with the
// SDK's own signer: who gets in, what each key may do, rate limits, the audit log and the admin API.
import { CreateMeshCommand, CreateRouteCommand, CreateVirtualNodeCommand, CreateVirtualRouterCommand, DeleteMeshCommand, DescribeMeshCommand, ListMeshesCommand } from "@aws-sdk/client-app-mesh";
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv } from "../../functions/config.js";
import { startControlPlane } from "../../functions/node.js";
import { startTestControlPlane, testAccountId, type TestControlPlane } from "../support/control-plane.js";
import { MakeHttpRouteSpec, MakeVirtualNodeSpec, MakeVirtualRouterSpec } from "../support/fixtures.js";
import { clientFor, signedFetch, startAuthPlane, testAuthFile, testKeys, writeAuthFile } from "./support.js";

async function failure(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  const error = await promise.then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error, "expected the call to fail").toBeInstanceOf(Error);
  return error as Error & { $metadata?: { httpStatusCode?: number } };
}

const meshArn = (name: string) => `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/${name}`;

describe("REST API authentication and authorisation", () => {
  let plane: TestControlPlane & { authFile: string };
  const clients: Array<{ destroy(): void }> = [];
  const client = (key: (typeof testKeys)[keyof typeof testKeys]) => {
    const created = clientFor(plane.url, key);
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    plane = await startAuthPlane({ MESHPLANE_AUTH_SECRET_KEY: "test sealing key" });
  });
  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    await plane?.stop();
  });

  it("serves a request signed with a valid key", async () => {
    const created = await client(testKeys.full).send(new CreateMeshCommand({ meshName: "signed" }));
    expect(created.mesh?.metadata?.arn).toBe(meshArn("signed"));
  });

  it("refuses a request without any signature with MissingAuthenticationTokenException", async () => {
    const response = await plane.request("GET", "/v20190125/meshes");
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-ErrorType")).toBe("MissingAuthenticationTokenException");
    expect(((await response.json()) as { message: string }).message).toMatch(/Missing Authentication Token/);
  });

  it("refuses a wrong secret with InvalidSignatureException", async () => {
    const error = await failure(client({ ...testKeys.full, secretAccessKey: "not-the-secret" }).send(new ListMeshesCommand({})));
    expect(error.name).toBe("InvalidSignatureException");
    expect(error.$metadata?.httpStatusCode).toBe(403);
  });

  it("refuses an unknown access key with UnrecognizedClientException", async () => {
    const error = await failure(client({ accessKeyId: "AKIDNOBODY", secretAccessKey: "x" }).send(new ListMeshesCommand({})));
    expect(error.name).toBe("UnrecognizedClientException");
  });

  it("refuses a session token the key was not issued with", async () => {
    const withToken = clientFor(plane.url, { ...testKeys.full, sessionToken: "temporary" } as never);
    clients.push(withToken);
    const error = await failure(withToken.send(new ListMeshesCommand({})));
    expect(error.name).toBe("UnrecognizedClientException");
  });

  it("refuses a signature dated more than five minutes ago", async () => {
    const response = await signedFetch(plane.url, testKeys.full, "GET", "/v20190125/meshes", { signingDate: new Date(Date.now() - 10 * 60 * 1000) });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-ErrorType")).toBe("InvalidSignatureException");
    expect(((await response.json()) as { message: string }).message).toMatch(/expired/i);
  });

  it("refuses a body changed after signing", async () => {
    const { url, headers } = await (await import("./support.js")).signRaw(plane.url, testKeys.full, "PUT", "/v20190125/meshes", {
      body: JSON.stringify({ meshName: "honest" }),
      headers: { "content-type": "application/json" },
    });
    const response = await fetch(url, { method: "PUT", headers, body: JSON.stringify({ meshName: "tampered" }) });
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-ErrorType")).toBe("InvalidSignatureException");
    const describe = await failure(client(testKeys.full).send(new DescribeMeshCommand({ meshName: "tampered" })));
    expect(describe.name).toBe("NotFoundException");
  });

  it("accepts the presigned query form and refuses it once expired", async () => {
    const fresh = await signedFetch(plane.url, testKeys.full, "GET", "/v20190125/meshes/signed", { presign: true });
    expect(fresh.status).toBe(200);
    expect(((await fresh.json()) as { meshName: string }).meshName).toBe("signed");
    const stale = await signedFetch(plane.url, testKeys.full, "GET", "/v20190125/meshes/signed", { presign: true, signingDate: new Date(Date.now() - 10 * 60 * 1000) });
    expect(stale.status).toBe(403);
    expect(stale.headers.get("x-amzn-ErrorType")).toBe("InvalidSignatureException");
  });

  it("verifies signatures over percent-encoded paths and query strings", async () => {
    await client(testKeys.full).send(new CreateMeshCommand({ meshName: "enc" }));
    const node = await client(testKeys.full).send(
      new CreateVirtualNodeCommand({ meshName: "enc", virtualNodeName: "a_b-c", spec: MakeVirtualNodeSpec("a.enc.local", [], 80) as never }),
    );
    expect(node.virtualNode?.virtualNodeName).toBe("a_b-c");
    const response = await signedFetch(plane.url, testKeys.full, "GET", `/v20190125/tags?resourceArn=${encodeURIComponent(meshArn("enc"))}&limit=5`);
    expect(response.status).toBe(200);
  });

  it("lets a read-only key describe and list but not create", async () => {
    const reader = client(testKeys.reader);
    expect((await reader.send(new DescribeMeshCommand({ meshName: "signed" }))).mesh?.meshName).toBe("signed");
    expect((await reader.send(new ListMeshesCommand({}))).meshes?.length).toBeGreaterThan(0);
    const error = await failure(reader.send(new CreateMeshCommand({ meshName: "reader-made" })));
    expect(error.name).toBe("ForbiddenException");
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect(error.message).toBe(`User: reader is not authorized to perform: appmesh:CreateMesh on resource: ${meshArn("reader-made")} because no policy allows it.`);
  });

  it("keeps a key whose policy names mesh/app1/* inside mesh app1", async () => {
    const app1 = client(testKeys.app1);
    await app1.send(new CreateMeshCommand({ meshName: "app1" }));
    await app1.send(new CreateVirtualNodeCommand({ meshName: "app1", virtualNodeName: "n", spec: MakeVirtualNodeSpec("n.app1.local", [], 80) as never }));
    await client(testKeys.full).send(new CreateMeshCommand({ meshName: "app2" }));
    for (const call of [
      () => app1.send(new CreateMeshCommand({ meshName: "app2x" })),
      () => app1.send(new DescribeMeshCommand({ meshName: "app2" })),
      () => app1.send(new CreateVirtualNodeCommand({ meshName: "app2", virtualNodeName: "n", spec: MakeVirtualNodeSpec("n.app2.local", [], 80) as never })),
      () => app1.send(new DeleteMeshCommand({ meshName: "app2" })),
      () => app1.send(new ListMeshesCommand({})),
    ]) {
      expect((await failure(call())).name).toBe("ForbiddenException");
    }
    expect((await client(testKeys.full).send(new DescribeMeshCommand({ meshName: "app2" }))).mesh?.status?.status).toBe("ACTIVE");
  });

  it("lets an explicit Deny win over an Allow", async () => {
    const key = client(testKeys.noDeleteMesh);
    await key.send(new CreateMeshCommand({ meshName: "kept" }));
    const error = await failure(key.send(new DeleteMeshCommand({ meshName: "kept" })));
    expect(error.name).toBe("ForbiddenException");
    expect(error.message).toMatch(/explicit deny/);
  });

  it("needs the action on every virtual node a route targets, as well as on the route", async () => {
    const full = client(testKeys.full);
    await full.send(new CreateMeshCommand({ meshName: "routes" }));
    for (const name of ["serviceB", "serviceBv2"]) {
      await full.send(new CreateVirtualNodeCommand({ meshName: "routes", virtualNodeName: name, spec: MakeVirtualNodeSpec(`${name}.routes.local`, [], 80) as never }));
    }
    await full.send(new CreateVirtualRouterCommand({ meshName: "routes", virtualRouterName: "r", spec: MakeVirtualRouterSpec(80) as never }));
    const routes = client(testKeys.routesToB);
    const created = await routes.send(new CreateRouteCommand({ meshName: "routes", virtualRouterName: "r", routeName: "to-b", spec: MakeHttpRouteSpec([["serviceB", 100]]) as never }));
    expect(created.route?.routeName).toBe("to-b");
    const error = await failure(routes.send(new CreateRouteCommand({ meshName: "routes", virtualRouterName: "r", routeName: "to-v2", spec: MakeHttpRouteSpec([["serviceB", 50], ["serviceBv2", 50]]) as never })));
    expect(error.name).toBe("ForbiddenException");
    expect(error.message).toContain(`appmesh:CreateRoute on resource: ${meshArn("routes")}/virtualNode/serviceBv2`);
  });

  it("checks aws:RequestTag conditions against the tags a create sends", async () => {
    const books = client(testKeys.booksOnly);
    expect((await failure(books.send(new CreateMeshCommand({ meshName: "untagged" })))).name).toBe("ForbiddenException");
    expect((await failure(books.send(new CreateMeshCommand({ meshName: "wrong-team", tags: [{ key: "teamName", value: "musicTeam" }] })))).name).toBe("ForbiddenException");
    const created = await books.send(new CreateMeshCommand({ meshName: "books", tags: [{ key: "teamName", value: "booksTeam" }] }));
    expect(created.mesh?.meshName).toBe("books");
  });

  it("checks aws:ResourceTag conditions against the stored tags of the resource", async () => {
    const full = client(testKeys.full);
    await full.send(new CreateMeshCommand({ meshName: "blue", tags: [{ key: "team", value: "blue" }] }));
    await full.send(new CreateMeshCommand({ meshName: "red", tags: [{ key: "team", value: "red" }] }));
    const ownTeam = client(testKeys.ownTeam);
    expect((await ownTeam.send(new DescribeMeshCommand({ meshName: "blue" }))).mesh?.meshName).toBe("blue");
    expect((await failure(ownTeam.send(new DescribeMeshCommand({ meshName: "red" })))).name).toBe("ForbiddenException");
  });

  it("guards the endpoint registry with the same policies", async () => {
    expect((await plane.request("GET", "/v1/endpoints")).status).toBe(403);
    const put = (key: (typeof testKeys)[keyof typeof testKeys]) =>
      signedFetch(plane.url, key, "PUT", "/v1/endpoints/ns/svc/i-1", { body: JSON.stringify({ address: "10.0.0.1", port: 80 }), headers: { "content-type": "application/json" } });
    expect((await put(testKeys.reader)).status).toBe(403);
    expect((await put(testKeys.full)).status).toBe(200);
    expect((await signedFetch(plane.url, testKeys.reader, "GET", "/v1/endpoints")).status).toBe(200);
  });

  it("records allowed and refused mutating calls in the audit log, readable by admins only", async () => {
    await failure(client(testKeys.reader).send(new CreateMeshCommand({ meshName: "audited-refusal" })));
    await client(testKeys.full).send(new CreateMeshCommand({ meshName: "audited" }));
    const query = `/v1/audit?resource=${encodeURIComponent(meshArn("audited"))}*`;
    expect((await plane.request("GET", query)).status).toBe(403);
    expect((await signedFetch(plane.url, testKeys.full, "GET", query)).status).toBe(403);
    const response = await signedFetch(plane.url, testKeys.admin, "GET", query);
    expect(response.status).toBe(200);
    const { entries } = (await response.json()) as { entries: Array<Record<string, unknown>> };
    expect(entries.map((e) => [e.principal, e.action, e.resource, e.outcome, e.errorCode])).toEqual([
      ["reader", "appmesh:CreateMesh", meshArn("audited-refusal"), "denied", "ForbiddenException"],
      ["full", "appmesh:CreateMesh", meshArn("audited"), "allowed", ""],
    ]);
    expect(entries[1]!.credential).toBe(testKeys.full.accessKeyId);
    expect(entries[1]!.sourceAddress).toMatch(/127\.0\.0\.1/);
    expect(entries[1]!.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const unsigned = await plane.request("DELETE", "/v20190125/meshes/audited");
    expect(unsigned.status).toBe(403);
    const refusals = await signedFetch(plane.url, testKeys.admin, "GET", `/v1/audit?action=appmesh:DeleteMesh&outcome=MissingAuthenticationTokenException`);
    expect(((await refusals.json()) as { entries: unknown[] }).entries).toHaveLength(1);
  });

  it("issues, seals, uses and revokes access keys over the admin API", async () => {
    const create = (key: (typeof testKeys)[keyof typeof testKeys]) =>
      signedFetch(plane.url, key, "POST", "/v1/auth/keys", { body: JSON.stringify({ principal: "ci", policies: ["AWSAppMeshReadOnly"] }), headers: { "content-type": "application/json" } });
    expect((await create(testKeys.full)).status).toBe(403);
    const response = await create(testKeys.admin);
    expect(response.status).toBe(200);
    const issued = (await response.json()) as { accessKeyId: string; secretAccessKey: string; principal: string };
    expect(issued.accessKeyId).toMatch(/^MPAK[A-Z2-7]{16}$/);
    expect(issued.secretAccessKey).toHaveLength(40);

    const stored = await plane.running.store.listAccessKeys();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.sealedSecret).toMatch(/^sealed:v1:/);
    expect(stored[0]!.sealedSecret).not.toContain(issued.secretAccessKey);

    const ci = client({ accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey });
    expect((await ci.send(new ListMeshesCommand({}))).meshes).toBeDefined();
    expect((await failure(ci.send(new CreateMeshCommand({ meshName: "ci-made" })))).name).toBe("ForbiddenException");

    const listed = (await (await signedFetch(plane.url, testKeys.admin, "GET", "/v1/auth/keys")).json()) as { accessKeys: Array<Record<string, unknown>> };
    expect(listed.accessKeys.map((k) => k.accessKeyId)).toEqual([issued.accessKeyId]);
    expect(JSON.stringify(listed)).not.toContain(issued.secretAccessKey);

    expect((await signedFetch(plane.url, testKeys.admin, "DELETE", `/v1/auth/keys/${issued.accessKeyId}`)).status).toBe(200);
    expect((await failure(ci.send(new ListMeshesCommand({})))).name).toBe("UnrecognizedClientException");
  });

  it("picks up a changed auth file", async () => {
    const added = { accessKeyId: "AKIDLATECOMER", secretAccessKey: "latecomer-secret" };
    writeFileSync(plane.authFile, JSON.stringify({ principals: { ...testAuthFile.principals, late: { policies: ["AWSAppMeshReadOnly"], accessKeys: [added] } } }));
    await plane.running.auth.reload();
    expect((await client(added).send(new ListMeshesCommand({}))).meshes).toBeDefined();
  });
});

describe("rate limits", () => {
  let plane: TestControlPlane;
  beforeAll(async () => {
    plane = await startAuthPlane({ MESHPLANE_RATE_LIMIT: "", MESHPLANE_RATE_LIMIT_MUTATING: "0.001/2", MESHPLANE_RATE_LIMIT_READ: "0.001/3" });
  });
  afterAll(async () => plane?.stop());

  it("answers TooManyRequestsException (429) once a principal's bucket for the class is empty", async () => {
    const full = clientFor(plane.url, testKeys.full);
    await full.send(new CreateMeshCommand({ meshName: "r1" }));
    await full.send(new CreateMeshCommand({ meshName: "r2" }));
    const error = await failure(full.send(new CreateMeshCommand({ meshName: "r3" })));
    expect(error.name).toBe("TooManyRequestsException");
    expect(error.$metadata?.httpStatusCode).toBe(429);
    // Reads have their own bucket, and other principals their own.
    expect((await full.send(new DescribeMeshCommand({ meshName: "r1" }))).mesh?.meshName).toBe("r1");
    const other = clientFor(plane.url, testKeys.noDeleteMesh);
    expect((await other.send(new CreateMeshCommand({ meshName: "r4" }))).mesh?.meshName).toBe("r4");
    full.destroy();
    other.destroy();
  });
});

describe("secure by default", () => {
  it("refuses to listen beyond loopback without an auth file", async () => {
    await expect(startControlPlane(configFromEnv({ HOST: "0.0.0.0", PORT: "0", XDS_PORT: "0" }))).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without authentication/);
  });

  it("runs open on loopback without an auth file, says so loudly, and still audits", async () => {
    const plane = await startTestControlPlane();
    try {
      expect(plane.running.auth.api.enforcing).toBe(false);
      const response = await plane.request("PUT", "/v20190125/meshes", { body: JSON.stringify({ meshName: "open" }), headers: { "content-type": "application/json" } });
      expect(response.status).toBe(200);
      const entries = await plane.running.store.listAudit({ afterSeq: 0, limit: 10 });
      expect(entries.map((e) => [e.principal, e.action, e.outcome])).toEqual([["anonymous", "appmesh:CreateMesh", "allowed"]]);
    } finally {
      await plane.stop();
    }
  });

  it("refuses to start when the auth file is invalid", async () => {
    const file = writeAuthFile({ principals: { bad: { policies: ["NoSuchPolicy" as never] } } });
    await expect(startTestControlPlane({ env: { MESHPLANE_AUTH_FILE: file } })).rejects.toThrow(/unknown managed policy "NoSuchPolicy"/);
  });
});

describe("REST API under malformed credentials (fuzz)", () => {
  let plane: TestControlPlane;
  beforeAll(async () => {
    plane = await startAuthPlane();
  });
  afterAll(async () => plane?.stop());

  it("answers every malformed Authorization header or presigned query with a 4xx auth error and changes nothing", async () => {
    const piece = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.constantFrom("AWS4-HMAC-SHA256", "Credential=", `Credential=${testKeys.full.accessKeyId}/20261122/us-east-1/appmesh/aws4_request`, "SignedHeaders=host;x-amz-date", "Signature=", "0".repeat(64), ",", " ", "%", "Bearer "),
    );
    const header = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(""));
    await fc.assert(
      fc.asyncProperty(header, header, fc.boolean(), async (authorization, query, asQuery) => {
        const headers: Record<string, string> = { "content-type": "application/json", "x-amz-date": "20261122T040000Z" };
        if (!asQuery) headers.authorization = authorization;
        let response: Response;
        try {
          response = await fetch(`${plane.url}/v20190125/meshes${asQuery ? `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${encodeURIComponent(query)}&${encodeURIComponent(authorization)}` : ""}`, {
            method: "PUT",
            headers,
            body: JSON.stringify({ meshName: "fuzzed" }),
          });
        } catch {
          fc.pre(false); // a header value fetch itself refuses to send
          return;
        }
        expect([400, 403]).toContain(response.status);
        expect(((await response.json()) as { __type: string }).__type).toMatch(/Exception$/);
      }),
      { numRuns: 150 },
    );
    expect(await plane.running.store.countResources({ kind: "mesh" })).toBe(0);
  });
});
