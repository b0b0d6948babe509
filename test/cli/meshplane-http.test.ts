// postSignedJson against a plain HTTP server on loopback that records what arrives: the request is SigV4-signed for
// service appmesh in the client's region under the endpoint's base path; error answers are read as App Mesh
// writes them (x-amzn-ErrorType or __type) and anything else is reported with the URL.
import { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppMeshApi } from "../../functions/cli/app-mesh-api.js";
import { postSignedJson } from "../../functions/cli/meshplane-http.js";
import { startRecordingServer, type RecordingServer } from "../support/recording-server.js";

describe("postSignedJson", () => {
  let server: RecordingServer;
  let base: string;
  /** What the server answers next: status, headers, body. */
  let answer: [number, Record<string, string>, string] = [200, { "content-type": "application/json" }, "{}"];

  const apiFor = (endpoint: string) =>
    createAppMeshApi(new AppMeshClient({ endpoint, region: "eu-west-1", credentials: { accessKeyId: "AKIDPOSTTEST", secretAccessKey: "post-secret" }, maxAttempts: 1 }));
  const post = async (endpoint = base) => {
    const api = apiFor(endpoint);
    try {
      return await postSignedJson(api, "/v1/xds/explain", { node: "mesh/apps/virtualNode/serviceA" });
    } finally {
      await api.close();
    }
  };

  beforeAll(async () => {
    server = await startRecordingServer(() => answer);
    base = server.url;
  });
  afterAll(async () => server.close());

  it("POSTs the JSON under the endpoint's base path, signed for appmesh in the client's region, and returns the answer", async () => {
    answer = [200, { "content-type": "application/json" }, '{"outcome":"routed"}'];
    expect(await post(`${base}/meshplane/`)).toEqual({ outcome: "routed" });
    const request = server.received.at(-1)!;
    expect([request.method, request.url, request.body]).toEqual(["POST", "/meshplane/v1/xds/explain", '{"node":"mesh/apps/virtualNode/serviceA"}']);
    expect([request.headers["content-type"], request.headers["content-length"], request.headers.host]).toEqual(["application/json", String(request.body.length), base.slice("http://".length)]);
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDPOSTTEST\/\d{8}\/eu-west-1\/appmesh\/aws4_request, SignedHeaders=[a-z0-9;-]*\bhost\b[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(request.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it("names App Mesh's exception from x-amzn-ErrorType or __type, with its message", async () => {
    answer = [403, { "x-amzn-errortype": "ForbiddenException:http://internal.amazon.com/coral/com.amazonaws.appmesh/" }, '{"message":"User: reader is not authorized"}'];
    await expect(post()).rejects.toThrow(/^ForbiddenException: User: reader is not authorized$/);
    answer = [404, { "content-type": "application/json" }, '{"__type":"com.amazonaws.appmesh#NotFoundException","Message":"no such node"}'];
    await expect(post()).rejects.toThrow(/^NotFoundException: no such node$/);
  });

  it("says which URL answered when the answer is not App Mesh's (another server, no JSON) or nothing listens", async () => {
    answer = [404, { "content-type": "text/html" }, "<h1>Not Found</h1>"];
    await expect(post()).rejects.toThrow(`meshplane at ${base} answered POST /v1/xds/explain with HTTP 404: is this a meshplane that serves /v1/xds/explain?`);
    answer = [200, { "content-type": "text/plain" }, "ok"];
    await expect(post()).rejects.toThrow(`meshplane at ${base} answered POST /v1/xds/explain with HTTP 200 and no JSON`);
    await expect(post("http://127.0.0.1:9")).rejects.toThrow("cannot reach meshplane at http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9");
  });
});
