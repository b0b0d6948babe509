// The audit trail: what the middleware and the ADS authorizer record, written to the store. A failed audit write
// is logged (without secrets) and does not fail the call it describes: the call's outcome is already decided.
import type { AuditEntry, AuditQuery, AuditRecord } from "../../db/store.js";

/** The part of the Store the audit log needs. */
export interface AuditStore {
  appendAudit(entries: AuditEntry[]): Promise<void>;
  listAudit(query: AuditQuery): Promise<AuditRecord[]>;
}

export interface AuditLog {
  /** Appends `entries` in order, in one store write; resolves when it is done or failed (logged), never rejects. */
  record(...entries: AuditEntry[]): Promise<void>;
  query(query: AuditQuery): Promise<AuditRecord[]>;
}

export function createAuditLog(store: AuditStore, onError: (error: unknown) => void = (error) => console.error("meshplane auth: writing the audit log failed:", error)): AuditLog {
  return {
    async record(...entries) {
      try {
        await store.appendAudit(entries);
      } catch (error) {
        onError(error);
      }
    },
    query: (query) => store.listAudit(query),
  };
}

/** Parses the admin endpoint's filters (`?principal=&action=&resource=&outcome=&since=&until=&limit=&nextToken=`). */
export function parseAuditQuery(params: Record<string, string | undefined>): AuditQuery | string {
  const query: AuditQuery = { afterSeq: 0, limit: 100 };
  if (params.limit !== undefined) {
    if (!/^\d{1,4}$/.test(params.limit) || Number(params.limit) < 1 || Number(params.limit) > 1000) return "limit must be between 1 and 1000";
    query.limit = Number(params.limit);
  }
  if (params.nextToken !== undefined) {
    if (!/^\d{1,15}$/.test(params.nextToken)) return "nextToken is not one this endpoint issued";
    query.afterSeq = Number(params.nextToken);
  }
  for (const name of ["since", "until"] as const) {
    const raw = params[name];
    if (raw === undefined) continue;
    const millis = /^\d{1,15}$/.test(raw) ? Number(raw) : Date.parse(raw);
    if (Number.isNaN(millis)) return `${name} must be epoch milliseconds or an ISO-8601 time`;
    query[name] = millis;
  }
  for (const name of ["principal", "action", "resource", "outcome"] as const) {
    const value = params[name];
    if (value !== undefined) query[name] = value;
  }
  return query;
}
