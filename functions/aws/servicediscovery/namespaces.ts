// Cloud Map namespaces: HTTP, private DNS and public DNS. Names are unique in the account (meshplane makes no DNS
// zones, so a DNS namespace is a name its services' instances are discovered under through DiscoverInstances).
import type { NewAwsResourceRow, TagRow } from "../../../db/store.js";
import { decodePageToken, encodePageToken, readFilteredPage, tagUid, type HandlerSet, type StandInContext, type WriteContext } from "../shared/index.js";
import { cloudMapError, invalidInput } from "./errors.js";
import type { ServiceDiscoveryOperations } from "./model/operations.generated.js";
import type { NamespaceFilter, NamespaceType, SOA, Tag } from "./model/types.generated.js";
import { recordOperation } from "./operations.js";
import { MAX_TAGS, toTagRows } from "./tags.js";
import {
  SERVICE,
  idFromInput,
  namespaceKey,
  newNamespaceId,
  scopes,
  toNamespace,
  toNamespaceSummary,
  type NamespaceData,
  type NamespaceRow,
} from "./records.js";

type Ops = ServiceDiscoveryOperations;

/** Cloud Map's default quota of namespaces per account. */
export const MAX_NAMESPACES = 50;

export async function loadNamespace(context: StandInContext, id: string): Promise<NamespaceRow> {
  const namespaceId = idFromInput(context, id, "namespace");
  const row = namespaceId === undefined ? null : await context.store.getAwsResource(namespaceKey(namespaceId));
  if (!row) throw cloudMapError("NamespaceNotFound", `No namespace exists with ID ${id}.`);
  return row as NamespaceRow;
}

interface NamespaceRequest {
  Name: string;
  Type: NamespaceType;
  CreatorRequestId?: string;
  Description?: string;
  Tags?: Tag[];
  SOA?: SOA;
  Vpc?: string;
}

async function createNamespace(context: StandInContext, request: NamespaceRequest, write: WriteContext): Promise<{ OperationId: string }> {
  const tags: TagRow[] = toTagRows(request.Tags ?? []);
  if (tags.length > MAX_TAGS) throw cloudMapError("TooManyTagsException", `A resource can have at most ${MAX_TAGS} tags.`, { ResourceName: request.Name });
  return context.commit([scopes.account], async () => {
    const existing = (await context.store.findAwsResourceByName({ service: SERVICE, kind: "namespace", parentId: "", name: request.Name })) as NamespaceRow | null;
    if (existing) {
      // A retry of the request that created it gets that request's answer.
      const creator = existing.data.CreatorRequestId;
      if (request.CreatorRequestId !== undefined && creator === request.CreatorRequestId && existing.data.Type === request.Type && existing.data.OperationId) {
        return { batch: null, response: { OperationId: existing.data.OperationId } };
      }
      throw cloudMapError("NamespaceAlreadyExists", `A namespace named ${request.Name} already exists.`, { NamespaceId: existing.id, ...(creator ? { CreatorRequestId: creator } : {}) });
    }
    if ((await context.store.countAwsResources({ service: SERVICE, kind: "namespace" })) >= MAX_NAMESPACES) {
      throw cloudMapError("ResourceLimitExceeded", `The account already has ${MAX_NAMESPACES} namespaces, the most Cloud Map allows by default.`);
    }
    const id = newNamespaceId();
    const operation = recordOperation(context, "CREATE_NAMESPACE", { NAMESPACE: id });
    const data: NamespaceData = {
      Type: request.Type,
      ...(request.Description !== undefined ? { Description: request.Description } : {}),
      Properties: {
        DnsProperties: request.SOA ? { SOA: request.SOA } : {},
        HttpProperties: { HttpName: request.Name },
      },
      ...(request.CreatorRequestId !== undefined ? { CreatorRequestId: request.CreatorRequestId } : {}),
      OperationId: operation.id,
      ...(request.Vpc !== undefined ? { Vpc: request.Vpc } : {}),
    };
    const at = context.now();
    const row: NewAwsResourceRow = { ...namespaceKey(id), parentId: "", name: request.Name, data, createdAt: at, updatedAt: at };
    return {
      batch: {
        expect: [],
        ...operation.batch,
        putAwsResources: [row, ...operation.batch.putAwsResources],
        setTags: tags.length > 0 ? [{ uid: tagUid(namespaceKey(id)), tags }] : [],
      },
      response: { OperationId: operation.id },
    };
  }, write);
}

/** Applies `change` to the namespace's data under its scope, recording an UPDATE_NAMESPACE operation. */
async function updateNamespace(context: StandInContext, write: WriteContext, id: string, type: NamespaceType, change: (data: NamespaceData) => NamespaceData) {
  const found = await loadNamespace(context, id);
  return context.commit([scopes.namespace(found.id)], async () => {
    const row = await loadNamespace(context, found.id);
    if (row.data.Type !== type) throw invalidInput(`Namespace ${row.id} is of type ${row.data.Type}, not ${type}.`);
    const operation = recordOperation(context, "UPDATE_NAMESPACE", { NAMESPACE: row.id });
    const updated: NewAwsResourceRow = { ...row, data: change(row.data), updatedAt: context.now() };
    return { batch: { expect: [], ...operation.batch, putAwsResources: [updated, ...operation.batch.putAwsResources] }, response: { OperationId: operation.id } };
  }, write);
}

