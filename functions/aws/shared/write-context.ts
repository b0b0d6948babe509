// What the request's middleware hands an operation's handler besides the input: the audit entry of a mutating call,
// which the service commits in the batch of its change (commit-retry.ts). Kept as one Hono context variable, set by
// functions/auth's middleware and read where the App Mesh API and the JSON 1.1 stand-ins call their services, so
// both APIs record a change and its audit entry atomically, on every store.
import type { Context } from "hono";
import type { WriteAudit, WriteContext } from "./commit-retry.js";

declare module "hono" {
  interface ContextVariableMap {
    meshplaneWriteAudit: WriteAudit;
  }
}

/** Hands `audit` to the operation's handler; after the handler, `audit.committed` says whether it went with a change. */
export function setWriteAudit(c: Context, audit: WriteAudit): void {
  c.set("meshplaneWriteAudit", audit);
}

/** The write context the handler passes to the service. */
export function writeContextOf(c: Context): WriteContext {
  const audit = c.get("meshplaneWriteAudit");
  return audit ? { audit } : {};
}
