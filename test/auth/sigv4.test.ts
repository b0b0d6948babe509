// SigV4 verification against the AWS SDK's own signer (@smithy/signature-v4), plus a fuzz test of the parser:
// malformed, huge and oddly encoded input never throws and never authenticates.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AuthError } from "../../functions/auth/auth-error.js";
import { createAuthenticator } from "../../functions/auth/authenticator.js";
import { MutablePrincipalDirectory, parseAuthFile } from "../../functions/auth/principals.js";
import { amzDateToMillis, canonicalUri, parseAuthorizationHeader, parsePresignedQuery, type SignableRequest } from "../../functions/auth/sigv4.js";
import { createSigner, type TestKey } from "./support.js";

const key: TestKey = { accessKeyId: "AKIDUNIT", secretAccessKey: "unit-secret" };
const now = Date.UTC(2026, 10, 22, 4, 0, 0);

async function directory(): Promise<MutablePrincipalDirectory> {
  const dir = new MutablePrincipalDirectory();
  dir.replaceFileContent(await parseAuthFile(JSON.stringify({ principals: { unit: { policies: ["AWSAppMeshFullAccess"], accessKeys: [key] } } })));
  return dir;
}

function toSignable(method: string, path: string, query: string, headers: Record<string, string>): SignableRequest {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method, path, query, header: (name) => lower.get(name) };
}

