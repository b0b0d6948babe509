// X.509 for the Private CA and ACM, on Web Crypto through @peculiar/x509 (Node and Workers alike): key pairs of the
// algorithms both services name, PKCS#8 PEM in and out, subjects from ASN1Subject, certificates signed by a CA key.
// @peculiar/x509 needs the Reflect metadata API (its dependency injection, tsyringe); the polyfill comes first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

// The Web Crypto types, named from the global `crypto` (the project's `lib` has no DOM).
export type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
export interface CryptoKeyPair {
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}
/** What x509 signs with: `{ name: "RSASSA-PKCS1-v1_5", hash }` or `{ name: "ECDSA", hash }`. */
export type SigningParams = { name: string; hash: string };

/** Key algorithms meshplane generates and accepts (the RSA and NIST-curve members of ACM's and Private CA's enums). */
export const keyAlgorithms = {
  RSA_1024: { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024 },
  RSA_2048: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048 },
  RSA_3072: { name: "RSASSA-PKCS1-v1_5", modulusLength: 3072 },
  RSA_4096: { name: "RSASSA-PKCS1-v1_5", modulusLength: 4096 },
  EC_prime256v1: { name: "ECDSA", namedCurve: "P-256" },
  EC_secp384r1: { name: "ECDSA", namedCurve: "P-384" },
  EC_secp521r1: { name: "ECDSA", namedCurve: "P-521" },
} as const;

export type KeyAlgorithm = keyof typeof keyAlgorithms;
type KeyFamily = "RSASSA-PKCS1-v1_5" | "ECDSA";

export const isKeyAlgorithm = (value: string): value is KeyAlgorithm => Object.hasOwn(keyAlgorithms, value);

