// Who is on the other end of an ADS stream, as the service's admission (functions/auth's ADS authorization) found
// out before serving it. The service copies it into `StreamInfo.identity`, so observers (the audit trail) know the
// principal without knowing how it was established.

/** Who a stream's proxy proved to be. Set once, before the stream is served; never changed after. */
export interface StreamIdentity {
  /** The principal's name, e.g. "envoyB1"; "anonymous" when authentication is off, "local-socket" for the Unix socket. */
  readonly principal: string;
  /** How it proved it: an access key id, "bearer", "unix-socket"; "" when it sent no credentials. */
  readonly credential: string;
}
