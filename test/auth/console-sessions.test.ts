// Console sessions on their own: sign-in checks the key, the cookie stands for that key (not for a copy of its
// rights), changes need the CSRF token from the same origin, and sessions end at expiry, at sign-out, and when the
// key is revoked or rotated.
import { describe, expect, it } from "vitest";
import { AuthError, createConsoleSessions, CSRF_HEADER, MutablePrincipalDirectory, parseAuthFile, type ConsoleSessions } from "../../functions/auth/index.js";

const key = { accessKeyId: "AKIDCONSOLETEST", secretAccessKey: "console-secret-0123456789" };
const origin = "http://127.0.0.1:8787";

async function directoryWith(secretAccessKey = key.secretAccessKey): Promise<MutablePrincipalDirectory> {
  const directory = new MutablePrincipalDirectory();
  directory.replaceFileContent(await parseAuthFile(JSON.stringify({ principals: { ops: { policies: ["AWSAppMeshFullAccess"], accessKeys: [{ ...key, secretAccessKey }] } } })));
  return directory;
}

function requestWith(setCookie: string, init: { method?: string; csrf?: string; origin?: string } = {}): Request {
  const headers: Record<string, string> = { cookie: setCookie.split(";")[0]! };
  if (init.csrf !== undefined) headers[CSRF_HEADER] = init.csrf;
  if (init.origin !== undefined) headers.origin = init.origin;
  return new Request(`${origin}/v20190125/meshes`, { method: init.method ?? "GET", headers });
}

async function signIn(sessions: ConsoleSessions, secure = false) {
  const opened = await sessions.open(key, secure);
  if (opened instanceof AuthError) throw opened;
  return opened;
}

describe("createConsoleSessions", () => {
  it("opens a session for a valid access key with an HttpOnly, SameSite=Strict cookie that stands for its principal", async () => {
    const sessions = createConsoleSessions({ directory: await directoryWith(), now: () => 1_000_000 });
    const { info, setCookie } = await signIn(sessions);
    expect(info).toMatchObject({ principal: "ops", admin: false, accessKeyId: key.accessKeyId, expiresAt: 1_000_000 + 3_600_000 });
    expect(setCookie).toMatch(/^meshplane-session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600$/);
    const who = await sessions.authenticate(requestWith(setCookie));
    expect(who).toMatchObject({ principal: { name: "ops" }, credential: key.accessKeyId });
    expect(await sessions.describe(requestWith(setCookie))).toEqual(info);
    expect(await sessions.authenticate(new Request(`${origin}/`))).toBeNull();
  });

  it("uses a Secure __Host- cookie under TLS", async () => {
    const sessions = createConsoleSessions({ directory: await directoryWith() });
    const { setCookie } = await signIn(sessions, true);
    expect(setCookie).toMatch(/^__Host-meshplane-session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure$/);
    expect(await sessions.authenticate(requestWith(setCookie))).toMatchObject({ principal: { name: "ops" } });
  });

  it("refuses a wrong secret, an unknown key id and a tampered cookie", async () => {
    const sessions = createConsoleSessions({ directory: await directoryWith() });
    expect(await sessions.open({ ...key, secretAccessKey: "wrong" }, false)).toMatchObject({ name: "UnrecognizedClientException" });
    expect(await sessions.open({ accessKeyId: "AKIDUNKNOWN", secretAccessKey: key.secretAccessKey }, false)).toMatchObject({ name: "UnrecognizedClientException" });
    const { setCookie } = await signIn(sessions);
    const value = setCookie.split(";")[0]!;
    const [sessionId, expiry, keyId, mac] = value.slice(value.indexOf("=") + 1).split(".") as [string, string, string, string];
    const tampered = `meshplane-session=${sessionId}.${Number(expiry) + 86_400_000}.${keyId}.${mac}`;
    expect(await sessions.authenticate(requestWith(tampered))).toMatchObject({ name: "UnrecognizedClientException" });
  });

  it("lets changes through only with the session's CSRF token and from its own origin", async () => {
    const sessions = createConsoleSessions({ directory: await directoryWith() });
    const { info, setCookie } = await signIn(sessions);
    expect(await sessions.authenticate(requestWith(setCookie, { method: "PUT" }))).toMatchObject({ name: "InvalidCsrfTokenException" });
    expect(await sessions.authenticate(requestWith(setCookie, { method: "PUT", csrf: "not-the-token" }))).toMatchObject({ name: "InvalidCsrfTokenException" });
    expect(await sessions.authenticate(requestWith(setCookie, { method: "DELETE", csrf: info.csrfToken, origin: "http://127.0.0.1:9999" }))).toMatchObject({ name: "InvalidCsrfTokenException" });
    expect(await sessions.authenticate(requestWith(setCookie, { method: "PUT", csrf: info.csrfToken, origin }))).toMatchObject({ principal: { name: "ops" } });
  });

  it("ends a session at its expiry", async () => {
    let now = 5_000_000;
    const sessions = createConsoleSessions({ directory: await directoryWith(), ttlMs: 60_000, now: () => now });
    const { setCookie } = await signIn(sessions);
    now += 59_999;
    expect(await sessions.authenticate(requestWith(setCookie))).toMatchObject({ principal: { name: "ops" } });
    now += 1;
    expect(await sessions.authenticate(requestWith(setCookie))).toMatchObject({ name: "ExpiredTokenException" });
    expect(await sessions.describe(requestWith(setCookie))).toBeNull();
  });

  it("ends a session at sign-out, clearing the cookie, while other sessions go on", async () => {
    const sessions = createConsoleSessions({ directory: await directoryWith() });
    const first = await signIn(sessions);
    const second = await signIn(sessions);
    expect(await sessions.close(requestWith(first.setCookie, { method: "DELETE", csrf: first.info.csrfToken }), false)).toBe("meshplane-session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    expect(await sessions.authenticate(requestWith(first.setCookie))).toMatchObject({ name: "ExpiredTokenException" });
    expect(await sessions.authenticate(requestWith(second.setCookie))).toMatchObject({ principal: { name: "ops" } });
  });

  it("ends a session when its access key is rotated or revoked", async () => {
    const directory = await directoryWith();
    const sessions = createConsoleSessions({ directory });
    const { setCookie } = await signIn(sessions);
    directory.replaceFileContent(await parseAuthFile(JSON.stringify({ principals: { ops: { accessKeys: [{ ...key, secretAccessKey: "a-rotated-secret-9876543210" }] } } })));
    expect(await sessions.authenticate(requestWith(setCookie))).toMatchObject({ name: "UnrecognizedClientException" });
    directory.replaceFileContent(await parseAuthFile(JSON.stringify({ principals: { ops: { accessKeys: [] } } })));
    expect(await sessions.authenticate(requestWith(setCookie))).toMatchObject({ name: "UnrecognizedClientException" });
  });

  it("accepts sessions across processes that share MESHPLANE_AUTH_SECRET_KEY, and only those", async () => {
    const directory = await directoryWith();
    const signedBy = createConsoleSessions({ directory, secret: "shared-sealing-key" });
    const { setCookie } = await signIn(signedBy);
    expect(await createConsoleSessions({ directory, secret: "shared-sealing-key" }).authenticate(requestWith(setCookie))).toMatchObject({ principal: { name: "ops" } });
    expect(await createConsoleSessions({ directory, secret: "another-key" }).authenticate(requestWith(setCookie))).toMatchObject({ name: "UnrecognizedClientException" });
    expect(await createConsoleSessions({ directory }).authenticate(requestWith(setCookie))).toMatchObject({ name: "UnrecognizedClientException" });
  });
});
