// The header by which the Unix-socket ADS relay marks the streams it forwards (see ads-relay.ts); the relay strips
// it from everything else, and its value is a per-process random token, so no client can forge it.
export const LOCAL_RELAY_HEADER = "x-meshplane-local-relay";
