// Shared fixtures for the auth tests: an auth file with one principal per behaviour under test, a SigV4 signer
// (the AWS SDK's own, @smithy/signature-v4) for raw requests, and a control plane that requires signatures.
import { Sha256 } from "@aws-crypto/sha256-js";
import { AppMeshClient } from "@aws-sdk/client-app-mesh";
import { SignatureV4 } from "@smithy/signature-v4";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AuthFile } from "../../functions/auth/index.js";
import { startTestControlPlane, testAccountId, type TestControlPlane } from "../support/control-plane.js";

export interface TestKey {
  accessKeyId: string;
  secretAccessKey: string;
}

const key = (name: string): TestKey => ({ accessKeyId: `AKID${name.toUpperCase()}TEST`, secretAccessKey: `${name}-secret-0123456789` });

/** One key per principal of `testAuthFile`. `full` is the key the shared SDK client of startTestControlPlane signs with. */
export const testKeys = {
  full: { accessKeyId: "AKIDMESHPLANETEST", secretAccessKey: "meshplane-test-secret" },
  cli: { accessKeyId: "AKIDMESHPLANECLI", secretAccessKey: "meshplane-cli-secret" },
  admin: key("admin"),
  reader: key("reader"),
  app1: key("app1"),
  noDeleteMesh: key("nodelete"),
  booksOnly: key("books"),
  ownTeam: key("ownteam"),
  envoyB1: key("envoyb1"),
  routesToB: key("routestob"),
} satisfies Record<string, TestKey>;

export const envoyBearerToken = "meshplane-envoy-bearer-token-for-tests";
/** SHA-256 of envoyBearerToken (what the auth file stores). */
export const envoyBearerTokenSha256 = "347a01f8c99a1f48fd687ac43a585dabbfd8828e861e0c956e60a2e80a0ab511";

export const testAuthFile: AuthFile = {
  principals: {
    full: { policies: ["AWSAppMeshFullAccess"], accessKeys: [testKeys.full, testKeys.cli] },
    admin: { admin: true, policies: ["AWSAppMeshFullAccess"], accessKeys: [testKeys.admin] },
    reader: { policies: ["AWSAppMeshReadOnly"], accessKeys: [testKeys.reader] },
    app1: {
      policies: [
        {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: "appmesh:*",
              Resource: [`arn:aws:appmesh:us-east-1:${testAccountId}:mesh/app1`, `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/app1/*`],
            },
          ],
        },
      ],
      accessKeys: [testKeys.app1],
    },
    noDeleteMesh: {
      policies: ["AWSAppMeshFullAccess", { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "appmesh:DeleteMesh", Resource: "*" }] }],
      accessKeys: [testKeys.noDeleteMesh],
    },
    booksOnly: {
      policies: [
        { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "appmesh:CreateMesh", Resource: "*", Condition: { StringEquals: { "aws:RequestTag/teamName": "booksTeam" } } }] },
      ],
      accessKeys: [testKeys.booksOnly],
    },
    ownTeam: {
      policies: [
        { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "appmesh:*", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/team": "blue" } } }] },
      ],
      accessKeys: [testKeys.ownTeam],
    },
    routesToB: {
      policies: [
        {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: "appmesh:*",
              Resource: [`arn:aws:appmesh:us-east-1:${testAccountId}:mesh/routes/virtualRouter/*`, `arn:aws:appmesh:us-east-1:${testAccountId}:mesh/routes/virtualNode/serviceB`],
            },
          ],
        },
      ],
      accessKeys: [testKeys.routesToB],
    },
    envoyB1: {
      policies: [
        {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "appmesh:StreamAggregatedResources", Resource: [`arn:aws:appmesh:us-east-1:${testAccountId}:mesh/apps/virtualNode/serviceBv1`] }],
        },
      ],
      accessKeys: [testKeys.envoyB1],
      bearerTokens: [{ sha256: envoyBearerTokenSha256 }],
    },
  },
};

export function writeAuthFile(content: AuthFile = testAuthFile): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-auth-"));
  const file = path.join(dir, "auth.json");
  writeFileSync(file, JSON.stringify(content, null, 2));
  return file;
}

/** Starts a control plane that requires signatures (auth file above, rate limits off unless `env` sets them). */
export async function startAuthPlane(env: Record<string, string> = {}): Promise<TestControlPlane & { authFile: string }> {
  const authFile = writeAuthFile();
  const plane = await startTestControlPlane({ env: { MESHPLANE_AUTH_FILE: authFile, MESHPLANE_RATE_LIMIT: "off", ...env } });
  return { ...plane, authFile };
}

export function createSigner(credentials: TestKey, service = "appmesh", region = "us-east-1"): SignatureV4 {
  return new SignatureV4({ credentials, region, service, sha256: Sha256 });
}

export function clientFor(url: string, credentials: TestKey): AppMeshClient {
  return new AppMeshClient({ endpoint: url, region: "us-east-1", credentials, maxAttempts: 1 });
}

function splitQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    const name = decodeURIComponent(equals < 0 ? part : part.slice(0, equals));
    const value = decodeURIComponent(equals < 0 ? "" : part.slice(equals + 1));
    const existing = query[name];
    query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

export interface SignOptions {
  body?: string;
  headers?: Record<string, string>;
  /** Sign as of this instant (default now). */
  signingDate?: Date;
  /** Presigned query form instead of the Authorization header. */
  presign?: boolean;
}

/** Signs a raw request with the AWS SDK's signer and returns what fetch needs (URL and headers). */
export async function signRaw(baseUrl: string, credentials: TestKey, method: string, pathAndQuery: string, options: SignOptions = {}): Promise<{ url: string; headers: Record<string, string> }> {
  const base = new URL(baseUrl);
  const [rawPath, rawQuery = ""] = pathAndQuery.split(/\?(.*)/s) as [string, string?];
  const headers: Record<string, string> = { host: base.host, ...options.headers };
  const request = {
    method,
    protocol: base.protocol,
    hostname: base.hostname,
    port: Number(base.port),
    path: rawPath,
    query: splitQuery(rawQuery),
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
  };
  const signer = createSigner(credentials);
  const signed = options.presign
    ? await signer.presign(request, { expiresIn: 300, ...(options.signingDate ? { signingDate: options.signingDate } : {}) })
    : await signer.sign(request, options.signingDate ? { signingDate: options.signingDate } : {});
  const query = Object.entries(signed.query ?? {})
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(String(v ?? ""))}`))
    .join("&");
  const sentHeaders = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== "host"));
  return { url: `${baseUrl}${rawPath}${query ? `?${query}` : ""}`, headers: sentHeaders };
}

export async function signedFetch(baseUrl: string, credentials: TestKey, method: string, pathAndQuery: string, options: SignOptions = {}): Promise<Response> {
  const { url, headers } = await signRaw(baseUrl, credentials, method, pathAndQuery, options);
  return fetch(url, { method, headers, ...(options.body !== undefined ? { body: options.body } : {}) });
}
