// What every AWS stand-in's operations work with: the store, the guarded write loop, the account they answer for
// and a clock. Built once per stand-in by its entry (functions/aws/index.ts).
import type { Store } from "../../../db/store.js";
import type { CommitWithRetry } from "./commit-retry.js";

export interface StandInContext {
  store: Store;
  /** Every write goes through it (docs/architecture.md §4). */
  commit: CommitWithRetry;
  /** Region and account that ARNs carry (MESHPLANE_REGION, MESHPLANE_ACCOUNT_ID). */
  region: string;
  accountId: string;
  /** Epoch milliseconds. */
  now(): number;
}
