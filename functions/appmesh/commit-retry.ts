// App Mesh's binding of the shared guarded write loop (functions/aws/shared/commit-retry.ts, docs/architecture.md §4):
// AppMeshErrors are refusals, and a write that keeps losing its race gets ConflictException.
import type { ScopeChange } from "../../db/change-feed.js";
import type { Store } from "../../db/store.js";
import { createCommitWithRetry as createSharedCommitWithRetry, type CommitWithRetry } from "../aws/shared/index.js";
import { AppMeshError } from "./errors.js";

export type { CommitWithRetry, WriteAudit, WriteContext, WriteDecision } from "../aws/shared/index.js";

export interface CommitRetryOptions {
  /** Told, after each committed write, which scopes reached which revision (wakes the xDS cache). */
  onCommit?: (changes: ScopeChange[]) => void;
  /** Attempts before the write is refused with ConflictException (default 20). */
  maxAttempts?: number;
}

export function createCommitWithRetry(store: Store, options: CommitRetryOptions = {}): CommitWithRetry {
  return createSharedCommitWithRetry(store, {
    ...options,
    isRefusal: AppMeshError.is,
    conflict: () => new AppMeshError("ConflictException", "The resource was modified concurrently too many times; retry the request."),
  });
}
