// The Connect context value by which the layer in front of the ADS service (functions/auth's ADS interceptor) tells
// the service who is on the other end of a stream it admitted. The service copies it into `StreamInfo.identity`, so
// observers (the audit trail) know the principal without knowing how it was established.
import { createContextKey } from "@connectrpc/connect";

/** Who a stream's proxy proved to be. Set once, before the stream reaches the ADS service; never changed after. */
export interface StreamIdentity {
  /** The principal's name, e.g. "envoyB1"; "anonymous" when authentication is off, "local-socket" for the Unix socket. */
  readonly principal: string;
  /** How it proved it: an access key id, "bearer", "unix-socket"; "" when it sent no credentials. */
  readonly credential: string;
}

/** The identity of the stream a call belongs to; null when nothing in front of the service authenticates streams. */
export const streamIdentityKey = createContextKey<StreamIdentity | null>(null);
