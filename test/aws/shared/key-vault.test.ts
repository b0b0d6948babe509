// The key vaults the entries choose (functions/aws/index.ts chooseKeyVault): sealed under MESHPLANE_AUTH_SECRET_KEY
// with the real AES-GCM box, unsealed only in open mode, refused otherwise; and what each can open.
import { describe, expect, it } from "vitest";
import { chooseKeyVault } from "../../../functions/aws/index.js";
import { createSecretBox } from "../../../functions/auth/index.js";

const pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";

describe("chooseKeyVault", () => {
  it("seals with the secret key so that the stored form holds no key text, and opens only with the same key", async () => {
    const vault = chooseKeyVault({ box: await createSecretBox("first-key"), open: false });
    const sealed = await vault.seal(pem);
    expect(sealed.startsWith("sealed:v1:")).toBe(true);
    expect(sealed).not.toContain("PRIVATE KEY");
    expect(await vault.open(sealed)).toBe(pem);
    const other = chooseKeyVault({ box: await createSecretBox("second-key"), open: false });
    await expect(other.open(sealed)).rejects.toThrow(/MESHPLANE_AUTH_SECRET_KEY/);
  });

  it("refuses to store keys when authentication is on and no secret key is set, and says which variable to set", async () => {
    const vault = chooseKeyVault({ open: false });
    expect(vault.canSeal).toBe(false);
    expect(vault.refusal).toContain("MESHPLANE_AUTH_SECRET_KEY");
    await expect(vault.seal(pem)).rejects.toThrow(/MESHPLANE_AUTH_SECRET_KEY/);
  });

  it("keeps keys unsealed in open mode, and those keys still open once a secret key is set", async () => {
    const plain = chooseKeyVault({ open: true });
    const stored = await plain.seal(pem);
    expect(await plain.open(stored)).toBe(pem);
    const sealing = chooseKeyVault({ box: await createSecretBox("later-key"), open: true });
    expect(await sealing.open(stored)).toBe(pem);
    await expect(plain.open(await sealing.seal(pem))).rejects.toThrow(/sealed/);
  });
});