/** Signs with the SDK signer and returns the request as the server sees it. */
async function signed(method: string, path: string, query: Record<string, string>, body: string | undefined, options: { presign?: boolean; at?: number } = {}) {
  const request = { method, protocol: "http:", hostname: "127.0.0.1", port: 8787, path, query, headers: { host: "127.0.0.1:8787", "content-type": "application/json" }, ...(body !== undefined ? { body } : {}) };
  const signer = createSigner(key);
  const signingDate = new Date(options.at ?? now);
  const out = options.presign ? await signer.presign(request, { signingDate, expiresIn: 60 }) : await signer.sign(request, { signingDate });
  const rawQuery = Object.entries(out.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join("&");
  return { request: toSignable(method, path, rawQuery, out.headers), body: new TextEncoder().encode(body ?? "") };
}

describe("SigV4 verification", () => {
  it("accepts the SDK signer's header and presigned forms, with encoded paths and queries", async () => {
    const authenticator = createAuthenticator({ directory: await directory(), now: () => now });
    const arn = "arn:aws:appmesh:us-east-1:111122223333:mesh/m 1/virtualNode/a+b";
    for (const presign of [false, true]) {
      const put = await signed("PUT", "/v20190125/meshes/m%201/virtualNodes", { meshOwner: "111122223333" }, '{"virtualNodeName":"n"}', { presign });
      const result = await authenticator.authenticate(put);
      expect(result, `presign=${presign}`).toMatchObject({ principal: { name: "unit" }, credential: "AKIDUNIT", region: "us-east-1" });
      const get = await signed("GET", "/v20190125/tags", { resourceArn: arn, limit: "5" }, undefined, { presign });
      expect(await authenticator.authenticate(get)).toMatchObject({ principal: { name: "unit" } });
    }
  });

  it("refuses a tampered body, path, query or header", async () => {
    const authenticator = createAuthenticator({ directory: await directory(), now: () => now });
    const original = await signed("PUT", "/v20190125/meshes", { a: "1" }, '{"meshName":"a"}');
    const variants: Array<[string, Parameters<typeof authenticator.authenticate>[0]]> = [
      ["body", { ...original, body: new TextEncoder().encode('{"meshName":"b"}') }],
      ["path", { ...original, request: { ...original.request, path: "/v20190125/meshes/x" } }],
      ["query", { ...original, request: { ...original.request, query: "a=2" } }],
      ["method", { ...original, request: { ...original.request, method: "POST" } }],
      ["header", { ...original, request: { ...original.request, header: (n: string) => (n === "content-type" ? "text/plain" : original.request.header(n)) } }],
    ];
    for (const [what, input] of variants) {
      const result = await authenticator.authenticate(input);
      expect(AuthError.is(result), what).toBe(true);
      expect((result as AuthError).name, what).toBe("InvalidSignatureException");
    }
  });

  it("refuses signatures outside the five-minute window and expired presigned URLs", async () => {
    const early = await signed("GET", "/v20190125/meshes", {}, undefined, { at: now - 6 * 60_000 });
    const late = await signed("GET", "/v20190125/meshes", {}, undefined, { at: now + 6 * 60_000 });
    const presigned = await signed("GET", "/v20190125/meshes", {}, undefined, { presign: true, at: now - 2 * 60_000 });
    const authenticator = createAuthenticator({ directory: await directory(), now: () => now });
    expect(((await authenticator.authenticate(early)) as AuthError).message).toMatch(/expired/);
    expect(((await authenticator.authenticate(late)) as AuthError).message).toMatch(/not yet current/);
    expect(((await authenticator.authenticate(presigned)) as AuthError).message).toMatch(/presigned request expired/);
    expect(await createAuthenticator({ directory: await directory(), now: () => now - 4 * 60_000 }).authenticate(early)).toMatchObject({ credential: "AKIDUNIT" });
  });

  it("refuses another service's signature", async () => {
    const request = { method: "GET", protocol: "http:", hostname: "h", path: "/", query: {}, headers: { host: "h" } };
    const out = await createSigner(key, "s3").sign(request, { signingDate: new Date(now) });
    const result = await createAuthenticator({ directory: await directory(), now: () => now }).authenticate({ request: toSignable("GET", "/", "", out.headers) });
    expect((result as AuthError).message).toMatch(/scoped to the service "appmesh"/);
  });

  it("answers null (no credentials) for an unsigned request", async () => {
    expect(await createAuthenticator({ directory: await directory(), now: () => now }).authenticate({ request: toSignable("GET", "/", "", { host: "h" }) })).toBeNull();
  });

  it("builds the canonical URI as the SDK does (dot segments resolved, raw path encoded again)", () => {
    expect(canonicalUri("/v20190125/meshes/m%201")).toBe("/v20190125/meshes/m%25201");
    expect(canonicalUri("/a/./b/../c/")).toBe("/a/c/");
    expect(canonicalUri("/")).toBe("/");
  });

  it("rejects impossible dates", () => {
    expect(amzDateToMillis("20261122T040000Z")).toBe(now);
    expect(amzDateToMillis("20261340T000000Z")).toBeNaN();
    expect(amzDateToMillis("20260230T000000Z")).toBeNaN();
    expect(amzDateToMillis("20261122T250000Z")).toBeNaN();
  });
});

describe("SigV4 parser fuzz", () => {
  const header = (value: string, extra: Record<string, string> = {}) => toSignable("GET", "/", "", { authorization: value, "x-amz-date": "20261122T040000Z", host: "h", ...extra });
  const validPrefix = "AWS4-HMAC-SHA256 Credential=AKIDUNIT/20261122/us-east-1/appmesh/aws4_request, SignedHeaders=host;x-amz-date, Signature=";

  const odd = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ unit: "grapheme", maxLength: 100 }),
    fc.string({ unit: "binary", maxLength: 100 }),
    fc.constantFrom("", " ", ",", "=", "%", "%zz", "%00", "\u0000", "\uFFFF", "\uD800", "AWS4-HMAC-SHA256", "Bearer", "Credential=", "SignedHeaders=;;", "../../"),
    fc.array(fc.constantFrom("Credential=", "SignedHeaders=", "Signature=", ",", " ", "/", "aws4_request", "AKIDUNIT", "host", ";", "=", "%2F", "0"), { maxLength: 40 }).map((parts) => parts.join("")),
  );

  it("never throws or authenticates on arbitrary Authorization headers", async () => {
    const authenticator = createAuthenticator({ directory: await directory(), now: () => now });
    await fc.assert(
      fc.asyncProperty(odd, odd, odd, async (a, b, c) => {
        for (const value of [a, `AWS4-HMAC-SHA256 ${b}`, validPrefix + c, `${validPrefix}${"0".repeat(64)}${b}`, `Bearer ${a}`]) {
          const parsed = parseAuthorizationHeader(header(value));
          expect(parsed instanceof AuthError || typeof parsed === "object").toBe(true);
          const result = await authenticator.authenticate({ request: header(value, { "x-amz-security-token": c }) });
          expect(result === null || AuthError.is(result), value).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never throws or authenticates on arbitrary presigned query strings", async () => {
    const authenticator = createAuthenticator({ directory: await directory(), now: () => now });
    const base = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDUNIT%2F20261122%2Fus-east-1%2Fappmesh%2Faws4_request&X-Amz-Date=20261122T040000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host";
    await fc.assert(
      fc.asyncProperty(odd, odd, async (a, b) => {
        for (const query of [a, `${base}&X-Amz-Signature=${a}`, `${base}&${a}=${b}&X-Amz-Signature=${"0".repeat(64)}`, `X-Amz-Algorithm=${a}&X-Amz-Signature=${b}`]) {
          const request = toSignable("GET", "/", query, { host: "h" });
          const parsed = parsePresignedQuery(request);
          expect(parsed instanceof AuthError || typeof parsed === "object").toBe(true);
          const result = await authenticator.authenticate({ request });
          expect(result === null || AuthError.is(result), query).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("refuses huge headers quickly without authenticating", async () => {
    const authenticator = createAuthenticator({ directory: await directory(), now: () => now });
    for (const value of [validPrefix + "a".repeat(1_000_000), `AWS4-HMAC-SHA256 ${"Credential=x,".repeat(100_000)}`, `AWS4-HMAC-SHA256 Credential=AKIDUNIT/20261122/us-east-1/appmesh/aws4_request, SignedHeaders=${"a;".repeat(50_000)}host, Signature=${"0".repeat(64)}`]) {
      const result = await authenticator.authenticate({ request: header(value) });
      expect(AuthError.is(result)).toBe(true);
    }
    const hugeQuery = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${"%41".repeat(500_000)}`;
    expect(AuthError.is(await authenticator.authenticate({ request: toSignable("GET", "/", hugeQuery, { host: "h" }) }))).toBe(true);
  });

  it("never authenticates a signature that differs from the right one in any character", async () => {
    const good = await signed("GET", "/v20190125/meshes", {}, undefined);
    const authenticator = createAuthenticator({ directory: await directory(), now: () => now });
    const authorization = good.request.header("authorization")!;
    const signature = authorization.slice(-64);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 63 }), fc.constantFrom(..."0123456789abcdef"), async (index, digit) => {
        fc.pre(signature[index] !== digit);
        const forged = authorization.slice(0, -64) + signature.slice(0, index) + digit + signature.slice(index + 1);
        const result = await authenticator.authenticate({ ...good, request: { ...good.request, header: (n) => (n === "authorization" ? forged : good.request.header(n)) } });
        expect((result as AuthError).name).toBe("InvalidSignatureException");
      }),
      { numRuns: 100 },
    );
  });
});
