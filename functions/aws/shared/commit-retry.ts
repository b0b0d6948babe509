// The write loop every guarded write goes through, for the App Mesh API and the AWS stand-ins alike
// (docs/architecture.md §4): read the revisions of the scopes the decision depends on, decide, commit one batch
// guarded by those revisions, and start over when another writer committed first. Writers inside one process queue
// per scope; across processes the store's guard (and its scope locks) decide.
import type { ScopeChange } from "../../../db/change-feed.js";
import type { AuditEntry, Store, WriteBatch } from "../../../db/store.js";
import { createKeyedMutex } from "./keyed-mutex.js";

/** What `decide` settled on: the batch to commit (null when there is nothing to write, as for a replay) and the response. */
export interface WriteDecision<Response> {
  batch: WriteBatch | null;
  response: Response;
}

/**
 * The audit entry of one mutating call, committed in the same atomic batch as the change it describes, so an
 * acknowledged change always has its record and a failed one none (functions/auth prepares it per request).
 */
export interface WriteAudit {
  /** The entry as it reads when the call succeeds (outcome "allowed", no error code). */
  readonly entry: AuditEntry;
  /** Set once a batch carrying `entry` committed: whoever audits the call must not append it again. */
  committed: boolean;
}

/** What a caller adds to one write beyond its input. */
export interface WriteContext {
  audit?: WriteAudit;
}

/**
 * Runs `decide` on the revisions of `scopes` read first, and commits its batch guarded by them; on a stale commit,
 * reads and decides again (bounded). `decide` may throw the service's error to refuse; the refusal stands only when
 * the scopes did not move meanwhile. Its batch's `expect` is filled in here, and the context's audit entry joins it.
 * Store failures other than a lost race (StoreError: unavailable, constraint, malformed) end the write at once.
 */
export type CommitWithRetry = <Response>(
  scopes: string[],
  decide: (revisions: Record<string, number>) => Promise<WriteDecision<Response>>,
  context?: WriteContext,
) => Promise<Response>;

export interface CommitRetryOptions {
  /** Told, after each committed write, which scopes reached which revision (wakes the xDS cache). */
  onCommit?: (changes: ScopeChange[]) => void;
  /** Attempts before the write is refused with `conflict()` (default 20). */
  maxAttempts?: number;
  /** Whether a thrown value is the service's own refusal (re-checked against moved revisions) rather than a failure. */
  isRefusal(error: unknown): boolean;
  /** The error a write gets when it lost the race `maxAttempts` times. */
  conflict(): Error;
}

export function createCommitWithRetry(store: Store, options: CommitRetryOptions): CommitWithRetry {
  const maxAttempts = options.maxAttempts ?? 20;
  const mutex = createKeyedMutex();

  async function revisionsMoved(scopes: string[], seen: Record<string, number>): Promise<boolean> {
    const now = await store.getRevisions(scopes);
    return scopes.some((scope) => now[scope] !== seen[scope]);
  }

  return async function commitWithRetry<Response>(
    scopes: string[],
    decide: (revisions: Record<string, number>) => Promise<WriteDecision<Response>>,
    context: WriteContext = {},
  ): Promise<Response> {
    const attempts = async (): Promise<Response> => {
      for (let attempt = 1; ; attempt++) {
        const revisions = await store.getRevisions(scopes);
        let decision: WriteDecision<Response>;
        try {
          decision = await decide(revisions);
        } catch (error) {
          // A refusal is only valid if nothing moved while deciding: reads are not one snapshot, so another
          // process may have committed between them (e.g. the resource appeared, but not yet its clientToken).
          if (attempt < maxAttempts && options.isRefusal(error) && (await revisionsMoved(scopes, revisions))) continue;
          throw error;
        }
        const { batch, response } = decision;
        if (batch === null) return response;
        batch.expect = scopes.map((scope) => ({ scope, revision: revisions[scope]! }));
        if (context.audit) batch.audit = [...(batch.audit ?? []), context.audit.entry];
        const result = await store.commit(batch);
        if (result.ok) {
          if (context.audit) context.audit.committed = true;
          options.onCommit?.(Object.entries(result.revisions).map(([scope, revision]) => ({ scope, revision })));
          return response;
        }
        if (attempt >= maxAttempts) throw options.conflict();
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 5)));
      }
    };
    // In-process locks first, then the store's cross-process ones (PostgreSQL): replicas take turns on a scope.
    const locked = (index: number): Promise<Response> =>
      index < scopes.length
        ? mutex.run(scopes[index]!, () => locked(index + 1))
        : store.withScopeLocks
          ? store.withScopeLocks(scopes, attempts)
          : attempts();
    return locked(0);
  };
}
