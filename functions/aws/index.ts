// meshplane's stand-ins for the AWS services App Mesh specs name: Cloud Map (servicediscovery), ACM and ACM Private
// CA, wire-compatible subsets on the AWS JSON 1.1 protocol, driven by their botocore models (docs/aws-services.md). Entries build them once over the store and mount one app:
//
//   const keyVault = chooseKeyVault({ box: sealing functions of functions/auth/secret-box.ts, or none; open: !enforcing });
//   const standIns = createAwsStandIns({ store, region, accountId, onCommit, keyVault });
//   app.route("/", createAwsApp(standIns, { authorize: (service, operation) => auth.api.forAwsOperation(service.name, operation) }));
import { Hono, type MiddlewareHandler } from "hono";
import type { ScopeChange } from "../../db/change-feed.js";
import type { Store } from "../../db/store.js";
import { createCertificateManager, type TlsMaterial } from "./acm/index.js";
import { createPrivateCa } from "./acm-pca/index.js";
import { createCloudMapService, createEndpointsView } from "./servicediscovery/index.js";
import {
  AwsServiceError,
  createCommitWithRetry,
  createJsonProtocolApp,
  createPlainKeyVault,
  createRefusingKeyVault,
  createSealingKeyVault,
  type JsonService,
  type KeyVault,
  type StandInContext,
} from "./shared/index.js";

export interface AwsStandInsOptions {
  store: Store;
  /** Region and account that ARNs carry. */
  region: string;
  accountId: string;
  /** Told, after each committed write, which scopes reached which revision (wakes the xDS cache). */
  onCommit?: (changes: ScopeChange[]) => void;
  /** Epoch milliseconds (tests pass a clock). */
  now?: () => number;
  /** Where private keys are sealed (see `chooseKeyVault`). */
  keyVault: KeyVault;
}

/**
 * The key vault an entry runs with: sealing by `box` (functions/auth/secret-box.ts under MESHPLANE_AUTH_SECRET_KEY)
 * when it has one; keys kept as they are when meshplane runs open for local development; otherwise refusing.
 */
export function chooseKeyVault(options: { box?: { seal(text: string): Promise<string>; open(sealed: string): Promise<string> }; open: boolean }): KeyVault {
  if (options.box) return createSealingKeyVault(options.box);
  return options.open ? createPlainKeyVault() : createRefusingKeyVault();
}

export interface AwsStandIns {
  /** The JSON services, for the protocol app: Cloud Map, ACM, ACM Private CA. */
  readonly services: readonly JsonService[];
  /** `/v1/endpoints`, the earlier endpoint registry as a view over Cloud Map. */
  readonly endpointsView: Hono;
  /** The PEMs of the ACM certificates and Private CAs a mesh's TLS names (for the xDS snapshot), and what is missing. */
  tlsMaterial(references: { certificates: readonly string[]; authorities: readonly string[] }): Promise<TlsMaterial>;
  /** ACM's managed renewal: re-issues private certificates within 60 days of expiry. Returns how many it renewed. */
  renewDue(): Promise<number>;
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
  const privateCa = createPrivateCa(context, options.keyVault);
  const certificateManager = createCertificateManager(context, options.keyVault, privateCa.issuer);
  return {
    services: [cloudMap, certificateManager.service, privateCa.service],
    endpointsView: createEndpointsView(context, cloudMap),
    tlsMaterial: certificateManager.tlsMaterial,
    renewDue: certificateManager.renewDue,
  };
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

export type { JsonService, KeyVault } from "./shared/index.js";
export type { TlsMaterial } from "./acm/index.js";