/** Private CA's signing algorithms this implementation signs with: the key family and hash each means. */
export const signingAlgorithms = {
  SHA256WITHRSA: { family: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  SHA384WITHRSA: { family: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
  SHA512WITHRSA: { family: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
  SHA256WITHECDSA: { family: "ECDSA", hash: "SHA-256" },
  SHA384WITHECDSA: { family: "ECDSA", hash: "SHA-384" },
  SHA512WITHECDSA: { family: "ECDSA", hash: "SHA-512" },
} as const satisfies Record<string, { family: KeyFamily; hash: string }>;

export type SigningAlgorithm = keyof typeof signingAlgorithms;

export const isSigningAlgorithm = (value: string): value is SigningAlgorithm => Object.hasOwn(signingAlgorithms, value);

export const familyOf = (algorithm: KeyAlgorithm): KeyFamily => keyAlgorithms[algorithm].name;

/** A fresh key pair of `algorithm`, extractable so that its private key can be sealed and stored. */
export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  const spec = keyAlgorithms[algorithm];
  const params = spec.name === "ECDSA" ? spec : { ...spec, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  return (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** A stored PKCS#8 key of `algorithm`, ready to sign with `hash` (Web Crypto binds RSA keys to one hash). */
export async function importPrivateKey(pem: string, algorithm: KeyAlgorithm, hash: string): Promise<CryptoKey> {
  const spec = keyAlgorithms[algorithm];
  const params = spec.name === "ECDSA" ? spec : { name: spec.name, hash };
  return crypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(pem), params, true, ["sign"]);
}

/** The key algorithm of a public key, as ACM and Private CA name it; undefined for any other kind of key. */
export function keyAlgorithmOf(publicKey: x509.PublicKey): KeyAlgorithm | undefined {
  const algorithm = publicKey.algorithm as { name: string; modulusLength?: number; namedCurve?: string };
  if (algorithm.name === "ECDSA" || algorithm.name === "ECDH") {
    const curve = { "P-256": "EC_prime256v1", "P-384": "EC_secp384r1", "P-521": "EC_secp521r1" }[algorithm.namedCurve ?? ""];
    return curve as KeyAlgorithm | undefined;
  }
  if (algorithm.name.startsWith("RSA")) {
    const bits = algorithm.modulusLength;
    return bits === 1024 || bits === 2048 || bits === 3072 || bits === 4096 ? (`RSA_${bits}` as KeyAlgorithm) : undefined;
  }
  return undefined;
}

/** The parameters x509 signs with for a key family and hash. */
export const signingParams = (family: KeyFamily, hash: string): SigningParams => (family === "ECDSA" ? { name: "ECDSA", hash } : { name: family, hash });

/** Private CA's ASN1Subject members and the attribute each is. */
const subjectAttributes: ReadonlyArray<[string, string]> = [
  ["Country", "C"],
  ["State", "ST"],
  ["Locality", "L"],
  ["Organization", "O"],
  ["OrganizationalUnit", "OU"],
  ["DistinguishedNameQualifier", "2.5.4.46"],
  ["SerialNumber", "2.5.4.5"],
  ["Title", "2.5.4.12"],
  ["Surname", "2.5.4.4"],
  ["GivenName", "2.5.4.42"],
  ["Initials", "2.5.4.43"],
  ["Pseudonym", "2.5.4.65"],
  ["GenerationQualifier", "2.5.4.44"],
  ["CommonName", "CN"],
];

export interface Asn1Subject {
  [member: string]: unknown;
  CustomAttributes?: Array<{ ObjectIdentifier: string; Value: string }>;
}

/** An ASN1Subject as an X.500 name, in the order a CA's name is usually written (country first, common name last). */
export function nameOf(subject: Asn1Subject): x509.JsonName {
  const name: x509.JsonName = [];
  for (const [member, attribute] of subjectAttributes) {
    const value = subject[member];
    if (typeof value === "string" && value !== "") name.push({ [attribute]: [value] });
  }
  for (const custom of subject.CustomAttributes ?? []) name.push({ [custom.ObjectIdentifier]: [custom.Value] });
  return name;
}

export const parseCertificate = (pem: string): x509.X509Certificate => new x509.X509Certificate(pem);

/** The DNS, IP, e-mail and URI names of a certificate's subject alternative name extension. */
export function subjectAlternativeNamesOf(certificate: x509.X509Certificate): x509.JsonGeneralName[] {
  const extension = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  return extension ? extension.names.toJSON() : [];
}

/** The common name of a certificate's subject, if it has one. */
export function commonNameOf(certificate: x509.X509Certificate): string | undefined {
  return certificate.subjectName.getField("CN")[0];
}

export interface CertificateRequestParams {
  /** Hexadecimal, without leading zeros trouble (x509 encodes it as a positive integer). */
  serialNumber: string;
  subject: x509.JsonName | string;
  publicKey: CryptoKey | x509.PublicKey;
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
}

/** A certificate signed by an issuer's key, with its authority key identifier. */
export async function signCertificate(
  params: CertificateRequestParams,
  issuer: { certificate: x509.X509Certificate; key: CryptoKey; signing: SigningParams },
): Promise<x509.X509Certificate> {
  const authorityKey = await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate.publicKey, false);
  const subjectKey = await x509.SubjectKeyIdentifierExtension.create(params.publicKey, false);
  return x509.X509CertificateGenerator.create({
    serialNumber: params.serialNumber,
    subject: params.subject,
    issuer: issuer.certificate.subjectName,
    notBefore: params.notBefore,
    notAfter: params.notAfter,
    publicKey: params.publicKey,
    signingKey: issuer.key,
    signingAlgorithm: issuer.signing,
    extensions: [...params.extensions, authorityKey, subjectKey],
  });
}

/** A self-signed CA certificate (basic constraints CA, key usages for signing certificates and CRLs). */
export async function selfSignedAuthority(keys: CryptoKeyPair, subject: x509.JsonName, serialNumber: string, notBefore: Date, notAfter: Date, signing: SigningParams) {
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber,
    name: subject,
    keys,
    notBefore,
    notAfter,
    signingAlgorithm: signing,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false),
    ],
  });
}

/** The extensions of an end-entity TLS certificate: client and server authentication, these names. */
export function endEntityExtensions(names: x509.JsonGeneralName[], usages: readonly string[] = [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]): x509.Extension[] {
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([...usages], false),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  return extensions;
}

/** A random positive serial number of 16 bytes, in hex (RFC 5280 allows up to 20 octets). */
export function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Private CA writes serials as colon-separated hex pairs (`7f:3a:…`). */
export const colonSerial = (hex: string): string => (hex.length % 2 ? `0${hex}` : hex).match(/../g)!.join(":");

export { x509 };
