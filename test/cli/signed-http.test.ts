// The CLI's signed HTTP path against a plain HTTP server on loopback that records what arrives and answers as told:
// requests go under the endpoint's base path with an RFC 3986 query and a SigV4 signature for appmesh; a dropped
// connection, throttling and 5xx answers are retried up to maxAttempts; other answers are returned at once; and an
// endpoint of AWS itself is refused before anything is sent.
import { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CliFailure } from "../../functions/cli/cli-error.js";
import { createSignedHttp, isConnectionError, type SignedHttp } from "../../functions/cli/signed-http.js";
import { startRecordingServer, type RecordedAnswer, type RecordedRequest, type RecordingServer } from "../support/recording-server.js";

describe("createSignedHttp", () => {
  let server: RecordingServer;
  let base: string;
  let received: RecordedRequest[];
  /** Answers for the next requests, in order; the last one repeats. */
  let answers: RecordedAnswer[] = [];

  const open = (endpoint: string | undefined, maxAttempts: number): SignedHttp =>
    createSignedHttp(
      new AppMeshClient({ ...(endpoint ? { endpoint } : {}), region: "eu-west-1", credentials: { accessKeyId: "AKIDSIGNEDTEST", secretAccessKey: "signed-secret" }, maxAttempts }),
      { connections: 2 },
    );
  const sendOnce = async (endpoint: string | undefined, maxAttempts: number, request: Parameters<SignedHttp["send"]>[0]) => {
    const signed = open(endpoint, maxAttempts);
    try {
      return await signed.send(request);
    } finally {
      await signed.close();
    }
  };

  beforeAll(async () => {
    server = await startRecordingServer(() => (answers.length > 1 ? answers.shift()! : answers[0]!));
    base = server.url;
    received = server.received;
  });
  afterAll(async () => server.close());
  beforeEach(() => {
    received.length = 0;
    answers = [[200, { "content-type": "application/json" }, "{}"]];
  });

  it("sends under the endpoint's base path with an RFC 3986 query, signed for appmesh in the client's region", async () => {
    const answer = await sendOnce(`${base}/mesh-api/`, 1, { method: "PUT", path: "/v20190125/tag", query: { resourceArn: "arn:aws:appmesh:eu-west-1:1:mesh/m (1)*" }, body: { tags: [] } });
    expect(answer).toMatchObject({ status: 200, text: "{}" });
    const [request] = received;
    expect([request!.method, request!.url, request!.body]).toEqual(["PUT", "/mesh-api/v20190125/tag?resourceArn=arn%3Aaws%3Aappmesh%3Aeu-west-1%3A1%3Amesh%2Fm%20%281%29%2A", '{"tags":[]}']);
    expect([request!.headers["content-type"], request!.headers.host]).toEqual(["application/json", base.slice("http://".length)]);
    expect(request!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDSIGNEDTEST\/\d{8}\/eu-west-1\/appmesh\/aws4_request, SignedHeaders=[a-z0-9;-]*\bhost\b[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
  });

  it("sends the request again after the connection dropped, and returns the next answer", async () => {
    answers = ["drop", [200, { "content-type": "application/json" }, '{"ok":true}']];
    const answer = await sendOnce(base, 3, { method: "PUT", path: "/v20190125/meshes", body: { meshName: "m", clientToken: "t" } });
    expect(answer.text).toBe('{"ok":true}');
    expect(received.map((request) => request.body)).toEqual(['{"meshName":"m","clientToken":"t"}', '{"meshName":"m","clientToken":"t"}']);
    expect(received[0]!.headers.authorization).not.toBe(undefined);
  });

  it("retries throttling and unavailable answers (after Retry-After) up to maxAttempts, then returns the last", async () => {
    answers = [
      [429, { "x-amzn-errortype": "TooManyRequestsException", "retry-after": "0" }, '{"message":"slow down"}'],
      [503, { "x-amzn-errortype": "ServiceUnavailableException", "retry-after": "0" }, '{"message":"busy"}'],
      [200, {}, "{}"],
    ];
    expect((await sendOnce(base, 3, { method: "GET", path: "/v20190125/meshes" })).status).toBe(200);
    expect(received).toHaveLength(3);
    received.length = 0;
    answers = [[503, { "retry-after": "0" }, '{"message":"busy"}']];
    expect((await sendOnce(base, 2, { method: "GET", path: "/v20190125/meshes" })).status).toBe(503);
    expect(received).toHaveLength(2);
  });

  it("returns a refusal that a retry cannot change at once", async () => {
    answers = [[400, { "x-amzn-errortype": "BadRequestException" }, '{"message":"no"}']];
    expect((await sendOnce(base, 3, { method: "PUT", path: "/v20190125/meshes", body: {} })).status).toBe(400);
    expect(received).toHaveLength(1);
  });

  it("throws the connection's error when nothing listens, after maxAttempts", async () => {
    const error = await sendOnce("http://127.0.0.1:9", 2, { method: "GET", path: "/v20190125/meshes" }).catch((caught: unknown) => caught);
    expect(isConnectionError(error)).toBe(true);
    expect(error).toMatchObject({ code: "ECONNREFUSED", port: 9 });
  });

  it("refuses App Mesh's own AWS endpoint before sending anything", async () => {
    const error = await sendOnce(undefined, 1, { method: "GET", path: "/v20190125/meshes" }).catch((caught: unknown) => caught);
    expect(CliFailure.is(error)).toBe(true);
    expect((error as Error).message).toBe("no meshplane endpoint is configured (the request would go to appmesh.eu-west-1.amazonaws.com): pass --endpoint URL or set AWS_ENDPOINT_URL_APP_MESH");
  });
});
