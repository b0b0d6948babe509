// The part of a snapshot's ACM material that decides what proxies receive, as one comparable string: the cache and
// the dependency fingerprint both change when a certificate is renewed or re-imported although no mesh revision moved.
import type { MeshSnapshot } from "../../appmesh/snapshot.js";
import { hashString } from "./hash.js";

/** The part of a snapshot's TLS material that changes what proxies get: the PEMs served and what is missing. */
export function tlsKey(snapshot: MeshSnapshot): string {
  const tls = snapshot.tls;
  if (!tls) return "";
  const certificates = Object.entries(tls.certificates).map(([arn, material]) => `${arn}=${hashString(material.certificateChain + material.privateKey)}`);
  const authorities = Object.entries(tls.certificateAuthorities).map(([arn, pem]) => `${arn}=${hashString(pem)}`);
  return [...certificates, ...authorities, ...tls.problems].sort().join("\n");
}
