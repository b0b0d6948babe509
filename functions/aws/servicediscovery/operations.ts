// Cloud Map's asynchronous operations. meshplane applies each change in the call that asks for it, in one atomic
// batch with the record of its operation, so an OperationId is SUCCESS as soon as the caller has it; GetOperation and
// ListOperations serve those records (kept for OPERATION_RETENTION_MS).
import type { NewAwsResourceRow } from "../../../db/store.js";
import { decodePageToken, encodePageToken, readFilteredPage, type HandlerSet, type StandInContext } from "../shared/index.js";
import { cloudMapError, invalidInput } from "./errors.js";
import type { ServiceDiscoveryOperations } from "./model/operations.generated.js";
import type { OperationFilter } from "./model/types.generated.js";
import { SERVICE, newOperationId, operationKey, toOperation, type OperationData, type OperationRow } from "./records.js";

/** How long operation records are kept: every RegisterInstance makes one, and they are only for polling. */
export const OPERATION_RETENTION_MS = 7 * 24 * 3600 * 1000;

type Ops = ServiceDiscoveryOperations;

/** A completed operation's row, and the retention sweep that goes into the same batch. */
export function recordOperation(context: StandInContext, type: OperationData["Type"], targets: OperationData["Targets"]) {
  const at = context.now();
  const row: NewAwsResourceRow = { ...operationKey(newOperationId()), parentId: "", name: "", data: { Type: type, Status: "SUCCESS", Targets: targets } satisfies OperationData, createdAt: at, updatedAt: at };
  return { id: row.id, batch: { putAwsResources: [row], expireAwsResources: { service: SERVICE, kind: "operation", before: at - OPERATION_RETENTION_MS } } };
}

function matches(filter: OperationFilter, row: OperationRow): boolean {
  const condition = filter.Condition ?? "EQ";
  const one = () => {
    if (filter.Values.length !== 1) throw invalidInput(`Filter ${filter.Name} with condition ${condition} takes exactly one value.`);
    return filter.Values[0]!;
  };
  switch (filter.Name) {
    case "NAMESPACE_ID":
    case "SERVICE_ID": {
      if (condition !== "EQ") throw invalidInput(`Filter ${filter.Name} supports only the EQ condition.`);
      return row.data.Targets[filter.Name === "NAMESPACE_ID" ? "NAMESPACE" : "SERVICE"] === one();
    }
    case "STATUS":
    case "TYPE": {
      if (condition !== "EQ" && condition !== "IN") throw invalidInput(`Filter ${filter.Name} supports only the EQ and IN conditions.`);
      const values = condition === "EQ" ? [one()] : filter.Values;
      return values.includes(filter.Name === "STATUS" ? row.data.Status : row.data.Type);
    }
    case "UPDATE_DATE": {
      if (condition !== "BETWEEN" || filter.Values.length !== 2) throw invalidInput("Filter UPDATE_DATE takes the BETWEEN condition with a start and an end date (epoch seconds).");
      const [start, end] = filter.Values.map(Number) as [number, number];
      if (!Number.isFinite(start) || !Number.isFinite(end)) throw invalidInput("Filter UPDATE_DATE takes dates in epoch seconds.");
      return row.updatedAt >= start * 1000 && row.updatedAt <= end * 1000;
    }
  }
}

export function operationHandlers(context: StandInContext) {
  return {
    async GetOperation(input) {
      if (input.OwnerAccount !== undefined && input.OwnerAccount !== context.accountId) throw cloudMapError("OperationNotFound", `No operation ${input.OperationId} exists.`);
      const row = (await context.store.getAwsResource(operationKey(input.OperationId))) as OperationRow | null;
      if (!row) throw cloudMapError("OperationNotFound", `No operation ${input.OperationId} exists.`);
      return { Operation: toOperation(context, row) };
    },
    async ListOperations(input) {
      const filters = input.Filters ?? [];
      const collection = `ListOperations:${JSON.stringify(filters)}`;
      const after = decodePageToken(collection, input.NextToken);
      if (after === undefined) throw invalidInput("The NextToken is not valid for this request.");
      const page = await readFilteredPage(
        (afterSeq, limit) => context.store.listAwsResources({ service: SERVICE, kind: "operation", afterSeq, limit }) as Promise<OperationRow[]>,
        (row) => filters.every((filter) => matches(filter, row)),
        input.MaxResults ?? 100,
        after,
      );
      return {
        Operations: page.rows.map((row) => ({ Id: row.id, Status: row.data.Status })),
        ...(page.next !== undefined ? { NextToken: encodePageToken(collection, page.next) } : {}),
      };
    },
  } satisfies HandlerSet<Ops, "GetOperation" | "ListOperations">;
}
