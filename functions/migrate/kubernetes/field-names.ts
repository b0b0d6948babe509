// How the App Mesh controller's CRDs (appmesh.k8s.aws/v1beta2) spell the model's members. They use the API's
// names except for a few ARN members, written in capitals (`certificateARN`), and references to other objects
// (`virtualNodeRef`/`virtualNodeARN` where the API has `virtualNode`), which the importer resolves (see the
// hooks in import.ts). Source: aws/aws-app-mesh-controller-for-k8s apis/appmesh/v1beta2/*_types.go.
import type { FieldNaming } from "../model-mapping.js";
import { modelShape } from "../model-mapping.js";

/** Model shape → model member → CRD field, where they differ. */
export const kubernetesRenames: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  TlsValidationContextAcmTrust: { certificateAuthorityArns: "certificateAuthorityARNs" },
  VirtualGatewayTlsValidationContextAcmTrust: { certificateAuthorityArns: "certificateAuthorityARNs" },
  ListenerTlsAcmCertificate: { certificateArn: "certificateARN" },
  VirtualGatewayListenerTlsAcmCertificate: { certificateArn: "certificateARN" },
};

const toModelRenames = new Map(Object.entries(kubernetesRenames).map(([shape, members]) => [shape, new Map(Object.entries(members).map(([member, field]) => [field, member]))]));

export const kubernetesNaming: FieldNaming = {
  toModel(shape, key) {
    const renamed = toModelRenames.get(shape)?.get(key);
    if (renamed) return renamed;
    if (kubernetesRenames[shape]?.[key] !== undefined) return undefined; // the model's own spelling is not the CRD's
    return modelShape(shape).members?.[key] ? key : undefined;
  },
  fromModel: (shape, member) => kubernetesRenames[shape]?.[member] ?? member,
};
