// AWS Certificate Manager Private CA (acm-pca), as meshplane serves it: root CAs whose keys it keeps, and issuance.
export { createPrivateCa } from "./acm-pca.js";
export type { PrivateCa } from "./acm-pca.js";
export type { IssueRequest, IssuedCertificate, Issuer } from "./issuance.js";
export { validityEnd } from "./issuance.js";
export { SERVICE as PCA_SERVICE, authorityIdOf, authorityKey, isGone } from "./records.js";
export type { AuthorityRow } from "./records.js";
export * as pcaX509 from "./x509.js";
