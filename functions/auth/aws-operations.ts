// The operations of the AWS stand-ins (Cloud Map, ACM, ACM Private CA) as IAM sees them: the action
// `<service>:<Operation>`, the ARN of the resource it acts on (from the IDs and ARNs of the JSON input) and the
// request's tag condition keys, as each service's IAM reference names them. Operations without a resource (creates
// of top-level resources, lists, discovery) act on `*`.
import type { ArnScope, OperationTarget } from "./operations.js";

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** A Cloud Map id or ARN as the ARN IAM checks. */
function cloudMapArn(scope: ArnScope, kind: "namespace" | "service", idOrArn: unknown): string {
  const value = text(idOrArn);
  if (value === undefined) return "*";
  return value.startsWith("arn:") ? value : `arn:aws:servicediscovery:${scope.region}:${scope.accountId}:${kind}/${value}`;
}

const namespaceOperations = /^(GetNamespace|DeleteNamespace|Update(Http|PrivateDns|PublicDns)Namespace)$/;
const serviceOperations = /^(GetService|UpdateService|DeleteService|(Get|Update|Delete)ServiceAttributes)$/;
const instanceOperations = /^(RegisterInstance|DeregisterInstance|GetInstance|ListInstances|GetInstancesHealthStatus|UpdateInstanceCustomHealthStatus)$/;

/** The resource ARN of one operation of `service`. */
function resourceOf(service: string, operation: string, body: Record<string, unknown>, scope: ArnScope): string {
  switch (service) {
    case "servicediscovery":
      if (namespaceOperations.test(operation)) return cloudMapArn(scope, "namespace", body.Id);
      if (operation === "CreateService") return cloudMapArn(scope, "namespace", body.NamespaceId);
      if (serviceOperations.test(operation)) return cloudMapArn(scope, "service", body.Id);
      if (instanceOperations.test(operation)) return cloudMapArn(scope, "service", body.ServiceId);
      return text(body.ResourceARN) ?? "*";
    case "acm":
      return text(body.CertificateArn) ?? "*";
    case "acm-pca":
      return text(body.CertificateAuthorityArn) ?? text(body.ResourceArn) ?? "*";
  }
  return "*";
}

function tagsOf(value: unknown): Array<{ key: string; value: string }> {
  if (!Array.isArray(value)) return [];
  return value
    .filter((tag): tag is { Key: string; Value?: unknown } => typeof tag === "object" && tag !== null && typeof (tag as { Key?: unknown }).Key === "string")
    .map((tag) => ({ key: tag.Key, value: typeof tag.Value === "string" ? tag.Value : "" }));
}

/** Calls that only read, for rate-limit classes and the audit log. */
export const isReadOnlyAwsOperation = (operation: string): boolean => /^(Get|List|Describe|Discover)/.test(operation);

/**
 * Maps one operation of an AWS stand-in and its JSON input to the IAM action, resource ARN and request condition keys.
 * @example toAwsOperationTarget("servicediscovery", "RegisterInstance", { ServiceId: "srv-1" }, scope).resource // "arn:aws:servicediscovery:…:service/srv-1"
 */
export function toAwsOperationTarget(service: string, operation: string, body: Record<string, unknown>, scope: ArnScope): OperationTarget {
  const context = new Map<string, string[]>();
  const tagging = /^(Create|Tag|Import|Request|AddTags)/.test(operation);
  const requestTags = tagging ? tagsOf(body.Tags) : [];
  for (const tag of requestTags) context.set(`aws:requesttag/${tag.key.toLowerCase()}`, [tag.value]);
  if (requestTags.length > 0) context.set("aws:tagkeys", requestTags.map((tag) => tag.key));
  if (operation === "UntagResource" && Array.isArray(body.TagKeys)) context.set("aws:tagkeys", body.TagKeys.filter((key): key is string => typeof key === "string"));
  if (/^(RemoveTagsFromCertificate|UntagCertificateAuthority)$/.test(operation)) context.set("aws:tagkeys", tagsOf(body.Tags).map((tag) => tag.key));
  return { action: `${service}:${operation}`, resource: resourceOf(service, operation, body, scope), referenced: [], mutating: !isReadOnlyAwsOperation(operation), context };
}