function matches(filter: NamespaceFilter, row: NamespaceRow): boolean {
  const condition = filter.Condition ?? "EQ";
  if (condition !== "EQ" && condition !== "BEGINS_WITH" && condition !== "IN") throw invalidInput(`Filter ${filter.Name} does not support the ${condition} condition.`);
  if (condition !== "IN" && filter.Values.length !== 1) throw invalidInput(`Filter ${filter.Name} with condition ${condition} takes exactly one value.`);
  const value = { TYPE: row.data.Type, NAME: row.name, HTTP_NAME: row.data.Properties.HttpProperties?.HttpName ?? "", RESOURCE_OWNER: "SELF" }[filter.Name];
  if (filter.Name === "RESOURCE_OWNER" && condition !== "EQ") throw invalidInput("Filter RESOURCE_OWNER supports only the EQ condition.");
  if (condition === "BEGINS_WITH") return value.startsWith(filter.Values[0]!);
  return filter.Values.includes(value);
}

export function namespaceHandlers(context: StandInContext) {
  const serviceCount = (id: string) => context.store.countAwsResources({ service: SERVICE, kind: "service", parentId: id });
  return {
    CreateHttpNamespace: (input, write) => createNamespace(context, { ...input, Type: "HTTP" }, write),
    CreatePrivateDnsNamespace: (input, write) =>
      createNamespace(context, { ...input, Type: "DNS_PRIVATE", ...(input.Properties ? { SOA: input.Properties.DnsProperties.SOA } : {}) }, write),
    CreatePublicDnsNamespace: (input, write) =>
      createNamespace(context, { ...input, Type: "DNS_PUBLIC", ...(input.Properties ? { SOA: input.Properties.DnsProperties.SOA } : {}) }, write),
    async GetNamespace(input) {
      const row = await loadNamespace(context, input.Id);
      return { Namespace: toNamespace(context, row, await serviceCount(row.id)) };
    },
    async ListNamespaces(input) {
      const filters = input.Filters ?? [];
      const collection = `ListNamespaces:${JSON.stringify(filters)}`;
      const after = decodePageToken(collection, input.NextToken);
      if (after === undefined) throw invalidInput("The NextToken is not valid for this request.");
      const page = await readFilteredPage(
        (afterSeq, limit) => context.store.listAwsResources({ service: SERVICE, kind: "namespace", afterSeq, limit }) as Promise<NamespaceRow[]>,
        (row) => filters.every((filter) => matches(filter, row)),
        input.MaxResults ?? 100,
        after,
      );
      const Namespaces = await Promise.all(page.rows.map(async (row) => toNamespaceSummary(context, row, await serviceCount(row.id))));
      return { Namespaces, ...(page.next !== undefined ? { NextToken: encodePageToken(collection, page.next) } : {}) };
    },
    async DeleteNamespace(input, write) {
      const found = await loadNamespace(context, input.Id);
      return context.commit([scopes.namespace(found.id)], async () => {
        const row = await loadNamespace(context, found.id);
        const services = await serviceCount(row.id);
        if (services > 0) throw cloudMapError("ResourceInUse", `Namespace ${row.id} still has ${services} service(s); delete them first.`);
        const operation = recordOperation(context, "DELETE_NAMESPACE", { NAMESPACE: row.id });
        return {
          batch: { expect: [], ...operation.batch, deleteAwsResources: [namespaceKey(row.id)], setTags: [{ uid: tagUid(namespaceKey(row.id)), tags: [] }] },
          response: { OperationId: operation.id },
        };
      }, write);
    },
    UpdateHttpNamespace: (input, write) => updateNamespace(context, write, input.Id, "HTTP", (data) => ({ ...data, Description: input.Namespace.Description })),
    UpdatePrivateDnsNamespace: (input, write) =>
      updateNamespace(context, write, input.Id, "DNS_PRIVATE", (data) => ({
        ...data,
        ...(input.Namespace.Description !== undefined ? { Description: input.Namespace.Description } : {}),
        ...(input.Namespace.Properties ? { Properties: { ...data.Properties, DnsProperties: { SOA: input.Namespace.Properties.DnsProperties.SOA } } } : {}),
      })),
    UpdatePublicDnsNamespace: (input, write) =>
      updateNamespace(context, write, input.Id, "DNS_PUBLIC", (data) => ({
        ...data,
        ...(input.Namespace.Description !== undefined ? { Description: input.Namespace.Description } : {}),
        ...(input.Namespace.Properties ? { Properties: { ...data.Properties, DnsProperties: { SOA: input.Namespace.Properties.DnsProperties.SOA } } } : {}),
      })),
  } satisfies HandlerSet<
    Ops,
    | "CreateHttpNamespace"
    | "CreatePrivateDnsNamespace"
    | "CreatePublicDnsNamespace"
    | "GetNamespace"
    | "ListNamespaces"
    | "DeleteNamespace"
    | "UpdateHttpNamespace"
    | "UpdatePrivateDnsNamespace"
    | "UpdatePublicDnsNamespace"
  >;
}
