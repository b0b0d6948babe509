// ACM certificates: import (and re-import under the same ARN), describe, get, list, delete, and tags. Every change
// is a batch guarded by and bumping the `acm` scope with a change-log entry naming the certificate, which is how the
// xDS cache hears that the material behind a listener or client policy changed.
import type { NewAwsResourceRow, TagRow } from "../../../db/store.js";
import { pcaX509 } from "../acm-pca/index.js";
import { decodePageToken, encodePageToken, mergeTags, tagUid, type HandlerSet, type KeyVault, type StandInContext, type WriteContext } from "../shared/index.js";
import type { AcmOperations } from "./model/operations.generated.js";
import type { KeyAlgorithm, Tag } from "./model/types.generated.js";
import { parsePrivateKey } from "./private-keys.js";
import {
  SERVICE,
  acmError,
  acmScope,
  certificateArn,
  certificateChange,
  certificateIdOf,
  certificateKey,
  describeX509,
  statusOf,
  toCertificateDetail,
  toCertificateSummary,
  validationError,
  type CertificateData,
  type CertificateRow,
} from "./records.js";

type Ops = AcmOperations;

/** ACM's limits: tags per certificate, and (meshplane's read bound) certificates per account. */
export const MAX_TAGS = 50;
export const MAX_CERTIFICATES = 2500;

export const toTagRows = (tags: readonly Tag[]): TagRow[] => mergeTags([], tags.map((tag) => ({ key: tag.Key, value: tag.Value ?? "" })));
const toTags = (rows: readonly TagRow[]): Tag[] => rows.map((row) => (row.value === "" ? { Key: row.key } : { Key: row.key, Value: row.value }));

const decodeBlob = (blob: string): string => new TextDecoder().decode(Uint8Array.from(atob(blob), (c) => c.charCodeAt(0)));

/** Without Includes.keyTypes ACM lists only RSA_1024 and RSA_2048 certificates (its ListCertificates documentation). */
const defaultKeyTypes: readonly KeyAlgorithm[] = ["RSA_1024", "RSA_2048"];

