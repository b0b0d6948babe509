// How ACM's certificates are stored (rows of aws_resources, kind `certificate`, id a UUID) and rendered, and what is
// read off their X.509 form: names, serial, validity, key and signature algorithms, key usages.
import type { AwsResourceKey, AwsResourceRow, ChangeEntry } from "../../../db/store.js";
import { pcaX509 } from "../acm-pca/index.js";
import { AwsServiceError, createErrorFactory, type StandInContext } from "../shared/index.js";
import { AcmErrorStatus } from "./model/errors.generated.js";
import type { CertificateDetail, CertificateOptions, CertificateStatus, CertificateSummary, ExtendedKeyUsageName, KeyAlgorithm, KeyUsageName } from "./model/types.generated.js";

export const SERVICE = "acm";

export const acmError = createErrorFactory(AcmErrorStatus);
export const validationError = (message: string): AwsServiceError => acmError("ValidationException", message);

/** A certificate row's `data`. Times are epoch milliseconds; the key is sealed by the entry's KeyVault. */
export interface CertificateData {
  Type: "IMPORTED" | "PRIVATE";
  DomainName: string;
  SubjectAlternativeNames: string[];
  Serial: string;
  Subject: string;
  Issuer: string;
  NotBefore: number;
  NotAfter: number;
  KeyAlgorithm: KeyAlgorithm;
  SignatureAlgorithm: string;
  KeyUsages: KeyUsageName[];
  ExtendedKeyUsages: Array<{ Name: ExtendedKeyUsageName; OID: string }>;
  CertificatePem: string;
  /** The chain above the certificate (intermediates and root), PEM; "" when none was given. */
  ChainPem: string;
  SealedKey: string;
  ImportedAt?: number;
  IssuedAt?: number;
  /** Private certificates: the CA that issues and renews them. */
  CertificateAuthorityArn?: string;
  Options?: CertificateOptions;
  IdempotencyToken?: string;
  /** When a renewal last replaced the certificate. */
  RenewedAt?: number;
}

export type CertificateRow = AwsResourceRow & { data: CertificateData };

export const certificateKey = (id: string): AwsResourceKey => ({ service: SERVICE, kind: "certificate", id });
export const certificateArn = (context: StandInContext, id: string) => `arn:aws:acm:${context.region}:${context.accountId}:certificate/${id}`;

/** Every write to certificates is guarded by, and bumps, this scope: the xDS cache follows it for ACM material. */
export const acmScope = SERVICE;

export const certificateChange = (arn: string, action: ChangeEntry["action"], at: number): ChangeEntry => ({ scope: acmScope, action, kind: "certificate", meshName: "", parentName: "", name: arn, at });

/** The certificate id an ARN names here; InvalidArnException for what is no ACM certificate ARN of this account and region. */
export function certificateIdOf(context: StandInContext, arn: string): string {
  const prefix = `arn:aws:acm:${context.region}:${context.accountId}:certificate/`;
  const id = arn.startsWith(prefix) ? arn.slice(prefix.length) : "";
  if (!/^[0-9a-f-]{36}$/.test(id)) throw acmError("InvalidArnException", `${arn} is not the ARN of a certificate of account ${context.accountId} in ${context.region}.`);
  return id;
}

const keyUsageNames: ReadonlyArray<[number, KeyUsageName]> = [
  [pcaX509.x509.KeyUsageFlags.digitalSignature, "DIGITAL_SIGNATURE"],
  [pcaX509.x509.KeyUsageFlags.nonRepudiation, "NON_REPUDIATION"],
  [pcaX509.x509.KeyUsageFlags.keyEncipherment, "KEY_ENCIPHERMENT"],
  [pcaX509.x509.KeyUsageFlags.dataEncipherment, "DATA_ENCIPHERMENT"],
  [pcaX509.x509.KeyUsageFlags.keyAgreement, "KEY_AGREEMENT"],
  [pcaX509.x509.KeyUsageFlags.keyCertSign, "CERTIFICATE_SIGNING"],
  [pcaX509.x509.KeyUsageFlags.cRLSign, "CRL_SIGNING"],
  [pcaX509.x509.KeyUsageFlags.encipherOnly, "ENCIPHER_ONLY"],
  [pcaX509.x509.KeyUsageFlags.decipherOnly, "DECIPHER_ONLY"],
];

const extendedKeyUsageNames: Readonly<Record<string, ExtendedKeyUsageName>> = {
  "1.3.6.1.5.5.7.3.1": "TLS_WEB_SERVER_AUTHENTICATION",
  "1.3.6.1.5.5.7.3.2": "TLS_WEB_CLIENT_AUTHENTICATION",
  "1.3.6.1.5.5.7.3.3": "CODE_SIGNING",
  "1.3.6.1.5.5.7.3.4": "EMAIL_PROTECTION",
  "1.3.6.1.5.5.7.3.8": "TIME_STAMPING",
  "1.3.6.1.5.5.7.3.9": "OCSP_SIGNING",
  "1.3.6.1.5.5.7.3.5": "IPSEC_END_SYSTEM",
  "1.3.6.1.5.5.7.3.6": "IPSEC_TUNNEL",
  "1.3.6.1.5.5.7.3.7": "IPSEC_USER",
};

