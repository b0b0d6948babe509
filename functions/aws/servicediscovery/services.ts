// Cloud Map services: created in a namespace (HTTP services in HTTP namespaces; DNS or HTTP services in DNS ones),
// their health-check kind fixed at creation (a custom check reported by UpdateInstanceCustomHealthStatus, or a
// Route 53 check, which meshplane stores but does not run).
import type { NewAwsResourceRow } from "../../../db/store.js";
import { decodePageToken, encodePageToken, readFilteredPage, tagUid, type HandlerSet, type StandInContext } from "../shared/index.js";
import { cloudMapError, invalidInput } from "./errors.js";
import type { ServiceDiscoveryOperations } from "./model/operations.generated.js";
import type { CreateServiceRequest, DnsConfig, DnsRecord, ServiceFilter } from "./model/types.generated.js";
import { loadNamespace } from "./namespaces.js";
import { recordOperation } from "./operations.js";
import { MAX_TAGS, toTagRows } from "./tags.js";
import { SERVICE, idFromInput, newServiceId, scopes, serviceArn, serviceKey, toService, toServiceSummary, type NamespaceRow, type ServiceData, type ServiceRow } from "./records.js";

type Ops = ServiceDiscoveryOperations;

/** Cloud Map's default quota of services per namespace. */
export const MAX_SERVICES_PER_NAMESPACE = 1000;

export async function loadService(context: StandInContext, id: string): Promise<ServiceRow> {
  const serviceId = idFromInput(context, id, "service");
  const row = serviceId === undefined ? null : await context.store.getAwsResource(serviceKey(serviceId));
  if (!row) throw cloudMapError("ServiceNotFound", `No service exists with ID ${id}.`);
  return row as ServiceRow;
}

/** Route 53's rules for the record sets one service may define. */
function checkDnsRecords(records: readonly DnsRecord[], routingPolicy: DnsConfig["RoutingPolicy"]): void {
  const types = records.map((record) => record.Type);
  if (new Set(types).size !== types.length) throw invalidInput("DnsRecords may name each record type only once.");
  if (types.includes("CNAME") && types.length > 1) throw invalidInput("A CNAME record cannot be combined with other records.");
  if (types.includes("SRV") && types.includes("CNAME")) throw invalidInput("An SRV record cannot be combined with a CNAME record.");
  if (types.includes("CNAME") && routingPolicy === "MULTIVALUE") throw invalidInput("CNAME records need the WEIGHTED routing policy.");
}

/** The stored data of a new service in `namespace`, or the InvalidInput Cloud Map answers for a combination it refuses. */
function serviceData(input: CreateServiceRequest, namespace: NamespaceRow): ServiceData {
  const dnsNamespace = namespace.data.Type !== "HTTP";
  if (input.HealthCheckConfig && input.HealthCheckCustomConfig) throw invalidInput("A service has either HealthCheckConfig or HealthCheckCustomConfig, not both.");
  if (input.HealthCheckConfig && namespace.data.Type !== "DNS_PUBLIC") throw invalidInput("HealthCheckConfig (Route 53 health checks) is only for services in public DNS namespaces.");
  if (input.DnsConfig && (!dnsNamespace || input.Type === "HTTP")) throw invalidInput("DnsConfig is only for DNS services in DNS namespaces.");
  if (dnsNamespace && input.Type !== "HTTP" && !input.DnsConfig) throw invalidInput("A service in a DNS namespace needs DnsConfig, or Type HTTP.");
  let dnsConfig: DnsConfig | undefined;
  if (input.DnsConfig) {
    const routingPolicy = input.DnsConfig.RoutingPolicy ?? "MULTIVALUE";
    checkDnsRecords(input.DnsConfig.DnsRecords, routingPolicy);
    dnsConfig = { NamespaceId: namespace.id, RoutingPolicy: routingPolicy, DnsRecords: input.DnsConfig.DnsRecords };
  }
  return {
    NamespaceName: namespace.name,
    Type: dnsConfig ? "DNS_HTTP" : "HTTP",
    ...(input.Description !== undefined ? { Description: input.Description } : {}),
    ...(dnsConfig ? { DnsConfig: dnsConfig } : {}),
    ...(input.HealthCheckConfig ? { HealthCheckConfig: { ...input.HealthCheckConfig, FailureThreshold: input.HealthCheckConfig.FailureThreshold ?? 1 } } : {}),
    // FailureThreshold is no longer supported and always 1 (the model's documentation).
    ...(input.HealthCheckCustomConfig ? { HealthCheckCustomConfig: { FailureThreshold: 1 } } : {}),
    ...(input.CreatorRequestId !== undefined ? { CreatorRequestId: input.CreatorRequestId } : {}),
  };
}

function namespaceFilterOf(filters: readonly ServiceFilter[]): { namespaceId?: string; none: boolean } {
  let namespaceId: string | undefined;
  let none = false;
  for (const filter of filters) {
    if ((filter.Condition ?? "EQ") !== "EQ" || filter.Values.length !== 1) throw invalidInput(`Filter ${filter.Name} takes the EQ condition and exactly one value.`);
    if (filter.Name === "NAMESPACE_ID") namespaceId = filter.Values[0];
    else if (filter.Values[0] === "OTHER_ACCOUNTS") none = true;
    else if (filter.Values[0] !== "SELF") throw invalidInput("Filter RESOURCE_OWNER takes SELF or OTHER_ACCOUNTS.");
  }
  return { ...(namespaceId !== undefined ? { namespaceId } : {}), none };
}

