// The Store on SQLite: one implementation for a libSQL file (Node, Deno) and D1 (Workers). Both run a batch
// atomically, which is all the write path needs (D1 has no interactive transactions). The reads and the statements
// outside a batch are the shared ones (db/store-queries.ts, through Drizzle); this file holds the commit, whose
// statements are built once (./commit-statements.ts) and run by the backend's batch runner.
import type { AuditEntry, CommitResult, Store, WriteBatch } from "../store.js";
import { classifySqliteFailure, toStoreError, withClassifiedErrors } from "../store-errors.js";
import { createStoreQueries } from "../store-queries.js";
import { auditStatements, commitStatements, type BoundStatement } from "./commit-statements.js";
import { createSqliteDialect, type BatchingSqliteDatabase, type SqliteRowReader, type SqliteSingleRowReader } from "./dialect.js";

/**
 * Runs statements as one atomic batch (all or nothing) and returns, for each statement that `reads`, its rows as
 * arrays of column values (in statement order). The file's connection and D1's binding each supply one.
 */
export type SqliteBatchRunner = (statements: BoundStatement[]) => Promise<unknown[][][]>;

/** What a SQLite backend supplies besides its Drizzle database: its batch runner, and a row reader when it has one. */
export interface SqliteBackend {
  runBatch: SqliteBatchRunner;
  /** Both or neither: the file's connection supplies them, D1 runs its reads through Drizzle. */
  readRows?: SqliteRowReader;
  readRow?: SqliteSingleRowReader;
}

export function createSqliteStore(db: BatchingSqliteDatabase, { runBatch, readRows, readRow }: SqliteBackend): Store {
  const readers = readRows && readRow ? { rows: readRows, row: readRow } : undefined;
  const queries = withClassifiedErrors(createStoreQueries(createSqliteDialect(db, readers)), classifySqliteFailure);

  async function commit(batch: WriteBatch): Promise<CommitResult> {
    const { statements, bumped } = commitStatements(batch);
    if (statements.length === 0) return { ok: true, revisions: {} };
    let read: unknown[][][];
    try {
      read = await runBatch(statements);
    } catch (error) {
      if (classifySqliteFailure(error) === "stale") return { ok: false, reason: "stale" };
      throw toStoreError(error, classifySqliteFailure);
    }
    // The batch's reads are the new revisions of the bumped scopes, one bump statement each, in order.
    return { ok: true, revisions: Object.fromEntries(bumped.map((scope, index) => [scope, Number(read[index]![0]![0])])) };
  }

  // Every refused or failed mutating call appends its entry: by the commit's kept statement, not one built per call.
  async function appendAudit(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      await runBatch(auditStatements(entries));
    } catch (error) {
      throw toStoreError(error, classifySqliteFailure);
    }
  }

  return { ...queries, commit, appendAudit, async close() {} } satisfies Store;
}