/** What ACM shows of a certificate, read from it. Throws ValidationException for a certificate it cannot read. */
export function describeX509(pem: string): Omit<CertificateData, "Type" | "CertificatePem" | "ChainPem" | "SealedKey"> {
  const certificate = pcaX509.parseCertificate(pem);
  const keyAlgorithm = pcaX509.keyAlgorithmOf(certificate.publicKey);
  if (!keyAlgorithm) throw validationError("The certificate's key is not one ACM supports (RSA 1024-4096 bits, EC P-256/P-384/P-521).");
  const names = pcaX509.subjectAlternativeNamesOf(certificate).filter((name) => name.type === "dns").map((name) => name.value);
  const domainName = pcaX509.commonNameOf(certificate) ?? names[0] ?? "";
  const usages = certificate.getExtension(pcaX509.x509.KeyUsagesExtension)?.usages ?? 0;
  const extended = certificate.getExtension(pcaX509.x509.ExtendedKeyUsageExtension)?.usages ?? [];
  const algorithm = certificate.signatureAlgorithm as { name: string; hash?: { name: string } };
  const hash = (algorithm.hash?.name ?? "SHA-256").replace("-", "");
  return {
    DomainName: domainName,
    SubjectAlternativeNames: names.length > 0 ? names : domainName ? [domainName] : [],
    Serial: pcaX509.colonSerial(certificate.serialNumber),
    Subject: certificate.subject,
    Issuer: certificate.issuer,
    NotBefore: certificate.notBefore.getTime(),
    NotAfter: certificate.notAfter.getTime(),
    KeyAlgorithm: keyAlgorithm,
    SignatureAlgorithm: `${hash}WITH${algorithm.name === "ECDSA" ? "ECDSA" : "RSA"}`,
    KeyUsages: keyUsageNames.filter(([flag]) => (usages & flag) !== 0).map(([, name]) => name),
    ExtendedKeyUsages: extended.map((oid) => ({ Name: extendedKeyUsageNames[String(oid)] ?? "CUSTOM", OID: String(oid) })),
  };
}

export const statusOf = (row: CertificateRow, now: number): CertificateStatus => (row.data.NotAfter <= now ? "EXPIRED" : "ISSUED");

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

export function toCertificateDetail(context: StandInContext, row: CertificateRow): CertificateDetail {
  const data = row.data;
  const renewedAt = seconds(data.RenewedAt);
  return {
    CertificateArn: certificateArn(context, row.id),
    DomainName: data.DomainName,
    SubjectAlternativeNames: data.SubjectAlternativeNames,
    Serial: data.Serial,
    Subject: data.Subject,
    Issuer: data.Issuer,
    CreatedAt: row.createdAt / 1000,
    ...(data.ImportedAt !== undefined ? { ImportedAt: seconds(data.ImportedAt) } : {}),
    ...(data.IssuedAt !== undefined ? { IssuedAt: seconds(data.IssuedAt) } : {}),
    Status: statusOf(row, context.now()),
    NotBefore: data.NotBefore / 1000,
    NotAfter: data.NotAfter / 1000,
    KeyAlgorithm: data.KeyAlgorithm,
    SignatureAlgorithm: data.SignatureAlgorithm,
    InUseBy: [],
    Type: data.Type,
    KeyUsages: data.KeyUsages.map((Name) => ({ Name })),
    ExtendedKeyUsages: data.ExtendedKeyUsages,
    ...(data.CertificateAuthorityArn ? { CertificateAuthorityArn: data.CertificateAuthorityArn } : {}),
    RenewalEligibility: data.Type === "PRIVATE" ? "ELIGIBLE" : "INELIGIBLE",
    ...(renewedAt !== undefined ? { RenewalSummary: { RenewalStatus: "SUCCESS", DomainValidationOptions: [], UpdatedAt: renewedAt } } : {}),
    ...(data.Options ? { Options: data.Options } : {}),
  };
}

export function toCertificateSummary(context: StandInContext, row: CertificateRow): CertificateSummary {
  const data = row.data;
  return {
    CertificateArn: certificateArn(context, row.id),
    DomainName: data.DomainName,
    SubjectAlternativeNameSummaries: data.SubjectAlternativeNames.slice(0, 100),
    HasAdditionalSubjectAlternativeNames: data.SubjectAlternativeNames.length > 100,
    Status: statusOf(row, context.now()),
    Type: data.Type,
    KeyAlgorithm: data.KeyAlgorithm,
    KeyUsages: data.KeyUsages,
    ExtendedKeyUsages: data.ExtendedKeyUsages.map((usage) => usage.Name),
    ExportOption: data.Options?.Export ?? "DISABLED",
    InUse: false,
    Exported: false,
    RenewalEligibility: data.Type === "PRIVATE" ? "ELIGIBLE" : "INELIGIBLE",
    NotBefore: data.NotBefore / 1000,
    NotAfter: data.NotAfter / 1000,
    CreatedAt: row.createdAt / 1000,
    ...(data.ImportedAt !== undefined ? { ImportedAt: data.ImportedAt / 1000 } : {}),
    ...(data.IssuedAt !== undefined ? { IssuedAt: data.IssuedAt / 1000 } : {}),
  };
}
