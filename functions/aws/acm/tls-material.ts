// The TLS material of the mesh: for the ACM certificate ARNs a mesh's listeners name, their chains and (opened) keys;
// for the Private CA ARNs its validations trust, the CAs' certificates. What cannot be served is reported by name,
// so a listener whose certificate is missing is a visible warning rather than a handshake that fails in silence.
import { PCA_SERVICE, authorityIdOf, authorityKey, isGone, type AuthorityRow } from "../acm-pca/index.js";
import type { KeyVault, StandInContext } from "../shared/index.js";
import { SERVICE, certificateKey, statusOf, type CertificateRow } from "./records.js";

/** PEMs by ARN, in the shape the translation takes (functions/xds/translate/tls.ts `AcmMaterial`). */
export interface TlsMaterial {
  certificates: Record<string, { certificateChain: string; privateKey: string }>;
  certificateAuthorities: Record<string, string>;
  /** One sentence per ARN that could not be served, and why. */
  problems: string[];
}

export async function loadTlsMaterial(
  context: StandInContext,
  vault: KeyVault,
  references: { certificates: readonly string[]; authorities: readonly string[] },
): Promise<TlsMaterial> {
  const material: TlsMaterial = { certificates: {}, certificateAuthorities: {}, problems: [] };
  const prefix = `arn:aws:acm:${context.region}:${context.accountId}:certificate/`;
  for (const arn of new Set(references.certificates)) {
    const row = arn.startsWith(prefix) ? ((await context.store.getAwsResource(certificateKey(arn.slice(prefix.length)))) as CertificateRow | null) : null;
    if (!row || row.service !== SERVICE) {
      material.problems.push(`ACM certificate ${arn} does not exist in meshplane's ACM`);
      continue;
    }
    if (statusOf(row, context.now()) !== "ISSUED") {
      material.problems.push(`ACM certificate ${arn} expired at ${new Date(row.data.NotAfter).toISOString()}`);
      continue;
    }
    try {
      const privateKey = await vault.open(row.data.SealedKey);
      material.certificates[arn] = { certificateChain: [row.data.CertificatePem, row.data.ChainPem].filter((pem) => pem !== "").join("\n"), privateKey };
    } catch (error) {
      material.problems.push(`ACM certificate ${arn}: its private key cannot be opened (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  for (const arn of new Set(references.authorities)) {
    const id = authorityIdOf(context, arn);
    const row = id === undefined ? null : ((await context.store.getAwsResource(authorityKey(id))) as AuthorityRow | null);
    if (!row || row.service !== PCA_SERVICE || isGone(row, context.now()) || row.data.Status === "DELETED") {
      material.problems.push(`Private CA ${arn} does not exist in meshplane's ACM Private CA`);
      continue;
    }
    material.certificateAuthorities[arn] = row.data.CertificatePem;
  }
  return material;
}
