// Secrets at rest: access-key secrets must stay recoverable (SigV4 needs the secret itself to recompute an HMAC, so
// a hash will not do), so they are sealed with AES-256-GCM under a key the operator keeps outside the store
// (MESHPLANE_AUTH_SECRET_KEY). Sealed form: `sealed:v1:<base64url of 12-byte IV ‖ ciphertext ‖ tag>`.

const PREFIX = "sealed:v1:";
const encoder = new TextEncoder();

/** An AES-GCM key derived from the operator's secret (any string; SHA-256 makes it 256 bits). */
export type SecretKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

export async function importSecretKey(material: string): Promise<SecretKey> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(material));
  return crypto.subtle.importKey("raw", digest, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

export function isSealedSecret(value: string): boolean {
  return value.startsWith(PREFIX);
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export async function sealSecret(key: SecretKey, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encoder.encode(secret)));
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return PREFIX + toBase64Url(out);
}

/** Opens a sealed secret; throws (without the secret in the message) when the key is wrong or the text was altered. */
export async function openSecret(key: SecretKey, sealed: string): Promise<string> {
  if (!isSealedSecret(sealed)) throw new Error("not a sealed secret");
  try {
    const bytes = fromBase64Url(sealed.slice(PREFIX.length));
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12) }, key, bytes.slice(12));
    return new TextDecoder().decode(plain);
  } catch {
    throw new Error("a sealed secret could not be opened (wrong MESHPLANE_AUTH_SECRET_KEY, or the value was altered)");
  }
}

/** Sealing and opening under one operator secret, for stores of other secrets (the AWS stand-ins' private keys). */
export async function createSecretBox(material: string): Promise<{ seal(text: string): Promise<string>; open(sealed: string): Promise<string> }> {
  const key = await importSecretKey(material);
  return { seal: (text) => sealSecret(key, text), open: (sealed) => openSecret(key, sealed) };
}
