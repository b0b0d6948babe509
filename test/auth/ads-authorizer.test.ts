// Envoy proxy authorization on ADS: gRPC metadata signed as the App Mesh Envoy image signs it (the AWS SDK's own
// signer over POST <ADS method path>, host = channel authority, empty payload), bearer tokens, status 16/7/8/3,
// the per-node proxy quota and the audit of every refusal (the streams it admits are audited by the ADS audit
// observer, test/auth/ads-audit-observer.test.ts).
import { describe, expect, it } from "vitest";
import type { AuditEntry, AuditQuery, AuditRecord } from "../../db/store.js";
import { ADS_METHOD_PATH, createAdsAuthorizer, grpcStatus } from "../../functions/auth/ads-authorizer.js";
import { createAuditLog } from "../../functions/auth/audit.js";
import { MutablePrincipalDirectory, parseAuthFile } from "../../functions/auth/principals.js";
import { EMPTY_PAYLOAD_SHA256 } from "../../functions/auth/sigv4.js";
import { testAccountId } from "../support/control-plane.js";
import { createSigner, envoyBearerToken, testAuthFile, testKeys, type TestKey } from "./support.js";

const authority = "meshplane.example.com:443";
const nodeArn = (name: string) => `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/apps/virtualNode/${name}`;

/** gRPC metadata as Envoy's aws_iam call credentials send it (pseudo-headers are not metadata). */
async function envoyMetadata(key: TestKey, at = new Date()): Promise<Record<string, string>> {
  const signed = await createSigner(key).sign(
    { method: "POST", protocol: "https:", hostname: "meshplane.example.com", port: 443, path: ADS_METHOD_PATH, query: {}, headers: { host: authority, "x-amz-content-sha256": EMPTY_PAYLOAD_SHA256 } },
    { signingDate: at },
  );
  const metadata = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== "host"));
  return { ...metadata, "content-type": "application/grpc", te: "trailers", "user-agent": "grpc-c++/1.x envoy" };
}

function memoryAudit() {
  const entries: AuditRecord[] = [];
  const store = {
    async appendAudit(batch: AuditEntry[]) {
      for (const entry of batch) entries.push({ ...entry, seq: entries.length + 1 });
    },
    async listAudit(query: AuditQuery) {
      return entries.filter((e) => e.seq > query.afterSeq).slice(0, query.limit);
    },
  };
  return { entries, audit: createAuditLog(store) };
}

async function authorizer(proxyQuota = 50) {
  const directory = new MutablePrincipalDirectory();
  directory.replaceFileContent(await parseAuthFile(JSON.stringify(testAuthFile)));
  const { entries, audit } = memoryAudit();
  return { entries, ads: createAdsAuthorizer({ directory, scope: { region: "us-east-1", accountId: testAccountId }, proxyQuota, audit }) };
}

