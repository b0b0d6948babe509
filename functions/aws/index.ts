// meshplane's stand-ins for the AWS services App Mesh specs name: Cloud Map (servicediscovery), ACM and ACM Private
// CA, wire-compatible subsets on the AWS JSON 1.1 protocol, driven by their botocore models (docs/cloud-map.md,
// docs/acm.md). Entries build them once over the store and mount one app:
//
//   const standIns = createAwsStandIns({ store, region, accountId, onCommit, keyVault });
//   app.route("/", createAwsApp(standIns, { authorize: (service, operation) => auth.api.forAwsOperation(service.name, operation) }));
import { Hono, type MiddlewareHandler } from "hono";
import type { ScopeChange } from "../../db/change-feed.js";
import type { Store } from "../../db/store.js";
import { createCloudMapService, createEndpointsView } from "./servicediscovery/index.js";
import { createCommitWithRetry, createJsonProtocolApp, AwsServiceError, type JsonService, type StandInContext } from "./shared/index.js";

export interface AwsStandInsOptions {
  store: Store;
  /** Region and account that ARNs carry. */
  region: string;
  accountId: string;
  /** Told, after each committed write, which scopes reached which revision (wakes the xDS cache). */
  onCommit?: (changes: ScopeChange[]) => void;
  /** Epoch milliseconds (tests pass a clock). */
  now?: () => number;
}

export interface AwsStandIns {
  /** The JSON services, for the protocol app: Cloud Map. */
  readonly services: readonly JsonService[];
  /** `/v1/endpoints`, the earlier endpoint registry as a view over Cloud Map. */
  readonly endpointsView: Hono;
}

export function createAwsStandIns(options: AwsStandInsOptions): AwsStandIns {
  const context: StandInContext = {
    store: options.store,
    commit: createCommitWithRetry(options.store, {
      ...(options.onCommit ? { onCommit: options.onCommit } : {}),
      isRefusal: AwsServiceError.is,
      // Cloud Map, ACM and Private CA all model a throttling error of their own; this one is what AWS front ends send.
      conflict: () => new AwsServiceError("ThrottlingException", 400, "The resource was modified concurrently too many times; retry the request."),
    }),
    region: options.region,
    accountId: options.accountId,
    now: options.now ?? Date.now,
  };
  const cloudMap = createCloudMapService(context);
  return { services: [cloudMap], endpointsView: createEndpointsView(context, cloudMap) };
}

/**
 * The routes of every stand-in: `POST /` with `X-Amz-Target` (the JSON services) and `/v1/endpoints`. `authorize`
 * guards each JSON operation (functions/auth's `forAwsOperation`); the endpoints view is guarded where the API's
 * own routes are.
 */
export function createAwsApp(standIns: AwsStandIns, options: { authorize?: (service: JsonService, operation: string) => MiddlewareHandler } = {}): Hono {
  const app = new Hono();
  app.route("/", createJsonProtocolApp({ services: standIns.services, ...(options.authorize ? { authorize: options.authorize } : {}) }));
  app.route("/", standIns.endpointsView);
  return app;
}

export type { JsonService } from "./shared/index.js";
