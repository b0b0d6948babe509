// Exact subject-alternative-name matching of a peer's certificate, both ways: what Envoy's
// match_typed_subject_alt_names with exact matchers checks (App Mesh's subjectAlternativeNames.match.exact).
import type { PeerCertificate } from "node:tls";

/** The certificate's SAN values without their kind (`DNS:a, URI:spiffe://m/b` → `a`, `spiffe://m/b`). */
function subjectAltNamesOf(certificate: PeerCertificate): string[] {
  return (certificate.subjectaltname ?? "")
    .split(/,\s*/)
    .filter((entry) => entry !== "")
    .map((entry) => entry.replace(/^(DNS|URI|IP Address):/, ""));
}

/** Whether the certificate carries one of `wanted` (any certificate does when `wanted` is empty). */
export function hasSubjectAltName(certificate: PeerCertificate, wanted: readonly string[]): boolean {
  if (wanted.length === 0) return true;
  const names = subjectAltNamesOf(certificate);
  return wanted.some((name) => names.includes(name));
}