export function certificateHandlers(context: StandInContext, vault: KeyVault) {
  async function load(arn: string): Promise<CertificateRow> {
    const row = (await context.store.getAwsResource(certificateKey(certificateIdOf(context, arn)))) as CertificateRow | null;
    if (!row) throw acmError("ResourceNotFoundException", `No certificate ${arn} exists.`);
    return row;
  }

  async function retag(arn: string, change: (current: TagRow[]) => TagRow[], write: WriteContext): Promise<Record<string, never>> {
    return context.commit([acmScope], async () => {
      const row = await load(arn);
      const tags = change(await context.store.getTags(tagUid(row)));
      if (tags.length > MAX_TAGS) throw acmError("TooManyTagsException", `A certificate can have at most ${MAX_TAGS} tags.`);
      const done: Record<string, never> = {};
      return { batch: { expect: [], setTags: [{ uid: tagUid(row), tags }] }, response: done };
    }, write);
  }

  return {
    async ImportCertificate(input, write) {
      if (!vault.canSeal) throw acmError("InvalidParameterException", vault.refusal ?? "Private keys cannot be stored.");
      const certificatePem = decodeBlob(input.Certificate);
      let certificate: pcaX509.x509.X509Certificate;
      try {
        certificate = pcaX509.parseCertificate(certificatePem);
      } catch {
        throw validationError("The certificate is not a PEM-encoded X.509 certificate.");
      }
      const described = describeX509(certificate.toString("pem"));
      const privateKey = await parsePrivateKey(decodeBlob(input.PrivateKey), certificate, described.KeyAlgorithm as pcaX509.KeyAlgorithm);
      let chainPem = "";
      if (input.CertificateChain !== undefined) {
        try {
          chainPem = new pcaX509.x509.X509Certificates(decodeBlob(input.CertificateChain)).map((link) => link.toString("pem")).join("\n");
        } catch {
          throw validationError("The certificate chain is not a list of PEM-encoded X.509 certificates.");
        }
      }
      const tags = toTagRows(input.Tags ?? []);
      if (tags.length > MAX_TAGS) throw acmError("TooManyTagsException", `A certificate can have at most ${MAX_TAGS} tags.`);
      const sealed = await vault.seal(privateKey);
      return context.commit([acmScope], async () => {
        const now = context.now();
        const existing = input.CertificateArn !== undefined ? await load(input.CertificateArn) : undefined;
        if (existing && existing.data.Type !== "IMPORTED") throw acmError("InvalidParameterException", "Only imported certificates can be re-imported.");
        if (existing && tags.length > 0) throw acmError("InvalidParameterException", "Tags cannot be given when re-importing a certificate.");
        if (!existing && (await context.store.countAwsResources({ service: SERVICE, kind: "certificate" })) >= MAX_CERTIFICATES) throw acmError("LimitExceededException", `The account already has ${MAX_CERTIFICATES} certificates.`);
        const id = existing?.id ?? crypto.randomUUID();
        const data: CertificateData = { ...described, Type: "IMPORTED", CertificatePem: certificate.toString("pem"), ChainPem: chainPem, SealedKey: sealed, ImportedAt: now };
        const row: NewAwsResourceRow = { ...certificateKey(id), parentId: "", name: "", data, createdAt: existing?.createdAt ?? now, updatedAt: now };
        const arn = certificateArn(context, id);
        return {
          batch: { expect: [], putAwsResources: [row], ...(tags.length > 0 ? { setTags: [{ uid: tagUid(row), tags }] } : {}), changes: [certificateChange(arn, existing ? "update" : "create", now)] },
          response: { CertificateArn: arn },
        };
      }, write);
    },
    async DescribeCertificate(input) {
      return { Certificate: toCertificateDetail(context, await load(input.CertificateArn)) };
    },
    async GetCertificate(input) {
      const row = await load(input.CertificateArn);
      return { Certificate: row.data.CertificatePem, ...(row.data.ChainPem ? { CertificateChain: row.data.ChainPem } : {}) };
    },
    async ListCertificates(input) {
      const collection = `ListCertificates:${JSON.stringify([input.CertificateStatuses, input.Includes, input.SortBy, input.SortOrder])}`;
      const offset = decodePageToken(collection, input.NextToken);
      if (offset === undefined) throw acmError("InvalidArgsException", "The NextToken is not valid for this request.");
      const now = context.now();
      const includes = input.Includes ?? {};
      const keyTypes = includes.keyTypes ?? defaultKeyTypes;
      const rows = ((await context.store.listAwsResources({ service: SERVICE, kind: "certificate", afterSeq: 0, limit: MAX_CERTIFICATES })) as CertificateRow[]).filter(
        (row) =>
          (!input.CertificateStatuses || input.CertificateStatuses.includes(statusOf(row, now))) &&
          keyTypes.includes(row.data.KeyAlgorithm) &&
          (includes.keyUsage ?? []).every((usage) => usage === "ANY" || row.data.KeyUsages.includes(usage)) &&
          (includes.extendedKeyUsage ?? []).every((usage) => usage === "ANY" || row.data.ExtendedKeyUsages.some((held) => held.Name === usage)) &&
          (includes.exportOption === undefined || (row.data.Options?.Export ?? "DISABLED") === includes.exportOption) &&
          includes.managedBy === undefined,
      );
      if (input.SortOrder === "DESCENDING") rows.reverse();
      const limit = input.MaxItems ?? 1000;
      const page = rows.slice(offset, offset + limit);
      return {
        CertificateSummaryList: page.map((row) => toCertificateSummary(context, row)),
        ...(offset + limit < rows.length ? { NextToken: encodePageToken(collection, offset + limit) } : {}),
      };
    },
    async DeleteCertificate(input, write) {
      return context.commit([acmScope], async () => {
        const row = await load(input.CertificateArn);
        const done: Record<string, never> = {};
        return {
          batch: { expect: [], deleteAwsResources: [certificateKey(row.id)], setTags: [{ uid: tagUid(row), tags: [] }], changes: [certificateChange(input.CertificateArn, "delete", context.now())] },
          response: done,
        };
      }, write);
    },
    AddTagsToCertificate: (input, write) => retag(input.CertificateArn, (current) => mergeTags(current, toTagRows(input.Tags)), write),
    // A tag given with a value is removed only when the value matches, as ACM does.
    RemoveTagsFromCertificate: (input, write) =>
      retag(input.CertificateArn, (current) => current.filter((tag) => !input.Tags.some((gone) => gone.Key === tag.key && (gone.Value === undefined || gone.Value === tag.value))), write),
    async ListTagsForCertificate(input) {
      const row = await load(input.CertificateArn);
      return { Tags: toTags(await context.store.getTags(tagUid(row))) };
    },
  } satisfies HandlerSet<
    Ops,
    | "ImportCertificate"
    | "DescribeCertificate"
    | "GetCertificate"
    | "ListCertificates"
    | "DeleteCertificate"
    | "AddTagsToCertificate"
    | "RemoveTagsFromCertificate"
    | "ListTagsForCertificate"
  >;
}

export type CertificateLoader = (arn: string) => Promise<CertificateRow>;
