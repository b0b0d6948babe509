// Private keys ImportCertificate accepts: PKCS#8 (`BEGIN PRIVATE KEY`) and PKCS#1 RSA (`BEGIN RSA PRIVATE KEY`, wrapped
// into PKCS#8 here), unencrypted, whose public half is the certificate's. They are stored as PKCS#8 PEM, sealed.
import { pcaX509 } from "../acm-pca/index.js";
import { validationError } from "./records.js";

const { x509 } = pcaX509;

/** DER length octets. */
function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

const der = (tag: number, content: Uint8Array): Uint8Array => Uint8Array.from([tag, ...derLength(content.length), ...content]);

/** PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey: version 0, rsaEncryption with NULL parameters, the key. */
function wrapPkcs1(pkcs1: Uint8Array): Uint8Array {
  const version = Uint8Array.from([0x02, 0x01, 0x00]);
  const rsaEncryption = Uint8Array.from([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]);
  return der(0x30, Uint8Array.from([...version, ...rsaEncryption, ...der(0x04, pkcs1)]));
}

/**
 * The key as PKCS#8 PEM, checked against the certificate's public key. Throws ValidationException for a key ACM would
 * refuse (encrypted, of another kind, or not the certificate's).
 */
export async function parsePrivateKey(pem: string, certificate: pcaX509.x509.X509Certificate, keyAlgorithm: pcaX509.KeyAlgorithm): Promise<string> {
  let structs: Array<{ type: string; rawData: ArrayBuffer }>;
  try {
    structs = x509.PemConverter.decodeWithHeaders(pem);
  } catch {
    structs = [];
  }
  const [struct] = structs;
  if (!struct) throw validationError("The private key is not PEM.");
  let pkcs8: Uint8Array;
  if (struct.type === "PRIVATE KEY") pkcs8 = new Uint8Array(struct.rawData);
  else if (struct.type === "RSA PRIVATE KEY") pkcs8 = wrapPkcs1(new Uint8Array(struct.rawData));
  else throw validationError(`A ${struct.type} is not accepted: give an unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt).`);
  const spec = pcaX509.keyAlgorithms[keyAlgorithm];
  const params = spec.name === "ECDSA" ? spec : { name: spec.name, hash: "SHA-256" };
  let key: pcaX509.CryptoKey;
  try {
    key = await crypto.subtle.importKey("pkcs8", pkcs8, params, true, ["sign"]);
  } catch {
    throw validationError("The private key cannot be read, or is not of the certificate's key type.");
  }
  // The public half, from the private key's JWK, must be the certificate's key.
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, ...publicJwk } = await crypto.subtle.exportKey("jwk", key);
  const publicKey = await crypto.subtle.importKey("jwk", publicJwk, params, true, ["verify"]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  const expected = new Uint8Array(certificate.publicKey.rawData);
  if (spki.length !== expected.length || spki.some((byte, index) => byte !== expected[index])) throw validationError("The private key does not match the certificate's public key.");
  return x509.PemConverter.encode(pkcs8, "PRIVATE KEY");
}
