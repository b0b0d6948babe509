// boto3 driving every Cloud Map, ACM and ACM Private CA operation of issue 18 (test/fixtures/boto3/stand-ins.py) at a
// meshplane URL, and what it must find: the same on `npm start`'s control plane and on the Worker.
import path from "node:path";
import { expect } from "vitest";
import { awsEnvironment, pythonFile } from "./aws-cli.js";

const driver = path.join(import.meta.dirname, "../fixtures/boto3/stand-ins.py");

/** What the driver prints when every call answered as the services do (errors by the models' exception names). */
export const everyStandInOperation = {
  namespace: { status: "SUCCESS", name: "boto3.local", type: "HTTP", description: "boto3" },
  namespaceTypes: ["DNS_PRIVATE", "DNS_PUBLIC", "HTTP"],
  namespaceUpdate: ["UPDATE_NAMESPACE", "renamed"],
  duplicateNamespace: "NamespaceAlreadyExists",
  service: { FailureThreshold: 1 },
  services: ["api"],
  serviceUpdate: ["UPDATE_SERVICE", "the API"],
  registerOperation: "REGISTER_INSTANCE",
  instance: { AWS_INSTANCE_IPV4: "10.0.0.1", AWS_INSTANCE_PORT: "8080", version: "v1" },
  instances: ["i-1", "i-2"],
  discoveredV2: ["i-2"],
  health: { "i-1": "UNHEALTHY", "i-2": "HEALTHY" },
  healthy: ["i-2"],
  revisionMoved: true,
  deregisteredListed: true,
  missingInstance: "InstanceNotFound",
  unknownOperation: "OperationNotFound",
  serviceTags: [{ Key: "team", Value: "api" }],
  namespaceTags: [{ Key: "team", Value: "mesh" }],
  namespaceInUse: "ResourceInUse",
  serviceInUse: "ResourceInUse",
  deletedService: "ServiceNotFound",
  deletedNamespace: "NamespaceNotFound",
  authority: ["ROOT", "ACTIVE"],
  authorityPem: true,
  issuedVerifies: true,
  authorities: true,
  authorityTags: [{ Key: "purpose", Value: "mesh" }],
  activeAuthorityDelete: "InvalidStateException",
  unknownAuthority: "ResourceNotFoundException",
  imported: ["IMPORTED", "import.boto3.local", "RSA_2048"],
  importedPem: true,
  requested: ["PRIVATE", "ISSUED", "CN=Boto3 Root", true],
  certificates: ["api.boto3.local", "import.boto3.local"],
  certificateTags: [{ Key: "tier", Value: "gold" }],
  badCertificateArn: "InvalidArnException",
  deletedCertificate: "ResourceNotFoundException",
  deletedAuthority: "DELETED",
  requestFromDeleted: "InvalidStateException",
};

/** Runs the driver against `url` and checks it found `everyStandInOperation`. */
export async function expectBoto3DrivesEveryStandInOperation(url: string): Promise<void> {
  const result = await pythonFile(driver, awsEnvironment({ MESHPLANE_URL: url }));
  expect(result.code, result.stderr).toBe(0);
  expect(result.json).toEqual(everyStandInOperation);
}
