// How ACM Private CA's resources are stored (rows of aws_resources) and rendered: certificate authorities (kind
// `authority`, id a UUID) and the certificates they issued (kind `certificate`, parent the CA, id the serial in hex).
// ARNs: arn:aws:acm-pca:<region>:<account>:certificate-authority/<id>[/certificate/<serial>].
import type { AwsResourceKey, AwsResourceRow } from "../../../db/store.js";
import { AwsServiceError, createErrorFactory, type StandInContext } from "../shared/index.js";
import { AcmPcaErrorStatus } from "./model/errors.generated.js";
import type {
  CertificateAuthority,
  CertificateAuthorityConfiguration,
  CertificateAuthorityStatus,
  CertificateAuthorityUsageMode,
  KeyStorageSecurityStandard,
  RevocationConfiguration,
} from "./model/types.generated.js";

export const SERVICE = "acm-pca";

export const pcaError = createErrorFactory(AcmPcaErrorStatus);
/** Model violations: Private CA's front end answers ValidationException, which its model does not list. */
export const validationError = (message: string) => new AwsServiceError("ValidationException", 400, message);

/** A CA row's `data`. Times are epoch milliseconds; the key is sealed by the entry's KeyVault. */
export interface AuthorityData {
  Type: "ROOT";
  Status: CertificateAuthorityStatus;
  Configuration: CertificateAuthorityConfiguration;
  RevocationConfiguration?: RevocationConfiguration;
  UsageMode: CertificateAuthorityUsageMode;
  KeyStorageSecurityStandard: KeyStorageSecurityStandard;
  /** Colon-separated hex, as DescribeCertificateAuthority shows it. */
  Serial: string;
  NotBefore: number;
  NotAfter: number;
  LastStateChangeAt: number;
  RestorableUntil?: number;
  CertificatePem: string;
  SealedKey: string;
  IdempotencyToken?: string;
}

/** An issued certificate's `data`. */
export interface IssuedCertificateData {
  CertificatePem: string;
  IssuedAt: number;
  IdempotencyToken?: string;
}

export type AuthorityRow = AwsResourceRow & { data: AuthorityData };
export type IssuedCertificateRow = AwsResourceRow & { data: IssuedCertificateData };

export const authorityKey = (id: string): AwsResourceKey => ({ service: SERVICE, kind: "authority", id });
export const issuedKey = (serialHex: string): AwsResourceKey => ({ service: SERVICE, kind: "certificate", id: serialHex });

/** Revision scopes: the account (creating CAs, and what the xDS cache follows for trust), and each CA (its issuance). */
export const scopes = { account: SERVICE, authority: (id: string) => `${SERVICE}/authority/${id}` } as const;

export const authorityArn = (context: StandInContext, id: string) => `arn:aws:acm-pca:${context.region}:${context.accountId}:certificate-authority/${id}`;
export const issuedArn = (context: StandInContext, authorityId: string, serialHex: string) => `${authorityArn(context, authorityId)}/certificate/${serialHex}`;

/** The CA id an ARN names here; undefined for an ARN of another account, region or kind. */
export function authorityIdOf(context: StandInContext, arn: string): string | undefined {
  const match = /^certificate-authority\/([0-9a-f-]{36})$/.exec(arn.slice(`arn:aws:acm-pca:${context.region}:${context.accountId}:`.length));
  return arn.startsWith(`arn:aws:acm-pca:${context.region}:${context.accountId}:`) ? match?.[1] : undefined;
}

/** The CA id and serial a certificate ARN names here. */
export function issuedOf(context: StandInContext, arn: string): { authorityId: string; serial: string } | undefined {
  const match = /^(arn:.*)\/certificate\/([0-9a-f]+)$/.exec(arn);
  const authorityId = match ? authorityIdOf(context, match[1]!) : undefined;
  return authorityId && match ? { authorityId, serial: match[2]! } : undefined;
}

/** A CA whose deletion's restore window has passed no longer exists. */
export const isGone = (row: AuthorityRow, now: number) => row.data.Status === "DELETED" && (row.data.RestorableUntil ?? 0) <= now;

/** Whether a CA may sign: ACTIVE and within its validity. */
export const canIssue = (row: AuthorityRow, now: number) => row.data.Status === "ACTIVE" && row.data.NotAfter > now;

export function toCertificateAuthority(context: StandInContext, row: AuthorityRow): CertificateAuthority {
  const data = row.data;
  const seconds = (ms: number) => ms / 1000;
  const expired = data.Status === "ACTIVE" && data.NotAfter <= context.now();
  return {
    Arn: authorityArn(context, row.id),
    OwnerAccount: context.accountId,
    CreatedAt: seconds(row.createdAt),
    LastStateChangeAt: seconds(data.LastStateChangeAt),
    Type: data.Type,
    Serial: data.Serial,
    Status: expired ? "EXPIRED" : data.Status,
    NotBefore: seconds(data.NotBefore),
    NotAfter: seconds(data.NotAfter),
    CertificateAuthorityConfiguration: data.Configuration,
    ...(data.RevocationConfiguration ? { RevocationConfiguration: data.RevocationConfiguration } : {}),
    ...(data.RestorableUntil !== undefined && data.Status === "DELETED" ? { RestorableUntil: seconds(data.RestorableUntil) } : {}),
    KeyStorageSecurityStandard: data.KeyStorageSecurityStandard,
    UsageMode: data.UsageMode,
  };
}