describe("ADS stream authorization", () => {
  it("serves serviceBv1 to a key allowed StreamAggregatedResources on its ARN, signed as the Envoy image signs", async () => {
    const { ads } = await authorizer();
    const verdict = await ads.authorizeStream(await envoyMetadata(testKeys.envoyB1), "mesh/apps/virtualNode/serviceBv1", { authority });
    expect(verdict).toMatchObject({ ok: true, principal: "envoyB1", credential: testKeys.envoyB1.accessKeyId, resource: nodeArn("serviceBv1") });
    const arnForm = await ads.authorizeStream(await envoyMetadata(testKeys.envoyB1), nodeArn("serviceBv1"), { authority });
    expect(arnForm.ok).toBe(true);
  });

  it("accepts the metadata as a Fetch Headers object with :authority inside", async () => {
    const { ads } = await authorizer();
    const headers = new Headers(await envoyMetadata(testKeys.envoyB1));
    const record = { ...(await envoyMetadata(testKeys.envoyB1)), ":authority": authority };
    expect((await ads.authorizeStream(headers, "mesh/apps/virtualNode/serviceBv1", { authority })).ok).toBe(true);
    expect((await ads.authorizeStream(record, "mesh/apps/virtualNode/serviceBv1")).ok).toBe(true);
  });

  it("answers 7 (permission denied) when the same key asks for serviceBv2", async () => {
    const { ads } = await authorizer();
    const verdict = await ads.authorizeStream(await envoyMetadata(testKeys.envoyB1), "mesh/apps/virtualNode/serviceBv2", { authority });
    expect(verdict).toEqual({ ok: false, code: grpcStatus.permissionDenied, message: expect.stringContaining(`appmesh:StreamAggregatedResources on resource: ${nodeArn("serviceBv2")}`) });
  });

  it("answers 7 for a key whose policies do not mention StreamAggregatedResources", async () => {
    const { ads } = await authorizer();
    const verdict = await ads.authorizeStream(await envoyMetadata(testKeys.reader), "mesh/apps/virtualNode/serviceBv1", { authority });
    expect(verdict.ok ? 0 : verdict.code).toBe(7);
  });

  it("answers 16 with Missing Authentication Token when there is no signature", async () => {
    const { ads } = await authorizer();
    expect(await ads.authorizeStream({ "content-type": "application/grpc" }, "mesh/apps/virtualNode/serviceBv1", { authority })).toEqual({ ok: false, code: 16, message: "Missing Authentication Token" });
  });

  it("answers 16 for a wrong secret, a stale date, or a signature made for another authority", async () => {
    const { ads } = await authorizer();
    const node = "mesh/apps/virtualNode/serviceBv1";
    const wrongSecret = await ads.authorizeStream(await envoyMetadata({ ...testKeys.envoyB1, secretAccessKey: "nope" }), node, { authority });
    const stale = await ads.authorizeStream(await envoyMetadata(testKeys.envoyB1, new Date(Date.now() - 10 * 60_000)), node, { authority });
    const elsewhere = await ads.authorizeStream(await envoyMetadata(testKeys.envoyB1), node, { authority: "other.example.com:443" });
    for (const verdict of [wrongSecret, stale, elsewhere]) expect(verdict.ok ? 0 : verdict.code).toBe(grpcStatus.unauthenticated);
  });

  it("accepts a bearer token bound to the principal, and refuses an unknown one with 16", async () => {
    const { ads } = await authorizer();
    expect((await ads.authorizeStream({ authorization: `Bearer ${envoyBearerToken}` }, "mesh/apps/virtualNode/serviceBv1")).ok).toBe(true);
    expect((await ads.authorizeStream({ authorization: `Bearer ${envoyBearerToken}` }, "mesh/apps/virtualNode/serviceBv2")).ok).toBe(false);
    const unknown = await ads.authorizeStream({ authorization: "Bearer guess" }, "mesh/apps/virtualNode/serviceBv1");
    expect(unknown.ok ? 0 : unknown.code).toBe(16);
  });

  it("answers 3 for a node id that names no virtual node or gateway", async () => {
    const { ads } = await authorizer();
    const verdict = await ads.authorizeStream(await envoyMetadata(testKeys.envoyB1), "serviceBv1", { authority });
    expect(verdict.ok ? 0 : verdict.code).toBe(grpcStatus.invalidArgument);
  });

  it("holds each node ARN to the connected-proxy quota (8 beyond it) and frees a slot on release", async () => {
    const { ads } = await authorizer(2);
    const node = "mesh/apps/virtualNode/serviceBv1";
    const first = await ads.authorizeStream({ authorization: `Bearer ${envoyBearerToken}` }, node);
    const second = await ads.authorizeStream({ authorization: `Bearer ${envoyBearerToken}` }, node);
    const third = await ads.authorizeStream({ authorization: `Bearer ${envoyBearerToken}` }, node);
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect(third).toMatchObject({ ok: false, code: grpcStatus.resourceExhausted });
    expect(ads.connected(nodeArn("serviceBv1"))).toBe(2);
    if (first.ok) {
      first.release();
      first.release();
    }
    expect(ads.connected(nodeArn("serviceBv1"))).toBe(1);
    expect((await ads.authorizeStream({ authorization: `Bearer ${envoyBearerToken}` }, node)).ok).toBe(true);
  });

  it("audits each refusal once, with the principal when the credentials proved one, and not the streams it admits", async () => {
    const { ads, entries } = await authorizer(1);
    const served = await ads.authorizeStream(await envoyMetadata(testKeys.envoyB1), "mesh/apps/virtualNode/serviceBv1", { authority, peer: "10.0.0.7:5000" });
    await ads.authorizeStream(await envoyMetadata(testKeys.envoyB1), "mesh/apps/virtualNode/serviceBv2", { authority, peer: "10.0.0.7:5001" });
    await ads.authorizeStream({}, "mesh/apps/virtualNode/serviceBv1", { peer: "10.0.0.8:5002" });
    await ads.authorizeStream(await envoyMetadata({ ...testKeys.envoyB1, secretAccessKey: "nope" }), "mesh/apps/virtualNode/serviceBv1", { authority, peer: "10.0.0.8:5003" });
    await ads.authorizeStream(await envoyMetadata(testKeys.envoyB1), "serviceBv1", { authority, peer: "10.0.0.7:5004" });
    await ads.authorizeStream(await envoyMetadata(testKeys.envoyB1), "mesh/apps/virtualNode/serviceBv1", { authority, peer: "10.0.0.7:5005" });
    expect(served.ok).toBe(true);
    if (served.ok) served.release();
    expect(entries.map((e) => [e.principal, e.credential, e.action, e.resource, e.outcome, e.errorCode, e.sourceAddress])).toEqual([
      ["envoyB1", testKeys.envoyB1.accessKeyId, "appmesh:StreamAggregatedResources", nodeArn("serviceBv2"), "denied", "PermissionDenied", "10.0.0.7:5001"],
      ["", "", "appmesh:StreamAggregatedResources", nodeArn("serviceBv1"), "denied", "MissingAuthenticationTokenException", "10.0.0.8:5002"],
      ["", "", "appmesh:StreamAggregatedResources", nodeArn("serviceBv1"), "denied", "InvalidSignatureException", "10.0.0.8:5003"],
      ["envoyB1", testKeys.envoyB1.accessKeyId, "appmesh:StreamAggregatedResources", "serviceBv1", "InvalidArgument", "InvalidArgument", "10.0.0.7:5004"],
      ["envoyB1", testKeys.envoyB1.accessKeyId, "appmesh:StreamAggregatedResources", nodeArn("serviceBv1"), "ResourceExhausted", "ResourceExhausted", "10.0.0.7:5005"],
    ]);
  });

  it("serves every node without credentials in open mode, still under the quota", async () => {
    const ads = createAdsAuthorizer({ directory: null, scope: { region: "us-east-1", accountId: testAccountId }, proxyQuota: 1 });
    expect(await ads.authorizeStream({}, "mesh/apps/virtualGateway/gw")).toMatchObject({ ok: true, principal: "anonymous", credential: "" });
    expect((await ads.authorizeStream({}, "mesh/apps/virtualGateway/gw")).ok).toBe(false);
  });
});
