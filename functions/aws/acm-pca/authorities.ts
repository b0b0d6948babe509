// Private CA certificate authorities: a ROOT CA's key pair is generated here and kept sealed, its self-signed
// certificate made at once, so a new CA is ACTIVE (Private CA itself waits for the certificate to be installed).
// Disabling, deleting (restorable for PermanentDeletionTimeInDays), restoring and tags, as Private CA has them.
import type { ChangeEntry, NewAwsResourceRow } from "../../../db/store.js";
import { decodePageToken, encodePageToken, mergeTags, tagUid, type HandlerSet, type KeyVault, type StandInContext, type WriteContext } from "../shared/index.js";
import type { AcmPcaOperations } from "./model/operations.generated.js";
import type { Tag } from "./model/types.generated.js";
import type { Issuer } from "./issuance.js";
import {
  SERVICE,
  authorityArn,
  authorityKey,
  isGone,
  pcaError,
  scopes,
  toCertificateAuthority,
  type AuthorityData,
  type AuthorityRow,
} from "./records.js";
import {
  colonSerial,
  exportPrivateKeyPem,
  familyOf,
  generateKeyPair,
  isKeyAlgorithm,
  isSigningAlgorithm,
  nameOf,
  randomSerial,
  selfSignedAuthority,
  signingAlgorithms,
  signingParams,
} from "./x509.js";

type Ops = AcmPcaOperations;

/** Private CA's quota of CAs per account and region, and of tags per CA. */
export const MAX_AUTHORITIES = 200;
export const MAX_TAGS = 50;
/** How long a root CA made here is valid. */
const ROOT_VALIDITY_YEARS = 10;

const toTagRows = (tags: readonly Tag[]) => mergeTags([], tags.map((tag) => ({ key: tag.Key, value: tag.Value ?? "" })));
const toTags = (rows: ReadonlyArray<{ key: string; value: string }>): Tag[] => rows.map((row) => (row.value === "" ? { Key: row.key } : { Key: row.key, Value: row.value }));

/** The change-log entry of a change to a CA: the xDS cache re-reads meshes whose TLS trusts Private CAs. */
const authorityChange = (arn: string, action: ChangeEntry["action"], at: number): ChangeEntry => ({ scope: scopes.account, action, kind: "certificateAuthority", meshName: "", parentName: "", name: arn, at });

