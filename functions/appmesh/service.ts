// The App Mesh service: every operation of the model, typed by the operation map. It validates each input against
// the model, then hands it to the generic path of the seven kinds (resource-operations.ts) or to tagging; writes go
// through idempotency and the commit-retry loop, each in its own module.
import type { ScopeChange } from "../../db/change-feed.js";
import type { Store } from "../../db/store.js";
import type { ArnContext } from "./arn.js";
import { createCommitWithRetry } from "./commit-retry.js";
import { badRequest } from "./errors.js";
import { createIdempotency } from "./idempotency.js";
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
}

export interface AppMeshService {
  /**
   * Runs one App Mesh operation (`"CreateVirtualNode"`, …) on its input, where URI and query members are
   * already decoded into the same object as the body members. The input is untrusted: it is validated against the
   * operation's input shape before anything reads it. Returns the HTTP response body (the output's payload member,
   * e.g. VirtualNodeData, or the whole output for List operations).
   * Throws AppMeshError for every client-visible failure.
   */
  execute<Operation extends AppMeshOperationName>(operation: Operation, input: Readonly<Record<string, unknown>>): Promise<AppMeshOperations[Operation]["body"]>;
}

/** One handler per operation of the model, each taking its validated input and returning its response body. */
type OperationHandlers = {
  [Operation in AppMeshOperationName]: (input: AppMeshOperations[Operation]["input"]) => Promise<AppMeshOperations[Operation]["body"]>;
};

export function createAppMeshService(store: Store, config: AppMeshServiceConfig): AppMeshService {
  const now = config.now ?? Date.now;
  const commit = createCommitWithRetry(store, config.onCommit ? { onCommit: config.onCommit } : {});
  const idempotency = createIdempotency(store, { accountId: config.accountId, now, retentionMs: config.idempotencyRetentionMs ?? 24 * 60 * 60 * 1000 });
  const resources = createResourceOperations(
    store,
    { region: config.region, accountId: config.accountId, quotas: config.quotas, checkRegex: config.checkRegex, now, newUid: config.newUid ?? (() => crypto.randomUUID()) },
    { commit, idempotency },
  );
  const { mesh, virtualService, virtualNode, virtualRouter, route, virtualGateway, gatewayRoute } = kindDescriptors;

  const handlers: OperationHandlers = {
    CreateMesh: (input) => resources.create("CreateMesh", mesh, input),
    DescribeMesh: (input) => resources.describe(mesh, input),
    UpdateMesh: (input) => resources.update("UpdateMesh", mesh, input),
    DeleteMesh: (input) => resources.remove(mesh, input),
    ListMeshes: (input) => resources.list(mesh, input),
    CreateVirtualService: (input) => resources.create("CreateVirtualService", virtualService, input),
    DescribeVirtualService: (input) => resources.describe(virtualService, input),
    UpdateVirtualService: (input) => resources.update("UpdateVirtualService", virtualService, input),
    DeleteVirtualService: (input) => resources.remove(virtualService, input),
    ListVirtualServices: (input) => resources.list(virtualService, input),
    CreateVirtualNode: (input) => resources.create("CreateVirtualNode", virtualNode, input),
    DescribeVirtualNode: (input) => resources.describe(virtualNode, input),
    UpdateVirtualNode: (input) => resources.update("UpdateVirtualNode", virtualNode, input),
    DeleteVirtualNode: (input) => resources.remove(virtualNode, input),
    ListVirtualNodes: (input) => resources.list(virtualNode, input),
    CreateVirtualRouter: (input) => resources.create("CreateVirtualRouter", virtualRouter, input),
    DescribeVirtualRouter: (input) => resources.describe(virtualRouter, input),
    UpdateVirtualRouter: (input) => resources.update("UpdateVirtualRouter", virtualRouter, input),
    DeleteVirtualRouter: (input) => resources.remove(virtualRouter, input),
    ListVirtualRouters: (input) => resources.list(virtualRouter, input),
    CreateRoute: (input) => resources.create("CreateRoute", route, input),
    DescribeRoute: (input) => resources.describe(route, input),
    UpdateRoute: (input) => resources.update("UpdateRoute", route, input),
    DeleteRoute: (input) => resources.remove(route, input),
    ListRoutes: (input) => resources.list(route, input),
    CreateVirtualGateway: (input) => resources.create("CreateVirtualGateway", virtualGateway, input),
    DescribeVirtualGateway: (input) => resources.describe(virtualGateway, input),
    UpdateVirtualGateway: (input) => resources.update("UpdateVirtualGateway", virtualGateway, input),
    DeleteVirtualGateway: (input) => resources.remove(virtualGateway, input),
    ListVirtualGateways: (input) => resources.list(virtualGateway, input),
    CreateGatewayRoute: (input) => resources.create("CreateGatewayRoute", gatewayRoute, input),
    DescribeGatewayRoute: (input) => resources.describe(gatewayRoute, input),
    UpdateGatewayRoute: (input) => resources.update("UpdateGatewayRoute", gatewayRoute, input),
    DeleteGatewayRoute: (input) => resources.remove(gatewayRoute, input),
    ListGatewayRoutes: (input) => resources.list(gatewayRoute, input),
    ...createTaggingOperations(store, { commit, now }),
  };

  return {
    async execute(operation, rawInput) {
      // Callers outside TypeScript may name anything; the model decides what exists.
      if (!Object.hasOwn(operations, operation)) throw badRequest(`Unknown operation ${operation}.`);
      checkTagCount(rawInput);
      return handlers[operation](validateOperationInput(operation, rawInput));
    },
  };
}
