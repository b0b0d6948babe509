// AWS Certificate Manager Private Certificate Authority (acm-pca 2017-08-22) as a JSON 1.1 service. Not implemented
// (UnknownOperationException): subordinate CAs and installing CA certificates (GetCertificateAuthorityCsr,
// ImportCertificateAuthorityCertificate), revocation and CRLs, audit reports, permissions and policies.
import { createJsonService, createShapeValidator, type JsonService, type KeyVault, type StandInContext } from "../shared/index.js";
import { authorityHandlers } from "./authorities.js";
import { createIssuer, type Issuer } from "./issuance.js";
import { metadata, operationNames, operations, shapes } from "./model/model.generated.js";
import type { AcmPcaOperations } from "./model/operations.generated.js";
import { validationError } from "./records.js";

export interface PrivateCa {
  service: JsonService;
  /** Issuance for ACM's private certificates, and the CAs' certificates for trust. */
  issuer: Issuer;
}

export function createPrivateCa(context: StandInContext, vault: KeyVault): PrivateCa {
  const issuer = createIssuer(context, vault);
  const service = createJsonService<AcmPcaOperations>({
    name: metadata.endpointPrefix,
    targetPrefix: metadata.targetPrefix,
    modelOperations: operationNames,
    validator: createShapeValidator({ operations, shapes }, validationError),
    handlers: { ...authorityHandlers(context, vault, issuer), ...issuer.handlers },
  });
  return { service, issuer };
}
