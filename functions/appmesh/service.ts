// The App Mesh service: every operation of the model, typed by the operation map. It validates each input against
// the model, then hands it to the generic path of the seven kinds (resource-operations.ts) or to tagging; writes go
// through idempotency and the commit-retry loop, each in its own module.
import type { ScopeChange } from "../../db/change-feed.js";
import type { Store } from "../../db/store.js";
import type { ArnContext } from "./arn.js";
import { createCommitWithRetry, type CommitWithRetry, type WriteContext } from "./commit-retry.js";
import { AppMeshError, badRequest } from "./errors.js";
import { createIdempotency } from "./idempotency.js";
import { createListPageCache } from "./list-page-cache.js";
import { kindDescriptors } from "./kinds.js";
import { operations } from "./model/model.generated.js";
import type { AppMeshOperationName, AppMeshOperations } from "./model/operations.generated.js";
import type { Quotas } from "./quotas.js";
import { createResourceOperations } from "./resource-operations.js";
import type { RegexChecker } from "./spec-rules.js";
import { checkTagCount, createTaggingOperations } from "./tagging.js";
import { validateOperationInput } from "./validation.js";

export interface AppMeshServiceConfig extends ArnContext {
  quotas: Quotas;
  checkRegex: RegexChecker;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
  newUid?: () => string;
  /** How long a clientToken is remembered (default 24 h); older records are replaced and purged. */
  idempotencyRetentionMs?: number;
  /** Told, after each committed write, which scopes reached which revision (wakes the xDS cache). */
  onCommit?: (changes: ScopeChange[]) => void;
  /**
   * The write loop to share with other writers of the same store in this process (meshplane's policies), so that
   * writers of one mesh queue on one lock; by default the service makes its own (and then `onCommit` is its).
   */
  commit?: CommitWithRetry;
  /** The byte budget of serialized List pages kept between requests (default 8 MiB; 0 keeps none). */
  listPageCacheBytes?: number;
}

export interface AppMeshService {
  /**
   * Runs one App Mesh operation (`"CreateVirtualNode"`, …) on its input, where URI and query members are
   * already decoded into the same object as the body members. The input is untrusted: it is validated against the
   * operation's input shape before anything reads it. Returns the HTTP response body (the output's payload member,
   * e.g. VirtualNodeData, or the whole output for List operations).
   * Throws AppMeshError for every client-visible failure. `context.audit`, for a mutating operation, is committed
   * in the batch of the change it makes (and marked `committed`).
   */
  execute<Operation extends AppMeshOperationName>(
    operation: Operation,
    input: Readonly<Record<string, unknown>>,
    context?: WriteContext,
  ): Promise<AppMeshOperations[Operation]["body"]>;
  /**
   * Like `execute`, but answers with the HTTP response body as JSON text: what the API sends. List pages come from
   * the page cache whenever the store says their mesh did not change since they were built.
   */
  respond(operation: AppMeshOperationName, input: Readonly<Record<string, unknown>>, context?: WriteContext): Promise<string>;
}

type ListOperationName = Extract<AppMeshOperationName, `List${string}`>;

/** One handler per operation of the model, each taking its validated input and returning its response body. */
type OperationHandlers = {
  [Operation in AppMeshOperationName]: (input: AppMeshOperations[Operation]["input"], context?: WriteContext) => Promise<AppMeshOperations[Operation]["body"]>;
};

