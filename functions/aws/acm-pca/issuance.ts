// Signing with a Private CA: IssueCertificate from a CSR, GetCertificate, and the same issuance for ACM's private
// certificates (RequestCertificate, RenewCertificate), which give a public key and names instead of a CSR.
import type { NewAwsResourceRow } from "../../../db/store.js";
import type { HandlerSet, KeyVault, StandInContext } from "../shared/index.js";
import type { AcmPcaOperations } from "./model/operations.generated.js";
import type { Validity } from "./model/types.generated.js";
import {
  SERVICE,
  authorityIdOf,
  authorityKey,
  canIssue,
  isGone,
  issuedArn,
  issuedKey,
  issuedOf,
  pcaError,
  scopes,
  type AuthorityRow,
  type IssuedCertificateData,
  type IssuedCertificateRow,
} from "./records.js";
import {
  endEntityExtensions,
  familyOf,
  importPrivateKey,
  isKeyAlgorithm,
  isSigningAlgorithm,
  nameOf,
  parseCertificate,
  randomSerial,
  signCertificate,
  signingAlgorithms,
  signingParams,
  x509,
  type CryptoKey,
  type SigningAlgorithm,
} from "./x509.js";

type Ops = AcmPcaOperations;

/** Templates meshplane issues with (end-entity certificates); their extended key usages. */
const templates: Record<string, readonly string[]> = {
  "EndEntityCertificate/V1": [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
  "EndEntityServerAuthCertificate/V1": [x509.ExtendedKeyUsage.serverAuth],
  "EndEntityClientAuthCertificate/V1": [x509.ExtendedKeyUsage.clientAuth],
  "EndEntityCertificate_APIPassthrough/V1": [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
};

/** What one issuance needs besides the CA. */
export interface IssueRequest {
  authorityArn: string;
  publicKey: CryptoKey | x509.PublicKey;
  subject: x509.JsonName | string;
  names: x509.JsonGeneralName[];
  notBefore: Date;
  notAfter: Date;
  signingAlgorithm?: SigningAlgorithm;
  extendedKeyUsages?: readonly string[];
  idempotencyToken?: string;
}

export interface IssuedCertificate {
  arn: string;
  certificatePem: string;
  /** The chain up to the root: for meshplane's root CAs, the CA's certificate. */
  chainPem: string;
  /** The issued certificate's row, for the caller's batch. */
  row: NewAwsResourceRow;
  authority: AuthorityRow;
}

/** The end of a validity period starting at `from` (Private CA's Validity types). */
export function validityEnd(validity: Validity, from: Date): Date {
  const end = new Date(from);
  switch (validity.Type) {
    case "DAYS":
      end.setUTCDate(end.getUTCDate() + validity.Value);
      return end;
    case "MONTHS":
      end.setUTCMonth(end.getUTCMonth() + validity.Value);
      return end;
    case "YEARS":
      end.setUTCFullYear(end.getUTCFullYear() + validity.Value);
      return end;
    case "ABSOLUTE":
      return new Date(validity.Value * 1000);
    case "END_DATE": {
      // YYYYMMDDHHMMSS, as the model's documentation gives it.
      const text = String(validity.Value).padStart(14, "0");
      const parsed = Date.UTC(+text.slice(0, 4), +text.slice(4, 6) - 1, +text.slice(6, 8), +text.slice(8, 10), +text.slice(10, 12), +text.slice(12, 14));
      return new Date(parsed);
    }
  }
}

export function createIssuer(context: StandInContext, vault: KeyVault) {
  async function loadAuthority(arn: string): Promise<AuthorityRow> {
    const id = authorityIdOf(context, arn);
    const row = id === undefined ? null : ((await context.store.getAwsResource(authorityKey(id))) as AuthorityRow | null);
    if (!row || isGone(row, context.now())) throw pcaError("ResourceNotFoundException", `No certificate authority ${arn} exists.`);
    return row;
  }

  async function issue(request: IssueRequest): Promise<IssuedCertificate> {
    const authority = await loadAuthority(request.authorityArn);
    const now = context.now();
    if (!canIssue(authority, now)) throw pcaError("InvalidStateException", `Certificate authority ${request.authorityArn} is ${authority.data.Status} and cannot issue certificates.`);
    if (request.notAfter.getTime() > authority.data.NotAfter) throw pcaError("InvalidArgsException", "The validity of the certificate ends after the certificate authority's own.");
    if (request.notAfter.getTime() <= request.notBefore.getTime()) throw pcaError("InvalidArgsException", "The validity period ends before it begins.");
    const keyAlgorithm = authority.data.Configuration.KeyAlgorithm;
    if (!isKeyAlgorithm(keyAlgorithm)) throw pcaError("InvalidStateException", `meshplane cannot sign with ${keyAlgorithm} keys.`);
    const signing = request.signingAlgorithm ?? (authority.data.Configuration.SigningAlgorithm as SigningAlgorithm);
    const { family, hash } = signingAlgorithms[signing];
    if (family !== familyOf(keyAlgorithm)) throw pcaError("InvalidArgsException", `${signing} does not fit the certificate authority's ${keyAlgorithm} key.`);
    const key = await importPrivateKey(await vault.open(authority.data.SealedKey), keyAlgorithm, hash);
    const caCertificate = parseCertificate(authority.data.CertificatePem);
    const serial = randomSerial();
    const certificate = await signCertificate(
      { serialNumber: serial, subject: request.subject, publicKey: request.publicKey, notBefore: request.notBefore, notAfter: request.notAfter, extensions: endEntityExtensions(request.names, request.extendedKeyUsages) },
      { certificate: caCertificate, key, signing: signingParams(family, hash) },
    );
    const certificatePem = certificate.toString("pem");
    const data: IssuedCertificateData = { CertificatePem: certificatePem, IssuedAt: now, ...(request.idempotencyToken ? { IdempotencyToken: request.idempotencyToken } : {}) };
    const row: NewAwsResourceRow = { ...issuedKey(serial), parentId: authority.id, name: "", data, createdAt: now, updatedAt: now };
    return { arn: issuedArn(context, authority.id, serial), certificatePem, chainPem: authority.data.CertificatePem, row, authority };
  }

  /** The PEM of a CSR blob (base64 of PEM text, or of DER), parsed and with a valid signature. */
  async function parseCsr(blob: string): Promise<x509.Pkcs10CertificateRequest> {
    const bytes = Uint8Array.from(atob(blob), (c) => c.charCodeAt(0));
    const text = new TextDecoder().decode(bytes);
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(text.includes("-----BEGIN") ? text : bytes);
    } catch {
      throw pcaError("MalformedCSRException", "The CSR is not a PKCS#10 certificate request.");
    }
    if (!(await csr.verify().catch(() => false))) throw pcaError("MalformedCSRException", "The CSR's signature does not verify.");
    return csr;
  }

  const handlers = {
    async IssueCertificate(input, write) {
      const template = input.TemplateArn === undefined ? "EndEntityCertificate/V1" : /^arn:aws[\w-]*:acm-pca:::template\/(.+)$/.exec(input.TemplateArn)?.[1];
      const usages = template === undefined ? undefined : templates[template];
      if (!usages) throw pcaError("InvalidArgsException", `meshplane issues end-entity certificates only (templates ${Object.keys(templates).join(", ")}).`);
      const signingAlgorithm = input.SigningAlgorithm;
      if (!isSigningAlgorithm(signingAlgorithm)) throw pcaError("InvalidArgsException", `meshplane does not sign with ${signingAlgorithm}.`);
      const csr = await parseCsr(input.Csr);
      // The CSR's requested subject alternative names (getExtension by class does not find a CSR's extension).
      const csrNames = csr.extensions.find((extension) => extension instanceof x509.SubjectAlternativeNameExtension);
      const passthrough = (input.ApiPassthrough?.Extensions?.SubjectAlternativeNames ?? []).flatMap((name): x509.JsonGeneralName[] =>
        name.DnsName ? [{ type: "dns", value: name.DnsName }] : name.IpAddress ? [{ type: "ip", value: name.IpAddress }] : name.UniformResourceIdentifier ? [{ type: "url", value: name.UniformResourceIdentifier }] : name.Rfc822Name ? [{ type: "email", value: name.Rfc822Name }] : [],
      );
      const names = passthrough.length > 0 ? passthrough : csrNames ? new x509.SubjectAlternativeNameExtension(csrNames.rawData).names.toJSON() : [];
      const notBefore = input.ValidityNotBefore ? validityEnd(input.ValidityNotBefore, new Date(0)) : new Date(context.now());
      const found = await loadAuthority(input.CertificateAuthorityArn);
      return context.commit([scopes.authority(found.id)], async () => {
        if (input.IdempotencyToken) {
          // A retry within Private CA's five-minute window gets the certificate the first call issued.
          const recent = (await context.store.listAwsResources({ service: SERVICE, kind: "certificate", parentId: found.id, afterSeq: 0, limit: 1000 })) as IssuedCertificateRow[];
          const replay = recent.find((row) => row.data.IdempotencyToken === input.IdempotencyToken && row.createdAt > context.now() - 5 * 60_000);
          if (replay) return { batch: null, response: { CertificateArn: issuedArn(context, found.id, replay.id) } };
        }
        const issued = await issue({
          authorityArn: input.CertificateAuthorityArn,
          publicKey: csr.publicKey,
          subject: input.ApiPassthrough?.Subject ? nameOf({ ...input.ApiPassthrough.Subject }) : csr.subject,
          names,
          notBefore,
          notAfter: validityEnd(input.Validity, notBefore),
          signingAlgorithm,
          extendedKeyUsages: usages,
          ...(input.IdempotencyToken ? { idempotencyToken: input.IdempotencyToken } : {}),
        });
        return { batch: { expect: [], putAwsResources: [issued.row] }, response: { CertificateArn: issued.arn } };
      }, write);
    },
    async GetCertificate(input) {
      const named = issuedOf(context, input.CertificateArn);
      const authority = await loadAuthority(input.CertificateAuthorityArn);
      const row = named && named.authorityId === authority.id ? ((await context.store.getAwsResource(issuedKey(named.serial))) as IssuedCertificateRow | null) : null;
      if (!row || row.parentId !== authority.id) throw pcaError("ResourceNotFoundException", `No certificate ${input.CertificateArn} was issued by ${input.CertificateAuthorityArn}.`);
      return { Certificate: row.data.CertificatePem, CertificateChain: authority.data.CertificatePem };
    },
  } satisfies HandlerSet<Ops, "IssueCertificate" | "GetCertificate">;

  return { issue, loadAuthority, handlers };
}

export type Issuer = ReturnType<typeof createIssuer>;
