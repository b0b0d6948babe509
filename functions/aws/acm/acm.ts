// AWS Certificate Manager (acm 2015-12-08) as a JSON 1.1 service. Not implemented (UnknownOperationException):
// ExportCertificate, RevokeCertificate, SearchCertificates, UpdateCertificateOptions, ResendValidationEmail and the
// account configuration operations; public certificates cannot be requested (docs/aws-services.md).
import type { Issuer } from "../acm-pca/index.js";
import { createJsonService, createShapeValidator, type JsonService, type KeyVault, type StandInContext } from "../shared/index.js";
import { certificateHandlers } from "./certificates.js";
import { metadata, operationNames, operations, shapes } from "./model/model.generated.js";
import type { AcmOperations } from "./model/operations.generated.js";
import { privateCertificateHandlers } from "./private-certificates.js";
import { validationError } from "./records.js";
import { loadTlsMaterial, type TlsMaterial } from "./tls-material.js";

export interface CertificateManager {
  service: JsonService;
  /** The material a mesh's TLS names (certificates by ARN, trusted CAs by ARN). */
  tlsMaterial(references: { certificates: readonly string[]; authorities: readonly string[] }): Promise<TlsMaterial>;
  /** Renews the private certificates within 60 days of expiry, as ACM's managed renewal does; returns how many. */
  renewDue(): Promise<number>;
}

export function createCertificateManager(context: StandInContext, vault: KeyVault, issuer: Issuer): CertificateManager {
  const privateCertificates = privateCertificateHandlers(context, vault, issuer);
  const service = createJsonService<AcmOperations>({
    name: metadata.endpointPrefix,
    targetPrefix: metadata.targetPrefix,
    modelOperations: operationNames,
    validator: createShapeValidator({ operations, shapes }, validationError),
    handlers: { ...certificateHandlers(context, vault), ...privateCertificates.handlers },
  });
  return { service, tlsMaterial: (references) => loadTlsMaterial(context, vault, references), renewDue: privateCertificates.renewDue };
}