export function authorityHandlers(context: StandInContext, vault: KeyVault, issuer: Issuer) {
  /** Changes one CA under its scope, telling the xDS cache (the `acm-pca` scope) that trust may have changed. */
  async function change(arn: string, write: WriteContext, decide: (row: AuthorityRow) => AuthorityData | null) {
    const found = await issuer.loadAuthority(arn);
    return context.commit([scopes.authority(found.id), scopes.account], async () => {
      const row = await issuer.loadAuthority(arn);
      const data = decide(row);
      const done: Record<string, never> = {};
      if (data === null) return { batch: null, response: done };
      const at = context.now();
      const updated: NewAwsResourceRow = { ...row, data: { ...data, LastStateChangeAt: data.Status !== row.data.Status ? at : row.data.LastStateChangeAt }, updatedAt: at };
      return { batch: { expect: [], putAwsResources: [updated], changes: [authorityChange(arn, "update", at)] }, response: done };
    }, write);
  }

  return {
    async CreateCertificateAuthority(input, write) {
      const configuration = input.CertificateAuthorityConfiguration;
      if (input.CertificateAuthorityType !== "ROOT") throw pcaError("InvalidArgsException", "meshplane creates ROOT certificate authorities only.");
      if (!isKeyAlgorithm(configuration.KeyAlgorithm)) throw pcaError("InvalidArgsException", `meshplane does not generate ${configuration.KeyAlgorithm} keys.`);
      if (!isSigningAlgorithm(configuration.SigningAlgorithm)) throw pcaError("InvalidArgsException", `meshplane does not sign with ${configuration.SigningAlgorithm}.`);
      const keyAlgorithm = configuration.KeyAlgorithm;
      const { family, hash } = signingAlgorithms[configuration.SigningAlgorithm];
      if (family !== familyOf(keyAlgorithm)) throw pcaError("InvalidArgsException", `${configuration.SigningAlgorithm} does not fit a ${keyAlgorithm} key.`);
      if (nameOf({ ...configuration.Subject }).length === 0) throw pcaError("InvalidArgsException", "The CA's Subject needs at least one attribute.");
      const tags = toTagRows(input.Tags ?? []);
      if (tags.length > MAX_TAGS) throw pcaError("TooManyTagsException", `A certificate authority can have at most ${MAX_TAGS} tags.`);
      if (!vault.canSeal) throw pcaError("InvalidArgsException", vault.refusal ?? "Private keys cannot be stored.");
      return context.commit([scopes.account], async () => {
        const existing = (await context.store.listAwsResources({ service: SERVICE, kind: "authority", afterSeq: 0, limit: MAX_AUTHORITIES + 1 })) as AuthorityRow[];
        const now = context.now();
        // Private CA answers a retry with the same token within five minutes with the CA it created.
        const replay = input.IdempotencyToken ? existing.find((row) => row.data.IdempotencyToken === input.IdempotencyToken && row.createdAt > now - 5 * 60_000) : undefined;
        if (replay) return { batch: null, response: { CertificateAuthorityArn: authorityArn(context, replay.id) } };
        if (existing.filter((row) => !isGone(row, now)).length >= MAX_AUTHORITIES) throw pcaError("LimitExceededException", `The account already has ${MAX_AUTHORITIES} certificate authorities.`);
        const keys = await generateKeyPair(keyAlgorithm);
        const notBefore = new Date(now);
        const notAfter = new Date(now);
        notAfter.setUTCFullYear(notAfter.getUTCFullYear() + ROOT_VALIDITY_YEARS);
        const serial = randomSerial();
        const certificate = await selfSignedAuthority(keys, nameOf({ ...configuration.Subject }), serial, notBefore, notAfter, signingParams(family, hash));
        const id = crypto.randomUUID();
        const data: AuthorityData = {
          Type: "ROOT",
          Status: "ACTIVE",
          Configuration: configuration,
          ...(input.RevocationConfiguration ? { RevocationConfiguration: input.RevocationConfiguration } : {}),
          UsageMode: input.UsageMode ?? "GENERAL_PURPOSE",
          KeyStorageSecurityStandard: input.KeyStorageSecurityStandard ?? "FIPS_140_2_LEVEL_3_OR_HIGHER",
          Serial: colonSerial(serial),
          NotBefore: notBefore.getTime(),
          NotAfter: notAfter.getTime(),
          LastStateChangeAt: now,
          CertificatePem: certificate.toString("pem"),
          SealedKey: await vault.seal(await exportPrivateKeyPem(keys.privateKey)),
          ...(input.IdempotencyToken ? { IdempotencyToken: input.IdempotencyToken } : {}),
        };
        const row: NewAwsResourceRow = { ...authorityKey(id), parentId: "", name: "", data, createdAt: now, updatedAt: now };
        const arn = authorityArn(context, id);
        return {
          batch: { expect: [], putAwsResources: [row], setTags: tags.length > 0 ? [{ uid: tagUid(authorityKey(id)), tags }] : [], changes: [authorityChange(arn, "create", now)] },
          response: { CertificateAuthorityArn: arn },
        };
      }, write);
    },
    async DescribeCertificateAuthority(input) {
      return { CertificateAuthority: toCertificateAuthority(context, await issuer.loadAuthority(input.CertificateAuthorityArn)) };
    },
    async GetCertificateAuthorityCertificate(input) {
      const row = await issuer.loadAuthority(input.CertificateAuthorityArn);
      if (row.data.Status === "DELETED") throw pcaError("InvalidStateException", `Certificate authority ${input.CertificateAuthorityArn} is deleted.`);
      return { Certificate: row.data.CertificatePem };
    },
    async ListCertificateAuthorities(input) {
      const after = decodePageToken("ListCertificateAuthorities", input.NextToken);
      if (after === undefined) throw pcaError("InvalidNextTokenException", "The NextToken is not valid for this request.");
      if (input.ResourceOwner === "OTHER_ACCOUNTS") return { CertificateAuthorities: [] };
      const limit = input.MaxResults ?? 100;
      const rows = ((await context.store.listAwsResources({ service: SERVICE, kind: "authority", afterSeq: after, limit: limit + 1 })) as AuthorityRow[]).filter((row) => !isGone(row, context.now()));
      const page = rows.slice(0, limit);
      return {
        CertificateAuthorities: page.map((row) => toCertificateAuthority(context, row)),
        ...(rows.length > limit ? { NextToken: encodePageToken("ListCertificateAuthorities", page[page.length - 1]!.seq) } : {}),
      };
    },
    UpdateCertificateAuthority: (input, write) =>
      change(input.CertificateAuthorityArn, write, (row) => {
        if (row.data.Status === "DELETED") throw pcaError("InvalidStateException", `Certificate authority ${input.CertificateAuthorityArn} is deleted; restore it first.`);
        if (input.Status !== undefined && input.Status !== "ACTIVE" && input.Status !== "DISABLED") throw pcaError("InvalidArgsException", "A certificate authority's status can be set to ACTIVE or DISABLED.");
        return { ...row.data, ...(input.Status ? { Status: input.Status } : {}), ...(input.RevocationConfiguration ? { RevocationConfiguration: input.RevocationConfiguration } : {}) };
      }),
    DeleteCertificateAuthority: (input, write) =>
      change(input.CertificateAuthorityArn, write, (row) => {
        // Private CA refuses to delete an active CA: it must be disabled first.
        if (row.data.Status === "ACTIVE") throw pcaError("InvalidStateException", `Certificate authority ${input.CertificateAuthorityArn} is ACTIVE; disable it before deleting it.`);
        if (row.data.Status === "DELETED") return null;
        return { ...row.data, Status: "DELETED", RestorableUntil: context.now() + (input.PermanentDeletionTimeInDays ?? 30) * 24 * 3600 * 1000 };
      }),
    RestoreCertificateAuthority: (input, write) =>
      change(input.CertificateAuthorityArn, write, (row) => {
        if (row.data.Status !== "DELETED") throw pcaError("InvalidStateException", `Certificate authority ${input.CertificateAuthorityArn} is not deleted.`);
        const { RestorableUntil: _restorable, ...rest } = row.data;
        return { ...rest, Status: "DISABLED" };
      }),
    async TagCertificateAuthority(input, write) {
      const found = await issuer.loadAuthority(input.CertificateAuthorityArn);
      return context.commit([scopes.authority(found.id)], async () => {
        const uid = tagUid(authorityKey(found.id));
        const tags = mergeTags(await context.store.getTags(uid), toTagRows(input.Tags));
        if (tags.length > MAX_TAGS) throw pcaError("TooManyTagsException", `A certificate authority can have at most ${MAX_TAGS} tags.`);
        const done: Record<string, never> = {};
        return { batch: { expect: [], setTags: [{ uid, tags }] }, response: done };
      }, write);
    },
    async UntagCertificateAuthority(input, write) {
      const found = await issuer.loadAuthority(input.CertificateAuthorityArn);
      return context.commit([scopes.authority(found.id)], async () => {
        const uid = tagUid(authorityKey(found.id));
        // A tag given with a value is removed only when the value matches, as Private CA does.
        const tags = (await context.store.getTags(uid)).filter((tag) => !input.Tags.some((gone) => gone.Key === tag.key && (gone.Value === undefined || gone.Value === tag.value)));
        const done: Record<string, never> = {};
        return { batch: { expect: [], setTags: [{ uid, tags }] }, response: done };
      }, write);
    },
    async ListTags(input) {
      const found = await issuer.loadAuthority(input.CertificateAuthorityArn);
      return { Tags: toTags(await context.store.getTags(tagUid(authorityKey(found.id)))) };
    },
  } satisfies HandlerSet<
    Ops,
    | "CreateCertificateAuthority"
    | "DescribeCertificateAuthority"
    | "GetCertificateAuthorityCertificate"
    | "ListCertificateAuthorities"
    | "UpdateCertificateAuthority"
    | "DeleteCertificateAuthority"
    | "RestoreCertificateAuthority"
    | "TagCertificateAuthority"
    | "UntagCertificateAuthority"
    | "ListTags"
  >;
}