export function serviceHandlers(context: StandInContext) {
  const instanceCount = (id: string) => context.store.countEndpoints(id);
  return {
    async CreateService(input, write) {
      const namespaceInput = input.NamespaceId ?? input.DnsConfig?.NamespaceId;
      if (namespaceInput === undefined) throw invalidInput("CreateService needs NamespaceId.");
      const tags = toTagRows(input.Tags ?? []);
      if (tags.length > MAX_TAGS) throw cloudMapError("TooManyTagsException", `A resource can have at most ${MAX_TAGS} tags.`, { ResourceName: input.Name });
      const found = await loadNamespace(context, namespaceInput);
      return context.commit([scopes.namespace(found.id)], async () => {
        const namespace = await loadNamespace(context, found.id);
        const existing = (await context.store.findAwsResourceByName({ service: SERVICE, kind: "service", parentId: namespace.id, name: input.Name })) as ServiceRow | null;
        if (existing) {
          const creator = existing.data.CreatorRequestId;
          if (input.CreatorRequestId !== undefined && creator === input.CreatorRequestId) {
            return { batch: null, response: { Service: toService(context, existing, await instanceCount(existing.id)) } };
          }
          throw cloudMapError("ServiceAlreadyExists", `A service named ${input.Name} already exists in namespace ${namespace.id}.`, {
            ServiceId: existing.id,
            ServiceArn: serviceArn(context, existing.id),
            ...(creator ? { CreatorRequestId: creator } : {}),
          });
        }
        if ((await context.store.countAwsResources({ service: SERVICE, kind: "service", parentId: namespace.id })) >= MAX_SERVICES_PER_NAMESPACE) {
          throw cloudMapError("ResourceLimitExceeded", `Namespace ${namespace.id} already has ${MAX_SERVICES_PER_NAMESPACE} services.`);
        }
        const at = context.now();
        const row: NewAwsResourceRow = { ...serviceKey(newServiceId()), parentId: namespace.id, name: input.Name, data: serviceData(input, namespace), createdAt: at, updatedAt: at };
        return {
          batch: { expect: [], putAwsResources: [row], setTags: tags.length > 0 ? [{ uid: tagUid(serviceKey(row.id)), tags }] : [] },
          response: { Service: toService(context, { ...row, seq: 0 } as ServiceRow, 0) },
        };
      }, write);
    },
    async GetService(input) {
      const row = await loadService(context, input.Id);
      return { Service: toService(context, row, await instanceCount(row.id)) };
    },
    async ListServices(input) {
      const filters = input.Filters ?? [];
      const { namespaceId, none } = namespaceFilterOf(filters);
      const collection = `ListServices:${JSON.stringify(filters)}`;
      const after = decodePageToken(collection, input.NextToken);
      if (after === undefined) throw invalidInput("The NextToken is not valid for this request.");
      if (none) return { Services: [] };
      const page = await readFilteredPage(
        (afterSeq, limit) =>
          context.store.listAwsResources({ service: SERVICE, kind: "service", ...(namespaceId !== undefined ? { parentId: namespaceId } : {}), afterSeq, limit }) as Promise<ServiceRow[]>,
        () => true,
        input.MaxResults ?? 100,
        after,
      );
      const Services = await Promise.all(page.rows.map(async (row) => toServiceSummary(context, row, await instanceCount(row.id))));
      return { Services, ...(page.next !== undefined ? { NextToken: encodePageToken(collection, page.next) } : {}) };
    },
    async UpdateService(input, write) {
      const found = await loadService(context, input.Id);
      return context.commit([scopes.service(found.id)], async () => {
        const row = await loadService(context, found.id);
        const change = input.Service;
        const data: ServiceData = { ...row.data, ...(change.Description !== undefined ? { Description: change.Description } : {}) };
        if (row.data.Type === "HTTP") {
          if (change.DnsConfig || change.HealthCheckConfig) throw invalidInput("Only the description of an HTTP service can be updated.");
        } else {
          // For DNS services an omitted part is removed, as Cloud Map does.
          if (!change.DnsConfig) throw invalidInput("UpdateService of a DNS service needs DnsConfig with its records.");
          const current = row.data.DnsConfig!;
          const types = (records: readonly DnsRecord[]) => records.map((record) => record.Type).sort().join(",");
          if (types(change.DnsConfig.DnsRecords) !== types(current.DnsRecords)) throw invalidInput("UpdateService can change the TTL of the service's DNS records, not their types.");
          data.DnsConfig = { ...current, DnsRecords: change.DnsConfig.DnsRecords };
          if (change.HealthCheckConfig) {
            if (row.data.HealthCheckCustomConfig) throw invalidInput("A service with a custom health check cannot get a Route 53 health check.");
            data.HealthCheckConfig = { ...change.HealthCheckConfig, FailureThreshold: change.HealthCheckConfig.FailureThreshold ?? 1 };
          } else delete data.HealthCheckConfig;
        }
        const operation = recordOperation(context, "UPDATE_SERVICE", { SERVICE: row.id });
        return {
          batch: { expect: [], ...operation.batch, putAwsResources: [{ ...row, data, updatedAt: context.now() }, ...operation.batch.putAwsResources] },
          response: { OperationId: operation.id },
        };
      }, write);
    },
    async DeleteService(input, write) {
      const found = await loadService(context, input.Id);
      return context.commit([scopes.service(found.id)], async () => {
        const row = await loadService(context, found.id);
        const instances = await instanceCount(row.id);
        if (instances > 0) throw cloudMapError("ResourceInUse", `Service ${row.id} still has ${instances} registered instance(s); deregister them first.`);
        return { batch: { expect: [], deleteAwsResources: [serviceKey(row.id)], setTags: [{ uid: tagUid(serviceKey(row.id)), tags: [] }] }, response: {} };
      }, write);
    },
  } satisfies HandlerSet<Ops, "CreateService" | "GetService" | "ListServices" | "UpdateService" | "DeleteService">;
}
