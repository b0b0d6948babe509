// The audit trail of ADS streams as an XdsObserver: one `appmesh:StreamAggregatedResources` "allowed" entry when a
// served stream names its node (its connect) and one `meshplane:StreamClosed` entry when it ends (its disconnect,
// with the status it ended with), each with the principal the auth layer established for the stream
// (`StreamInfo.identity`, set through ads-admission.ts). Refusals are the authorizer's to audit (ads-authorizer.ts):
// a refused stream never reaches the ADS service, so it never reaches this observer.
import { Code } from "@connectrpc/connect";
import type { AuditEntry } from "../../db/store.js";
import { createXdsObserver, type StreamInfo, type XdsObserver } from "../xds/index.js";
import { nodeArn } from "./ads-authorizer.js";
import type { AuditLog } from "./audit.js";
import type { ArnScope } from "./operations.js";

/** Entries per store write: 9 bound values each stays far below SQLite's and PostgreSQL's parameter limits. */
const MAX_BATCH = 100;

const later: (task: () => void) => void = typeof setImmediate === "function" ? (task) => void setImmediate(task) : (task) => void setTimeout(task, 0);

export interface AdsAuditObserverOptions {
  audit: AuditLog;
  /** Region and account of the node ARNs the entries name (as the authorizer's). */
  scope: ArnScope;
  now?: () => number;
}

/**
 * The ADS audit observer, for the ADS service's observers (`startXdsServer({ observers })`), beside the auth
 * admission that lets the streams in. Streams that never named a node are not audited: they were never served.
 * @example
 * startXdsServer({ …, admission: createAdsAdmission(authorizer), observers: [createAdsAuditObserver({ audit, scope })] });
 */
export function createAdsAuditObserver(options: AdsAuditObserverOptions): XdsObserver {
  const now = options.now ?? Date.now;
  // Group commit: the entries of one turn of the event loop go to the store in one write, after that turn's I/O
  // (setImmediate; a zero timeout where there is none), and one write is in flight at a time, later entries queued
  // behind it in arrival order. So a stream's disconnect never lands before its connect, and a reconnect storm of N
  // streams costs a few writes instead of 2N inserts competing with the streams for the event loop.
  const pending: AuditEntry[] = [];
  let flushing = false;
  const write = (entry: AuditEntry): void => {
    pending.push(entry);
    if (flushing) return;
    flushing = true;
    later(() => void flush());
  };
  const flush = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending.splice(0, MAX_BATCH);
      // AuditLog.record never rejects: a failed write is logged there.
      await options.audit.record(...batch);
    }
    flushing = false;
  };

  const entry = (stream: StreamInfo, nodeId: string, action: string, errorCode: string): AuditEntry => {
    const arn = nodeArn(nodeId, options.scope);
    return {
      at: now(),
      requestId: "",
      principal: stream.identity?.principal ?? "",
      credential: stream.identity?.credential ?? "",
      sourceAddress: stream.peerAddress,
      action,
      resource: typeof arn === "string" ? arn : nodeId,
      outcome: errorCode === "" ? "allowed" : errorCode,
      errorCode,
    };
  };

  return createXdsObserver({
    onStreamNode(stream, node) {
      write(entry(stream, node.id, "appmesh:StreamAggregatedResources", ""));
    },
    onStreamClosed(stream, error) {
      // A stream has a node exactly when onStreamNode audited its connect.
      if (!stream.node) return;
      // The status's name, as the metrics name it (`meshplane_xds_stream_errors_total{code}`); "" for OK.
      write(entry(stream, stream.node.id, "meshplane:StreamClosed", error ? (Code[error.code] ?? String(error.code)) : ""));
    },
  });
}
