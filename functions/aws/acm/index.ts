// AWS Certificate Manager (acm), as meshplane serves it: imported and private certificates, and the TLS material
// of the mesh they make.
export { createCertificateManager } from "./acm.js";
export type { CertificateManager } from "./acm.js";
export type { TlsMaterial } from "./tls-material.js";
