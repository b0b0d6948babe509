// The largest discovery request an ADS stream reads (REST xDS bodies are bounded lower, by the API's body limit). 4 MiB is gRPC's default
// maximum receive message size (grpc-go's and grpc-js's servers refuse larger messages with RESOURCE_EXHAUSTED);
// an Envoy's requests name resources and ACK versions, far below it even for thousands of EDS clusters. Without a
// limit a client could make the server buffer a message of any declared length.
export const MAX_DISCOVERY_REQUEST_BYTES = 4 * 1024 * 1024;
