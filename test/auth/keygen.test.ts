// The bootstrap key generator: its output is a valid auth-file principal whose key (plain or sealed) or bearer
// token authenticates, and the file never holds a plain secret when a sealing key is given.
import { describe, expect, it } from "vitest";
import { createPrincipalEntry, parseKeygenArgs } from "../../functions/auth/keygen.js";
import { importSecretKey, parseAuthFile } from "../../functions/auth/index.js";

describe("keygen", () => {
  it("parses its arguments and defaults to full access", () => {
    expect(parseKeygenArgs(["--principal", "ops", "--admin"])).toEqual({ principal: "ops", admin: true, policies: ["AWSAppMeshFullAccess"], bearer: false });
    expect(parseKeygenArgs(["--principal", "ci", "--policy", "AWSAppMeshReadOnly"])).toMatchObject({ policies: ["AWSAppMeshReadOnly"] });
    expect(parseKeygenArgs(["--principal", "x", "--policy", "Nope"])).toMatch(/unknown managed policy Nope/);
    expect(parseKeygenArgs([])).toMatch(/--principal <name> is required/);
  });

  it("prints an admin principal whose sealed key opens with the same sealing key", async () => {
    const { entry, credentials } = await createPrincipalEntry({ principal: "ops", admin: true, policies: ["AWSAppMeshFullAccess"], bearer: false, sealingKey: "k" });
    expect(entry.accessKeys![0]!.secretAccessKey).toMatch(/^sealed:v1:/);
    expect(JSON.stringify(entry)).not.toContain(credentials.AWS_SECRET_ACCESS_KEY!);
    const content = await parseAuthFile(JSON.stringify({ principals: { ops: entry } }), await importSecretKey("k"));
    const key = content.keys.get(credentials.AWS_ACCESS_KEY_ID!)!;
    expect(key.secretAccessKey).toBe(credentials.AWS_SECRET_ACCESS_KEY);
    expect(key.principal).toMatchObject({ name: "ops", admin: true });
    await expect(parseAuthFile(JSON.stringify({ principals: { ops: entry } }), await importSecretKey("other"))).rejects.toThrow(/could not be opened/);
    await expect(parseAuthFile(JSON.stringify({ principals: { ops: entry } }))).rejects.toThrow(/MESHPLANE_AUTH_SECRET_KEY is not set/);
  });

  it("prints a bearer-token principal storing only the token's hash", async () => {
    const { entry, credentials } = await createPrincipalEntry({ principal: "envoy", admin: false, policies: ["AWSAppMeshEnvoyAccess"], bearer: true });
    expect(JSON.stringify(entry)).not.toContain(credentials.bearerToken!);
    const content = await parseAuthFile(JSON.stringify({ principals: { envoy: entry } }));
    expect(content.tokens).toHaveLength(1);
  });
});
