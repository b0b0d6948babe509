// ACM's private certificates: RequestCertificate with a CertificateAuthorityArn (what App Mesh users did for mesh
// TLS) has ACM generate the key pair and the Private CA sign the certificate; RenewCertificate, and the automatic
// renewal ACM runs 60 days before expiry, issue a fresh key and certificate under the same ARN, so the proxies
// using it get the new material. Public certificates (DNS or e-mail validation) cannot be issued here.
import type { NewAwsResourceRow } from "../../../db/store.js";
import { pcaX509, type Issuer } from "../acm-pca/index.js";
import { tagUid, type HandlerSet, type KeyVault, type StandInContext, type WriteContext } from "../shared/index.js";
import type { AcmOperations } from "./model/operations.generated.js";
import { MAX_CERTIFICATES, MAX_TAGS, toTagRows } from "./certificates.js";
import {
  SERVICE,
  acmError,
  acmScope,
  certificateArn,
  certificateChange,
  certificateIdOf,
  certificateKey,
  describeX509,
  type CertificateData,
  type CertificateRow,
} from "./records.js";

type Ops = AcmOperations;

/** Validity of ACM's private certificates: 13 months (395 days), never past the CA's own. */
const PRIVATE_VALIDITY_MS = 395 * 24 * 3600 * 1000;
/** ACM renews managed certificates this long before they expire. */
export const RENEWAL_WINDOW_MS = 60 * 24 * 3600 * 1000;
/** ACM answers a RequestCertificate retry with the same token for the same domain within an hour with the same ARN. */
const IDEMPOTENCY_WINDOW_MS = 3600 * 1000;

interface Issuance {
  authorityArn: string;
  domainName: string;
  names: string[];
  keyAlgorithm: pcaX509.KeyAlgorithm;
}

