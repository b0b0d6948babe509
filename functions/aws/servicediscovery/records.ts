// How Cloud Map's resources are stored (rows of aws_resources, instances in endpoints) and rendered in the API's
// shapes. IDs and ARNs follow Cloud Map's forms: ns-…, srv-…, arn:aws:servicediscovery:<region>:<account>:namespace/<id>.
import type { AwsResourceKey, AwsResourceRow, EndpointRow } from "../../../db/store.js";
import type { StandInContext } from "../shared/index.js";
import type {
  DnsConfig,
  HealthCheckConfig,
  HealthCheckCustomConfig,
  HealthStatus,
  Instance,
  Namespace,
  NamespaceProperties,
  NamespaceSummary,
  NamespaceType,
  Operation,
  OperationStatus,
  OperationType,
  Service,
  ServiceSummary,
  ServiceType,
} from "./model/types.generated.js";

export const SERVICE = "servicediscovery";

/** A namespace row's `data`. */
export interface NamespaceData {
  Type: NamespaceType;
  Description?: string;
  Properties: NamespaceProperties;
  CreatorRequestId?: string;
  /** The operation that created it, replayed to a retry carrying the same CreatorRequestId. */
  OperationId?: string;
  /** Private DNS namespaces: the VPC named at creation (no hosted zone is made). */
  Vpc?: string;
}

/** A service row's `data`; its namespace is the row's parentId. */
export interface ServiceData {
  NamespaceName: string;
  Type: ServiceType;
  Description?: string;
  DnsConfig?: DnsConfig;
  HealthCheckConfig?: HealthCheckConfig;
  HealthCheckCustomConfig?: HealthCheckCustomConfig;
  CreatorRequestId?: string;
}

/** An operation row's `data`. Times are epoch milliseconds. */
export interface OperationData {
  Type: OperationType;
  Status: OperationStatus;
  Targets: Partial<Record<"NAMESPACE" | "SERVICE" | "INSTANCE", string>>;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export type NamespaceRow = AwsResourceRow & { data: NamespaceData };
export type ServiceRow = AwsResourceRow & { data: ServiceData };
export type OperationRow = AwsResourceRow & { data: OperationData };

export const namespaceKey = (id: string): AwsResourceKey => ({ service: SERVICE, kind: "namespace", id });
export const serviceKey = (id: string): AwsResourceKey => ({ service: SERVICE, kind: "service", id });
export const operationKey = (id: string): AwsResourceKey => ({ service: SERVICE, kind: "operation", id });

/** Revision scopes: names are account-wide; a namespace guards its services, a service its instances. */
export const scopes = {
  account: SERVICE,
  namespace: (id: string) => `${SERVICE}/namespace/${id}`,
  service: (id: string) => `${SERVICE}/service/${id}`,
  /** Bumped (unguarded) by every instance change: the xDS cache re-reads the meshes that discover through Cloud Map. */
  endpoints: "endpoints",
} as const;

const randomId = (length: number): string => {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => alphabet[byte % alphabet.length]).join("");
};

export const newNamespaceId = () => `ns-${randomId(16)}`;
export const newServiceId = () => `srv-${randomId(16)}`;
/** Cloud Map's operation ids look like `gv4g5meo7ndmeh4fqskygvk23d2fijwa-k9xmplyzd`. */
export const newOperationId = () => `${randomId(32)}-${randomId(8)}`;

export const namespaceArn = (context: StandInContext, id: string) => `arn:aws:servicediscovery:${context.region}:${context.accountId}:namespace/${id}`;
export const serviceArn = (context: StandInContext, id: string) => `arn:aws:servicediscovery:${context.region}:${context.accountId}:service/${id}`;

/**
 * The id an `Id` input names: Cloud Map takes an id or the resource's ARN. An ARN of another account or region, or
 * of another kind, names nothing here (undefined).
 */
export function idFromInput(context: StandInContext, value: string, kind: "namespace" | "service"): string | undefined {
  if (!value.startsWith("arn:")) return value;
  const prefix = `arn:aws:servicediscovery:${context.region}:${context.accountId}:${kind}/`;
  return value.startsWith(prefix) ? value.slice(prefix.length) : undefined;
}

const seconds = (ms: number) => ms / 1000;

export function toNamespaceSummary(context: StandInContext, row: NamespaceRow, serviceCount: number): NamespaceSummary {
  const { Type, Description, Properties } = row.data;
  return {
    Id: row.id,
    Arn: namespaceArn(context, row.id),
    ResourceOwner: context.accountId,
    Name: row.name,
    Type,
    ...(Description !== undefined ? { Description } : {}),
    ServiceCount: serviceCount,
    Properties,
    CreateDate: seconds(row.createdAt),
  };
}

export function toNamespace(context: StandInContext, row: NamespaceRow, serviceCount: number): Namespace {
  const creator = row.data.CreatorRequestId;
  return { ...toNamespaceSummary(context, row, serviceCount), ...(creator ? { CreatorRequestId: creator } : {}) };
}

export function toServiceSummary(context: StandInContext, row: ServiceRow, instanceCount: number): ServiceSummary {
  const { Type, Description, DnsConfig, HealthCheckConfig, HealthCheckCustomConfig } = row.data;
  return {
    Id: row.id,
    Arn: serviceArn(context, row.id),
    ResourceOwner: context.accountId,
    Name: row.name,
    Type,
    ...(Description !== undefined ? { Description } : {}),
    InstanceCount: instanceCount,
    ...(DnsConfig ? { DnsConfig } : {}),
    ...(HealthCheckConfig ? { HealthCheckConfig } : {}),
    ...(HealthCheckCustomConfig ? { HealthCheckCustomConfig } : {}),
    CreateDate: seconds(row.createdAt),
    CreatedByAccount: context.accountId,
  };
}

export function toService(context: StandInContext, row: ServiceRow, instanceCount: number): Service {
  const creator = row.data.CreatorRequestId;
  return { ...toServiceSummary(context, row, instanceCount), NamespaceId: row.parentId, ...(creator ? { CreatorRequestId: creator } : {}) };
}

export function toOperation(context: StandInContext, row: OperationRow): Operation {
  const { Type, Status, Targets, ErrorCode, ErrorMessage } = row.data;
  return {
    Id: row.id,
    OwnerAccount: context.accountId,
    Type,
    Status,
    ...(ErrorCode ? { ErrorCode } : {}),
    ...(ErrorMessage ? { ErrorMessage } : {}),
    CreateDate: seconds(row.createdAt),
    UpdateDate: seconds(row.updatedAt),
    Targets,
  };
}

export function toInstance(context: StandInContext, row: EndpointRow): Instance {
  return { Id: row.instanceId, ...(row.creatorRequestId ? { CreatorRequestId: row.creatorRequestId } : {}), Attributes: row.attributes, CreatedByAccount: context.accountId };
}

/** An instance's health as Cloud Map reports it: a custom check's state, else UNKNOWN (meshplane runs no Route 53 checks). */
export const healthOf = (row: EndpointRow): HealthStatus => (row.health === "HEALTHY" || row.health === "UNHEALTHY" ? row.health : "UNKNOWN");