export function createAppMeshService(store: Store, config: AppMeshServiceConfig): AppMeshService {
  const now = config.now ?? Date.now;
  const commit = config.commit ?? createCommitWithRetry(store, config.onCommit ? { onCommit: config.onCommit } : {});
  const idempotency = createIdempotency(store, { accountId: config.accountId, now, retentionMs: config.idempotencyRetentionMs ?? 24 * 60 * 60 * 1000 });
  const pageCacheBytes = config.listPageCacheBytes ?? 8 * 1024 * 1024;
  const resources = createResourceOperations(
    store,
    {
      region: config.region,
      accountId: config.accountId,
      quotas: config.quotas,
      checkRegex: config.checkRegex,
      now,
      newUid: config.newUid ?? (() => crypto.randomUUID()),
      ...(pageCacheBytes > 0 ? { pageCache: createListPageCache({ maxBytes: pageCacheBytes }) } : {}),
    },
    { commit, idempotency },
  );
  const { mesh, virtualService, virtualNode, virtualRouter, route, virtualGateway, gatewayRoute } = kindDescriptors;

  const handlers: OperationHandlers = {
    CreateMesh: (input, context) => resources.create("CreateMesh", mesh, input, context),
    DescribeMesh: (input) => resources.describe(mesh, input),
    UpdateMesh: (input, context) => resources.update("UpdateMesh", mesh, input, context),
    DeleteMesh: (input, context) => resources.remove(mesh, input, context),
    ListMeshes: (input) => resources.list(mesh, input),
    CreateVirtualService: (input, context) => resources.create("CreateVirtualService", virtualService, input, context),
    DescribeVirtualService: (input) => resources.describe(virtualService, input),
    UpdateVirtualService: (input, context) => resources.update("UpdateVirtualService", virtualService, input, context),
    DeleteVirtualService: (input, context) => resources.remove(virtualService, input, context),
    ListVirtualServices: (input) => resources.list(virtualService, input),
    CreateVirtualNode: (input, context) => resources.create("CreateVirtualNode", virtualNode, input, context),
    DescribeVirtualNode: (input) => resources.describe(virtualNode, input),
    UpdateVirtualNode: (input, context) => resources.update("UpdateVirtualNode", virtualNode, input, context),
    DeleteVirtualNode: (input, context) => resources.remove(virtualNode, input, context),
    ListVirtualNodes: (input) => resources.list(virtualNode, input),
    CreateVirtualRouter: (input, context) => resources.create("CreateVirtualRouter", virtualRouter, input, context),
    DescribeVirtualRouter: (input) => resources.describe(virtualRouter, input),
    UpdateVirtualRouter: (input, context) => resources.update("UpdateVirtualRouter", virtualRouter, input, context),
    DeleteVirtualRouter: (input, context) => resources.remove(virtualRouter, input, context),
    ListVirtualRouters: (input) => resources.list(virtualRouter, input),
    CreateRoute: (input, context) => resources.create("CreateRoute", route, input, context),
    DescribeRoute: (input) => resources.describe(route, input),
    UpdateRoute: (input, context) => resources.update("UpdateRoute", route, input, context),
    DeleteRoute: (input, context) => resources.remove(route, input, context),
    ListRoutes: (input) => resources.list(route, input),
    CreateVirtualGateway: (input, context) => resources.create("CreateVirtualGateway", virtualGateway, input, context),
    DescribeVirtualGateway: (input) => resources.describe(virtualGateway, input),
    UpdateVirtualGateway: (input, context) => resources.update("UpdateVirtualGateway", virtualGateway, input, context),
    DeleteVirtualGateway: (input, context) => resources.remove(virtualGateway, input, context),
    ListVirtualGateways: (input) => resources.list(virtualGateway, input),
    CreateGatewayRoute: (input, context) => resources.create("CreateGatewayRoute", gatewayRoute, input, context),
    DescribeGatewayRoute: (input) => resources.describe(gatewayRoute, input),
    UpdateGatewayRoute: (input, context) => resources.update("UpdateGatewayRoute", gatewayRoute, input, context),
    DeleteGatewayRoute: (input, context) => resources.remove(gatewayRoute, input, context),
    ListGatewayRoutes: (input) => resources.list(gatewayRoute, input),
    ...createTaggingOperations(store, { commit, now }),
  };

  /** The List operations that answer with a cached body (ListMeshes and ListTagsForResource are built each time). */
  const listBodies: { [Operation in ListOperationName]?: (input: AppMeshOperations[Operation]["input"]) => Promise<string> } = {
    ListVirtualServices: (input) => resources.listBody(virtualService, input),
    ListVirtualNodes: (input) => resources.listBody(virtualNode, input),
    ListVirtualRouters: (input) => resources.listBody(virtualRouter, input),
    ListRoutes: (input) => resources.listBody(route, input),
    ListVirtualGateways: (input) => resources.listBody(virtualGateway, input),
    ListGatewayRoutes: (input) => resources.listBody(gatewayRoute, input),
  };

  /** Runs `run` on the validated input, with every failure as its App Mesh error. */
  async function withValidInput<Operation extends AppMeshOperationName, T>(
    operation: Operation,
    rawInput: Readonly<Record<string, unknown>>,
    run: (input: AppMeshOperations[Operation]["input"]) => Promise<T>,
  ): Promise<T> {
    // Callers outside TypeScript may name anything; the model decides what exists.
    if (!Object.hasOwn(operations, operation)) throw badRequest(`Unknown operation ${operation}.`);
    checkTagCount(rawInput);
    try {
      return await run(validateOperationInput(operation, rawInput));
    } catch (error) {
      // Store failures (an unavailable database above all) become their App Mesh error here, in the domain.
      throw AppMeshError.from(error);
    }
  }

  const execute: AppMeshService["execute"] = (operation, rawInput, context) =>
    withValidInput(operation, rawInput, (input) => handlers[operation](input, context));

  return {
    execute,
    async respond(operation, rawInput, context) {
      const listBody = Object.hasOwn(listBodies, operation) ? (listBodies as Record<string, (input: unknown) => Promise<string>>)[operation] : undefined;
      if (!listBody) return JSON.stringify(await execute(operation, rawInput, context));
      return withValidInput(operation, rawInput, listBody);
    },
  };
}
