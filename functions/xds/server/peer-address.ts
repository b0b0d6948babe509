// The Connect context value that carries the caller's address from the transport adapter (node-server.ts) to the
// handlers behind it: the ADS service (the status endpoint's `peerAddress`) and functions/auth's ADS interceptor
// (the audit log's source address).
import { createContextKey } from "@connectrpc/connect";

/** The peer address ("ip:port") of the connection a call arrived on; "unknown" when the transport sets none. */
export const peerAddressKey = createContextKey<string>("unknown");
