// Cloud Map instances: registration (an upsert by instance id), deregistration, reads, discovery by namespace and
// service name with attribute filters and health, and custom health. Every change is one batch: the instance row, the
// operation record, the service's revision (DiscoverInstancesRevision) and an `endpoints` change-log entry, which is
// how the xDS cache, in this process and in others, hears that a service's instances changed.
import type { ChangeEntry, EndpointRow, WriteBatch } from "../../../db/store.js";
import { decodeKeyPageToken, encodePageToken, type HandlerSet, type StandInContext, type WriteContext } from "../shared/index.js";
import { cloudMapError, invalidInput } from "./errors.js";
import { addressOf, checkInstanceAttributes } from "./instance-attributes.js";
import type { ServiceDiscoveryOperations } from "./model/operations.generated.js";
import type { HealthStatusFilter, HttpInstanceSummary } from "./model/types.generated.js";
import { loadNamespace } from "./namespaces.js";
import { recordOperation } from "./operations.js";
import { loadService } from "./services.js";
import { SERVICE, healthOf, scopes, toInstance, type NamespaceRow, type ServiceRow } from "./records.js";

type Ops = ServiceDiscoveryOperations;

/** Cloud Map's default quota of instances per service. */
export const MAX_INSTANCES_PER_SERVICE = 1000;

/** The change-log entry of a change to a service's instances: names the namespace and service App Mesh discovers by. */
function instancesChange(service: ServiceRow, action: ChangeEntry["action"], at: number): ChangeEntry {
  return { scope: scopes.endpoints, action, kind: "cloudMapInstances", meshName: "", parentName: service.data.NamespaceName, name: service.name, at };
}

const hasCustomHealth = (service: ServiceRow) => service.data.HealthCheckCustomConfig !== undefined;

function findInstance(context: StandInContext, service: ServiceRow, instanceId: string): Promise<EndpointRow | null> {
  return context.store.getEndpoint({ namespaceName: service.data.NamespaceName, serviceName: service.name, instanceId });
}

function matchesAll(attributes: Readonly<Record<string, string>>, filters: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(filters ?? {}).every(([key, value]) => attributes[key] === value);
}

