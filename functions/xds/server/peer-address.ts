// The Connect context value that carries the caller's address from the transport adapter (node-server.ts) to the
// handlers behind it: the ADS service (`StreamInfo.peerAddress`: the status endpoint's `peerAddress`, the source
// address of the ADS audit entries) and functions/auth's ADS interceptor (the source address of a refusal's entry).
import { createContextKey } from "@connectrpc/connect";

/** The peer address ("ip:port") of the connection a call arrived on; "unknown" when the transport sets none. */
export const peerAddressKey = createContextKey<string>("unknown");