export function privateCertificateHandlers(context: StandInContext, vault: KeyVault, issuer: Issuer) {
  /** A new key pair and certificate for `issuance`: the certificate's data and the CA's row of what it issued. */
  async function issue(issuance: Issuance): Promise<{ data: Omit<CertificateData, "IdempotencyToken" | "Options">; issuedRow: NewAwsResourceRow }> {
    const authority = await issuer.loadAuthority(issuance.authorityArn).catch(() => {
      throw acmError("InvalidArnException", `No private certificate authority ${issuance.authorityArn} exists.`);
    });
    const keys = await pcaX509.generateKeyPair(issuance.keyAlgorithm);
    const now = context.now();
    const notAfter = new Date(Math.min(now + PRIVATE_VALIDITY_MS, authority.data.NotAfter));
    const issued = await issuer
      .issue({
        authorityArn: issuance.authorityArn,
        publicKey: keys.publicKey,
        // A common name holds at most 64 characters; the names are in the subject alternative names either way.
        subject: issuance.domainName.length <= 64 ? [{ CN: [issuance.domainName] }] : [],
        names: issuance.names.map((value) => ({ type: "dns" as const, value })),
        notBefore: new Date(now),
        notAfter,
      })
      .catch((error: unknown) => {
        throw acmError("InvalidStateException", `The certificate authority could not issue the certificate: ${error instanceof Error ? error.message : String(error)}`);
      });
    const data = {
      ...describeX509(issued.certificatePem),
      Type: "PRIVATE" as const,
      CertificatePem: issued.certificatePem,
      ChainPem: issued.chainPem,
      SealedKey: await vault.seal(await pcaX509.exportPrivateKeyPem(keys.privateKey)),
      IssuedAt: now,
      CertificateAuthorityArn: issuance.authorityArn,
    };
    return { data, issuedRow: issued.row };
  }

  /**
   * Re-issues a private certificate under its ARN (a renewal); `onlyIfLater` skips one that would not outlive the old.
   * `write` is a RenewCertificate call's (its audit entry); the managed renewal has none.
   */
  async function renew(row: CertificateRow, write: WriteContext, onlyIfLater = false): Promise<void> {
    await context.commit([acmScope], async () => {
      const current = (await context.store.getAwsResource(certificateKey(row.id))) as CertificateRow | null;
      if (!current || current.data.Type !== "PRIVATE") throw acmError("ResourceNotFoundException", `No private certificate ${certificateArn(context, row.id)} exists.`);
      const { data, issuedRow } = await issue({
        authorityArn: current.data.CertificateAuthorityArn!,
        domainName: current.data.DomainName,
        names: current.data.SubjectAlternativeNames,
        keyAlgorithm: current.data.KeyAlgorithm as pcaX509.KeyAlgorithm,
      });
      const now = context.now();
      // The CA's own expiry caps a renewal: renewing again would change nothing but the key.
      if (onlyIfLater && data.NotAfter <= current.data.NotAfter) return { batch: null, response: undefined };
      const renewed: NewAwsResourceRow = { ...current, data: { ...current.data, ...data, RenewedAt: now } satisfies CertificateData, updatedAt: now };
      return { batch: { expect: [], putAwsResources: [renewed, issuedRow], changes: [certificateChange(certificateArn(context, row.id), "update", now)] }, response: undefined };
    }, write);
  }

  const handlers = {
    async RequestCertificate(input, write) {
      if (input.CertificateAuthorityArn === undefined) {
        throw acmError("InvalidParameterException", "meshplane issues private certificates only: pass --certificate-authority-arn of a meshplane Private CA.");
      }
      if (!vault.canSeal) throw acmError("InvalidParameterException", vault.refusal ?? "Private keys cannot be stored.");
      const keyAlgorithm = input.KeyAlgorithm ?? "RSA_2048";
      if (keyAlgorithm === "RSA_1024") throw acmError("InvalidParameterException", "RSA_1024 keys are for imported certificates only.");
      const names = [...new Set([input.DomainName, ...(input.SubjectAlternativeNames ?? [])])];
      const tags = toTagRows(input.Tags ?? []);
      if (tags.length > MAX_TAGS) throw acmError("TooManyTagsException", `A certificate can have at most ${MAX_TAGS} tags.`);
      const authorityArn = input.CertificateAuthorityArn;
      return context.commit([acmScope], async () => {
        const now = context.now();
        const rows = (await context.store.listAwsResources({ service: SERVICE, kind: "certificate", afterSeq: 0, limit: MAX_CERTIFICATES })) as CertificateRow[];
        const replay = input.IdempotencyToken
          ? rows.find((row) => row.data.IdempotencyToken === input.IdempotencyToken && row.data.DomainName === input.DomainName && row.createdAt > now - IDEMPOTENCY_WINDOW_MS)
          : undefined;
        if (replay) return { batch: null, response: { CertificateArn: certificateArn(context, replay.id) } };
        if (rows.length >= MAX_CERTIFICATES) throw acmError("LimitExceededException", `The account already has ${MAX_CERTIFICATES} certificates.`);
        const { data, issuedRow } = await issue({ authorityArn, domainName: input.DomainName, names, keyAlgorithm });
        const id = crypto.randomUUID();
        const full: CertificateData = { ...data, ...(input.Options ? { Options: input.Options } : {}), ...(input.IdempotencyToken ? { IdempotencyToken: input.IdempotencyToken } : {}) };
        const row: NewAwsResourceRow = { ...certificateKey(id), parentId: "", name: "", data: full, createdAt: now, updatedAt: now };
        const arn = certificateArn(context, id);
        return {
          batch: { expect: [], putAwsResources: [row, issuedRow], ...(tags.length > 0 ? { setTags: [{ uid: tagUid(row), tags }] } : {}), changes: [certificateChange(arn, "create", now)] },
          response: { CertificateArn: arn },
        };
      }, write);
    },
    async RenewCertificate(input, write) {
      const row = (await context.store.getAwsResource(certificateKey(certificateIdOf(context, input.CertificateArn)))) as CertificateRow | null;
      if (!row) throw acmError("ResourceNotFoundException", `No certificate ${input.CertificateArn} exists.`);
      if (row.data.Type !== "PRIVATE") throw acmError("ValidationException", "Only private certificates (issued by a Private CA) can be renewed on request.");
      await renew(row, write);
      const done: Record<string, never> = {};
      return done;
    },
  } satisfies HandlerSet<Ops, "RequestCertificate" | "RenewCertificate">;

  /** Renews every private certificate within RENEWAL_WINDOW_MS of its expiry; returns how many it renewed. */
  async function renewDue(): Promise<number> {
    const rows = (await context.store.listAwsResources({ service: SERVICE, kind: "certificate", afterSeq: 0, limit: MAX_CERTIFICATES })) as CertificateRow[];
    const due = rows.filter((row) => row.data.Type === "PRIVATE" && row.data.NotAfter - RENEWAL_WINDOW_MS <= context.now());
    for (const row of due) await renew(row, {}, true);
    return due.length;
  }

  return { handlers, renewDue };
}