/** DiscoverInstances' health filter; it is ignored for services without health checking, whose instances all count. */
function byHealth(rows: EndpointRow[], service: ServiceRow, filter: HealthStatusFilter): EndpointRow[] {
  if (!hasCustomHealth(service)) return rows;
  const healthy = rows.filter((row) => row.health === "HEALTHY");
  switch (filter) {
    case "HEALTHY":
      return healthy;
    case "UNHEALTHY":
      return rows.filter((row) => row.health === "UNHEALTHY");
    case "ALL":
      return rows;
    case "HEALTHY_OR_ELSE_ALL":
      return healthy.length > 0 ? healthy : rows;
  }
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export function instanceHandlers(context: StandInContext) {
  const revisionOf = async (service: ServiceRow) => (await context.store.getRevisions([scopes.service(service.id)]))[scopes.service(service.id)] ?? 0;

  /** The namespace and service DiscoverInstances names, by name. */
  async function discovered(namespaceName: string, serviceName: string, ownerAccount: string | undefined): Promise<ServiceRow> {
    const namespace = (await context.store.findAwsResourceByName({ service: SERVICE, kind: "namespace", parentId: "", name: namespaceName })) as NamespaceRow | null;
    if (!namespace || (ownerAccount !== undefined && ownerAccount !== context.accountId)) throw cloudMapError("NamespaceNotFound", `No namespace named ${namespaceName} exists.`);
    const service = (await context.store.findAwsResourceByName({ service: SERVICE, kind: "service", parentId: namespace.id, name: serviceName })) as ServiceRow | null;
    if (!service) throw cloudMapError("ServiceNotFound", `No service named ${serviceName} exists in namespace ${namespaceName}.`);
    return service;
  }

  /** Changes a service's instances under its scope, the call's audit entry in the same batch. */
  async function changeInstances<Response>(
    serviceId: string,
    write: WriteContext,
    decide: (service: ServiceRow) => Promise<{ batch: WriteBatch | null; response: Response }>,
  ): Promise<Response> {
    const found = await loadService(context, serviceId);
    return context.commit([scopes.service(found.id)], async () => decide(await loadService(context, found.id)), write);
  }

  return {
    RegisterInstance: (input, write) =>
      changeInstances(input.ServiceId, write, async (service) => {
        const namespace = await loadNamespace(context, service.parentId);
        checkInstanceAttributes(input.Attributes, service.data, namespace.data.Type === "HTTP");
        const existing = await findInstance(context, service, input.InstanceId);
        if (!existing && (await context.store.countEndpoints(service.id)) >= MAX_INSTANCES_PER_SERVICE) {
          throw cloudMapError("ResourceLimitExceeded", `Service ${service.id} already has ${MAX_INSTANCES_PER_SERVICE} instances.`);
        }
        const initial = input.Attributes.AWS_INIT_HEALTH_STATUS;
        const health = hasCustomHealth(service) ? (initial ?? existing?.health ?? "HEALTHY") : "UNKNOWN";
        const at = context.now();
        const row: EndpointRow = {
          namespaceName: service.data.NamespaceName,
          serviceName: service.name,
          instanceId: input.InstanceId,
          ...addressOf(input.Attributes),
          attributes: input.Attributes,
          health,
          updatedAt: at,
          serviceId: service.id,
          creatorRequestId: input.CreatorRequestId ?? "",
          createdAt: existing?.createdAt ?? at,
        };
        const operation = recordOperation(context, "REGISTER_INSTANCE", { SERVICE: service.id, INSTANCE: input.InstanceId });
        return {
          batch: { expect: [], ...operation.batch, bump: [scopes.endpoints], putEndpoints: [row], changes: [instancesChange(service, existing ? "update" : "create", at)] },
          response: { OperationId: operation.id },
        };
      }),
    DeregisterInstance: (input, write) =>
      changeInstances(input.ServiceId, write, async (service) => {
        const existing = await findInstance(context, service, input.InstanceId);
        if (!existing) throw cloudMapError("InstanceNotFound", `No instance ${input.InstanceId} is registered with service ${service.id}.`);
        const operation = recordOperation(context, "DEREGISTER_INSTANCE", { SERVICE: service.id, INSTANCE: input.InstanceId });
        const key = { namespaceName: existing.namespaceName, serviceName: existing.serviceName, instanceId: existing.instanceId };
        return {
          batch: { expect: [], ...operation.batch, bump: [scopes.endpoints], deleteEndpoints: [key], changes: [instancesChange(service, "delete", context.now())] },
          response: { OperationId: operation.id },
        };
      }),
    async GetInstance(input) {
      const service = await loadService(context, input.ServiceId);
      const row = await findInstance(context, service, input.InstanceId);
      if (!row) throw cloudMapError("InstanceNotFound", `No instance ${input.InstanceId} is registered with service ${service.id}.`);
      return { ResourceOwner: context.accountId, Instance: toInstance(context, row) };
    },
    async ListInstances(input) {
      const service = await loadService(context, input.ServiceId);
      const collection = `ListInstances:${service.id}`;
      const after = decodeKeyPageToken(collection, input.NextToken);
      if (after === undefined) throw invalidInput("The NextToken is not valid for this request.");
      const limit = input.MaxResults ?? 100;
      const rows = await context.store.listEndpoints({ serviceId: service.id, afterInstanceId: after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return {
        ResourceOwner: context.accountId,
        Instances: page.map((row) => ({ Id: row.instanceId, Attributes: row.attributes, CreatedByAccount: context.accountId })),
        ...(rows.length > limit ? { NextToken: encodePageToken(collection, page[page.length - 1]!.instanceId) } : {}),
      };
    },
    async DiscoverInstances(input) {
      const service = await discovered(input.NamespaceName, input.ServiceName, input.OwnerAccount);
      const all = await context.store.listEndpoints({ serviceId: service.id });
      let selected = all.filter((row) => matchesAll(row.attributes, input.QueryParameters));
      const optional = selected.filter((row) => matchesAll(row.attributes, input.OptionalParameters));
      if (optional.length > 0) selected = optional;
      selected = shuffle(byHealth(selected, service, input.HealthStatus ?? "HEALTHY")).slice(0, input.MaxResults ?? 100);
      const Instances: HttpInstanceSummary[] = selected.map((row) => ({
        InstanceId: row.instanceId,
        NamespaceName: row.namespaceName,
        ServiceName: row.serviceName,
        HealthStatus: healthOf(row),
        Attributes: row.attributes,
      }));
      return { Instances, InstancesRevision: await revisionOf(service) };
    },
    async DiscoverInstancesRevision(input) {
      return { InstancesRevision: await revisionOf(await discovered(input.NamespaceName, input.ServiceName, input.OwnerAccount)) };
    },
    async GetInstancesHealthStatus(input) {
      const service = await loadService(context, input.ServiceId);
      const collection = `GetInstancesHealthStatus:${service.id}:${(input.Instances ?? []).join(",")}`;
      const after = decodeKeyPageToken(collection, input.NextToken);
      if (after === undefined) throw invalidInput("The NextToken is not valid for this request.");
      const limit = input.MaxResults ?? 100;
      let rows = await context.store.listEndpoints({ serviceId: service.id, afterInstanceId: after });
      if (input.Instances) {
        const wanted = new Set(input.Instances);
        const missing = input.Instances.filter((id) => !rows.some((row) => row.instanceId === id) && id > after);
        if (missing.length > 0) throw cloudMapError("InstanceNotFound", `No instance ${missing[0]} is registered with service ${service.id}.`);
        rows = rows.filter((row) => wanted.has(row.instanceId));
      }
      const page = rows.slice(0, limit);
      return {
        Status: Object.fromEntries(page.map((row) => [row.instanceId, healthOf(row)])),
        ...(rows.length > limit ? { NextToken: encodePageToken(collection, page[page.length - 1]!.instanceId) } : {}),
      };
    },
    UpdateInstanceCustomHealthStatus: (input, write) =>
      changeInstances(input.ServiceId, write, async (service) => {
        if (!hasCustomHealth(service)) throw cloudMapError("CustomHealthNotFound", `Service ${service.id} has no HealthCheckCustomConfig.`);
        const existing = await findInstance(context, service, input.InstanceId);
        if (!existing) throw cloudMapError("InstanceNotFound", `No instance ${input.InstanceId} is registered with service ${service.id}.`);
        const done: Record<string, never> = {};
        if (existing.health === input.Status) return { batch: null, response: done };
        const at = context.now();
        return {
          batch: { expect: [], bump: [scopes.endpoints], putEndpoints: [{ ...existing, health: input.Status, updatedAt: at }], changes: [instancesChange(service, "update", at)] },
          response: done,
        };
      }),
  } satisfies HandlerSet<
    Ops,
    | "RegisterInstance"
    | "DeregisterInstance"
    | "GetInstance"
    | "ListInstances"
    | "DiscoverInstances"
    | "DiscoverInstancesRevision"
    | "GetInstancesHealthStatus"
    | "UpdateInstanceCustomHealthStatus"
  >;
}
